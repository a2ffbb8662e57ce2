"""The back-office fee: card on the company's Stripe account (emulator), daily charges, every attempt recorded."""

import datetime
from decimal import Decimal

import pytest
import stripe
from django.utils import timezone

from core.commerce.models import AttemptOutcome, BackOfficeSubscription, SubscriptionAttempt, SubscriptionStatus
from core.commerce.selectors.periods import add_months, company_date
from core.commerce.selectors.subscriptions import first_unpaid_failure_by_member, last_paid_subscription_by_member
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.subscriptions import subscription_card_set, subscription_charge_due, subscription_start
from core.commerce.tasks import subscription_charges_run
from core.commerce.tests.test_api import token

pytestmark = pytest.mark.django_db

MAR_1 = datetime.datetime(2026, 3, 1, 6, 0, tzinfo=datetime.UTC)


def card(number="4242424242424242", exp_year=2030):
    return stripe.PaymentMethod.create(
        type="card", card={"number": number, "exp_month": 12, "exp_year": exp_year, "cvc": "123"}
    ).id


@pytest.fixture
def fee(in_alpha, stripe_emulator):
    row = commerce_settings_get()
    row.subscription_enabled = True
    row.subscription_fee = Decimal("29.95")
    row.stripe_secret_key = stripe_emulator.api_key
    row.save()


def test_due_fees_are_charged_once_a_day_and_every_attempt_is_recorded(root, enroll, fee):
    good, bad = enroll(root), enroll(root)
    for member, number in ((good, "4242424242424242"), (bad, "4000000000000341")):
        subscription_start(member=member, first_due_on=datetime.date(2026, 3, 1))
        subscription_card_set(member=member, payment_method_id=card(number))
    subscription_start(member=enroll(root), first_due_on=datetime.date(2026, 3, 2))  # not due yet, no card

    attempts = subscription_charge_due(now=MAR_1)
    assert sorted((a.member_id, a.outcome) for a in attempts) == [
        (good.pk, AttemptOutcome.PAID),
        (bad.pk, AttemptOutcome.DECLINED),
    ]
    paid = SubscriptionAttempt.objects.get(member=good)
    assert (paid.amount, paid.due_on) == (Decimal("29.95"), datetime.date(2026, 3, 1))
    assert paid.stripe_payment_intent_id.startswith("pi_") and paid.stripe_customer_id.startswith("cus_")
    assert stripe.PaymentIntent.retrieve(paid.stripe_payment_intent_id).amount == 2995
    assert BackOfficeSubscription.objects.get(member=good).next_due_on == datetime.date(2026, 4, 1)
    declined = BackOfficeSubscription.objects.get(member=bad)
    assert (declined.status, declined.next_due_on) == (SubscriptionStatus.PAST_DUE, datetime.date(2026, 3, 1))
    assert SubscriptionAttempt.objects.get(member=bad).failure_code == "card_declined"

    assert subscription_charge_due(now=MAR_1 + datetime.timedelta(hours=3)) == []  # the job ran twice today
    retried = subscription_charges_run((MAR_1 + datetime.timedelta(days=1)).isoformat())
    assert (retried["attempts"], retried["outcomes"]) == (2, {"declined": 1, "no_card": 1})

    assert last_paid_subscription_by_member() == {good.pk: datetime.date(2026, 3, 1)}
    assert first_unpaid_failure_by_member() == {
        bad.pk: datetime.date(2026, 3, 1),
        SubscriptionAttempt.objects.get(outcome="no_card").member_id: datetime.date(2026, 3, 2),
    }


def test_an_expired_card_is_recorded_without_calling_stripe(root, enroll, fee):
    member = enroll(root)
    subscription_start(member=member, first_due_on=datetime.date(2026, 3, 1))
    subscription = subscription_card_set(member=member, payment_method_id=card())
    subscription.card_exp_month, subscription.card_exp_year = 1, 2026
    subscription.save()
    (attempt,) = subscription_charge_due(now=MAR_1)
    assert (attempt.outcome, attempt.stripe_payment_intent_id, attempt.message) == (
        AttemptOutcome.EXPIRED_CARD,
        "",
        "The card ending 4242 expired 01/2026.",
    )


