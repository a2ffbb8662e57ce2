"""Usage counted from each company's own schema; plan history and which plan applies when."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import ActiveMemberRule, PlanAssignment
from billing.selectors import plan_periods
from billing.services import price_plan_assign, usage_count, usage_record_refresh
from billing.tests.factories import assign, at, company, distributors_logged_in, invoice_row, plan_create
from core.accounts.models import Role
from tenants.models import Company

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)


def test_usage_counts_distributors_who_logged_in_during_the_month_in_that_company_only(alpha, beta):
    distributors_logged_in("alpha", at(2026, 10, 1, 0), at(2026, 10, 15), at(2026, 10, 31, 23))
    distributors_logged_in("alpha", at(2026, 9, 30, 23), at(2026, 11, 1, 0))  # outside October
    distributors_logged_in("alpha", at(2026, 10, 5), role=Role.CUSTOMER)  # customers are not members
    distributors_logged_in("beta", at(2026, 10, 9))

    alpha_counts = usage_count(company=company("alpha"), month=OCTOBER)
    assert (alpha_counts.members_logged_in, alpha_counts.members_any_activity, alpha_counts.orders) == (3, 3, 0)
    assert usage_count(company=company("beta"), month=OCTOBER).members_logged_in == 1


def test_usage_record_keeps_its_sources_and_is_frozen_at_month_end(alpha):
    plan = plan_create(code="any", active_member_rule=ActiveMemberRule.ANY_ACTIVITY)
    assign("alpha", plan, datetime.date(2026, 9, 1))
    distributors_logged_in("alpha", at(2026, 10, 3), at(2026, 10, 4))

    record = usage_record_refresh(company=company("alpha"), month=OCTOBER, freeze=True)
    assert (record.plan, record.active_member_rule, record.active_members) == (plan, "any_activity", 2)
    assert (record.members_logged_in, record.members_ordered, record.members_paid_subscription, record.orders) == (
        2,
        0,
        0,
        0,
    )
    distributors_logged_in("alpha", at(2026, 10, 5))
    again = usage_record_refresh(company=company("alpha"), month=OCTOBER, freeze=True)
    assert (again.pk, again.active_members, again.frozen_at) == (record.pk, 2, record.frozen_at)


def test_plan_change_defaults_to_next_month_and_is_recorded(alpha):
    start = plan_create(code="start", monthly_hosting_fee="100")
    grow = plan_create(code="grow", monthly_hosting_fee="200")
    Company.objects.filter(schema_name="alpha").update(price_plan=start, created_at=at(2026, 9, 1))
    alpha_company = company("alpha")

    assignment = price_plan_assign(company=alpha_company, plan=grow, today=datetime.date(2026, 10, 17))
    assert assignment.effective_from == datetime.date(2026, 11, 1)
    history = PlanAssignment.objects.filter(company=alpha_company).values_list("plan__code", "effective_from", "note")
    assert list(history) == [
        ("start", datetime.date(2026, 9, 1), "Plan at onboarding"),
        ("grow", datetime.date(2026, 11, 1), ""),
    ]
    alpha_company.refresh_from_db()
    assert alpha_company.price_plan == start  # still on the old plan until November


def test_mid_month_change_splits_the_month_and_setup_fee_only_on_a_new_plan(alpha):
    a = plan_create(code="a", setup_fee="50")
    b = plan_create(code="b", setup_fee="70")
    assign("alpha", a, datetime.date(2026, 9, 1))
    assign("alpha", b, datetime.date(2026, 10, 11))
    assign("alpha", a, datetime.date(2026, 10, 25))  # back to a: no second setup fee
    periods = plan_periods(company=company("alpha"), month=OCTOBER)
    assert [(p.plan.code, p.start.day, (p.end - p.start).days, p.first_on_plan) for p in periods] == [
        ("a", 1, 10, False),
        ("b", 11, 14, True),
        ("a", 25, 7, False),
    ]


def test_plan_change_into_an_invoiced_month_or_another_currency_is_refused(alpha):
    usd = plan_create(code="usd", monthly_hosting_fee="10")
    eur = plan_create(code="eur", currency="EUR", monthly_hosting_fee="10")
    assign("alpha", usd, datetime.date(2026, 9, 1))
    invoice_row("alpha", usd, OCTOBER, "10.00")
    with pytest.raises(ValidationError) as invoiced:
        price_plan_assign(company=company("alpha"), plan=usd, effective_from=datetime.date(2026, 10, 20))
    assert invoiced.value.message_dict == {
        "effective_from": ["2026-10 is already invoiced; choose a day in a later month."]
    }
    with pytest.raises(ValidationError) as currency:
        price_plan_assign(company=company("alpha"), plan=eur, today=datetime.date(2026, 11, 3))
    assert currency.value.message_dict == {"plan": ["The company is billed in USD; plan 'eur' is in EUR."]}
    assert Decimal(usd.monthly_hosting_fee) == Decimal("10.00")


@pytest.mark.parametrize(
    ("retry_days", "error"),
    [
        pytest.param("3,x", "Give days after the first failure as whole numbers, e.g. 3,7,14.", id="not-a-number"),
        pytest.param("0,5", "Give days after the first failure as whole numbers, e.g. 3,7,14.", id="zero"),
        pytest.param("3,3", "Give each retry day once.", id="duplicate"),
    ],
)
def test_dunning_retry_days_are_validated(retry_days, error):
    from billing.models import DunningSettings

    with pytest.raises(ValidationError) as invalid:
        DunningSettings(retry_days=retry_days).full_clean()
    assert invalid.value.message_dict == {"retry_days": [error]}
    assert DunningSettings(retry_days="14, 3,7").retry_offsets == [3, 7, 14]


def test_usage_counts_paid_orders_and_the_members_who_ordered_or_paid_their_fee(alpha, beta):
    from django_tenants.utils import schema_context

    from core.commerce.models import AttemptOutcome, PlacedBy, SubscriptionAttempt
    from core.commerce.services.orders import order_cancel
    from core.commerce.services.refunds import order_refund
    from tests.factories.catalogue import ProductFactory
    from tests.factories.members import CustomerFactory, MemberFactory
    from tests.factories.orders import OrderFactory, PaidOrderFactory

    def enroll(sponsor, username):
        return MemberFactory(sponsor=sponsor, username=username, first_name="M", last_name="M", password=None)

    def order(buyer, paid_at=None, **kwargs):
        factory = PaidOrderFactory if paid_at else OrderFactory
        paid = {"paid_at": paid_at} if paid_at else {}
        return factory(lines=[("TEA", 1)], placed_by=PlacedBy.STAFF, placed_at=at(2026, 10, 1), **buyer, **paid)

    for schema in ("alpha", "beta"):
        with schema_context(schema):
            ProductFactory(sku="TEA", name="Tea", retail_price=Decimal("10"), distributor_price=Decimal("8"),
                           track_inventory=False)  # fmt: skip
    with schema_context("alpha"):
        root = enroll(None, "house")
        ann, bob, cid = enroll(root, "ann"), enroll(root, "bob"), enroll(root, "cid")
        carl = CustomerFactory(distributor=ann, email="carl@example.test", first_name="C", last_name="C", password=None)
        order({"buyer_member": ann}, paid_at=at(2026, 10, 1, 0))
        order({"buyer_customer": carl}, paid_at=at(2026, 10, 10))  # counts as an order; carl is not a member
        refunded = order({"buyer_member": bob}, paid_at=at(2026, 10, 12))
        order_refund(order=refunded, reason="Changed mind")  # still a sale of October
        order({"buyer_member": cid}, paid_at=at(2026, 11, 1, 0))  # paid in November
        order({"buyer_member": root})  # never paid
        order_cancel(order=order({"buyer_member": cid}))
        for member, outcome, amount, when in (
            (root, AttemptOutcome.PAID, "29.95", at(2026, 10, 3)),
            (cid, AttemptOutcome.DECLINED, "29.95", at(2026, 10, 3)),
            (cid, AttemptOutcome.PAID, "0.00", at(2026, 10, 4)),  # no fee: not a payment
            (bob, AttemptOutcome.PAID, "29.95", at(2026, 9, 30, 23)),
        ):
            SubscriptionAttempt.objects.create(
                member=member, due_on=when.date(), attempted_at=when, outcome=outcome, amount=Decimal(amount)
            )
    with schema_context("beta"):
        order({"buyer_member": enroll(None, "beatrix")}, paid_at=at(2026, 10, 5))

    counts = usage_count(company=company("alpha"), month=OCTOBER)
    assert (counts.orders, counts.members_ordered, counts.members_paid_subscription, counts.members_any_activity) == (
        3,
        2,
        1,
        3,
    )
    assert usage_count(company=company("beta"), month=OCTOBER).orders == 1
    assign("alpha", plan_create(code="buyers", active_member_rule=ActiveMemberRule.ORDERED), datetime.date(2026, 9, 1))
    record = usage_record_refresh(company=company("alpha"), month=OCTOBER)
    assert (record.active_member_rule, record.active_members, record.orders) == ("ordered", 2, 3)


def test_every_login_day_counts_so_a_later_login_does_not_hide_an_earlier_month(alpha, beta):
    from django_tenants.utils import schema_context

    from core.accounts.services import login_day_record, user_create

    with schema_context("alpha"):
        dana = user_create(email="dana@alpha.test", role=Role.DISTRIBUTOR, password="x-pass-123")
        for moment in (at(2026, 10, 3), at(2026, 10, 20), at(2026, 10, 20, 18), at(2026, 11, 2)):
            login_day_record(user=dana, at=moment)
        dana.last_login = at(2026, 11, 2)  # what the November login left behind
        dana.save(update_fields=["last_login"])
        september_only = user_create(email="sep@alpha.test", role=Role.DISTRIBUTOR, password="x-pass-123")
        login_day_record(user=september_only, at=at(2026, 9, 30, 23))
        # A login at 23:30 in New York on 31 October is 1 November in UTC, the billing time zone.
        late = user_create(email="late@alpha.test", role=Role.DISTRIBUTOR, password="x-pass-123")
        new_york = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-4)))
        login_day_record(user=late, at=new_york)
        assert list(dana.login_days.values_list("day", flat=True)) == [
            datetime.date(2026, 10, 3), datetime.date(2026, 10, 20), datetime.date(2026, 11, 2),
        ]  # fmt: skip
    with schema_context("beta"):
        beta_user = user_create(email="bea@beta.test", role=Role.DISTRIBUTOR, password="x-pass-123")
        login_day_record(user=beta_user, at=at(2026, 10, 9))

    october = usage_count(company=company("alpha"), month=OCTOBER)
    assert (october.members_logged_in, october.members_any_activity) == (1, 1)  # dana once, not twice
    november = usage_count(company=company("alpha"), month=datetime.date(2026, 11, 1))
    assert november.members_logged_in == 2  # dana and the New York login
    assert usage_count(company=company("alpha"), month=datetime.date(2026, 9, 1)).members_logged_in == 1
    assert usage_count(company=company("alpha"), month=datetime.date(2026, 12, 1)).members_logged_in == 0
    assert usage_count(company=company("beta"), month=OCTOBER).members_logged_in == 1


def test_signing_in_through_the_login_form_records_the_day_once(alpha):
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from conftest import PASSWORD
    from core.accounts.models import LoginDay
    from core.accounts.services import user_create
    from frontend.tests.conftest import signed_in

    with schema_context("alpha"):
        user_create(email="dana@alpha.test", role=Role.DISTRIBUTOR, password=PASSWORD)
    for _ in range(2):  # twice the same day
        signed_in(alpha, "dana@alpha.test").post("/accounts/logout/")
    with schema_context("alpha"):
        assert list(LoginDay.objects.values_list("user__email", "day")) == [
            ("dana@alpha.test", timezone.now().astimezone(datetime.UTC).date())
        ]
    with schema_context("public"):
        assert not LoginDay.objects.exists()
    this_month = timezone.now().astimezone(datetime.UTC).date().replace(day=1)
    assert usage_count(company=company("alpha"), month=this_month).members_logged_in == 1
