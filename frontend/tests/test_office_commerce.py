"""The back office's commerce pages: orders (own and customers'), this period's volume on the dashboard, the
subscription and payment page (card on file, past-due fee), and what a restricted member can still open."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.commerce.models import AttemptOutcome, BackOfficeSubscription, SubscriptionAttempt
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_pay_offline
from core.commerce.services.subscriptions import subscription_start
from core.members.models import Member
from frontend.tests.commerce_data import catalogue_make
from frontend.tests.conftest import enroll, signed_in
from tests.factories.members import CustomerFactory
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(alpha, org):
    """Ann's own order (2 shakes, paid), her customer's order (1 bar, paid) and bob's order."""
    with schema_context(alpha.schema):
        catalogue_make()
        customer = CustomerFactory(
            distributor=org.ann, email="cu@example.test", first_name="Cu", last_name="Stomer", with_login=False
        )
        own = order_place(lines=[LineRequest("SHAKE", 2)], placed_by="distributor", buyer_member=org.ann)
        theirs = order_place(lines=[LineRequest("BAR", 1)], placed_by="customer", buyer_customer=customer)
        bobs = order_place(lines=[LineRequest("BAR", 1)], placed_by="distributor", buyer_member=org.bob)
        for order in (own, theirs, bobs):
            order_pay_offline(order=order, method="cash")
    return {"own": own, "theirs": theirs, "bobs": bobs}


def test_orders_list_filters_own_and_customers(ann_client, sales):
    numbers = lambda path: [o.number for o in ann_client.get(path).context["page_obj"]]  # noqa: E731
    assert sorted(numbers("/office/orders/")) == sorted([sales["own"].number, sales["theirs"].number])
    assert numbers("/office/orders/?kind=mine") == [sales["own"].number]
    assert numbers("/office/orders/?kind=customers") == [sales["theirs"].number]
    detail = ann_client.get(f"/office/orders/{sales['theirs'].number}/")
    assert detail.context["order"].credited_member.username == "ann"


def test_a_distributor_cannot_open_anothers_order(alpha, beta, ann_client, sales):
    assert ann_client.get(f"/office/orders/{sales['bobs'].number}/").status_code == 404
    with schema_context(beta.schema):
        enroll(None, "zed", "Zed")
    zed = signed_in(beta, "zed@example.test")
    assert list(zed.get("/office/orders/").context["page_obj"]) == []
    assert zed.get(f"/office/orders/{sales['own'].number}/").status_code == 404


def test_dashboard_shows_this_periods_volume(ann_client, sales):
    response = ann_client.get("/office/")
    figures = response.context["figures"]
    assert (figures.pv, figures.psv, figures.cv) == (Decimal("80.00"), Decimal("88.00"), Decimal("77.00"))
    html = response.content.decode()
    assert 'data-testid="pv">80.00<' in html and 'data-testid="psv">88.00<' in html


@pytest.fixture
def fee_due(alpha, org, stripe_emulator):
    with schema_context(alpha.schema):
        row = commerce_settings_get()
        row.subscription_enabled, row.subscription_fee = True, Decimal("29.95")
        row.save()
        stripe_key_set(stripe_emulator.api_key)
        subscription_start(member=org.ann, first_due_on=timezone.localdate() - datetime.timedelta(days=3))


def test_member_saves_a_card_and_pays_the_past_due_fee(alpha, ann_client, org, fee_due):
    page = ann_client.get("/office/subscription/")
    assert (page.context["past_due"], page.context["sub"].card_last4) == (True, "")
    ann_client.post("/office/subscription/", {"action": "card", "card": "pm_card_visa"})
    with schema_context(alpha.schema):
        assert BackOfficeSubscription.objects.get(member=org.ann).card_last4 == "4242"
    paid = ann_client.post("/office/subscription/", {"action": "pay"}, follow=True)
    assert "Thank you: the fee of 29.95 is paid." in paid.content.decode()
    with schema_context(alpha.schema):
        attempt = SubscriptionAttempt.objects.get(member=org.ann)
        assert (attempt.outcome, attempt.trigger, attempt.amount) == (AttemptOutcome.PAID, "member", Decimal("29.95"))


def test_saving_a_card_needs_a_choice(ann_client, fee_due):
    response = ann_client.post("/office/subscription/", {"action": "card"})
    assert response.status_code == 400
    assert response.context["form"].errors["card"] == ["Enter your card details."]


def test_a_restricted_member_reaches_only_profile_and_payment_pages(alpha, ann_client, org, fee_due):
    with schema_context(alpha.schema):
        Member.objects.filter(pk=org.ann.pk).update(access_restricted=True)
    assert ann_client.get("/office/subscription/").status_code == 200
    assert ann_client.get("/office/profile/").status_code == 200
    for path in ("/office/", "/office/orders/", "/office/standing/"):
        response = ann_client.get(path)
        assert response.status_code == 403 and "office/restricted.html" in [t.name for t in response.templates]
    # The restricted member can pay and is not blocked from doing so.
    ann_client.post("/office/subscription/", {"action": "pay", "card": "pm_card_visa"})
    with schema_context(alpha.schema):
        assert SubscriptionAttempt.objects.get(member=org.ann).outcome == AttemptOutcome.PAID
