"""Numbers and amounts as the active language writes them (Babel's CLDR data), for what the domain renders itself:
e-mails, PDF statements, files meant for people. Pages use ``frontend.common.formatting`` (the web layer); both follow
the active language (``translation.get_language()``: the reader's choice, or ``translation.override`` around an
e-mail to its recipient), so "1,234.56" in English is "1.234,56" in Spanish everywhere.

On paper and in e-mails an amount carries its ISO currency code after the figure ("1,234.56 USD", "1.234,56 EUR"):
unambiguous when one document shows two currencies ("$" is several currencies) and the same in every language.
Dates stay with Django's locale formats (``django.utils.formats``), which already follow the active language.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from django.utils import translation

CENT = Decimal("0.01")


def active_locale() -> Locale:
    """The active language as a Babel locale; English (US) when there is none or Babel does not know it."""
    try:
        return Locale.parse(translation.to_locale(translation.get_language() or "en-us"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_US")


def number(value, places: int = 2) -> str:
    """A volume, rate or count with the locale's separators, rounded half-up to ``places`` ("1,234.50"; places=0
    for counts: "20,000")."""
    quantum = Decimal(1).scaleb(-places)
    amount = Decimal(str(value)).quantize(quantum, ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(amount, format=pattern, locale=active_locale())


def amount(value) -> str:
    """An amount's figure, rounded half-up to cents, without its currency ("1,234.56")."""
    return number(value, 2)


def money(value, currency: str) -> str:
    """An amount with its currency code ("1,234.56 USD" in English, "1.234,56 USD" in Spanish)."""
    return f"{amount(value)} {currency}"


def percent(value) -> str:
    """A rate given in percent, two decimals ("10.00 %", "10,00 %")."""
    return f"{number(value, 2)} %"
