"""What a commission statement and a year-end earnings summary say, gathered from the ledger as plain typed values.

The renderer (``plans.statements.render``) draws these and reads nothing else, so what a member sees on paper is
what these selectors decided. Totals are summed in SQL; the lines of a statement are *not* loaded into a list: the
``lines`` of a :class:`Statement` is a re-iterable that streams rows from a server-side cursor in chunks of
``LINE_CHUNK`` (one chunk of plain tuples in memory at a time), so a statement of tens of thousands of lines costs the
renderer's page buffers, not a QuerySet of model instances."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext as _

from core.company.services import company_settings_get
from core.members.models import Member
from plans.currencies import Conversion
from plans.models import CommissionPeriod, LedgerKind, LedgerLine, PayoutItem, PayoutStatus, PlanVersion
from plans.selectors_rates import period_conversion

ZERO = Decimal("0.00")
LINE_CHUNK = 2000  # rows per round trip of the server-side cursor: ~2000 small tuples in memory at once


@dataclass(frozen=True)
class Branding:
    """The company as its statements show it (CompanySettings: display name, colour, support address). The branding
    model has no logo yet; ``logo`` stays None until it does and the renderer then draws the name alone."""

    name: str
    colour: str
    support_email: str
    currency: str
    logo: bytes | None = None


@dataclass(frozen=True)
class BonusTotal:
    """One row of "totals by bonus": the bonus as the company names it in its plan, its line count and sum."""

    name: str
    lines: int
    amount: Decimal


@dataclass(frozen=True)
class StatementLine:
    bonus: str
    source_name: str
    source_number: int | None
    level: int | None
    volume: Decimal | None
    rate: Decimal | None  # percent
    amount: Decimal
    order_number: int | None  # the order the line was paid on
    reason: str  # an adjustment's or clawback's reason


@dataclass(frozen=True)
class Statement:
    branding: Branding
    member_name: str
    member_number: int
    period_start: datetime.date
    period_end: datetime.date
    period_status: str
    by_bonus: tuple[BonusTotal, ...]
    total: Decimal
    line_count: int
    lines: Iterable[StatementLine]  # streamed: see the module docstring
    # The total in the member's currency at the rate recorded with the period's run (docs/currencies.md); None when
    # the member is paid in the company's base currency.
    converted: Conversion | None = None


@dataclass(frozen=True)
class MonthTotal:
    month: int  # 1..12, of the period's start
    amount: Decimal


@dataclass(frozen=True)
class YearSummary:
    branding: Branding
    member_name: str
    member_number: int
    year: int
    by_month: tuple[MonthTotal, ...]  # all twelve months, zero where nothing was posted
    by_bonus: tuple[BonusTotal, ...]
    total: Decimal
    paid_out: Decimal  # payout items of batches marked paid in the year
    periods: int  # commission periods of the year with a line for the member


def branding() -> Branding:
    row = company_settings_get()
    return Branding(name=row.display_name, colour=row.primary_color, support_email=row.support_email,
                    currency=row.currency)  # fmt: skip


def humanised(code: str) -> str:
    """A bonus code as words when the plan gives it no name: "fast_start" -> "Fast start"."""
    words = code.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else _("Bonus")


def bonus_names(document: dict | None) -> dict[str, str]:
    """Bonus code -> the name the company gave it in the plan document (``components[].name``), else the code in
    words. A statement never shows an internal code."""
    names: dict[str, str] = {}
    for item in (document or {}).get("components", []):
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            name = item.get("name")
            names[item["code"]] = name.strip() if isinstance(name, str) and name.strip() else humanised(item["code"])
    return names


def _names_for(versions: Iterable[PlanVersion | None]) -> dict[str, str]:
    """Names from several plan versions; a later version's name wins (the company renamed the bonus)."""
    names: dict[str, str] = {}
    for version in versions:
        if version is not None:
            names.update(bonus_names(version.document))
    return names


def _bonus_label(names: dict[str, str], component: str, kind: str) -> str:
    if kind == LedgerKind.ADJUSTMENT:
        return _("Adjustment")
    name = (names.get(component) or humanised(component)) if component else _("Commission")
    if kind == LedgerKind.CLAWBACK:
        return _("%(bonus)s – clawback") % {"bonus": name}
    return name


def _by_bonus(rows: Iterable[dict], names: dict[str, str]) -> tuple[BonusTotal, ...]:
    """Rows of (component, kind, lines, total) folded by label (two codes may carry one name)."""
    totals: dict[str, BonusTotal] = {}
    for row in rows:
        label = _bonus_label(names, row["component"], row["kind"])
        before = totals.get(label, BonusTotal(label, 0, ZERO))
        totals[label] = BonusTotal(label, before.lines + row["lines"], before.amount + row["total"])
    return tuple(totals.values())


