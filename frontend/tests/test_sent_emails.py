"""The e-mails the site sends, in the company's words: the welcome on joining and the order confirmation."""

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context

from core.commerce.models import Order
from core.communications.services import email_template_save
from core.company.services import company_settings_get
from core.members.models import Member
from frontend.tests.commerce_data import catalogue_make
from frontend.tests.conftest import signed_in
from frontend.tests.test_shop import _customer, _to_payment
from frontend.tests.test_site import join_data
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.django_db


def test_joining_sends_the_welcome(alpha, org, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        name = company_settings_get().display_name
    with django_capture_on_commit_callbacks(execute=True):
        assert Client(HTTP_HOST=alpha.host).post("/ann/join/", join_data()).status_code == 302
    with schema_context(alpha.schema):
        number = Member.objects.get(username="eve").number
    base = f"http://{alpha.host}"
    (sent,) = mail.outbox
    assert (sent.to, sent.subject) == (["eve@example.test"], f"Welcome to {name}")
    assert sent.body.startswith(f"Hello Eve,\n\nWelcome to {name}! Your member number is {number}")
    assert "your sponsor is Ann Tester." in sent.body
    assert sent.body.endswith(f"Your own site: {base}/eve/\nYour back office: {base}/office/")


def test_a_card_payment_sends_the_order_confirmation_in_the_company_s_words(
    alpha, org, stripe_emulator, django_capture_on_commit_callbacks
):
    with schema_context(alpha.schema):
        catalogue_make()
        stripe_key_set(stripe_emulator.api_key)
        email_template_save(
            key="order_confirmation",
            subject="Order {{ order_number }} paid",
            body="{{ first_name }}, we got {{ total }} {{ currency }}.",
            by=None,
        )
    _customer(alpha, org.ann)
    client = signed_in(alpha, "carol@example.test")
    client.post("/ann/shop/cart/", {"sku": "BAR", "quantity": 1, "add": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_to_payment(alpha, client), {"payment": "card", "card": "pm_card_chargeCustomerFail"})
    assert mail.outbox == []  # declined: nothing to confirm
    with schema_context(alpha.schema):
        order = Order.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/ann/shop/orders/{order.number}/", {"card": "pm_card_visa"})
    with schema_context(alpha.schema):
        order.refresh_from_db()
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (["carol@example.test"], f"Order {order.number} paid", f"Carol, we got {order.total} {order.currency}.")
    ]
