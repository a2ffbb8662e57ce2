"""The distributors' monthly back-office fee: a card on the company's Stripe account, charged on the due date by the
daily beat job (tasks.subscription_charges_fan_out), and every attempt recorded (the demotion policy reads them).

A fee that fails stays due: the job tries again each day (one attempt per subscription per day) until it is paid or
the distributor pays it themselves with a new card. A paid attempt pays for one month from the later of its due date
and the day it was made, so a distributor who pays after months unpaid pays one fee, not one per missed month.

Only active distributors are charged. While a distributor is deactivated or terminated (or suspended) the job skips
them and their due date stays where it was; once they are active again the next daily run charges one fee, and the
following one falls due a month after that run."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from config.tenancy import current_schema
from core.commerce import faults
from core.commerce.errors import PaymentInProgress
from core.commerce.gateways import stripe as stripe_gateway
from core.commerce.models import (
    AttemptOutcome,
    BackOfficeSubscription,
    SubscriptionAttempt,
    SubscriptionStatus,
)
from core.commerce.pricing import to_minor_units
from core.commerce.selectors.periods import add_months, company_date
from core.commerce.services.commerce_settings import commerce_settings_get
from core.communications.selectors import company_url
from core.communications.services import email_send
from core.company.services import company_settings_get
from core.members.models import Member, MemberStatus

logger = logging.getLogger(__name__)


def subscriptions_ensure(*, now: datetime.datetime | None = None) -> int:
    """Give every active distributor without a back-office subscription one, in a single INSERT ... SELECT; returns
    how many were started. Nothing happens while the company does not charge the fee.

    The first fee is due on the join date (company time zone) plus the company's first-charge delay, but never before
    today: a company that starts charging, or a member activated late, is not billed for the months before."""
    settings_row = commerce_settings_get()
    if not settings_row.subscription_enabled:
        return 0
    today = company_date(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {BackOfficeSubscription._meta.db_table}
                   (member_id, status, next_due_on, stripe_customer_id, stripe_payment_method_id, card_brand,
                    card_last4, created_at)
            SELECT m.id, %s, GREATEST((m.joined_at AT TIME ZONE %s)::date + %s, %s), '', '', '', '', now()
              FROM {Member._meta.db_table} m
             WHERE m.status = %s
               AND NOT EXISTS (SELECT 1 FROM {BackOfficeSubscription._meta.db_table} s WHERE s.member_id = m.id)
            ON CONFLICT (member_id) DO NOTHING
            """,
            [
                SubscriptionStatus.ACTIVE,
                _timezone(),
                settings_row.subscription_first_charge_delay_days,
                today,
                MemberStatus.ACTIVE,
            ],
        )
        return cursor.rowcount


@transaction.atomic
def subscription_start(*, member: Member, first_due_on: datetime.date) -> BackOfficeSubscription:
    subscription, _ = BackOfficeSubscription.objects.get_or_create(
        member=member, defaults={"next_due_on": first_due_on}
    )
    return subscription


def subscription_card_set(*, member: Member, payment_method_id: str) -> BackOfficeSubscription:
    """Attach a new card (a PaymentMethod made by Stripe.js) as the fee's card. A refused card changes nothing."""
    if not payment_method_id:
        raise ValidationError({"payment_method": [gettext("This field is required.")]})
    subscription = BackOfficeSubscription.objects.filter(member=member).first()
    if subscription is None:
        raise ValidationError(
            {"subscription": [gettext("#%(number)s has no back-office subscription.") % {"number": member.number}]}
        )
    api_key = commerce_settings_get().stripe_secret_key
    try:
        if not subscription.stripe_customer_id:
            subscription.stripe_customer_id = stripe_gateway.customer_create(
                api_key=api_key,
                email=member.email,
                name=member.full_name,
                metadata={"member_number": str(member.number), "schema": current_schema()},
            )
            subscription.save(update_fields=["stripe_customer_id"])
        card = stripe_gateway.card_attach(
            api_key=api_key, customer_id=subscription.stripe_customer_id, payment_method_id=payment_method_id
        )
    except stripe_gateway.GatewayError as exc:
        raise ValidationError({"payment_method": [str(exc)]}) from exc
    subscription.stripe_payment_method_id = card.payment_method_id
    subscription.card_brand = card.brand
    subscription.card_last4 = card.last4
    subscription.card_exp_month = card.exp_month
    subscription.card_exp_year = card.exp_year
    subscription.save(
        update_fields=["stripe_payment_method_id", "card_brand", "card_last4", "card_exp_month", "card_exp_year"]
    )
    return subscription


