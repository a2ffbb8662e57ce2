"""Shipping methods and their fees, by market (the fee is in its currency) and destination country. Orders keep the
method's name and fee they were placed with, so editing or deleting a method never changes a placed order."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries

from core.commerce.models import ShippingMethod
from core.commerce.pricing import q2
from core.company.models import Market

FEE_MAX = Decimal("100000.00")


def _shipping_method_check(
    *,
    country: str,
    name: str,
    fee: Decimal,
    is_active: bool,
    market: Market | None = None,
    exclude_pk: int | None = None,
) -> None:
    errors: dict[str, list[str]] = {}
    if country and country not in countries:
        errors["country"] = [_("Choose a country from the list, or none for every other country.")]
    elif country and market is not None and country not in market.countries:
        errors["country"] = [
            _("The %(market)s market sells in %(countries)s only.")
            % {"market": market.name, "countries": ", ".join(market.countries)}
        ]
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 100 or any(ord(ch) < 32 for ch in name):
        errors["name"] = [_("Keep the name to one line of at most 100 characters.")]
    if fee is None or not (Decimal("0") <= Decimal(fee) < FEE_MAX):
        errors["fee"] = [_("A fee is an amount from 0 to below %(max)s.") % {"max": FEE_MAX}]
    clash = ShippingMethod.objects.filter(is_active=True, market=market, country=country, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if is_active and "name" not in errors and clash.exists():
        errors["name"] = [_("This country already has an active method with this name.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def shipping_method_create(
    *,
    country: str,
    name: str,
    fee: Decimal,
    sort_order: int = 0,
    is_active: bool = True,
    market: Market | None = None,
) -> ShippingMethod:
    """A method of ``market`` (its fee in the market's currency; None: the company's base currency) for ``country``
    (empty: every country of the market without a method of its own)."""
    country, name = (country or "").strip().upper(), (name or "").strip()
    _shipping_method_check(country=country, name=name, fee=fee, is_active=is_active, market=market)
    return ShippingMethod.objects.create(
        country=country, name=name, fee=q2(fee), sort_order=sort_order, is_active=is_active, market=market
    )


@transaction.atomic
def shipping_method_update(
    *, method: ShippingMethod, name: str, fee: Decimal, sort_order: int, is_active: bool
) -> ShippingMethod:
    """The name, fee, order and whether it is offered; the country and market are fixed (add a method for
    another one)."""
    method = ShippingMethod.objects.select_for_update(of=("self",)).select_related("market").get(pk=method.pk)
    name = (name or "").strip()
    _shipping_method_check(
        country=method.country,
        name=name,
        fee=fee,
        is_active=is_active,
        market=method.market,
        exclude_pk=method.pk,
    )
    method.name, method.fee, method.sort_order, method.is_active = name, q2(fee), sort_order, is_active
    method.save()
    return method


def shipping_method_delete(*, method: ShippingMethod) -> None:
    """Orders keep the method's name and fee as text and amount, so nothing refers to the row."""
    method.delete()
