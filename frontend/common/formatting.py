"""Numbers, money and dates as the reader's locale writes them (Babel's CLDR data): one place, so every page shows
"$1,234.50" or "1.234,50 €" the same way, with the company's currency, and one date format."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from django.utils import timezone, translation

CENT = Decimal("0.01")


def current_locale() -> Locale:
    """The active language (the member's choice or the browser's, via Django's locale middleware) as a Babel
    locale; English when Babel does not know it."""
    try:
        return Locale.parse(translation.to_locale(translation.get_language() or "en-us"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_US")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def money(value, currency: str) -> str:
    """An amount with its currency and thousands separators, rounded half-up to cents ("$233,127.00")."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return format_currency(amount.quantize(CENT, ROUND_HALF_UP), currency or "USD", locale=current_locale())


def unit_price(value, currency: str) -> str:
    """A price per unit (per active member, per transaction) with its currency: two decimals like any amount
    ("$0.50"), more only when the price has them ("$0.0025"), so a sub-cent price is never shown rounded away."""
    amount = _decimal(value)
    if amount is None:
        return ""
    amount = amount.normalize()
    if amount.as_tuple().exponent > -2:  # type: ignore[operator]
        amount = amount.quantize(CENT)
    return format_currency(amount, currency or "USD", locale=current_locale(), decimal_quantization=False)


def number(value, places: int = 2) -> str:
    """A volume or count with thousands separators ("233,127.00"; places=0 for counts)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    quantum = Decimal(1).scaleb(-places)
    return format_decimal(amount.quantize(quantum, ROUND_HALF_UP), format=pattern, locale=current_locale())


def rate(value) -> str:
    """An exchange rate: four decimal places at least, more only when the rate has them ("0.9137", "149.5300")."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return format_decimal(amount, format="#,##0.0000######", locale=current_locale())


def day(value) -> str:
    """The one date format of the back office: the locale's medium date ("Nov 30, 2026")."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an ISO date handed over as text (e.g. a stage's "on" from a JSON summary)
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, datetime.date):
        return str(value)
    return format_date(value, format="medium", locale=current_locale())


def moment(value) -> str:
    """A date and time in the company's time zone: the one date format followed by the locale's short time
    ("Nov 30, 2026 2:05 PM")."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{day(value)} {format_time(value, format='short', locale=current_locale())}"
