"""Walk one member through seed 003's default policy by moving the evaluation date.

    house ── lead ── pat ── rita, ron (pat's recruits), and pat's customer Cleo
Pat joined and paid the fee on 1 January 2026, then stopped paying and selling. Everyone else stays active."""

import datetime

import pytest
from django.core import mail

from core.accounts.models import User
from core.commerce.models import AttemptOutcome
from core.demotion.models import MemberStage, Notification, StageTransition
from core.demotion.services.evaluation import evaluate_day, evaluate_through
from core.demotion.services.notices import notifications_send_pending
from core.demotion.services.reinstatement import member_reinstate
from core.demotion.tests.conftest import JOIN, at_noon, keep_active, paid_order, paid_subscription
from core.members.models import Customer, Member
from tests.factories.members import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(enroll):
    house = enroll(None, username="house")
    lead = enroll(house, username="lead")
    pat = enroll(lead, username="pat")
    rita = enroll(pat, username="rita")
    ron = enroll(pat, username="ron")
    cleo = CustomerFactory(
        distributor=pat,
        email="cleo@example.test",
        first_name="Cleo",
        last_name="C",
        with_login=False,
        joined_at=pat.joined_at,
    )
    paid_subscription(pat, JOIN)
    return {"house": house, "lead": lead, "pat": pat, "rita": rita, "ron": ron, "cleo": cleo}


def day(n: int) -> datetime.date:
    return JOIN + datetime.timedelta(days=n)


def run(org, n: int):
    others = [m for k, m in org.items() if k not in ("pat", "cleo")]
    keep_active(others, day(n))
    return evaluate_day(day=day(n))


def pat(org) -> Member:
    return Member.objects.get(pk=org["pat"].pk)


def stage(org) -> str:
    state = MemberStage.objects.filter(member=org["pat"]).first()
    return state.stage_key if state else ""


def test_59_days_is_fine_60_days_excludes_from_commissions(org):
    run(org, 59)
    assert stage(org) == "" and not pat(org).commission_excluded
    run(org, 60)
    assert stage(org) == "commission_exclusion"
    assert pat(org).commission_excluded and not pat(org).preferred_pricing_suspended
    transition = StageTransition.objects.get(member=org["pat"])
    assert transition.evidence["last_paid_subscription"] == "2026-01-01"
    assert transition.evidence["days_since_paid_subscription"] == 60
    assert transition.evidence["next_stage"] == {
        "key": "preferred_pricing_loss",
        "name": "Preferred pricing loss",
        "on": "2026-04-01",
    }
    assert transition.actions_applied == ["commission_exclusion"]


def test_90_days_loses_preferred_pricing(org):
    run(org, 89)
    assert not pat(org).preferred_pricing_suspended
    run(org, 90)
    assert stage(org) == "preferred_pricing_loss" and pat(org).preferred_pricing_suspended


def test_194_days_keeps_the_login_195_deactivates_it(org):
    run(org, 194)
    assert stage(org) == "pending_deactivation_3" and User.objects.get(pk=org["pat"].user_id).is_active
    run(org, 195)
    assert stage(org) == "deactivation"
    assert not User.objects.get(pk=org["pat"].user_id).is_active and pat(org).status == "inactive"


def test_notices_at_180_185_190_each_once(org):
    for n in (180, 185, 190):
        run(org, n)
    subjects = list(Notification.objects.filter(member=org["pat"]).order_by("id").values_list("subject", flat=True))
    assert subjects == [
        # The first evaluation (day 180) enters every stage up to the first notice: each stage's e-mail is in it.
        "You will not receive commissions; Your orders are now at retail price; Your login will be deactivated",
        "Second notice: your login will be deactivated",
        "Third notice: your login will be deactivated",
    ]
    assert notifications_send_pending() == 3
    assert notifications_send_pending() == 0
    assert [m.subject for m in mail.outbox] == subjects
    body = mail.outbox[0].body
    assert body.startswith("Hello Pat,")
    assert body.count("Hello Pat,") == 3
    for text in (
        "You are excluded from commissions until you are active.",
        "Your own orders are now priced at retail.",
        "Your login will be deactivated if nothing changes.",
    ):
        assert body.count(text) == 1
    assert "no back-office subscription payment" not in body
    assert "your last paid back-office subscription was on 2026-01-01 (180 days ago)" in body
    assert "Next step: Pending deactivation (second notice) on 2026-07-05" in body


def test_235_days_moves_the_downline_up_and_pat_to_the_terminated_tree(org):
    run(org, 234)
    assert Member.objects.get(pk=org["rita"].pk).sponsor_id == org["pat"].pk
    run(org, 235)
    assert stage(org) == "downline_moved"
    assert Member.objects.get(pk=org["rita"].pk).sponsor_id == org["lead"].pk
    assert Member.objects.get(pk=org["ron"].pk).sponsor_id == org["lead"].pk
    assert Customer.objects.get(pk=org["cleo"].pk).distributor_id == org["lead"].pk
    moved = pat(org)
    assert moved.status == "terminated" and moved.sponsor_id == org["house"].pk  # house is member 100001's role
    transition = StageTransition.objects.filter(member=org["pat"]).latest("id")
    assert transition.evidence["downline_moved_to"] == org["lead"].number
    assert transition.tree_moves.count() == 2


