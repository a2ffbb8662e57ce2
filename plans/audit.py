"""The money audit log (MoneyAuditEntry) and the confirmation every money action asks for.

Each money service (period close, approve, post, adjustment, payout create / paid / cancel) calls ``audit_record``
inside its own transaction, so an action and its log entry are committed together or not at all. The log is
append-only (the model and queryset refuse updates and deletes).

Confirmation: the console's confirmation pages and the API send the total the admin was shown; ``expected_check``
refuses (409, ConflictError) when the action would move a different amount, so nobody approves, posts or pays a
figure they did not see."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ConflictError
from core.accounts.models import User
from core.company.services import company_settings_get
from plans.models import CommissionPeriod, CommissionRun, MoneyAuditEntry, PayoutBatch

CENT = Decimal("0.01")


def audit_record(
    *,
    action: str,
    by: User | None,
    amount: Decimal | None = None,
    payees: int | None = None,
    period: CommissionPeriod | None = None,
    run: CommissionRun | None = None,
    batch: PayoutBatch | None = None,
    member_id: int | None = None,
    note: str = "",
    detail: dict | None = None,
    currency: str = "",
) -> MoneyAuditEntry:
    """Append one entry. Call it inside the service's transaction, after the change it records."""
    if amount is not None and not currency:
        currency = company_settings_get().currency
    return MoneyAuditEntry.objects.create(
        action=action,
        at=timezone.now(),
        by=by,
        by_email=getattr(by, "email", "") or "",
        period=period,
        run=run,
        batch=batch,
        member_id=member_id,
        amount=amount,
        currency=currency,
        payees=payees,
        note=note[:500],
        detail=detail or {},
    )


def expected_check(*, expected: Decimal | str | None, actual: Decimal, payees: int | None = None) -> None:
    """``expected``: the total the admin confirmed (None: an internal caller that confirms nothing). A different
    total is a conflict: the admin saw something else, so nothing is done."""
    if expected is None:
        return
    try:
        seen = Decimal(expected).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        seen = None
    if seen != actual.quantize(CENT):
        currency = company_settings_get().currency
        raise ConflictError(
            {
                "expected_total": [
                    _("The total is now %(actual)s %(currency)s%(payees)s, not %(expected)s: check it and confirm "
                      "again.")
                    % {
                        "actual": actual.quantize(CENT),
                        "currency": currency,
                        "payees": _(" to %(count)d payees") % {"count": payees} if payees is not None else "",
                        "expected": expected,
                    }
                ]
            }
        )  # fmt: skip