def test_a_distributor_replaces_the_card_and_pays_a_past_due_fee(alpha_client, root, enroll, fee):
    member = enroll(root, username="pat")
    subscription_start(member=member, first_due_on=datetime.date(2026, 1, 1))
    subscription_card_set(member=member, payment_method_id=card("4000000000000341"))
    subscription_charge_due(now=MAR_1)
    auth = token(alpha_client, "pat@example.test")
    assert alpha_client.get("/api/v1/commerce/subscription/", **auth).json()["status"] == "past_due"

    declined = alpha_client.post("/api/v1/commerce/subscription/pay/", **auth)
    assert (declined.status_code, declined.json()["outcome"]) == (402, "declined")
    changed = alpha_client.post(
        "/api/v1/commerce/subscription/card/", {"payment_method": card()}, content_type="application/json", **auth
    )
    assert (changed.status_code, changed.json()["card_last4"]) == (200, "4242")
    paid = alpha_client.post("/api/v1/commerce/subscription/pay/", **auth)
    assert paid.status_code == 200
    assert (paid.json()["outcome"], paid.json()["due_on"], paid.json()["amount"]) == ("paid", "2026-01-01", "29.95")
    assert [a.trigger for a in SubscriptionAttempt.objects.filter(member=member)] == ["schedule", "member", "member"]
    # one fee for the month from today (the day it was paid), not January's month: February on is not back-billed
    today = company_date(timezone.now())
    assert BackOfficeSubscription.objects.get(member=member).next_due_on == add_months(today, 1)


def test_every_active_distributor_gets_a_subscription_due_after_the_first_charge_delay(root, enroll, fee):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.commerce.services.subscriptions import subscriptions_ensure
    from core.company.services import company_settings_get

    company = company_settings_get()
    company.timezone = "America/New_York"
    company.save()
    row = commerce_settings_get()
    row.subscription_first_charge_delay_days = 14
    row.save()
    at = datetime.datetime
    root.joined_at = at(2026, 2, 25, 12, 0, tzinfo=datetime.UTC)
    root.save(update_fields=["joined_at"])
    late_evening = enroll(root, joined_at=at(2026, 3, 1, 3, 0, tzinfo=datetime.UTC))  # 28 Feb in New York
    newcomer = enroll(root, joined_at=at(2026, 3, 10, 15, 0, tzinfo=datetime.UTC))
    old_timer = enroll(root, joined_at=at(2025, 6, 1, 15, 0, tzinfo=datetime.UTC))
    enroll(root, status="pending")
    enroll(root, status="suspended")
    existing = enroll(root)
    subscription_start(member=existing, first_due_on=datetime.date(2026, 5, 5))

    with CaptureQueriesContext(connection) as queries:
        started = subscriptions_ensure(now=MAR_1)
    assert [q["sql"].split()[0] for q in queries.captured_queries].count("INSERT") == 1
    assert started == 4  # root, late_evening, newcomer, old_timer
    due = dict(BackOfficeSubscription.objects.values_list("member_id", "next_due_on"))
    assert due == {
        root.pk: datetime.date(2026, 3, 11),
        late_evening.pk: datetime.date(2026, 3, 14),
        newcomer.pk: datetime.date(2026, 3, 24),
        old_timer.pk: datetime.date(2026, 3, 1),  # joined before fees started: due from today, no back fees
        existing.pk: datetime.date(2026, 5, 5),
    }
    assert subscriptions_ensure(now=MAR_1) == 0

    row.subscription_enabled = False
    row.save()
    enroll(root)
    assert subscriptions_ensure(now=MAR_1) == 0


def test_the_daily_job_starts_missing_subscriptions_before_charging(root, enroll, fee):
    member = enroll(root, joined_at=datetime.datetime(2026, 2, 20, 12, 0, tzinfo=datetime.UTC))
    root.joined_at = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=datetime.UTC)
    root.save(update_fields=["joined_at"])
    result = subscription_charges_run(MAR_1.isoformat())
    assert (result["started"], result["attempts"], result["outcomes"]) == (2, 1, {"no_card": 1})
    assert SubscriptionAttempt.objects.get().member_id == member.pk
    assert BackOfficeSubscription.objects.get(member=root).next_due_on == datetime.date(2026, 3, 20)


def test_a_declined_fee_is_e_mailed_once_per_due_date(root, enroll, fee, django_capture_on_commit_callbacks):
    from django.core import mail

    member = enroll(root, first_name="Bea")
    subscription_start(member=member, first_due_on=datetime.date(2026, 3, 1))
    subscription_card_set(member=member, payment_method_id=card("4000000000000341"))
    for day in range(2):  # declined today, retried (and declined) tomorrow: one e-mail
        with django_capture_on_commit_callbacks(execute=True):
            subscription_charge_due(now=MAR_1 + datetime.timedelta(days=day))
    (sent,) = mail.outbox
    assert sent.to == [member.email]
    assert sent.subject.endswith(" back-office fee could not be charged")
    assert "We could not charge your back-office fee of 29.95 USD due on 2026-03-01: Your card was declined." in (
        sent.body
    )
    assert "/office/subscription/" in sent.body


