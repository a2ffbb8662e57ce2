"""The company's commerce settings (offline payments, the back-office fee, its Stripe keys): one row, made on first
read."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from core.commerce.models import CommerceSettings
from core.commerce.pricing import q2


def commerce_settings_get() -> CommerceSettings:
    row = CommerceSettings.objects.order_by("id").first()
    return row or CommerceSettings.objects.create()


SETTINGS_EDITABLE = (
    "offline_payments_allowed",
    "subscription_enabled",
    "subscription_fee",
    "subscription_first_charge_delay_days",
    "stripe_publishable_key",
    "stripe_secret_key",
)


@transaction.atomic
def commerce_settings_update(**changes: object) -> CommerceSettings:
    unknown = set(changes) - set(SETTINGS_EDITABLE)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    errors = {}
    if changes.get("subscription_fee") is not None and Decimal(changes["subscription_fee"]) < 0:
        errors["subscription_fee"] = ["Must not be negative."]
    if (key := changes.get("stripe_secret_key")) and not key.startswith(("sk_", "rk_")):
        errors["stripe_secret_key"] = ["A Stripe secret key starts with sk_ (or rk_ for a restricted key)."]
    if (key := changes.get("stripe_publishable_key")) and not key.startswith("pk_"):
        errors["stripe_publishable_key"] = ["A Stripe publishable key starts with pk_."]
    if errors:
        raise ValidationError(errors)
    row = CommerceSettings.objects.select_for_update().get(pk=commerce_settings_get().pk)
    for name, value in changes.items():
        setattr(row, name, q2(value) if name == "subscription_fee" else value)
    row.save()
    return row
