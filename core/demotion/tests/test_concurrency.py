"""Two evaluations of one day at once, and a worker killed between sending a notice and recording it.

These commit for real (two threads, each with its own connection) in a throwaway company."""

from __future__ import annotations

import datetime

import pytest

from core.commerce.services.commerce_settings import commerce_settings_get
from core.demotion.models import EvaluationRun, StageTransition
from core.demotion.services.evaluation import evaluate_day
from core.demotion.tests.conftest import JOIN, at_noon, paid_subscription
from tests.committed import in_own_connection, run_concurrently, throwaway_company
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db

DAY_60 = JOIN + datetime.timedelta(days=60)


@pytest.fixture
def company():
    """house ── pat ── sam, all joined and paid their fee on 1 January 2026, then never again: on day 60 all three
    move to commission exclusion (three transitions)."""
    with throwaway_company() as schema:

        def build():
            settings_row = commerce_settings_get()
            settings_row.subscription_enabled = True
            settings_row.save()
            joined = {"joined_at": at_noon(JOIN), "password": None}
            house = MemberFactory(sponsor=None, username="house", first_name="H", last_name="Ouse", **joined)
            pat = MemberFactory(sponsor=house, username="pat", first_name="Pat", last_name="P", **joined)
            sam = MemberFactory(sponsor=pat, username="sam", first_name="Sam", last_name="S", **joined)
            for member in (house, pat, sam):
                paid_subscription(member, JOIN)

        in_own_connection(schema, build)
        yield schema


def test_two_evaluations_of_one_day_at_once_count_every_transition(company):
    outcomes = run_concurrently(
        company,
        lambda: evaluate_day(day=DAY_60, send_notices=False),
        lambda: evaluate_day(day=DAY_60, send_notices=False),
    )
    for outcome in outcomes:
        outcome.result()

    def stored():
        run = EvaluationRun.objects.get(day=DAY_60)
        return run.status, run.transitions, StageTransition.objects.filter(day=DAY_60).count()

    assert in_own_connection(company, stored) == ("done", 3, 3)
