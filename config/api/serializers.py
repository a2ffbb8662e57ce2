"""The base of every API input serializer, and the bounds its fields share.

A key the view does not declare is an error (400 naming it), never silently dropped: a client that misspells
``lines`` or sends an ``amount`` the refund does not take learns so instead of getting a different operation. Every
bound here is stated in the OpenAPI schema (``max_length``, ``minimum``/``maximum``), so a client generated from the
schema sends only what the API accepts."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.converters import BIGINT_MAX

UNKNOWN_FIELD = _("Unknown field.")

# A member, customer or order number, or a database id: a positive PostgreSQL bigint.
NUMBER = {"min_value": 1, "max_value": BIGINT_MAX}
# A slot under a placement parent: binary 0/1, matrix 0..width-1 (``matrix_width`` is a small integer).
POSITION = {"min_value": 0, "max_value": 32_766}
# Units on one order, cart, autoship or party line: the column is a 32-bit integer, and a line's total must stay
# within a 14-digit money column at any catalogue price a company sets.
QUANTITY = {"min_value": 1, "max_value": 10_000}
# One stock receipt, adjustment or transfer: far below the 32-bit ``on_hand`` column.
STOCK_MOVE_MAX = 1_000_000
# Prices, fees and amounts: ``numeric(14, 2)`` columns, never negative.
MONEY_MAX = Decimal("999999999999.99")
MONEY = {
    "max_digits": 14,
    "decimal_places": 2,
    "min_value": 0,
    "max_value": MONEY_MAX,
    "error_messages": {"min_value": _("Must not be negative.")},
}
# An amount that may be negative (an adjustment or clawback): the same column, both signs.
SIGNED_MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": -MONEY_MAX, "max_value": MONEY_MAX}


class Input(serializers.Serializer):
    """Rejects keys it does not declare, each named in the 400 (``{"amount": ["Unknown field."]}``)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            declared = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in declared)
            if unknown:
                raise serializers.ValidationError({key: [UNKNOWN_FIELD] for key in unknown})
        return super().to_internal_value(data)


# Business dates (a party, an autoship's first run, a plan's effective day, a period): a typo like 0001-01-01 or
# 9999-12-31 is an error, not a date that breaks period arithmetic later.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


class BusinessDateField(serializers.DateField):
    """A date between ``EARLIEST_DATE`` and ``LATEST_DATE``; the range is in the schema's description."""

    def __init__(self, **kwargs):
        help_text = kwargs.pop("help_text", "")
        bounds = f"Between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."
        super().__init__(help_text=f"{help_text} {bounds}".strip(), **kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise serializers.ValidationError(
                _("Enter a date between %(earliest)s and %(latest)s.")
                % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()}
            )
        return day


def number_param(request, name: str) -> int | None:
    """Query parameter ``name`` as a member/order number or id: None when absent, a 400 naming it when it is not a
    whole number in bigint range (``?member=abc`` is an error, never a filter silently ignored or a 500)."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return serializers.IntegerField(**NUMBER).run_validation(raw)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from None
