"""Seed 003's timeline, day by day, for the four members the seed is about (``../shared/seeds/003``):

    house ── lead ─┬─ dee   the fee declined from day 0, no sales        → every stage, downline moved on day 235
                   │   └─ dan (dee's recruit), and dee's customer Cora
                   ├─ paul  pays the fee, sells nothing                 → commissions and pricing at 90, … 235
                   │   └─ pia (paul's recruit)
                   ├─ cara  pays the fee, her volume is all customer sales → never demoted ("no purchase necessary")
                   └─ sam   sells, but his card fails from day 0         → the seed's flow takes everything from him

Everyone else pays and buys every 30 days. Every day from 0 to 240 is evaluated, as the daily job does. Paul follows
the e-mail on day 100 (pays and sells) and is lifted that day (until that sale leaves the 90-day window on day 190);
Dee is reinstated by an admin on day 236.
"""

import datetime

import pytest

from core.accounts.models import User
from core.commerce.models import AttemptOutcome
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_mark_paid
from core.demotion.models import MemberStage, Notification
from core.demotion.selectors import members_commission_excluded_during, stages_as_of
from core.demotion.services.evaluation import evaluate_day
from core.demotion.services.reinstatement import member_reinstate
from core.demotion.tests.conftest import JOIN, at_noon, paid_order, paid_subscription
from core.members.models import Customer, Member
from tests.factories.members import CustomerFactory

pytestmark = pytest.mark.django_db

ENTERED = {
    # stage → day entered, for the two members the seed walks to the end
    "dee": {
        "access_demotion": 0,
        "commission_exclusion": 60,
        "preferred_pricing_loss": 90,
        "pending_deactivation_1": 180,
        "pending_deactivation_2": 185,
        "pending_deactivation_3": 190,
        "deactivation": 195,
        "pending_downline_loss_1": 220,
        "pending_downline_loss_2": 225,
        "pending_downline_loss_3": 230,
        "downline_moved": 235,
    },
    "sam": {
        "access_demotion": 0,
        "commission_exclusion": 60,
        "preferred_pricing_loss": 90,
        "pending_deactivation_1": 180,
        "pending_deactivation_2": 185,
        "pending_deactivation_3": 190,
        "deactivation": 195,
        "pending_downline_loss_1": 220,
        "pending_downline_loss_2": 225,
        "pending_downline_loss_3": 230,
        "downline_moved": 235,
    },
}


def day(n: int) -> datetime.date:
    return JOIN + datetime.timedelta(days=n)


def customer_order(customer, n: int, packs: int = 3) -> None:
    order = order_place(lines=[LineRequest(sku="PACK", quantity=packs)], placed_by="customer", buyer_customer=customer)
    order_mark_paid(order=order, paid_at=at_noon(day(n)))


@pytest.fixture
def org(enroll):
    house = enroll(None, username="house")
    lead = enroll(house, username="lead")
    people = {name: enroll(lead, username=name) for name in ("dee", "paul", "cara", "sam")}
    people["dan"] = enroll(people["dee"], username="dan")
    people["pia"] = enroll(people["paul"], username="pia")
    cora = CustomerFactory(distributor=people["dee"], first_name="Cora", last_name="C", with_login=False,
                           joined_at=at_noon(JOIN))  # fmt: skip
    carla = CustomerFactory(distributor=people["cara"], first_name="Carla", last_name="C", with_login=False,
                            joined_at=at_noon(JOIN))  # fmt: skip
    for n in range(0, 241, 30):
        for member in (house, lead, people["dan"], people["pia"]):
            paid_subscription(member, day(n))
            paid_order(member, day(n))
        paid_subscription(people["paul"], day(n))
        paid_subscription(people["cara"], day(n))
        customer_order(carla, n)
        paid_order(people["sam"], day(n))  # Sam sells (his own orders count as PSV too)
        paid_subscription(people["sam"], day(n), outcome=AttemptOutcome.DECLINED)
    paid_subscription(people["dee"], day(0), outcome=AttemptOutcome.DECLINED)
    return {"house": house, "lead": lead, "cora": cora, **people}


def fresh(member) -> Member:
    return Member.objects.get(pk=member.pk)


