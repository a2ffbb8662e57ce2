"""Earlier periods' figures reach the engine from the posted runs (rolling GV, paid-as grace, enrolment ages)."""

import datetime

import pytest

from plans.engine import plan_from_document
from plans.history import attach_history, lookback
from plans.loader import load_snapshot
from plans.models import RunMemberResult
from plans.services import period_get_or_create, run_preview
from plans.services_periods import period_close
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.services_posting import run_approve, run_post
from plans.tests.conftest import FEB, JAN, buy

ROLLING = {
    "schema": 1,
    "name": "Rolling",
    "active": {"min_pv": "0"},
    "rank_grace_periods": 1,
    "ranks": [{"code": "silver", "min_gv": "300", "gv_periods": 2}],
    "components": [{"type": "enrolment_bonus", "amount": "25", "periods": 2, "min_pv": "300"}],
}


@pytest.mark.django_db
def test_rolling_gv_and_grace_read_the_previous_posted_run(chain, product, in_alpha, admin):
    version = plan_version_create(document=ROLLING, by=admin)
    plan_version_activate(version=version, effective_from=JAN, by=admin)
    plan = plan_from_document(ROLLING)
    assert lookback(plan) == 1
    buy(chain["c"], quantity=2)  # January: c 200 PV, so root, a, b have GV 200
    january = period_get_or_create(day=JAN)
    run = run_preview(period=january, by=admin)
    run_approve(run=run, by=admin)
    period_close(period=january, by=admin)
    run_post(run=run, by=admin)
    assert RunMemberResult.objects.get(run=run, member=chain["root"]).qualified_rank == -1

    buy(chain["c"], quantity=2, day=datetime.date(2026, 2, 10))  # February: 200 more
    february = period_get_or_create(day=FEB)
    snap = attach_history(load_snapshot(plan=plan, start=FEB, end=february.end, carry_run_id=None), plan, FEB)
    ids = [chain[k].pk for k in ("root", "a", "b", "c")]
    assert snap.member_id.tolist() == ids
    assert snap.history_gv.tolist() == [[20000], [20000], [20000], [20000]]
    assert snap.history_pv.tolist() == [[0], [0], [0], [20000]]
    assert snap.history_rank.tolist() == [[-1], [-1], [-1], [-1]]
    assert snap.periods_since_join.tolist() == [1, 1, 1, 1]  # joined June 2025, before January: January was first
    preview = run_preview(period=february, by=admin)
    ranks = dict(RunMemberResult.objects.filter(run=preview).values_list("member_id", "qualified_rank"))
    assert [ranks[i] for i in ids] == [0, 0, 0, 0]  # 200 + 200 over two periods: silver
    legs = RunMemberResult.objects.get(run=preview, member=chain["root"])
    assert (legs.leg_left, legs.leg_right, legs.binary_flushed) == (0, 0, 0)
