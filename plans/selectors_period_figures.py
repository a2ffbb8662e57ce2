"""One source for a member's figures of a period (PV, PSV, CV, GV, paid-as and highest rank, progress, projected or
earned commissions): the dashboard, the earnings page, a member's page and the API all read member_period_figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.commerce.public import MemberVolume, company_date, period_end_for, period_start_for
from core.members.models import Member
from plans.models import CommissionPeriod, CommissionRun, PeriodStatus, PlanVersion, RunKind, RunStatus
from plans.selectors import period_reference_run
from plans.selectors_rank_progress import rank_progress

ZERO = Decimal("0.00")


LIVE, RUN = "live", "run"
BONUS_DEFAULT_NAMES = {
    "unilevel": _("Unilevel commission"),
    "stairstep_breakaway": _("Stairstep breakaway commission"),
    "matrix": _("Matrix commission"),
    "binary": _("Binary pairing bonus"),
    "p2p": _("Sales commission"),
    "party": _("Party commission"),
    "retail_profit": _("Retail profit"),
    "fast_start": _("Fast start bonus"),
    "rank_advancement": _("Rank advancement bonus"),
    "matching": _("Check match"),
    "leadership_pool": _("Leadership pool"),
    "enrolment_bonus": _("Enrolment bonus"),
}


@dataclass
class PeriodFigures:
    """``source`` is LIVE (the open period so far: volumes from today's orders; rank, progress and projected
    commissions from the latest projection, calculated at ``as_of``) or RUN (the period's posted run)."""

    start: datetime.date
    end: datetime.date
    period: CommissionPeriod | None
    source: str
    pv: Decimal = ZERO
    psv: Decimal = ZERO
    cv: Decimal = ZERO
    gv: Decimal = ZERO
    active: bool | None = None
    rank: str = ""  # the company's name for the paid-as rank; "" none (or not calculated yet)
    highest_rank: str = ""
    run: CommissionRun | None = None
    as_of: datetime.datetime | None = None
    projected: Decimal | None = None  # LIVE: what the figures would pay if the period closed at as_of
    earned: Decimal | None = None  # RUN: what the posted run paid the member
    progress: dict | None = None  # rank_progress(): next rank, criteria, what is missing
    extra: dict = field(default_factory=dict)

    @property
    def is_live(self) -> bool:
        return self.source == LIVE

    @property
    def calculated(self) -> bool:
        """True when a run (posted, or the projection) has decided the rank."""
        return self.run is not None


def _volume_points(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _live_volumes(member: Member, start: datetime.date) -> dict[str, Decimal]:
    """PV, PSV, CV of the member and GV (the PSV of the member and everyone under them in the sponsor tree, as the
    plan engine counts it) for the period starting ``start``, from the volumes kept current on every payment and
    refund; two indexed queries."""
    own = MemberVolume.objects.filter(member_id=member.pk, period_start=start).first()
    gv = MemberVolume.objects.filter(period_start=start, member__sponsor_path__contains=[member.pk]).aggregate(
        total=Sum("psv")
    )["total"]
    return {"pv": _volume_points(own.pv if own else 0), "psv": _volume_points(own.psv if own else 0),
            "cv": _volume_points(own.cv if own else 0), "gv": _volume_points(gv)}  # fmt: skip


def _rank_name(rank) -> str:
    return (rank.name or rank.code) if rank is not None else ""


def latest_projection(*, period: CommissionPeriod) -> CommissionRun | None:
    return (
        CommissionRun.objects.filter(period=period, kind=RunKind.PROJECTION, status=RunStatus.DONE)
        .order_by("-id")
        .first()
    )


def _latest_ranking(period: CommissionPeriod) -> CommissionRun | None:
    """The newest calculation of an open period: the beat job's projection or an admin's preview, whichever
    finished last."""
    runs = [run for run in (latest_projection(period=period), period_reference_run(period)) if run is not None]
    return max(runs, key=lambda run: (run.finished_at is not None, run.finished_at, run.pk), default=None)


def current_period_bounds() -> tuple[datetime.date, datetime.date]:
    start = period_start_for(company_date(timezone.now()))
    return start, period_end_for(start)


def member_period_figures(*, member: Member, period: CommissionPeriod | None = None) -> PeriodFigures:
    """The member's figures for ``period`` (default: the period containing today). A posted period reads the posted
    run; any other reads live volumes and the latest projection (computed by the beat job, never here)."""
    if period is None:
        start, end = current_period_bounds()
        period = CommissionPeriod.objects.filter(start=start).first()
    else:
        start, end = period.start, period.end
    posted = (
        CommissionRun.objects.filter(period=period, status=RunStatus.POSTED).first()
        if period is not None and period.status in (PeriodStatus.POSTED, PeriodStatus.PAID)
        else None
    )
    if posted is not None:
        figures = PeriodFigures(start=start, end=end, period=period, source=RUN, run=posted)
        progress = rank_progress(member=member, run=posted)
        cv = _live_volumes(member, start)["cv"]
        if progress is not None:
            figures.pv, figures.psv, figures.gv, figures.cv = progress["pv"], progress["psv"], progress["gv"], cv
            figures.active = progress["active"]
            figures.rank, figures.highest_rank = _rank_name(progress["rank"]), _rank_name(progress["highest_rank"])
            figures.earned = progress["earned"].quantize(Decimal("0.01"))
            figures.progress = progress
        else:
            figures.cv, figures.earned = cv, ZERO
        figures.as_of = posted.posted_at
        return figures
    live = _live_volumes(member, start)
    figures = PeriodFigures(start=start, end=end, period=period, source=LIVE,
                            pv=live["pv"], psv=live["psv"], cv=live["cv"], gv=live["gv"])  # fmt: skip
    ranked = _latest_ranking(period) if period is not None else None
    progress = rank_progress(member=member, run=ranked, live=live) if ranked is not None else None
    if progress is not None and ranked is not None:
        figures.run, figures.as_of = ranked, ranked.finished_at
        figures.active = progress["active"]
        figures.rank, figures.highest_rank = _rank_name(progress["rank"]), _rank_name(progress["highest_rank"])
        figures.projected = progress["earned"].quantize(Decimal("0.01"))
        figures.progress = progress
    return figures


def bonus_names() -> dict[str, str]:
    """Bonus code -> the name the company gives it in its plan (a component's ``name``), else a plain default for
    its type; newer plan versions win. A handful of rows."""
    names: dict[str, str] = {}
    for document in PlanVersion.objects.order_by("effective_from", "id").values_list("document", flat=True):
        for component in (document or {}).get("components", []):
            if not isinstance(component, dict):
                continue
            kind = component.get("type", "")
            code = component.get("code", kind)
            default = BONUS_DEFAULT_NAMES.get(kind, str(code).replace("_", " ").capitalize())
            names[str(code)] = str(component.get("name") or (default if code == kind else
                                   str(code).replace("_", " ").capitalize()))  # fmt: skip
    return names