def _bonus_rows(lines) -> list[dict]:
    """(component, kind) -> line count and sum, in SQL."""
    grouped = lines.values("component", "kind").annotate(lines=Count("id"), total=Sum("amount"))
    return list(grouped.order_by("kind", "component"))


class _StreamedLines:
    """Re-iterable: each iteration opens a fresh server-side cursor over the member's lines of the period."""

    def __init__(self, member: Member, period: CommissionPeriod, names: dict[str, str]):
        self.member, self.period, self.names = member, period, names

    def __iter__(self) -> Iterator[StatementLine]:
        rows = (
            LedgerLine.objects.filter(payee=self.member, period=self.period)
            .order_by("id")
            .values_list(
                "component", "kind", "source_member__first_name", "source_member__last_name",
                "source_member__number", "level_compressed", "basis", "rate", "amount", "source_order__number",
                "reason",
            )
        )  # fmt: skip
        for component, kind, first, last, number, level, basis, rate, amount, order, reason in rows.iterator(
            chunk_size=LINE_CHUNK
        ):
            yield _line(self.names, component, kind, (first, last, number), level, basis, rate, amount, order, reason)


def _line(names, component, kind, source, level, basis, rate, amount, order, reason) -> StatementLine:
    first, last, number = source
    adjustment = kind == LedgerKind.ADJUSTMENT
    return StatementLine(
        bonus=_bonus_label(names, component, kind),
        source_name=f"{first} {last}".strip() if number is not None else "",
        source_number=number,
        level=None if adjustment else level,
        volume=None if adjustment else basis,
        rate=rate,
        amount=amount,
        order_number=order,
        reason=reason,
    )


def period_statement(*, member: Member, period: CommissionPeriod) -> Statement:
    """The member's commission statement for ``period``: every ledger line posted to them in it (commissions,
    clawbacks and adjustments), totals by bonus, and the grand total (the sum of those lines, so it equals the
    period's ledger total for the member by construction)."""
    mine = LedgerLine.objects.filter(payee=member, period=period)
    names = _names_for([period.plan_version])
    by_bonus = _by_bonus(_bonus_rows(mine), names)
    total = sum((b.amount for b in by_bonus), ZERO)
    return Statement(
        branding=branding(),
        member_name=member.full_name,
        member_number=member.number,
        period_start=period.start,
        period_end=period.end,
        period_status=period.get_status_display(),
        by_bonus=by_bonus,
        total=total,
        line_count=sum(b.lines for b in by_bonus),
        lines=_StreamedLines(member, period, names),
        converted=period_conversion(member=member, period=period, base_amount=total),
    )


def statement_periods(*, member: Member) -> list[CommissionPeriod]:
    """The periods a member has a statement for (a line posted to them), newest first."""
    return list(CommissionPeriod.objects.filter(ledger_lines__payee=member).distinct().order_by("-start"))


def year_summary(*, member: Member, year: int) -> YearSummary:
    """A calendar year's earnings for tax filing: the ledger lines of the year's periods (by the period's start, as
    the income disclosure counts them) by month and by bonus, and what was paid out in the year (payout batches
    marked paid in it)."""
    mine = LedgerLine.objects.filter(payee=member, period__start__year=year)
    months = dict(
        mine.annotate(month=ExtractMonth("period__start")).values("month").annotate(total=Sum("amount"))
        .values_list("month", "total")
    )  # fmt: skip
    versions = PlanVersion.objects.filter(periods__start__year=year).distinct().order_by("effective_from", "number")
    names = _names_for(versions)
    by_bonus = _by_bonus(_bonus_rows(mine), names)
    paid = PayoutItem.objects.filter(member=member, batch__status=PayoutStatus.PAID, batch__paid_at__year=year)
    return YearSummary(
        branding=branding(),
        member_name=member.full_name,
        member_number=member.number,
        year=year,
        by_month=tuple(MonthTotal(m, months.get(m, ZERO)) for m in range(1, 13)),
        by_bonus=by_bonus,
        total=sum((b.amount for b in by_bonus), ZERO),
        paid_out=paid.aggregate(total=Sum("amount"))["total"] or ZERO,
        periods=mine.values("period_id").distinct().count(),
    )


def statement_years(*, member: Member) -> list[int]:
    """Calendar years with a line posted to the member, latest first."""
    starts = LedgerLine.objects.filter(payee=member).values_list("period__start__year", flat=True).distinct()
    return sorted(set(starts), reverse=True)
