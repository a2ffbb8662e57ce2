"""Manual ledger adjustments: an admin's correction posted as a line of its own, apart from any run, with the
reason and who made it."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import User
from core.members.models import Member
from plans.audit import audit_record
from plans.models import CommissionPeriod, LedgerKind, LedgerLine, MoneyAction
from plans.services import period_get_or_create

CENT = Decimal("0.01")


@transaction.atomic
def ledger_adjust(
    *, member: Member, amount: Decimal, reason: str, by: User | None, period: CommissionPeriod | None = None
) -> LedgerLine:
    """A manual correction: a new posted line (positive or negative) with the reason and the admin who made it."""
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [gettext("Say why the adjustment is made.")]
    try:
        amount = Decimal(amount)
    except (ArithmeticError, TypeError, ValueError):
        errors["amount"] = [gettext("A decimal amount such as 25.00 or -10.50.")]
    else:
        if amount != amount.quantize(CENT) or not amount:
            errors["amount"] = [gettext("A non-zero amount with at most two decimal places.")]
    if by is None:
        errors["by"] = [gettext("An adjustment records the admin who made it.")]
    if errors or by is None:
        raise ValidationError(errors)
    if period is None:
        period = period_get_or_create(day=timezone.localdate())
    line = LedgerLine.objects.create(
        kind=LedgerKind.ADJUSTMENT,
        period=period,
        payee=member,
        amount=amount.quantize(CENT),
        component="adjustment",
        reason=reason.strip()[:500],
        explanation={"adjustment": True, "by": by.email, "reason": reason.strip()[:500]},
        created_by=by,
        created_at=timezone.now(),
    )
    audit_record(
        action=MoneyAction.ADJUSTMENT, by=by, period=period, member_id=member.pk, amount=line.amount, payees=1,
        note=line.reason, detail={"ledger_line": line.pk, "member_number": member.number},
    )  # fmt: skip
    return line
