"""Clawbacks of refunds made after a period closed, written when a later period posts (called by
``plans.services_posting.run_post`` inside its transaction; docs/plans.md "Clawbacks of refunds after posting")."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from core.accounts.models import User
from core.commerce.public import ClawbackFlag, Order, RefundLine, clawback_flag_resolve
from plans.models import CommissionPeriod, CommissionRun, LedgerKind, LedgerLine
from plans.selectors_commission_lines import commission_lines_of_orders
from plans.selectors_explanations import ledger_explanations

CENT = Decimal("0.01")


def q2(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def clawbacks_post(*, run: CommissionRun, period: CommissionPeriod, now: datetime.datetime, by: User | None) -> int:
    """Each unresolved refund flag of an earlier posted period takes back, from every commission line paid on the
    refunded order, the refunded share of what that line was paid on, as new negative lines here.

    The share is measured against what the original run counted (the order net of refunds made before its period
    closed): CV for CV-based lines (level, differential, generation, P2P, party consultant, fast start), the retail
    margin (retail minus distributor price of the refunded units) for retail-profit lines. Shares are cumulative
    per order and rounded half-up once, so a line is never clawed back beyond what it paid and a fully refunded order
    takes back exactly every cent. Lines not tied to an order (binary pairing, matching, leadership pool, rank
    advancement, party host rewards) are not clawed back: docs/plans.md says why."""
    flags = list(
        ClawbackFlag.objects.select_for_update()
        .filter(resolved_at__isnull=True, period_start__lt=period.start)
        .select_related("order", "refund")
        .order_by("id")
    )
    if not flags:
        return 0
    order_ids = {flag.order_id for flag in flags}
    originals: dict[int | None, list[LedgerLine]] = {}
    commission_lines = list(commission_lines_of_orders(order_ids))
    for line in commission_lines:
        originals.setdefault(line.source_order_id, []).append(line)
    explained = dict(zip((x.pk for x in commission_lines), ledger_explanations(commission_lines), strict=True))
    clawed: dict[int, Decimal] = {  # original line -> already taken back (a positive amount)
        row["reverses_id"]: -row["total"]
        for row in LedgerLine.objects.filter(kind=LedgerKind.CLAWBACK, source_order_id__in=order_ids)
        .values("reverses_id")
        .annotate(total=Sum("amount"))
    }
    margin = _refund_margins(order_ids)
    all_flags: dict[int, list[ClawbackFlag]] = {}
    for flag in ClawbackFlag.objects.filter(order_id__in=order_ids).order_by("id"):
        all_flags.setdefault(flag.order_id, []).append(flag)
    new_lines = []
    for flag in flags:
        order = flag.order
        counted, upto = _clawback_measures(order, all_flags[order.pk], margin, flag)
        for line in originals.get(order.pk, []):
            measure = "retail_margin" if line.rule == "retail" else "cv"
            share = _share(upto[measure], counted[measure], upto["amount"], counted["amount"])
            amount = min(q2(line.amount * share), line.amount) - clawed.get(line.pk, Decimal(0))
            if amount <= 0:
                continue
            clawed[line.pk] = clawed.get(line.pk, Decimal(0)) + amount
            new_lines.append(
                LedgerLine(
                    kind=LedgerKind.CLAWBACK, period=period, run=run, payee_id=line.payee_id,
                    payee_customer_id=line.payee_customer_id, amount=-amount, component=line.component,
                    rule=line.rule, source_order_id=order.pk, source_member_id=line.source_member_id,
                    source_party_id=line.source_party_id, level_raw=line.level_raw,
                    level_compressed=line.level_compressed, rate=line.rate, basis=line.basis, reverses=line,
                    reason=f"Refund {flag.refund_id} of order {order.number}: {flag.refund.reason}"[:500],
                    explanation={**explained[line.pk], "clawback_of_line": line.pk, "refund_id": flag.refund_id,
                                 "refunded_cv": str(flag.cv), "order_cv": str(counted["cv"]),
                                 "measure": measure, "refunded_to_date": str(upto[measure]),
                                 "counted": str(counted[measure]), "share": str(share),
                                 "original_period_start": str(flag.period_start), "amount": str(-amount)},
                    created_by=by, created_at=now,
                )
            )  # fmt: skip
        clawback_flag_resolve(flag=flag, resolution=f"Clawed back in commission run {run.pk} ({period.start})")
    LedgerLine.objects.bulk_create(new_lines, batch_size=2000)  # a batch of 2000 lines is ~1 MB of SQL
    return len(new_lines)


def _refund_margins(order_ids) -> dict[int, Decimal]:
    """Refund id -> the retail margin of its units (retail minus distributor price, rounded as order_refund does)."""
    margins: dict[int, Decimal] = {}
    for row in RefundLine.objects.filter(refund__order_id__in=order_ids).select_related("line"):
        unit = q2(row.line.unit_retail * row.quantity) - q2(row.line.unit_distributor * row.quantity)
        margins[row.refund_id] = margins.get(row.refund_id, Decimal(0)) + unit
    return margins


def _clawback_measures(order: Order, flags: list[ClawbackFlag], margin: dict[int, Decimal], flag: ClawbackFlag):
    """(what the original run counted, what flagged refunds up to and including ``flag`` take back), per measure.
    Flagged refunds came after the period closed, so the run counted the order net of every other refund."""
    flagged = {"cv": Decimal(0), "retail_margin": Decimal(0), "amount": Decimal(0)}
    upto = dict(flagged)
    for f in flags:
        values = {"cv": f.cv, "retail_margin": margin.get(f.refund_id, Decimal(0)), "amount": f.amount}
        for key, value in values.items():
            flagged[key] += value
            if f.pk <= flag.pk:
                upto[key] += value
    counted = {
        "cv": order.cv_total - order.refunded_cv + flagged["cv"],
        "retail_margin": (order.retail_total - order.refunded_retail)
        - (order.distributor_total - order.refunded_distributor)
        + flagged["retail_margin"],
        "amount": order.total - order.refunded_amount + flagged["amount"],
    }
    return counted, upto


def _share(part: Decimal, whole: Decimal, part_amount: Decimal, whole_amount: Decimal) -> Decimal:
    """part / whole, falling back to the money refunded when the measure is zero; never above 1."""
    if whole > 0:
        return min(part / whole, Decimal(1))
    if whole_amount > 0:
        return min(part_amount / whole_amount, Decimal(1))
    return Decimal(0)
