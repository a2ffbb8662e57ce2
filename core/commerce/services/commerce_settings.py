"""The company's commerce settings (offline payments, the back-office fee, its Stripe keys): one row, made on first
read."""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.commerce.models import CommerceSettings
from core.commerce.pricing import q2


def commerce_settings_get() -> CommerceSettings:
    row = CommerceSettings.objects.order_by("id").first()
    return row or CommerceSettings.objects.create()


class CommerceSettingsChanges(TypedDict, total=False):
    offline_payments_allowed: bool
    subscription_enabled: bool
    subscription_fee: Decimal
    subscription_first_charge_delay_days: int
    stripe_publishable_key: str
    stripe_secret_key: str


SETTINGS_EDITABLE = tuple(CommerceSettingsChanges.__annotations__)


@transaction.atomic
def commerce_settings_update(**changes: Unpack[CommerceSettingsChanges]) -> CommerceSettings:
    unknown = set(changes) - set(SETTINGS_EDITABLE)
    if unknown:
        raise ValidationError({name: [gettext("This field cannot be changed.")] for name in sorted(unknown)})
    errors = {}
    fee = changes.get("subscription_fee")
    if fee is not None and Decimal(fee) < 0:
        errors["subscription_fee"] = [gettext("Must not be negative.")]
    if (key := changes.get("stripe_secret_key")) and not key.startswith(("sk_", "rk_")):
        errors["stripe_secret_key"] = [gettext("A Stripe secret key starts with sk_ (or rk_ for a restricted key).")]
    if (key := changes.get("stripe_publishable_key")) and not key.startswith("pk_"):
        errors["stripe_publishable_key"] = [gettext("A Stripe publishable key starts with pk_.")]
    if errors:
        raise ValidationError(errors)
    row = CommerceSettings.objects.select_for_update().get(pk=commerce_settings_get().pk)
    fields: dict[str, object] = dict(changes)
    if fee is not None:
        fields["subscription_fee"] = q2(fee)
    if changes.get("subscription_enabled") and not row.subscription_enabled:
        # Switching the fee on starts everyone's obligation today: nobody is demoted for months before it existed.
        fields["subscription_enabled_on"] = timezone.localdate()
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row