@pytest.mark.parametrize("status", ["terminated", "inactive"], ids=["terminated", "deactivated"])
def test_a_member_who_is_not_active_is_not_charged_and_their_due_date_waits(root, enroll, fee, status):
    member = enroll(root)
    subscription_start(member=member, first_due_on=datetime.date(2026, 3, 1))
    subscription_card_set(member=member, payment_method_id=card())
    member.status = status
    member.save(update_fields=["status"])

    for day in range(3):
        assert subscription_charge_due(now=MAR_1 + datetime.timedelta(days=day)) == []
    assert SubscriptionAttempt.objects.filter(member=member).count() == 0
    assert BackOfficeSubscription.objects.get(member=member).next_due_on == datetime.date(2026, 3, 1)


def test_a_reinstated_member_pays_one_fee_from_the_day_they_are_active_again(root, enroll, fee):
    """Deactivated from 1 December to 4 March: nothing is charged for those months; the first daily run after the
    reinstatement charges one fee, and the next one falls due a month after that run."""
    member = enroll(root, status="inactive")
    subscription_start(member=member, first_due_on=datetime.date(2025, 12, 1))
    subscription_card_set(member=member, payment_method_id=card())
    assert subscription_charge_due(now=MAR_1) == []

    member.status = "active"
    member.save(update_fields=["status"])
    (attempt,) = subscription_charge_due(now=MAR_1 + datetime.timedelta(days=4))
    assert (attempt.outcome, attempt.amount) == (AttemptOutcome.PAID, Decimal("29.95"))
    assert BackOfficeSubscription.objects.get(member=member).next_due_on == datetime.date(2026, 4, 5)


def test_a_member_three_months_overdue_who_adds_a_good_card_is_charged_one_fee_not_three(root, enroll, fee):
    """Due since 1 December, declined every day until a good card arrives on 1 March: one fee of 29.95 on 1 March,
    the next due a month later, and no back-billing of January and February on the following days."""
    member = enroll(root)
    subscription_start(member=member, first_due_on=datetime.date(2025, 12, 1))
    subscription_card_set(member=member, payment_method_id=card("4000000000000341"))
    for day in range(3):
        subscription_charge_due(now=MAR_1 - datetime.timedelta(days=3 - day))
    assert SubscriptionAttempt.objects.filter(member=member, outcome=AttemptOutcome.DECLINED).count() == 3

    subscription_card_set(member=member, payment_method_id=card())
    (attempt,) = subscription_charge_due(now=MAR_1)
    assert (attempt.outcome, attempt.amount) == (AttemptOutcome.PAID, Decimal("29.95"))
    assert stripe.PaymentIntent.retrieve(attempt.stripe_payment_intent_id).amount == 2995
    assert BackOfficeSubscription.objects.get(member=member).next_due_on == datetime.date(2026, 4, 1)

    assert subscription_charge_due(now=MAR_1 + datetime.timedelta(hours=3)) == []  # again the same day
    for day in range(1, 4):  # and on the following days: January and February are not back-billed
        assert subscription_charge_due(now=MAR_1 + datetime.timedelta(days=day)) == []
    paid = SubscriptionAttempt.objects.filter(member=member, outcome=AttemptOutcome.PAID)
    assert list(paid.values_list("amount", flat=True)) == [Decimal("29.95")]


def test_switching_the_fee_on_records_the_day_and_switching_again_keeps_it(alpha):
    from django_tenants.utils import schema_context

    from core.commerce.services.commerce_settings import commerce_settings_update

    with schema_context(alpha.schema):
        assert commerce_settings_get().subscription_enabled_on is None
        commerce_settings_update(subscription_enabled=True)
        assert commerce_settings_get().subscription_enabled_on == timezone.localdate()
        row = commerce_settings_get()
        row.subscription_enabled_on = datetime.date(2026, 1, 5)
        row.save()
        commerce_settings_update(subscription_enabled=True)  # already on: the day the obligation started stays
        assert commerce_settings_get().subscription_enabled_on == datetime.date(2026, 1, 5)
