"""Walk one member through seed 003's default policy by moving the evaluation date.

    house ── lead ── pat ── rita, ron (pat's recruits), and pat's customer Cleo
Pat joined and paid the fee on 1 January 2026, then stopped paying and selling. Everyone else stays active."""

import datetime

import pytest
from django.core import mail

from core.accounts.models import User
from core.commerce.models import AttemptOutcome
from core.demotion.models import EvaluationRun, MemberStage, Notification, StageTransition
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


# The default policy's stage days: walking through them evaluates Pat on every day a stage can start.
STAGE_DAYS = (60, 90, 180, 185, 190, 195, 220, 225, 230, 235)


def run(org, n: int):
    """Evaluate day ``n``, after every stage day before it not yet evaluated (no stage is ever skipped, so a
    member only reaches a stage by passing through the ones before it)."""
    others = [m for k, m in org.items() if k not in ("pat", "cleo")]
    last = EvaluationRun.objects.order_by("-day").values_list("day", flat=True).first()
    result = None
    for d in [*(d for d in STAGE_DAYS if d < n), n]:
        if last is not None and day(d) <= last:
            continue
        keep_active(others, day(d))
        result = evaluate_day(day=day(d))
    return result


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
        "You will not receive commissions",
        "Your orders are now at retail price",
        "Your login will be deactivated",
        "Second notice: your login will be deactivated",
        "Third notice: your login will be deactivated",
    ]
    assert notifications_send_pending() == 5
    assert notifications_send_pending() == 0
    assert [m.subject for m in mail.outbox] == subjects
    body = mail.outbox[2].body
    assert body.startswith("Hello Pat,")
    assert body.count("Your login will be deactivated if nothing changes.") == 1
    assert "no back-office subscription payment" not in body
    assert "your last paid back-office subscription was on 2026-01-01 (180 days ago)" in body
    assert "Next step: Pending deactivation (second notice) on 2026-07-05" in body


def test_a_first_evaluation_never_skips_a_stage(org):
    """Pat's first evaluation falls on day 235 (say the company just turned the policy on with old data): Pat enters
    the first stages and then one stage per notice period, every notice on its own day, never straight to the
    downline move."""
    keep_active([m for k, m in org.items() if k not in ("pat", "cleo")], day(235))
    evaluate_day(day=day(235))
    assert stage(org) == "preferred_pricing_loss"  # commission exclusion and pricing loss start together
    assert Member.objects.get(pk=org["rita"].pk).sponsor_id == org["pat"].pk
    entered = {}
    for n in range(236, 236 + 200):
        keep_active([m for k, m in org.items() if k not in ("pat", "cleo")], day(n)) if n % 30 == 0 else None
        evaluate_day(day=day(n))
        key = stage(org)
        entered.setdefault(key, n)
    # Each stage follows the last after the policy's own spacing (90 days, then 5-day notices, then 25, 5, 5, 5).
    assert entered == {
        "preferred_pricing_loss": 236,
        "pending_deactivation_1": 235 + 90,
        "pending_deactivation_2": 235 + 95,
        "pending_deactivation_3": 235 + 100,
        "deactivation": 235 + 105,
        "pending_downline_loss_1": 235 + 130,
        "pending_downline_loss_2": 235 + 135,
        "pending_downline_loss_3": 235 + 140,
        "downline_moved": 235 + 145,
    }
    subjects = list(Notification.objects.filter(member=org["pat"]).order_by("id").values_list("subject", flat=True))
    assert subjects[0] == "You will not receive commissions; Your orders are now at retail price"
    assert len(subjects) == 9


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


def test_a_declined_card_demotes_access_on_the_day_as_the_seed_says(org):
    paid_subscription(org["pat"], day(30))
    paid_order(org["pat"], day(30))
    run(org, 39)
    assert stage(org) == "" and not pat(org).access_restricted
    paid_subscription(org["pat"], day(40), outcome=AttemptOutcome.DECLINED)
    run(org, 40)
    assert stage(org) == "access_demotion" and pat(org).access_restricted
    notice = Notification.objects.get(member=org["pat"])
    assert "your subscription charge failed on 2026-02-10" in notice.body


def test_a_grace_period_on_declines_stays_an_option(org, alpha):
    from core.demotion.policy import default_policy_document
    from core.demotion.services.policies import policy_save

    document = default_policy_document()
    document["decline_grace_days"] = 7
    policy_save(document=document, by=None, acknowledge=["removed_while_selling", "downline_moves_hard_to_undo"])
    paid_subscription(org["pat"], day(30))
    paid_subscription(org["pat"], day(40), outcome=AttemptOutcome.DECLINED)
    paid_order(org["pat"], day(40))
    run(org, 46)
    assert stage(org) == "" and not pat(org).access_restricted
    run(org, 47)
    assert stage(org) == "access_demotion" and pat(org).access_restricted


def test_a_fee_that_lapses_with_no_charge_attempt_demotes_access(org):
    """Pat cancelled the subscription: the fee due on 31 January is never charged. Access goes the day after."""
    from core.commerce.models import BackOfficeSubscription

    BackOfficeSubscription.objects.create(member=org["pat"], status="cancelled", next_due_on=day(30))
    paid_order(org["pat"], day(20))
    run(org, 30)
    assert stage(org) == ""
    run(org, 31)
    assert stage(org) == "access_demotion" and pat(org).access_restricted
    notice = Notification.objects.get(member=org["pat"])
    assert "your back-office subscription has been unpaid since 2026-02-01 with no card charged" in notice.body


def test_fee_switched_on_counts_from_that_day(org):
    """The company turns the back-office fee on on day 100: nobody owes it for the 100 days before."""
    from core.commerce.services.commerce_settings import commerce_settings_get

    settings_row = commerce_settings_get()
    settings_row.subscription_enabled_on = day(100)
    settings_row.save()
    for n in (30, 60, 90, 120, 150):
        paid_order(org["pat"], day(n))  # Pat sells, so PSV never demotes
    run(org, 159)
    assert stage(org) == ""
    run(org, 160)
    assert stage(org) == "commission_exclusion"
    transition = StageTransition.objects.filter(member=org["pat"]).latest("id")
    assert transition.evidence["fee_due_from"] == "2026-04-11"


def test_an_imported_member_counts_from_the_import(org):
    """Pat was brought in from another system on day 200 with a join date of 1 January: no stage before day 260."""
    Member.objects.filter(pk=org["pat"].pk).update(imported_at=at_noon(day(200)))
    run(org, 259)
    assert stage(org) == ""
    run(org, 260)
    assert stage(org) == "commission_exclusion"


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