def test_reinstatement_restores_sponsor_links_and_reports_members_moved_since(org, alpha):
    run(org, 235)
    from core.members.services.moves import member_responsor

    member_responsor(member=Member.objects.get(pk=org["ron"].pk), new_sponsor=org["house"], by=None, reason="Asked")
    admin = User.objects.get(email=alpha.admin_email)
    report = member_reinstate(member=pat(org), by=admin, reason="Paid in full")
    assert Member.objects.get(pk=org["rita"].pk).sponsor_id == org["pat"].pk
    assert Member.objects.get(pk=org["ron"].pk).sponsor_id == org["house"].pk
    assert any(f"#{org['ron'].number}" in line for line in report.skipped)
    assert Customer.objects.get(pk=org["cleo"].pk).distributor_id == org["pat"].pk
    restored = pat(org)
    assert restored.status == "active" and restored.sponsor_id == org["lead"].pk
    assert not (restored.commission_excluded or restored.preferred_pricing_suspended or restored.access_restricted)
    assert User.objects.get(pk=org["pat"].user_id).is_active
    # Inactivity counts afresh from the reinstatement: the next day's evaluation leaves Pat alone.
    assert MemberStage.objects.get(member=org["pat"]).reinstated_on is not None


def test_re_running_a_day_changes_nothing_and_sends_nothing_twice(org):
    run(org, 60)
    first = StageTransition.objects.count()
    again = evaluate_day(day=day(60))
    assert StageTransition.objects.count() == first and again.transitions == 1
    assert Notification.objects.filter(member=org["pat"]).count() == 1


def test_catch_up_evaluates_each_missed_day(org):
    run(org, 178)
    keep_active([m for k, m in org.items() if k not in ("pat", "cleo")], day(186))
    runs = evaluate_through(day=day(186))
    assert [r.day for r in runs] == [day(n) for n in range(179, 187)]
    notices = Notification.objects.filter(member=org["pat"]).order_by("id").values_list("stage_key", flat=True)
    assert list(notices)[-2:] == ["pending_deactivation_1", "pending_deactivation_2"]


def test_paying_and_selling_again_lifts_the_stages(org):
    run(org, 100)
    assert pat(org).preferred_pricing_suspended and pat(org).commission_excluded
    paid_subscription(org["pat"], day(101))
    paid_order(org["pat"], day(101))
    run(org, 102)
    assert stage(org) == "" and not pat(org).preferred_pricing_suspended and not pat(org).commission_excluded
    lifted = StageTransition.objects.filter(member=org["pat"]).latest("id")
    assert lifted.actions_lifted == ["commission_exclusion", "preferred_pricing_loss"]


def test_customer_sales_count_as_psv(org):
    """No purchase necessary: a customer's orders keep Pat above $200 PSV."""
    from core.commerce.services.orders import LineRequest, order_place
    from core.commerce.services.payments import order_mark_paid

    for n in (30, 75):
        order = order_place(
            lines=[LineRequest(sku="PACK", quantity=2)], placed_by="customer", buyer_customer=org["cleo"]
        )
        order_mark_paid(order=order, paid_at=at_noon(day(n)))
        paid_subscription(org["pat"], day(n))
    run(org, 95)
    assert stage(org) == ""


def test_declined_card_gets_a_grace_period_before_access_demotion(org):
    paid_subscription(org["pat"], day(30))
    paid_subscription(org["pat"], day(40), outcome=AttemptOutcome.DECLINED)
    paid_order(org["pat"], day(40))
    run(org, 46)
    assert stage(org) == "" and not pat(org).access_restricted
    run(org, 47)
    assert stage(org) == "access_demotion" and pat(org).access_restricted


def test_lifted_commission_exclusion_pays_again_from_the_next_period(org):
    """Excluded on 2 March, paid on 11 March, lifted on 12 March: nothing for March, commissions again for April."""
    import json
    from pathlib import Path

    from plans.engine import plan_from_document
    from plans.loader import load_snapshot

    run(org, 60)
    paid_subscription(org["pat"], day(70))
    paid_order(org["pat"], day(70))
    run(org, 71)
    assert not pat(org).commission_excluded
    document = json.loads(Path("plans/engine/examples/unilevel.json").read_text())
    plan = plan_from_document(document)
    march = load_snapshot(plan=plan, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31), carry_run_id=None)
    april = load_snapshot(plan=plan, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 4, 30), carry_run_id=None)
    position = march.member_id.tolist().index(org["pat"].pk)
    assert bool(march.excluded[position]) is True
    assert bool(april.excluded[april.member_id.tolist().index(org["pat"].pk)]) is False
    others = [i for i, pk in enumerate(march.member_id.tolist()) if pk != org["pat"].pk]
    assert not march.excluded[others].any()
