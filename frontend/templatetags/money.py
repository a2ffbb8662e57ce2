"""``{{ amount|money:currency }}``: an amount with its currency, in the page's language (Babel's CLDR formats), so
no customer page ever shows a bare "24.00"."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.core import UnknownLocaleError
from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def money(amount, currency: str = "USD") -> str:
    """``Decimal("24.00")|money:"USD"`` is "$24.00" in English, "24,00 $US" in French; empty stays empty."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return str(amount)
    currency = (currency or "USD").upper()
    try:
        return format_currency(value, currency, locale=to_locale(get_language() or "en-us"))
    except (UnknownLocaleError, ValueError):
        return f"{value:.2f} {currency}"
