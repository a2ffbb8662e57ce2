"""Commission lines as stored: a run's computed lines (paged by line number), the ledger's posted lines by run,
member, period or order, and a distributor's earnings per period."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.models import Q, QuerySet, Sum

from core.members.models import Member
from plans.models import CommissionPeriod, CommissionRun, LedgerKind, LedgerLine, RunLine, RunStatus

ZERO = Decimal("0.00")


class RunLinesInOrder:
    """A stored run's lines in line order, for a pager: a run's writer numbers its lines from 0 without gaps
    (plans.runstore), so a page is one range of line numbers found through the run's BRIN index, and the count is
    the run's own, where an OFFSET would walk every line before the page and a count would read them all."""

    ordered = True

    def __init__(self, run_id: int, count: int):
        self.run_id, self._count = run_id, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice) -> list[RunLine]:
        start, stop, _ = key.indices(self._count)
        lines = RunLine.objects.filter(run_id=self.run_id, line_no__gte=start, line_no__lt=stop)
        return list(lines.order_by("line_no"))

    def none(self) -> QuerySet:
        return RunLine.objects.none()


def run_lines(
    *, run: CommissionRun, member: Member | None = None, paid_only: bool = False, component: str = ""
) -> QuerySet | RunLinesInOrder:
    """A run's computed lines; ``component`` (a bonus code of the run's plan; an unknown code filters nothing).
    Unfiltered, those of a run its writer stored are paged by line number (``RunLinesInOrder``)."""
    codes = run.summary.get("component_codes", [])
    stored = run.summary.get("timings", {}).get("lines_copied")
    if member is None and not paid_only and component not in codes and isinstance(stored, int):
        return RunLinesInOrder(run.pk, stored)
    lines = RunLine.objects.filter(run_id=run.pk).order_by("line_no")
    if component in codes:
        lines = lines.filter(component=codes.index(component))  # run lines store the bonus by its index
    if member is not None:
        lines = lines.filter(payee_id=member.pk)
    if paid_only:
        lines = lines.filter(reason=0)
    return lines


class PostedRunLedgerInOrder:
    """A posted run's ledger lines in id order (its paid lines by line number, then the clawbacks its post wrote),
    paged by line number: paid line k's number is k plus the forfeited lines numbered before it (the run's
    ``forfeit_ranges``), and a page of them is a range the run's partition finds through its BRIN index, where an
    ORDER BY on the ledger's id sorted every one of its lines for each page (4 s at 1M members), and a count read
    them all."""

    ordered = True

    def __init__(self, run: CommissionRun, forfeits: list[list[int]]):
        self.run_id, self.paid, self.forfeits = run.pk, run.line_count, sorted(forfeits)
        # What its post wrote one by one (clawbacks): the run's own branch of the ledger holds only commission lines,
        # so this reads the table alone (the kind is a constant there).
        self._written = LedgerLine.objects.filter(run_id=run.pk).exclude(kind=LedgerKind.COMMISSION).order_by("id")
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.paid + self._written.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _line_no(self, k: int) -> int:
        for first, n in self.forfeits:
            if first > k:
                break
            k += n
        return k

    def __getitem__(self, key: slice) -> list[LedgerLine]:
        start, stop, _ = key.indices(self.count())
        lines = LedgerLine.objects.select_related("payee", "period", "created_by")
        found: list[LedgerLine] = []
        if start < min(stop, self.paid):
            low, high = self._line_no(start), self._line_no(min(stop, self.paid) - 1) + 1
            paid = lines.filter(run_id=self.run_id, line_no__gte=low, line_no__lt=high, kind=LedgerKind.COMMISSION)
            found = list(paid.order_by("line_no"))
        if stop > self.paid:
            written = self._written.select_related("payee", "period", "created_by")
            found += list(written[max(start - self.paid, 0) : stop - self.paid])
        return found

    def none(self) -> QuerySet:
        return LedgerLine.objects.none()


def ledger_lines(
    *, run: CommissionRun | None = None, member: Member | None = None, period=None, component: str = ""
) -> QuerySet | PostedRunLedgerInOrder:
    """Ledger lines, oldest first. A posted run's alone, unfiltered, are paged by line number when its preview
    recorded where its forfeits are (``PostedRunLedgerInOrder``)."""
    forfeits = run.summary.get("forfeit_ranges") if run is not None else None
    unfiltered = not (member or period or component)
    if run is not None and run.ledger_first_id is not None and forfeits is not None and unfiltered:
        return PostedRunLedgerInOrder(run, forfeits)
    return _ledger_lines_filtered(run=run, member=member, period=period, component=component)


def _ledger_lines_filtered(
    *, run: CommissionRun | None = None, member: Member | None = None, period=None, component: str = ""
) -> QuerySet[LedgerLine]:
    lines = LedgerLine.objects.select_related("payee", "period", "created_by").order_by("id")
    if run is not None:
        lines = lines.filter(run=run)
    if component:
        lines = lines.filter(component=component)
    if member is not None:
        lines = lines.filter(payee=member)
    if period is not None:
        lines = lines.filter(period=period)
    return lines


def earnings_lines(*, member: Member, period: CommissionPeriod) -> QuerySet[LedgerLine]:
    """A distributor's ledger lines in a period, with the order and member each came from (the page names them)."""
    return _ledger_lines_filtered(member=member, period=period).select_related("source_order", "source_member")


def earnings_by_period(*, member: Member) -> list[dict]:
    """The distributor's posted earnings per period, split by bonus (component)."""
    rows = (
        LedgerLine.objects.filter(payee=member)
        .values("period_id", "period__start", "period__end", "period__status", "component", "kind")
        .annotate(total=Sum("amount"))
        .order_by("-period__start", "component", "kind")
    )
    periods: dict[int, dict] = {}
    for row in rows:
        p = periods.setdefault(
            row["period_id"],
            {"period": row["period_id"], "start": row["period__start"], "end": row["period__end"],
             "status": row["period__status"], "total": ZERO, "by_bonus": {}},
        )  # fmt: skip
        key = row["component"] if row["kind"] == "commission" else f"{row['component']} ({row['kind']})"
        p["by_bonus"][key] = p["by_bonus"].get(key, ZERO) + row["total"]
        p["total"] += row["total"]
    return list(periods.values())


def commission_lines_of_orders(order_ids) -> QuerySet:
    """The commission lines paid on these orders, oldest first.

    A line posted from a run's stored lines (``line_no`` set) is found through the posted run's own partition,
    which posting indexes by order once (plans.runstore_posted.partitions_keep): the ledger keeps no order index
    for such lines, as maintaining one row by row was 40 % of a 10M-line post. Other lines (written one by one, or
    posted before) are in the ledger's partial order index."""
    order_ids = sorted({int(x) for x in order_ids})
    if not order_ids:
        return LedgerLine.objects.none()
    posted = list(CommissionRun.objects.filter(status=RunStatus.POSTED).values_list("pk", flat=True))
    by_run: dict[int, list[int]] = {}
    if posted:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT run_id, line_no FROM {RunLine._meta.db_table} "
                "WHERE run_id = ANY(%s) AND reason = 0 AND source_order_id = ANY(%s)",
                [posted, order_ids],
            )
            for run_id, line_no in cursor.fetchall():
                by_run.setdefault(run_id, []).append(line_no)
    found = Q(line_no__isnull=True, source_order_id__in=order_ids)
    for run_id, line_nos in by_run.items():
        found |= Q(run_id=run_id, line_no__in=line_nos)
    return LedgerLine.objects.filter(found, kind=LedgerKind.COMMISSION).order_by("id")
