"""The back-office fee facts the stages are evaluated on, read from the attempts' history (grouped in numpy since
issue 16's speed work): the last paid day, and the first failed charge since then, as of a day."""

import datetime

import numpy as np
import pytest

from core.commerce.models import AttemptOutcome, SubscriptionAttempt
from core.demotion.facts import NO_DAY, _subscription_history
from core.demotion.tests.conftest import paid_subscription

D = datetime.date


def _day(value: int) -> datetime.date | None:
    return None if value == NO_DAY else D(1970, 1, 1) + datetime.timedelta(days=int(value))


def _history(day: datetime.date) -> dict[int, tuple]:
    ids, paid, failed = _subscription_history(day)
    return {int(i): (_day(p), _day(f)) for i, p, f in zip(ids, paid, failed, strict=True)}


@pytest.mark.django_db
def test_the_last_paid_day_and_the_first_failure_after_it(in_alpha, enroll):
    root = enroll(None, "root")
    paid_then_failed = enroll(root, "paidfailed")
    failed_then_paid = enroll(root, "failedpaid")
    only_failed = enroll(root, "onlyfailed")
    pending = enroll(root, "pending")
    later = enroll(root, "later")
    paid_subscription(paid_then_failed, D(2026, 3, 1))
    paid_subscription(paid_then_failed, D(2026, 2, 1))  # an older payment does not move the last one
    paid_subscription(paid_then_failed, D(2026, 3, 20), AttemptOutcome.DECLINED)
    paid_subscription(paid_then_failed, D(2026, 3, 5), AttemptOutcome.ERROR)  # the first failure since paying
    paid_subscription(paid_then_failed, D(2026, 2, 15), AttemptOutcome.DECLINED)  # before the last payment
    paid_subscription(failed_then_paid, D(2026, 3, 1), AttemptOutcome.DECLINED)
    paid_subscription(failed_then_paid, D(2026, 3, 2))
    paid_subscription(only_failed, D(2026, 3, 10), AttemptOutcome.DECLINED)
    paid_subscription(only_failed, D(2026, 3, 3), AttemptOutcome.DECLINED)
    paid_subscription(pending, D(2026, 3, 1))
    paid_subscription(pending, D(2026, 3, 4), AttemptOutcome.IN_FLIGHT)  # not a failure (yet)
    paid_subscription(later, D(2026, 4, 2))  # after the day evaluated: not known then
    assert _history(D(2026, 4, 1)) == {
        paid_then_failed.pk: (D(2026, 3, 1), D(2026, 3, 5)),
        failed_then_paid.pk: (D(2026, 3, 2), None),
        only_failed.pk: (None, D(2026, 3, 3)),
        pending.pk: (D(2026, 3, 1), None),
    }
    assert _history(D(2026, 3, 4))[paid_then_failed.pk] == (D(2026, 3, 1), None)  # the failures came later


@pytest.mark.django_db
def test_a_charge_late_in_a_utc_day_counts_on_that_day(in_alpha, enroll):
    member = enroll(enroll(None, "root"), "late")
    SubscriptionAttempt.objects.create(
        member=member, due_on=D(2026, 3, 1), outcome=AttemptOutcome.PAID, amount=25,
        attempted_at=datetime.datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=datetime.UTC),
    )  # fmt: skip
    SubscriptionAttempt.objects.create(
        member=member, due_on=D(2026, 4, 1), outcome=AttemptOutcome.DECLINED, amount=25,
        attempted_at=datetime.datetime(2026, 4, 2, 0, 0, 0, 1, tzinfo=datetime.UTC),
    )  # fmt: skip
    assert _history(D(2026, 4, 1))[member.pk] == (D(2026, 3, 1), None)
    assert _history(D(2026, 4, 2))[member.pk] == (D(2026, 3, 1), D(2026, 4, 2))
    ids, _, _ = _subscription_history(D(2026, 1, 1))
    assert ids.dtype == np.int64 and len(ids) == 0
