"""Payouts: a batch pays every member whose unpaid posted commissions reach a threshold, up to a posted period,
each in their payout currency at the recorded rate; a batch is marked paid (the money went out) or cancelled."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from config.errors import ConflictError
from core.accounts.models import User
from core.company.services import company_settings_get
from core.members.models import Member
from plans.audit import audit_record, expected_check
from plans.currencies import convert
from plans.models import (
    CommissionPeriod,
    MoneyAction,
    PayoutBatch,
    PayoutItem,
    PayoutStatus,
    PeriodStatus,
)
from plans.selectors import payout_due_through
from plans.selectors_rates import payout_rate_for

CENT = Decimal("0.01")


def _payout_period(period: CommissionPeriod | None) -> CommissionPeriod:
    """The period a batch pays up to: the one given (posted), else the latest posted one."""
    if period is None:
        posted = CommissionPeriod.objects.filter(status__in=[PeriodStatus.POSTED, PeriodStatus.PAID])
        period = posted.order_by("-start").first()
        if period is None:
            raise ValidationError({"period": [_("No period is posted yet: there is nothing to pay out.")]})
    period = CommissionPeriod.objects.get(pk=period.pk)  # its state now, not the caller's copy
    if period.status not in (PeriodStatus.POSTED, PeriodStatus.PAID):
        raise ValidationError(
            {
                "period": [
                    _("The period starting %(start)s is not posted: only posted commissions are paid out.")
                    % {"start": period.start}
                ]
            }
        )
    return period


def _threshold_check(threshold) -> Decimal:
    try:
        threshold = Decimal(threshold)
    except (ArithmeticError, TypeError, ValueError):
        threshold = Decimal(-1)
    if not threshold.is_finite() or threshold < 0 or threshold != threshold.quantize(CENT):
        raise ValidationError({"threshold": [_("A non-negative amount with at most two decimal places.")]})
    return threshold if threshold > 0 else CENT


def payout_batch_plan(*, threshold: Decimal, period: CommissionPeriod | None = None) -> dict:
    """What a batch would pay, without writing anything (the confirmation page shows it): ``{period, threshold,
    total, payees, currency, rows}``."""
    threshold = _threshold_check(threshold)
    period = _payout_period(period)
    base = company_settings_get().currency
    rows = [row for row in payout_due_through(period=period) if row["due"] >= threshold]
    return {
        "period": period, "threshold": threshold, "rows": rows, "payees": len(rows),
        "total": sum((row["due"] for row in rows), Decimal("0.00")), "currency": base,
        "by_currency": _payout_convert(rows, period, base),
    }  # fmt: skip


def _payout_convert(rows: list[dict], period: CommissionPeriod, base: str) -> list[dict]:
    """Give each row what the member is paid: ``currency`` (their market's), ``rate`` and ``paid_amount`` = due ×
    rate rounded half-up to the currency's minor unit, once per member per batch (docs/currencies.md); the rate is
    the one recorded with the posted run of ``period`` (or the latest earlier one with it). Returns the totals by
    currency; refuses, naming them, currencies no posted run up to ``period`` has a rate for."""
    foreign = dict(
        Member.objects.filter(market__isnull=False).exclude(market__currency=base).values_list("pk", "market__currency")
    )
    rates, missing = {}, []
    for code in sorted({foreign[row["payee_id"]] for row in rows if row["payee_id"] in foreign}):
        found = payout_rate_for(period=period, currency=code)
        if found is None:
            missing.append(code)
        else:
            rates[code] = found.rate
    if missing:
        words = _(
            "No posted run up to the period starting %(start)s recorded an exchange rate for %(codes)s: members "
            "paid in it cannot be paid out."
        ) % {"start": period.start, "codes": ", ".join(missing)}
        raise ConflictError({"period": [words]})  # fmt: skip
    totals: dict[str, dict] = {}
    for row in rows:
        code = foreign.get(row["payee_id"], base)
        rate = rates.get(code, Decimal(1))
        row.update(currency=code, rate=rate, paid_amount=convert(row["due"], rate, code))
        total = totals.setdefault(code, {"currency": code, "rate": rate, "payees": 0, "base_total": Decimal("0.00"),
                                         "paid_total": Decimal(0)})  # fmt: skip
        total["payees"] += 1
        total["base_total"] += row["due"]
        total["paid_total"] += row["paid_amount"]
    return sorted(totals.values(), key=lambda t: (t["currency"] != base, t["currency"]))


@transaction.atomic
def payout_batch_create(
    *,
    threshold: Decimal,
    by: User | None = None,
    period: CommissionPeriod | None = None,
    expected_total: Decimal | str | None = None,
) -> PayoutBatch:
    """Pays, for every member, the unpaid part of their ledger lines in periods up to and including ``period``
    (default: the latest posted period) when it is at or above ``threshold``; smaller amounts wait for a later
    batch. Each item records what it settles (earned through the period, paid before, the newest line).
    ``expected_total``: the total the admin confirmed (a different one is refused)."""
    # Serialise batch creation (self-conflicting lock): two concurrent batches must not pay one balance twice.
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PayoutItem._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    plan = payout_batch_plan(threshold=threshold, period=period)
    expected_check(expected=expected_total, actual=plan["total"], payees=plan["payees"])
    batch = PayoutBatch.objects.create(
        period=plan["period"], threshold=plan["threshold"], currency=plan["currency"], created_by=by,
        created_at=timezone.now(),
    )  # fmt: skip
    items = [
        PayoutItem(batch=batch, member_id=row["payee_id"], amount=row["due"], earned_through=row["earned_through"],
                   paid_before=row["paid_before"], last_line_id=row["last_line"], currency=row["currency"],
                   rate=row["rate"], paid_amount=row["paid_amount"])
        for row in plan["rows"]
    ]  # fmt: skip
    PayoutItem.objects.bulk_create(items, batch_size=5000)  # ~5000 x 100 B of SQL per statement
    batch.item_count = len(items)
    batch.total = plan["total"]
    batch.save(update_fields=["item_count", "total"])
    audit_record(
        action=MoneyAction.PAYOUT_CREATE, by=by, period=batch.period, batch=batch, amount=batch.total,
        payees=batch.item_count, currency=batch.currency,
        detail={"threshold": str(batch.threshold), "through_period": str(plan["period"].start),
                "by_currency": [{"currency": t["currency"], "rate": f"{t['rate'].normalize():f}", "payees": t["payees"],
                                 "base_total": str(t["base_total"]), "paid_total": str(t["paid_total"])}
                                for t in plan["by_currency"]]},
    )  # fmt: skip
    return batch


@transaction.atomic
def payout_batch_mark_paid(
    *, batch: PayoutBatch, by: User | None = None, expected_total: Decimal | str | None = None
) -> PayoutBatch:
    """The provider paid the file. ``expected_total``: the total the admin confirmed (a different one is refused)."""
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != PayoutStatus.OPEN:
        raise ValidationError(
            {"status": [gettext("Batch %(pk)s is %(status)s.") % {"pk": batch.pk, "status": batch.status}]}
        )
    expected_check(expected=expected_total, actual=batch.total, payees=batch.item_count)
    batch.status = PayoutStatus.PAID
    batch.paid_at = timezone.now()
    batch.save(update_fields=["status", "paid_at"])
    if batch.period_id:
        CommissionPeriod.objects.filter(pk=batch.period_id, status=PeriodStatus.POSTED).update(
            status=PeriodStatus.PAID, paid_at=batch.paid_at
        )
    audit_record(
        action=MoneyAction.PAYOUT_PAID, by=by, period=batch.period, batch=batch, amount=batch.total,
        payees=batch.item_count, currency=batch.currency,
    )  # fmt: skip
    return batch


@transaction.atomic
def payout_batch_cancel(*, batch: PayoutBatch, by: User | None = None) -> PayoutBatch:
    """The provider refused the file: the balances return to the wallets (the items stay, for the record)."""
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != PayoutStatus.OPEN:
        raise ValidationError(
            {"status": [gettext("Batch %(pk)s is %(status)s.") % {"pk": batch.pk, "status": batch.status}]}
        )
    batch.status = PayoutStatus.CANCELLED
    batch.save(update_fields=["status"])
    audit_record(
        action=MoneyAction.PAYOUT_CANCEL, by=by, period=batch.period, batch=batch, amount=batch.total,
        payees=batch.item_count, currency=batch.currency,
    )  # fmt: skip
    return batch
