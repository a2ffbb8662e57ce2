"""Binary leg volumes in the back office come from the period's latest run plus what changed since (plans.legs), and
equal the hand-summed CV of each leg's orders; the carry-over is the run's.

Placement tree of a binary company (KIT: 100 CV a kit), orders of the open period:

    top (1 kit) ── left:  lefty (1) ── left:  lefty2 (2)
                │                    └ right: lefty3 (1, then 2 more after the run)
                └ right: righty (1) ── left:  late (joins after the run, 1 kit)
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from core.commerce.public import company_date
from core.members.services.enrolment import Placement
from core.members.services.profiles import genealogy_settings_update
from plans.legs import leg_volumes, legs_source
from plans.models import CommissionRun
from plans.services import period_get_or_create, run_preview
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.tests.conftest import enroll
from tests.factories.catalogue import KitFactory
from tests.factories.orders import PaidOrderFactory
from tests.helpers import token_client

pytestmark = pytest.mark.django_db
BINARY = json.loads((Path(__file__).parents[1] / "engine" / "examples" / "binary.json").read_text())


def buy(member, kits: int):
    return PaidOrderFactory(buyer_member=member, lines=[("KIT", kits)], paid_at=timezone.now())


@pytest.fixture
def company(in_alpha, admin):
    genealogy_settings_update(changes={"placement_method": "binary", "binary_spillover": "sponsor_picks"})
    KitFactory()
    house = enroll(None)
    top = enroll(house, username="top")
    lefty = enroll(top, username="lefty", placement=Placement(parent=top, position=0))
    lefty2 = enroll(top, username="lefty2", placement=Placement(parent=lefty, position=0))
    lefty3 = enroll(top, username="lefty3", placement=Placement(parent=lefty, position=1))
    righty = enroll(top, username="righty", placement=Placement(parent=top, position=1))
    period = period_get_or_create(day=company_date(timezone.now()))
    plan_version_activate(version=plan_version_create(document=BINARY, by=admin), effective_from=period.start, by=admin)
    for member, kits in ((top, 1), (lefty, 1), (lefty2, 2), (lefty3, 1), (righty, 1)):
        buy(member, kits)
    return {"period": period, "top": top, "lefty": lefty, "lefty3": lefty3, "righty": righty}


def test_leg_volumes_are_the_runs_plus_the_orders_since(company, admin, alpha):
    run = run_preview(period=company["period"], by=admin)
    top, righty = company["top"], company["righty"]
    # The run: top's left leg 100 + 200 + 100 = 400 CV, right 100; pairs 100, carries 300 on the left.
    source = legs_source(period_start=company["period"].start)
    assert (source.run_id, source.final) == (run.pk, False)
    at_run = leg_volumes(member_ids=[top.pk], source=source)[top.pk]
    assert (at_run.left, at_run.right, at_run.carry_left, at_run.carry_right) == (
        Decimal("400.00"), Decimal("100.00"), Decimal("300.00"), Decimal("0.00"),
    )  # fmt: skip

    buy(company["lefty3"], 2)  # after the run: 200 more in top's left leg and lefty's right leg
    late = enroll(righty, username="late", placement=Placement(parent=righty, position=0))
    buy(late, 1)  # a member the run never saw: 100 in top's right leg and righty's left leg

    api = token_client(alpha, top.user)
    left, right = api.get(f"/api/v1/genealogy/{top.number}/binary/").json()
    run.refresh_from_db()
    # Hand sums of each leg's orders: left 100 + 200 + 100 + 200 = 600, right 100 + 100 = 200.
    assert (left["volume"], left["carry_in"], left["volume_this_period"], left["carry_out"]) == (
        "600.00", "0.00", "600.00", "300.00",
    )  # fmt: skip
    assert (right["volume"], right["carry_out"], right["basis"]) == ("200.00", "0.00", "live")
    assert datetime.datetime.fromisoformat(left["as_of"]) == run.finished_at
    # Each slot carries its own legs: lefty 200 | 100 + 200 (carrying the run's 200 − 100 = 100 on the left),
    # righty 100 (late) | 0, and a member with nobody below 0 | 0.
    assert left["slots"]["legs"] == {"left": "200.00", "right": "300.00", "carry_left": "100.00",
                                     "carry_right": "0.00"}  # fmt: skip
    assert right["slots"]["legs"] == {"left": "100.00", "right": "0.00", "carry_left": "0.00", "carry_right": "0.00"}
    late_slot = right["slots"]["slots"][0]
    assert (late_slot["card"]["username"], late_slot["legs"]) == (
        "late", {"left": "0.00", "right": "0.00", "carry_left": None, "carry_right": None},
    )  # fmt: skip
    assert CommissionRun.objects.count() == 1


def test_before_any_run_the_legs_are_the_periods_orders(company, alpha):
    top = company["top"]
    left, right = token_client(alpha, top.user).get(f"/api/v1/genealogy/{top.number}/binary/").json()
    assert (left["volume"], right["volume"], left["carry_out"], left["as_of"]) == ("400.00", "100.00", None, None)
    assert left["slots"]["legs"] == {"left": "200.00", "right": "100.00", "carry_left": None, "carry_right": None}