def _card_expired(subscription: BackOfficeSubscription, today: datetime.date) -> bool:
    if not subscription.card_exp_year or not subscription.card_exp_month:
        return False
    return (subscription.card_exp_year, subscription.card_exp_month) < (today.year, today.month)


def subscription_charge(
    *, subscription: BackOfficeSubscription, trigger: str = "schedule", now: datetime.datetime | None = None
) -> SubscriptionAttempt:
    """Charge the fee that is due now and record the attempt, whatever its outcome. The attempt (with its idempotency
    key) is decided under the subscription's row lock and committed before Stripe is called; a second charge while
    one is in flight is refused (PaymentInProgress), and one left in flight is settled by payments_reconcile."""
    attempt = _fee_attempt_open(subscription=subscription, trigger=trigger, now=now or timezone.now())
    if attempt.outcome != AttemptOutcome.IN_FLIGHT:
        return attempt  # nothing to charge (no fee, no card, an expired card): recorded already
    faults.checkpoint("fee_charge")
    try:
        result = stripe_gateway.payment_intent_charge(
            api_key=commerce_settings_get().stripe_secret_key,
            amount_minor=to_minor_units(attempt.amount),
            currency=_currency(),
            payment_method_id=subscription.stripe_payment_method_id,
            customer_id=attempt.stripe_customer_id,
            off_session=True,
            metadata=fee_attempt_metadata(attempt),
            idempotency_key=attempt.idempotency_key or "",
        )
    except stripe_gateway.GatewayError as exc:
        logger.warning(
            "Back-office fee charge for member %s failed (attempt key %s, uncertain=%s): %s",
            subscription.member_id,
            attempt.idempotency_key,
            exc.uncertain,
            exc.detail,
        )
        if exc.uncertain:  # the charge may exist: reconciliation settles it
            SubscriptionAttempt.objects.filter(pk=attempt.pk).update(message=str(exc)[:500])
            attempt.refresh_from_db()
            return attempt
        result = stripe_gateway.IntentResult(
            id="", status="error", client_secret="", error_code=exc.code or "error", error_message=str(exc)
        )
    faults.checkpoint("fee_charged")
    return fee_attempt_settle(attempt=attempt, result=result)


@transaction.atomic
def _fee_attempt_open(
    *, subscription: BackOfficeSubscription, trigger: str, now: datetime.datetime
) -> SubscriptionAttempt:
    subscription = BackOfficeSubscription.objects.select_for_update().get(pk=subscription.pk)
    if SubscriptionAttempt.objects.filter(member_id=subscription.member_id, outcome=AttemptOutcome.IN_FLIGHT).exists():
        raise PaymentInProgress({"subscription": [_("A payment of this fee is already in progress.")]})
    today = company_date(now)
    fee = commerce_settings_get().subscription_fee
    base = {
        "member_id": subscription.member_id,
        "due_on": subscription.next_due_on,
        "attempted_at": now,
        "amount": fee,
        "trigger": trigger,
        "stripe_customer_id": subscription.stripe_customer_id,
    }
    if fee <= 0:
        return _record(subscription, SubscriptionAttempt(**base, outcome=AttemptOutcome.PAID, message="No fee."))
    if not subscription.stripe_payment_method_id:
        return _record(subscription, SubscriptionAttempt(**base, outcome=AttemptOutcome.NO_CARD))
    if _card_expired(subscription, today):
        return _record(
            subscription,
            SubscriptionAttempt(
                **base,
                outcome=AttemptOutcome.EXPIRED_CARD,
                failure_code="expired_card",
                message=f"The card ending {subscription.card_last4} expired "
                f"{subscription.card_exp_month:02d}/{subscription.card_exp_year}.",
            ),
        )
    tries = SubscriptionAttempt.objects.filter(
        member_id=subscription.member_id, due_on=subscription.next_due_on, idempotency_key__isnull=False
    ).count()
    key = f"fee-{subscription.member_id}-{subscription.next_due_on.isoformat()}-attempt-{tries + 1}"
    return SubscriptionAttempt.objects.create(**base, outcome=AttemptOutcome.IN_FLIGHT, idempotency_key=key)


def fee_attempt_metadata(attempt: SubscriptionAttempt) -> dict[str, str]:
    return {
        "kind": "back_office_fee",
        "member_id": str(attempt.member_id),
        "due_on": attempt.due_on.isoformat(),
        "attempt_id": str(attempt.pk),
        "attempt_key": attempt.idempotency_key or "",
        "schema": current_schema(),
    }


