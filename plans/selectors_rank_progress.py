"""Where a member stands in a run: their paid-as rank and, for the next rank, each criterion held, needed and
missing in words (the back office's progress and the period figures read it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext, ngettext

from core.members.models import Member
from plans.engine import plan_from_document
from plans.models import CommissionRun, RunKind, RunMemberResult, RunStatus


def latest_reference_run() -> CommissionRun | None:
    """The newest period's run a member's standing is read from: a posted run, else the latest finished preview."""
    return (
        CommissionRun.objects.filter(period__isnull=False)
        .filter(Q(status=RunStatus.POSTED) | Q(kind=RunKind.PREVIEW, status__in=[RunStatus.DONE, RunStatus.APPROVED]))
        .select_related("period")
        .order_by("-period__start", "-id")
        .first()
    )


def _points(hundredths: int) -> Decimal:
    return (Decimal(int(hundredths)) / 100).quantize(Decimal("0.01"))


def _criterion(key: str, label: str, have, need, missing_text: str, unit: str = "") -> dict:
    met = have >= need
    percent = 100 if met or not need else int(Decimal(have) * 100 / Decimal(need))
    return {"key": key, "label": label, "have": have, "need": need, "unit": unit, "met": met,
            "percent": max(0, min(percent, 100)), "missing": "" if met else missing_text}  # fmt: skip


def rank_progress(
    *, member: Member, run: CommissionRun | None = None, live: dict[str, Decimal] | None = None
) -> dict | None:
    """The member's paid-as rank in a run (default: the latest posted run or preview) and, for the next rank, each
    criterion with what is held, what is needed and what is missing in words. Read from the run's stored per-member
    results (volumes, activity, ranks) and the run's plan document, so it says exactly what that run decided.
    None when there is no run yet or the member was not in it."""
    run = run or latest_reference_run()
    if run is None:
        return None
    mine = RunMemberResult.objects.filter(run_id=run.pk, member_id=member.pk).first()
    if mine is None:
        return None
    if live is not None:  # the open period: criteria count today's volumes (the page shows the same figures)
        mine.pv, mine.psv, mine.gv = (int(live[k] * 100) for k in ("pv", "psv", "gv"))
    plan = plan_from_document(run.plan_document)
    ranks = plan.ranks
    current = ranks[mine.rank] if 0 <= mine.rank < len(ranks) else None
    nxt_index = mine.rank + 1
    out: dict[str, Any] = {
        "run": run,
        "period": run.period,
        "pv": _points(mine.pv),
        "psv": _points(mine.psv),
        "gv": _points(mine.gv),
        "active": mine.active,
        "rank": current,
        "highest_rank": ranks[mine.highest_rank] if 0 <= mine.highest_rank < len(ranks) else None,
        "earned": Decimal(mine.earned_cents) / 100,
        "next": None,
        "criteria": [],
        "missing": [],
    }
    if nxt_index >= len(ranks):
        return out
    target = ranks[nxt_index]
    out["next"] = target
    criteria: list[dict[str, Any]] = out["criteria"]
    if target.min_pv:
        short_pv = gettext("%(n)s more PV") % {"n": _points(target.min_pv - mine.pv)}
        criteria.append(_criterion("pv", gettext("Personal volume (PV)"), _points(mine.pv), _points(target.min_pv),
                                   short_pv, "PV"))  # fmt: skip
    if target.min_psv:
        short_psv = gettext("%(n)s more PSV") % {"n": _points(target.min_psv - mine.psv)}
        criteria.append(_criterion("psv", gettext("Personal sales volume (PSV)"), _points(mine.psv),
                                   _points(target.min_psv), short_psv, "PSV"))  # fmt: skip
    frontline = list(
        RunMemberResult.objects.filter(run_id=run.pk, member__sponsor_id=member.pk).values_list("gv", "active")
    )
    if target.min_gv:
        if target.max_leg_share_bp is not None:
            cap = target.min_gv * target.max_leg_share_bp // 10000
            counted = mine.psv + sum(min(gv, cap) for gv, _ in frontline)
            label = gettext("Group volume (GV), at most %(cap)s from any one leg") % {"cap": _points(cap)}
            missing = gettext("%(n)s more GV (counting at most %(cap)s from any one leg)") % {
                "n": _points(target.min_gv - counted), "cap": _points(cap)}  # fmt: skip
        else:
            counted, label = mine.gv, gettext("Group volume (GV)")
            missing = gettext("%(n)s more GV") % {"n": _points(target.min_gv - counted)}
        criteria.append(_criterion("gv", label, _points(counted), _points(target.min_gv), missing, "GV"))
    if target.min_active_sponsored:
        actives = sum(1 for _, active in frontline if active)
        short = target.min_active_sponsored - actives
        criteria.append(
            _criterion("sponsored", gettext("Personally sponsored active members"), actives,
                       target.min_active_sponsored,
                       ngettext("%(n)s more personally sponsored active member",
                                "%(n)s more personally sponsored active members", short) % {"n": short})
        )  # fmt: skip
    if target.legs:
        best = _leg_best_ranks(run, member)
        for leg in target.legs:
            name = ranks[leg.rank].name or ranks[leg.rank].code
            have = sum(1 for rank in best if rank >= leg.rank)
            short = leg.count - have
            criteria.append(
                _criterion(f"legs_{leg.rank}", gettext("Legs with a %(rank)s or higher") % {"rank": name}, have,
                           leg.count, ngettext("%(n)s more leg with a %(rank)s or higher",
                                               "%(n)s more legs with a %(rank)s or higher", short)
                           % {"n": short, "rank": name})
            )  # fmt: skip
    out["missing"] = [c["missing"] for c in criteria if not c["met"]]
    return out


def _leg_best_ranks(run: CommissionRun, member: Member) -> list[int]:
    """Per frontline sponsor leg, the highest paid-as rank anyone in it holds in the run (one grouped query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT m.sponsor_path[%s], max(r.rank) FROM {Member._meta.db_table} m
                  JOIN {RunMemberResult._meta.db_table} r ON r.member_id = m.id AND r.run_id = %s
                 WHERE m.sponsor_path @> ARRAY[%s]::bigint[] AND m.id <> %s GROUP BY 1""",
            [member.sponsor_depth + 2, run.pk, member.pk, member.pk],
        )
        return [int(rank) for _, rank in cursor.fetchall()]
