"""Closing a commission period: the guard between "orders still count here" and "this period can be posted".

A period is closed once its last day is over (company time zone). From the close on, orders paid with a payment day
inside it count in the next open period (core.commerce: open_period_start_for), refunds of its orders are clawed back
by a later period, and its run can be posted. Posting an open period is refused with the reason."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.accounts.models import User
from core.commerce.public import commission_period_close, company_date
from plans.audit import audit_record
from plans.models import CommissionPeriod, MoneyAction


def period_close_check(*, period: CommissionPeriod, today: datetime.date | None = None) -> None:
    """Why the period cannot be closed now (a ValidationError on ``period``), or nothing."""
    today = today or company_date(timezone.now())
    if period.closed_at is not None:
        raise ValidationError(
            {"period": [_("The period %(start)s – %(end)s is already closed.") % {"start": period.start,
                                                                                  "end": period.end}]}
        )  # fmt: skip
    if today <= period.end:
        raise ValidationError(
            {"period": [_("The period runs until %(end)s; it can be closed from %(next)s, once its last day is over.")
                        % {"end": period.end, "next": period.end + datetime.timedelta(days=1)}]}
        )  # fmt: skip


@transaction.atomic
def period_close(*, period: CommissionPeriod, by: User | None, today: datetime.date | None = None) -> CommissionPeriod:
    """Close the period for new volume (once, under the period's row lock), recording who and when."""
    period = CommissionPeriod.objects.select_for_update().get(pk=period.pk)
    period_close_check(period=period, today=today)
    period.closed_at = timezone.now()
    period.closed_by = by
    period.save(update_fields=["closed_at", "closed_by"])
    commission_period_close(period_start=period.start, note=f"Closed by {getattr(by, 'email', '') or 'the system'}")
    audit_record(
        action=MoneyAction.PERIOD_CLOSE, by=by, period=period,
        note=_("Period %(start)s – %(end)s closed: orders paid from now on count in the next open period.")
        % {"start": period.start, "end": period.end},
    )  # fmt: skip
    return period


def period_open_refusal(period: CommissionPeriod) -> str | None:
    """The reason an open period's run cannot be posted, in words (None when the period is closed)."""
    if period.closed_at is not None:
        return None
    return _(
        "The period %(start)s – %(end)s is still open: orders paid in it would still count. Close the period first "
        "(Commissions → Close period), then post."
    ) % {"start": period.start, "end": period.end}
