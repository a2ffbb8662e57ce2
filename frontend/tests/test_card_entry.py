"""Card entry on the pages (frontend.common.payments): Stripe.js is let in by the CSP on card pages only, the `card`
field takes only a PaymentMethod id, the SetupIntent the emulator's Stripe.js stand-in needs, and each failure kind
(a declined card, a payment service that cannot be reached) reads as one plain sentence, with the details in the log."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.commerce.models import AttemptOutcome, Autoship, BackOfficeSubscription, SubscriptionAttempt
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.subscriptions import subscription_start
from frontend.tests.commerce_data import catalogue_make
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.django_db

UNREACHABLE = "We could not reach the payment service; nothing was charged. Please try again in a minute."
CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens there


@pytest.fixture
def stripe_ready(alpha, org, stripe_emulator):
    with schema_context(alpha.schema):
        catalogue_make()
        row = commerce_settings_get()
        row.subscription_enabled, row.subscription_fee = True, Decimal("29.95")
        row.save()
        stripe_key_set(stripe_emulator.api_key)
        subscription_start(member=org.ann, first_due_on=timezone.localdate() - datetime.timedelta(days=3))
    return stripe_emulator


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_card_pages_let_stripe_js_in_and_other_pages_do_not(ann_client, stripe_ready):
    page = ann_client.get("/office/autoships/new/")
    policy = _policy(page)
    origin = stripe_ready.url
    assert policy["script-src"] == ["'self'", origin]
    assert policy["frame-src"] == [origin]
    assert origin in policy["connect-src"]
    html = page.content.decode()
    assert f'<script src="{origin}/js.stripe.com/v3/" defer></script>' in html
    assert 'data-key="pk_test_canopy_emulator"' in html and 'name="card"' in html and "pm_card_visa" not in html
    assert _policy(ann_client.get("/office/"))["script-src"] == ["'self'"]


def test_the_card_field_takes_only_a_payment_method_id(alpha, ann_client, org, stripe_ready):
    response = ann_client.post("/office/subscription/", {"action": "card", "card": "4242424242424242"})
    assert response.status_code == 400
    assert response.context["form"].errors["card"] == ["Enter your card again."]
    with schema_context(alpha.schema):
        assert BackOfficeSubscription.objects.get(member=org.ann).card_last4 == ""


def test_card_setup_gives_the_stand_in_a_setup_intent(alpha, ann_client, stripe_ready):
    response = ann_client.post("/shop/card-setup/")
    assert response.status_code == 200 and response.json()["client_secret"].startswith("seti_")
    assert ann_client.get("/shop/card-setup/").status_code == 405


def test_card_setup_with_the_payment_service_down_answers_a_sentence(ann_client, stripe_ready, settings):
    settings.STRIPE_API_BASE = CLOSED_PORT
    response = ann_client.post("/shop/card-setup/")
    assert (response.status_code, response.json()) == (503, {"error": UNREACHABLE})


def test_an_autoship_with_the_payment_service_down_says_so_and_writes_nothing(
    alpha, ann_client, stripe_ready, settings, caplog
):
    settings.STRIPE_API_BASE = CLOSED_PORT
    response = ann_client.post(
        "/office/autoships/new/",
        {
            "sku_0": "SHAKE",
            "quantity_0": "1",
            "interval_months": "1",
            "first_run_on": timezone.localdate().isoformat(),
            "card": "pm_card_visa",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"card": [UNREACHABLE]}
    assert "Connection refused" not in response.content.decode()
    assert any("Connection refused" in r.getMessage() for r in caplog.records)  # the details: in the log
    with schema_context(alpha.schema):
        assert not Autoship.objects.exists()


def test_saving_the_fee_card_with_the_payment_service_down_says_so(alpha, ann_client, org, stripe_ready, settings):
    settings.STRIPE_API_BASE = CLOSED_PORT
    response = ann_client.post("/office/subscription/", {"action": "card", "card": "pm_card_visa"})
    assert response.status_code == 400
    assert response.context["form"].errors["card"] == [UNREACHABLE]


def test_a_declined_fee_card_reads_as_a_sentence(alpha, ann_client, org, stripe_ready):
    paid = ann_client.post(
        "/office/subscription/", {"action": "pay", "card": "pm_card_chargeCustomerFail"}, follow=True
    )
    assert "The fee was not paid (Declined): Your card was declined." in paid.content.decode()
    with schema_context(alpha.schema):
        assert SubscriptionAttempt.objects.get(member=org.ann).outcome == AttemptOutcome.DECLINED
    again = ann_client.post("/office/subscription/", {"action": "pay", "card": "pm_card_visa"}, follow=True)
    assert "Thank you: the fee of 29.95 is paid." in again.content.decode()
