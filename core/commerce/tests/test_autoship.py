import datetime
from decimal import Decimal

import pytest
import stripe
from django.core import mail

from core.commerce.models import AutoshipStatus, Order, OrderStatus
from core.commerce.services.autoship import autoship_create, autoship_run_due
from core.commerce.services.orders import LineRequest
from core.commerce.tasks import autoships_run
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.django_db

APR_1 = datetime.datetime(2026, 4, 1, 6, 0, tzinfo=datetime.UTC)


def stored_card(email, number):
    customer = stripe.Customer.create(email=email)
    pm = stripe.PaymentMethod.create(
        type="card", card={"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    )
    stripe.PaymentMethod.attach(pm.id, customer=customer.id)
    return {"stripe_customer_id": customer.id, "stripe_payment_method_id": pm.id}


@pytest.fixture
def keyed(in_alpha, stripe_emulator):
    stripe_key_set(stripe_emulator.api_key)


def test_autoship_places_and_charges_on_its_day_then_moves_a_month_on(
    root, enroll, make_customer, catalogue, keyed, django_capture_on_commit_callbacks
):
    customer = make_customer(enroll(root), customer_type="preferred")
    autoship = autoship_create(
        customer=customer,
        items=[LineRequest("SHAKE", 1)],
        first_run_on=datetime.date(2026, 4, 1),
        **stored_card(customer.email, "4242424242424242"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = autoship_run_due(now=APR_1)
    assert run.succeeded
    order = Order.objects.get(autoship=autoship)
    assert (order.placed_by, order.price_tier, order.total, order.status) == (
        "autoship",
        "preferred",
        Decimal("44.99"),
        OrderStatus.PAID,
    )
    autoship.refresh_from_db()
    assert autoship.next_run_on == datetime.date(2026, 5, 1)
    assert autoship_run_due(now=APR_1 + datetime.timedelta(hours=2)) == []
    assert [m.subject for m in mail.outbox] == ["Your autoship order is on its way"]


def test_a_declined_autoship_is_retried_daily_then_paused_with_notices(
    root, enroll, catalogue, keyed, django_capture_on_commit_callbacks
):
    member = enroll(root)
    autoship = autoship_create(
        member=member,
        items=[LineRequest("SHAKE", 2)],
        first_run_on=datetime.date(2026, 4, 1),
        **stored_card(member.email, "4000000000000341"),
    )
    for day in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            result = autoships_run((APR_1 + datetime.timedelta(days=day)).isoformat())
        assert (result["runs"], result["succeeded"]) == (1, 0)
    autoship.refresh_from_db()
    assert (autoship.status, autoship.failures, autoship.next_run_on) == (
        AutoshipStatus.PAUSED,
        3,
        datetime.date(2026, 4, 1),
    )
    assert autoships_run((APR_1 + datetime.timedelta(days=3)).isoformat())["runs"] == 0
    assert list(Order.objects.values_list("status", flat=True)) == [OrderStatus.CANCELLED] * 3
    assert catalogue["shake"].stock_levels.get().on_hand == 100  # stock released each time
    assert [m.subject for m in mail.outbox] == ["Your autoship could not be processed"] * 3
    assert mail.outbox[-1].body == "Your card was declined. It is paused until you update it."


def test_the_autoship_notice_is_in_the_company_s_own_words(
    root, enroll, catalogue, keyed, django_capture_on_commit_callbacks
):
    from core.communications.services import email_template_save

    email_template_save(
        key="autoship_processed",
        subject="{{ first_name }}, autoship {{ order_number }} is paid",
        body="We charged {{ total }} {{ currency }}.",
        by=None,
    )
    member = enroll(root, first_name="Ann")
    autoship_create(
        member=member,
        items=[LineRequest("SHAKE", 1)],
        first_run_on=datetime.date(2026, 4, 1),
        **stored_card(member.email, "4242424242424242"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = autoship_run_due(now=APR_1)
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (
            [member.email],
            f"Ann, autoship {run.order.number} is paid",
            f"We charged {run.order.total} {run.order.currency}.",
        )
    ]