def test_seed_003_day_by_day(org, alpha):
    entered: dict[str, dict[str, int]] = {name: {} for name in ("dee", "paul", "cara", "sam")}
    flags: dict[str, dict[int, tuple]] = {name: {} for name in entered}
    for n in range(0, 241):
        if n == 100:  # Paul follows the e-mail: pays the fee and sells
            paid_subscription(org["paul"], day(100))
            paid_order(org["paul"], day(100))
        if n == 236:
            admin = User.objects.get(email=alpha.admin_email)
            member_reinstate(member=fresh(org["dee"]), by=admin, reason="Paid in full by check")
        evaluate_day(day=day(n))
        standing = dict(MemberStage.objects.values_list("member_id", "stage_key"))
        for name in entered:
            member = fresh(org[name])
            key = standing.get(member.pk, "")
            if key and key not in entered[name]:
                entered[name][key] = n
            flags[name][n] = (
                key,
                member.access_restricted,
                member.commission_excluded,
                member.preferred_pricing_suspended,
                User.objects.get(pk=member.user_id).is_active,
                member.status,
            )

    # Every stage day, as the seed writes it.
    assert entered["dee"] == ENTERED["dee"]
    assert entered["sam"] == ENTERED["sam"]
    # Paul's two stages start together on day 90; his stage is the higher one, his consequences both (below).
    assert entered["paul"] == {"preferred_pricing_loss": 90}
    assert entered["cara"] == {}

    # Every consequence, on the days around each stage.
    assert flags["dee"][0] == ("access_demotion", True, False, False, True, "active")
    assert flags["dee"][59] == ("access_demotion", True, False, False, True, "active")
    assert flags["dee"][60] == ("commission_exclusion", True, True, False, True, "active")
    assert flags["dee"][90] == ("preferred_pricing_loss", True, True, True, True, "active")
    assert flags["dee"][194] == ("pending_deactivation_3", True, True, True, True, "active")
    assert flags["dee"][195] == ("deactivation", True, True, True, False, "inactive")
    assert flags["dee"][235] == ("downline_moved", True, True, True, False, "terminated")
    assert flags["dee"][236] == ("", False, False, False, True, "active")  # reinstated
    assert flags["paul"][89] == ("", False, False, False, True, "active")
    assert flags["paul"][90] == ("preferred_pricing_loss", False, True, True, True, "active")
    assert flags["paul"][100] == ("", False, False, False, True, "active")  # lifted the day he paid and sold
    # One sale lasts him 90 days: on day 190 it leaves the PSV window and both stages come back.
    assert flags["paul"][189] == ("", False, False, False, True, "active")
    assert flags["paul"][190] == ("preferred_pricing_loss", False, True, True, True, "active")
    assert all(f == ("", False, False, False, True, "active") for f in flags["cara"].values())

    # Commissions in a run are judged by each period's history: Dee is excluded from March on, Paul in April only.
    march = members_commission_excluded_during(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    assert set(march.tolist()) == {org["dee"].pk, org["sam"].pk}
    april = members_commission_excluded_during(start=datetime.date(2026, 4, 1), end=datetime.date(2026, 4, 30))
    assert set(april.tolist()) == {org["dee"].pk, org["sam"].pk, org["paul"].pk}
    may = members_commission_excluded_during(start=datetime.date(2026, 5, 1), end=datetime.date(2026, 5, 31))
    assert set(may.tolist()) == {org["dee"].pk, org["sam"].pk}

    # Downline moved on day 235 and back on day 236: Dan and Cora return to Dee, Dee to her sponsor.
    assert fresh(org["dan"]).sponsor_id == org["dee"].pk
    assert Customer.objects.get(pk=org["cora"].pk).distributor_id == org["dee"].pk
    assert fresh(org["dee"]).sponsor_id == org["lead"].pk
    assert fresh(org["sam"]).status == "terminated"

    # The as-of report on each stage day.
    assert stages_as_of(day=day(120)) == {
        org["dee"].pk: "preferred_pricing_loss",
        org["sam"].pk: "preferred_pricing_loss",
    }

    # Every e-mail: one per stage entered (Paul's two stages of day 90 in one message), each with its own text.
    def subjects(name):
        return list(Notification.objects.filter(member=org[name]).order_by("id").values_list("subject", flat=True))

    assert subjects("dee") == [
        "Your back office is limited",
        "You will not receive commissions",
        "Your orders are now at retail price",
        "Your login will be deactivated",
        "Second notice: your login will be deactivated",
        "Third notice: your login will be deactivated",
        "Your login is deactivated",
        "You may lose your downline",
        "Second notice: you may lose your downline",
        "Third notice: you may lose your downline",
        "Your downline has moved",
    ]
    assert subjects("paul") == ["You will not receive commissions; Your orders are now at retail price"] * 2
    assert subjects("cara") == []
    paul = Notification.objects.filter(member=org["paul"]).earliest("id").body
    assert "your sales volume (PSV) in the last 90 days is 0.00 (200.00 needed)" in paul
    assert "back-office subscription" not in paul.split("What lifts it:")[0]  # he paid: the fee is not why
