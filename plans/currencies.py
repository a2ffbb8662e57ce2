"""Money across currencies (issue 19, docs/currencies.md): the one conversion rule and the checks of a rate.

The engine and the ledger stay in the company's base currency. A member in a market with another currency is paid
``round_half_up(base_amount × rate)`` to their currency's minor unit (Babel's ISO 4217 digits: EUR 2, JPY 0, BHD 3),
once per member per payout (``plans.services_payouts.payout_batch_create``), at the rate recorded with the posted
run of the period the payout pays through (``RunExchangeRate``). Nothing here touches the database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, get_currency_precision, is_currency
from django.utils import translation
from django.utils.translation import gettext as _

RATE_DIGITS = 20  # max_digits of a stored rate
RATE_PLACES = 10  # decimal_places of a stored rate: 1 base unit = rate units of the other currency
ONE = Decimal(1)


def minor_digits(currency: str) -> int:
    """Decimal places of the currency's minor unit (ISO 4217 through Babel's CLDR data): EUR 2, JPY 0, BHD 3."""
    return int(get_currency_precision(currency))


def minor_unit(currency: str) -> Decimal:
    return ONE.scaleb(-minor_digits(currency))


def convert(base_amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """``base_amount`` (in the base currency) times ``rate``, rounded half-up to ``currency``'s minor unit. The only
    place an amount changes currency; its input is always a base amount, never one already converted."""
    return (Decimal(base_amount) * Decimal(rate)).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def currency_check(value, *, base: str) -> str:
    """An ISO 4217 code other than ``base``, upper-cased; ValueError with the reason in words otherwise."""
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isalpha() or not is_currency(code):
        raise ValueError(_("“%(code)s” is not an ISO 4217 currency code such as EUR.") % {"code": value})
    if code == base:
        raise ValueError(_("%(code)s is the company's base currency: it needs no rate.") % {"code": code})
    return code


def rate_check(value) -> Decimal:
    """A positive decimal with at most ten decimal places (as stored); ValueError with the reason otherwise."""
    try:
        rate = Decimal(str(value).strip().replace(" ", ""))
    except (InvalidOperation, ValueError, TypeError):
        rate = Decimal(-1)
    if not rate.is_finite() or rate <= 0:
        raise ValueError(_("A rate is a number above 0 such as 0.9137."))
    if rate >= Decimal(10) ** (RATE_DIGITS - RATE_PLACES):  # first: a huge number cannot be quantized
        raise ValueError(_("The rate is too large."))
    if rate != rate.quantize(ONE.scaleb(-RATE_PLACES), rounding=ROUND_HALF_UP):
        raise ValueError(_("A rate has at most %(places)s decimal places.") % {"places": RATE_PLACES})
    return rate.quantize(ONE.scaleb(-RATE_PLACES))


@dataclass(frozen=True)
class Conversion:
    """A base amount, the rate and what it is in the member's currency (what a statement shows)."""

    base_amount: Decimal
    base_currency: str
    rate: Decimal
    amount: Decimal
    currency: str


def conversion(base_amount: Decimal, *, base_currency: str, rate: Decimal, currency: str) -> Conversion:
    return Conversion(
        Decimal(base_amount), base_currency, Decimal(rate), convert(base_amount, rate, currency), currency
    )


def reader_locale() -> Locale:
    """The active language as a Babel locale (the page's reader, or the e-mail's recipient when the sender activated
    their language); English when Babel does not know it. frontend.common.formatting does the same for pages."""
    try:
        return Locale.parse(translation.to_locale(translation.get_language() or "en-us"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_US")


def money_text(amount: Decimal, currency: str) -> str:
    """An amount with its currency sign in the reader's locale, to the currency's minor unit ("1.135,80 €")."""
    return format_currency(Decimal(amount), currency, locale=reader_locale())


def rate_text(rate: Decimal) -> str:
    """A rate in the reader's locale: four decimal places at least, more only when the rate has them (0,9137)."""
    return format_decimal(Decimal(rate), format="#,##0.0000######", locale=reader_locale())


def conversion_text(value: Conversion) -> str:
    """ "$1,234.56 at 0.9137 = €1,128.02" (in the reader's words and number format)."""
    return _("%(base)s at %(rate)s = %(amount)s") % {
        "base": money_text(value.base_amount, value.base_currency),
        "rate": rate_text(value.rate),
        "amount": money_text(value.amount, value.currency),
    }
