"""What an option of the plan document would change: the company's plan and a copy of it with one option turned on,
both calculated on a real period's data as what-if simulations, then compared in total, per bonus and per member.

Each option of issue 20 is a pair of documents made from the plan in effect (``option_documents``): the *base* is the
plan itself, or the plan with the component the option belongs to added when the plan has none (a binary option on
a unilevel plan adds the example binary bonus to both sides, so the comparison shows the option and not the
bonus); the *variant* is the base with the option on. Both are calculated (nothing is posted, no rank changes), so the
difference is the option's effect alone, on the same orders and tree.

Options that look back (paid-as grace, rolling GV, flush on inactivity) read the earlier posted periods, as a real run
does. Leg volumes (item 8) change no pay: they are shown in the back office's binary view and are not an option here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from core.accounts.models import User
from core.members.models import Member, PlacementMethod
from core.members.placement import genealogy_settings_get
from plans.models import CommissionPeriod, CommissionRun, RunMemberResult, RunStatus
from plans.selectors import plan_version_for
from plans.services import run_simulate, run_simulation_request

Document = dict[str, Any]


def _components(doc: Document, kind: str) -> list[dict]:
    return [c for c in doc.get("components", []) if isinstance(c, dict) and c.get("type") == kind]


def _rank_codes(doc: Document) -> list[str]:
    return [r["code"] for r in doc.get("ranks", []) if isinstance(r, dict) and "code" in r]


def _with_binary(doc: Document) -> Document:
    if not _components(doc, "binary"):
        doc["components"].append({"type": "binary", "code": "binary", "rate": "10", "carryover_cap": "10000"})
    return doc


def _with_stairstep(doc: Document) -> Document:
    """A stairstep breakaway bonus when the plan has none: 5 % more per rank, breaking away at the second rank (the
    first a leader reaches)."""
    if not _components(doc, "stairstep_breakaway"):
        codes = _rank_codes(doc)
        if len(codes) < 2:
            raise ValidationError({"option": [_("This option needs a plan with at least two ranks.")]})
        doc["components"].append(
            {
                "type": "stairstep_breakaway",
                "code": "stairstep",
                "rank_rates": {code: str(5 * (i + 1)) for i, code in enumerate(codes)},
                "breakaway_rank": codes[1],
                "generation_rates": ["4", "3", "2"],
                "compression": True,
            }
        )
    return doc


def _missing_rank(doc: Document) -> tuple[Document, Document]:
    base = _with_stairstep(doc)
    variant = copy.deepcopy(base)
    for component in _components(variant, "stairstep_breakaway"):
        listed = [code for code in _rank_codes(variant) if code in component["rank_rates"]]
        if len(listed) >= 2:  # the second listed rank's row removed: it reads as the first's (the rank below)
            del component["rank_rates"][listed[1]]
    return base, variant


def _binary_option(field: str, value: Any) -> Callable[[Document], tuple[Document, Document]]:
    def make(doc: Document) -> tuple[Document, Document]:
        base = _with_binary(doc)
        variant = copy.deepcopy(base)
        for component in _components(variant, "binary"):
            component[field] = value
        return base, variant

    return make


def _classic_breakaway(doc: Document) -> tuple[Document, Document]:
    base = _with_stairstep(doc)
    variant = copy.deepcopy(base)
    for component in _components(variant, "stairstep_breakaway"):
        component["breakaway_leaves_gv"] = True
    return base, variant


def _grace(doc: Document) -> tuple[Document, Document]:
    """Paid-as grace of one period, with a rank advancement bonus (once per title) on both sides when missing."""
    if not _components(doc, "rank_advancement"):
        codes = _rank_codes(doc)[1:]
        if not codes:
            raise ValidationError({"option": [_("This option needs a plan with at least two ranks.")]})
        doc["components"].append(
            {"type": "rank_advancement", "code": "rank_advancement", "amounts": dict.fromkeys(codes, "100.00")}
        )
    variant = copy.deepcopy(doc)
    variant["rank_grace_periods"] = 1
    return doc, variant


def _entry(doc: Document) -> tuple[Document, Document]:
    variant = copy.deepcopy(doc)
    variant["entry"] = {"requirement": "initial_purchase", "min_pv": "100"}
    if not _components(variant, "enrolment_bonus"):
        variant["components"].append(
            {"type": "enrolment_bonus", "code": "enrolment_bonus", "amount": "25.00", "periods": 1, "min_pv": "100"}
        )
    return doc, variant


def _rolling_gv(doc: Document) -> tuple[Document, Document]:
    variant = copy.deepcopy(doc)
    for rank in variant.get("ranks", []):
        if isinstance(rank, dict) and rank.get("min_gv") is not None:
            rank["gv_periods"] = 3
    return doc, variant


@dataclass(frozen=True)
class WhatIfOption:
    key: str
    label: Any  # a lazy translation
    documents: Callable[[Document], tuple[Document, Document]]


OPTIONS: dict[str, WhatIfOption] = {
    option.key: option
    for option in (
        WhatIfOption("missing_rank", _("A rank left out of the stairstep rates"), _missing_rank),
        WhatIfOption(
            "sponsored_per_leg",
            _("Binary: one active personally sponsored member in each leg"),
            _binary_option("sponsored_per_leg", 1),
        ),
        WhatIfOption(
            "flush_inactive",
            _("Binary: flush the carry-over of inactive members"),
            _binary_option("flush_inactive_after", 0),
        ),
        WhatIfOption(
            "classic_breakaway", _("Classic breakaway: broken-away legs leave GV for ranks"), _classic_breakaway
        ),
        WhatIfOption("paid_as_grace", _("Paid-as rank kept for one period of grace"), _grace),
        WhatIfOption("entry_enrolment", _("Initial purchase of 100 PV and a 25.00 enrolment bonus"), _entry),
        WhatIfOption("rolling_gv", _("Rank GV accumulated over three periods"), _rolling_gv),
    )
}


BINARY_OPTIONS = {"sponsored_per_leg", "flush_inactive"}


def option_documents(*, document: Document, option: str) -> tuple[Document, Document]:
    """(base, variant) for ``option`` made from a copy of ``document`` (the plan in effect is never changed)."""
    if option not in OPTIONS:
        raise ValidationError({"option": [_("Choose one of the listed options.")]})
    doc = copy.deepcopy(document)
    doc.setdefault("components", [])
    return OPTIONS[option].documents(doc)


@transaction.atomic
def whatif_request(
    *, period: CommissionPeriod, option: str, by: User | None = None, send: bool = True
) -> CommissionRun:
    """Two simulations of ``period`` — the plan in effect (or with the option's component added) and the same with
    ``option`` on — the second pointing at the first as its baseline. Returns the second (the one to compare);
    ``send=False`` calculates both here (tests, the command line)."""
    version = plan_version_for(period.start)
    if version is None:
        raise ValidationError({"period": [_("No plan version is in effect in this period.")]})
    if option in BINARY_OPTIONS and genealogy_settings_get().placement_method != PlacementMethod.BINARY:
        raise ValidationError(
            {"option": [_("This company does not place members in a binary tree: its members have no legs.")]}
        )
    base_doc, variant_doc = option_documents(document=version.document, option=option)
    simulate = run_simulation_request if send else run_simulate
    base = simulate(period=period, document=base_doc, by=by)
    variant = simulate(period=period, document=variant_doc, by=by)
    CommissionRun.objects.filter(pk=variant.pk).update(baseline={"whatif": option, "base_run": base.pk})
    variant.refresh_from_db()
    return variant


def _rank_names(doc: Document) -> list[str]:
    return [r.get("name") or r.get("code", "") for r in doc.get("ranks", []) if isinstance(r, dict)]


@dataclass(frozen=True)
class MemberChange:
    number: int
    full_name: str
    earned_before: Decimal
    earned_after: Decimal
    change: Decimal
    rank_before: str
    rank_after: str


def whatif_member_changes(*, run: CommissionRun, base_run_id: int, limit: int = 20) -> tuple[int, list[MemberChange]]:
    """Members whose pay or paid-as rank differs between the baseline and ``run``: how many, and the ``limit``
    largest changes of pay (one query over the two runs' stored member results)."""
    table = RunMemberResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(a.member_id, b.member_id), COALESCE(b.earned_cents, 0), COALESCE(a.earned_cents, 0),
                   COALESCE(b.rank, -1), COALESCE(a.rank, -1), COUNT(*) OVER ()
              FROM (SELECT * FROM {table} WHERE run_id = %(run)s) a
              FULL JOIN (SELECT * FROM {table} WHERE run_id = %(base)s) b ON a.member_id = b.member_id
             WHERE COALESCE(a.earned_cents, 0) <> COALESCE(b.earned_cents, 0)
                OR COALESCE(a.rank, -1) <> COALESCE(b.rank, -1)
             ORDER BY abs(COALESCE(a.earned_cents, 0) - COALESCE(b.earned_cents, 0)) DESC, 1
             LIMIT %(limit)s
            """,
            {"run": run.pk, "base": base_run_id, "limit": limit},
        )
        rows = cursor.fetchall()
    if not rows:
        return 0, []
    people = Member.objects.in_bulk([r[0] for r in rows])
    base_ranks = _rank_names(CommissionRun.objects.get(pk=base_run_id).plan_document)
    run_ranks = _rank_names(run.plan_document)

    def code(codes: list[str], index: int) -> str:
        return codes[index] if 0 <= index < len(codes) else ""

    changes = [
        MemberChange(
            number=people[member].number,
            full_name=people[member].full_name,
            earned_before=Decimal(before) / 100,
            earned_after=Decimal(after) / 100,
            change=Decimal(after - before) / 100,
            rank_before=code(base_ranks, rank_before),
            rank_after=code(run_ranks, rank_after),
        )
        for member, before, after, rank_before, rank_after, _count in rows
        if member in people
    ]
    return int(rows[0][5]), changes


def whatif_of(run: CommissionRun) -> tuple[WhatIfOption | None, CommissionRun | None]:
    """The option a what-if run turned on and its baseline run (None, None for other simulations)."""
    baseline = run.baseline or {}
    if run.generated is not None or "base_run" not in baseline:
        return None, None
    base = CommissionRun.objects.filter(pk=baseline["base_run"]).first()
    return OPTIONS.get(baseline.get("whatif", "")), base


def _binary_totals(run_id: int) -> tuple[Decimal, Decimal]:
    """Binary carry-over to the next period and carry-over flushed for inactivity, CV points, over all members."""
    totals = RunMemberResult.objects.filter(run_id=run_id).aggregate(
        carry=Sum(F("carry_left") + F("carry_right")), flushed=Sum("binary_flushed")
    )
    return Decimal(totals["carry"] or 0) / 100, Decimal(totals["flushed"] or 0) / 100


@dataclass(frozen=True)
class WhatIf:
    option: WhatIfOption | None
    base: CommissionRun
    members_changed: int
    changes: list[MemberChange]  # the largest changes of pay first
    carry: tuple[Decimal, Decimal]  # binary carry-over (baseline, with the option)
    flushed: tuple[Decimal, Decimal]


def whatif_compare(*, run: CommissionRun) -> WhatIf | None:
    """What a what-if run changes against its baseline, beyond the totals of ``simulation_compare``: members whose
    pay or rank changes, and the binary carry-over and flushed volume. None until both runs are done (or when
    ``run`` is not a what-if)."""
    option, base = whatif_of(run)
    if base is None or base.status != RunStatus.DONE or run.status != RunStatus.DONE:
        return None
    count, changes = whatif_member_changes(run=run, base_run_id=base.pk)
    (carry_before, flushed_before), (carry_after, flushed_after) = _binary_totals(base.pk), _binary_totals(run.pk)
    return WhatIf(
        option=option,
        base=base,
        members_changed=count,
        changes=changes,
        carry=(carry_before, carry_after),
        flushed=(flushed_before, flushed_after),
    )
