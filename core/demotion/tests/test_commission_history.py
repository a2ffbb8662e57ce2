"""A commission period computed later is judged by the demotion history of that period, not by today's flag.

    house ── lead ── pat ── rita, ron (pat's recruits)
Seed 003's default policy: commission exclusion when no back-office fee was paid within the past 60 days (or PSV
under 200 within 90). Rita and Ron each buy 3 packs (CV 270.00) on 1 October; pat, active in October (his own order
of 300 PV), earns 5 % of each on level 1 of the example unilevel plan: 13.50 + 13.50 = 27.00."""

import datetime
import json
from pathlib import Path

import numpy as np
import pytest

from core.demotion.selectors import members_commission_excluded_during
from core.demotion.services.evaluation import evaluate_day
from core.demotion.tests.conftest import keep_active, paid_order, paid_subscription
from core.members.models import Member
from plans.engine import calculate, plan_from_document
from plans.loader import load_snapshot

pytestmark = pytest.mark.django_db

OCT_1, OCT_31 = datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)
PLAN = plan_from_document(json.loads(Path("plans/engine/examples/unilevel.json").read_text()))


@pytest.fixture
def org(enroll):
    house = enroll(None, username="house")
    lead = enroll(house, username="lead")
    pat = enroll(lead, username="pat")
    rita = enroll(pat, username="rita")
    ron = enroll(pat, username="ron")
    return {"house": house, "lead": lead, "pat": pat, "rita": rita, "ron": ron}


def evaluate(org, day: datetime.date) -> None:
    """Everyone but pat pays and buys on ``day``; then the day is evaluated."""
    keep_active([m for k, m in org.items() if k != "pat"], day)
    evaluate_day(day=day)


def october_for_pat(org) -> tuple[bool, int]:
    """(pat excluded from October's run, pat's October commissions in cents), computed now."""
    snapshot = load_snapshot(plan=PLAN, start=OCT_1, end=OCT_31, carry_run_id=None)
    result = calculate(PLAN, snapshot)
    at = snapshot.member_id.tolist().index(org["pat"].pk)
    return bool(snapshot.excluded[at]), int(result.lines.amount_cents[result.lines.payee_idx == at].sum())


def test_excluded_on_20_november_is_still_paid_for_october(org):
    """Fee paid and an order on 21 September: in good standing all October, excluded 60 days later (20 November).
    October's run computed on 25 November pays him, although his flag is set today."""
    paid_subscription(org["pat"], datetime.date(2026, 9, 21))
    paid_order(org["pat"], datetime.date(2026, 9, 21))
    paid_order(org["pat"], datetime.date(2026, 10, 5))
    for day in (OCT_1, datetime.date(2026, 11, 19), datetime.date(2026, 11, 20), datetime.date(2026, 11, 25)):
        evaluate(org, day)
    assert Member.objects.get(pk=org["pat"].pk).commission_excluded  # excluded today...
    assert october_for_pat(org) == (False, 2700)  # ...but not for October
    excluded_in_november = members_commission_excluded_during(start=datetime.date(2026, 11, 1),
                                                              end=datetime.date(2026, 11, 30))  # fmt: skip
    assert excluded_in_november.tolist() == [org["pat"].pk]


def test_excluded_through_october_is_not_paid_for_it_even_when_lifted_since(org):
    """Fee paid on 1 July, excluded from 30 August; pays and buys on 10 November, lifted on 11 November. October's
    run computed on 25 November pays him nothing, although his flag is clear today."""
    paid_subscription(org["pat"], datetime.date(2026, 7, 1))
    paid_order(org["pat"], datetime.date(2026, 7, 1))
    paid_order(org["pat"], datetime.date(2026, 10, 5))
    for day in (datetime.date(2026, 8, 1), datetime.date(2026, 8, 30), OCT_1):
        evaluate(org, day)
    paid_subscription(org["pat"], datetime.date(2026, 11, 10))
    paid_order(org["pat"], datetime.date(2026, 11, 10))
    for day in (datetime.date(2026, 11, 11), datetime.date(2026, 11, 25)):
        evaluate(org, day)
    assert not Member.objects.get(pk=org["pat"].pk).commission_excluded  # clear today...
    assert october_for_pat(org) == (True, 0)  # ...but excluded for October
    assert members_commission_excluded_during(start=OCT_1, end=OCT_31).tolist() == [org["pat"].pk]


def test_a_flag_the_history_does_not_explain_still_excludes(org):
    """A flag set by hand (or by an import) on a member the policy never moved has no date: it applies to every
    period, as before there was a demotion history. Here the company has a history (pat's), Ron has none."""
    paid_subscription(org["pat"], datetime.date(2026, 9, 21))
    paid_order(org["pat"], datetime.date(2026, 9, 21))
    paid_order(org["pat"], datetime.date(2026, 10, 5))
    evaluate(org, OCT_1)
    evaluate(org, datetime.date(2026, 11, 20))
    Member.objects.filter(pk=org["ron"].pk).update(commission_excluded=True)
    excluded = members_commission_excluded_during(start=OCT_1, end=OCT_31)
    assert excluded.tolist() == [org["ron"].pk]
    assert excluded.dtype == np.int64