@transaction.atomic
def fee_attempt_settle(*, attempt: SubscriptionAttempt, result: stripe_gateway.IntentResult) -> SubscriptionAttempt:
    """Record Stripe's outcome of an in-flight fee attempt, once (the payer or reconciliation, whichever is first)."""
    subscription = BackOfficeSubscription.objects.select_for_update().get(member_id=attempt.member_id)
    attempt = SubscriptionAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.outcome != AttemptOutcome.IN_FLIGHT:
        return attempt
    if result.succeeded:
        attempt.outcome = AttemptOutcome.PAID
    elif result.status == "error":
        attempt.outcome = AttemptOutcome.ERROR
    elif result.error_code == "expired_card":
        attempt.outcome = AttemptOutcome.EXPIRED_CARD
    else:
        attempt.outcome = AttemptOutcome.DECLINED
    attempt.stripe_payment_intent_id = result.id
    attempt.failure_code = result.error_code
    attempt.message = result.error_message[:500]
    return _record(subscription, attempt)


def _currency() -> str:
    return company_settings_get().currency


def _timezone() -> str:
    return company_settings_get().timezone


@transaction.atomic
def _record(subscription: BackOfficeSubscription, attempt: SubscriptionAttempt) -> SubscriptionAttempt:
    attempt.save()
    subscription = BackOfficeSubscription.objects.select_for_update().get(pk=subscription.pk)
    if attempt.outcome == AttemptOutcome.PAID:  # one month paid from the due date, or from today when paid late
        paid_on = company_date(attempt.attempted_at)
        subscription.next_due_on = add_months(max(subscription.next_due_on, paid_on), 1)
        subscription.status = SubscriptionStatus.ACTIVE
    else:
        subscription.status = SubscriptionStatus.PAST_DUE
    subscription.save(update_fields=["next_due_on", "status"])
    if attempt.outcome != AttemptOutcome.PAID and attempt.trigger == "schedule":
        _declined_notice(attempt)
    return attempt


def _declined_notice(attempt: SubscriptionAttempt) -> None:
    """Tell the distributor once per due date (the job retries daily; one e-mail is enough). A distributor paying
    themselves sees the outcome on the page instead."""
    earlier = SubscriptionAttempt.objects.filter(
        member_id=attempt.member_id, due_on=attempt.due_on, trigger="schedule"
    ).exclude(pk=attempt.pk)
    if earlier.exists():
        return
    member = Member.objects.get(pk=attempt.member_id)
    email_send(
        key="subscription_declined",
        context={
            "first_name": member.first_name,
            "amount": attempt.amount,
            "currency": _currency(),
            "due_on": attempt.due_on.isoformat(),
            "reason": attempt.message or AttemptOutcome(attempt.outcome).label + ".",
            "back_office_url": f"{company_url()}/office/subscription/",
        },
        to=member.email,
    )


def subscription_pay_now(*, member: Member, payment_method_id: str = "") -> SubscriptionAttempt:
    """The distributor pays a past-due fee themselves (optionally with a new card first)."""
    if payment_method_id:
        subscription_card_set(member=member, payment_method_id=payment_method_id)
    subscription = BackOfficeSubscription.objects.filter(member=member).first()
    if subscription is None:
        raise ValidationError(
            {"subscription": [gettext("#%(number)s has no back-office subscription.") % {"number": member.number}]}
        )
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise ValidationError({"subscription": [gettext("This subscription is cancelled.")]})
    if subscription.next_due_on > company_date(timezone.now()):
        raise ValidationError(
            {
                "subscription": [
                    gettext("Nothing is due before %(next_due_on)s.") % {"next_due_on": subscription.next_due_on}
                ]
            }
        )
    return subscription_charge(subscription=subscription, trigger="member")


def subscription_charge_due(*, now: datetime.datetime | None = None) -> list[SubscriptionAttempt]:
    """Charge every active distributor whose fee is due, at most once in 24 hours each (a repeat of the job the same
    day does nothing). Called by the daily beat job inside the company's schema."""
    now = now or timezone.now()
    if not commerce_settings_get().subscription_enabled:
        return []
    today = company_date(now)
    a_day_ago = now - datetime.timedelta(days=1)
    due = (
        BackOfficeSubscription.objects.exclude(status=SubscriptionStatus.CANCELLED)
        .filter(next_due_on__lte=today, member__status=MemberStatus.ACTIVE)
        .order_by("id")
    )
    attempts = []
    for subscription in due.iterator(chunk_size=500):
        tried_today = SubscriptionAttempt.objects.filter(
            member_id=subscription.member_id,
            due_on=subscription.next_due_on,
            trigger="schedule",
            attempted_at__gt=a_day_ago,
        ).exists()
        if not tried_today:
            try:
                attempts.append(subscription_charge(subscription=subscription, now=now))
            except PaymentInProgress:
                continue  # a charge of this fee is in flight: payments_reconcile settles it
    return attempts
