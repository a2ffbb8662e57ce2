"""Tax rates per country (and region). An order stores the rate it was taxed at, so editing or deleting a rate never
changes a placed order."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from core.commerce.models import TaxRate


def tax_rate_for(*, country: str, region: str) -> Decimal:
    """The region's rate, else the country's (empty region), else no tax."""
    if not country:
        return Decimal("0")
    found = TaxRate.objects.filter(is_active=True, country__iexact=country).filter(
        Q(region="") | Q(region__iexact=region)
    )
    rates = {r.region.upper(): r.rate for r in found}
    return rates.get(region.upper(), rates.get("", Decimal("0")))


def _tax_rate_check(
    *, country: str, region: str, rate: Decimal | None, is_active: bool, exclude_pk: int | None = None
) -> None:
    errors = {}
    if len(country) != 2 or not country.isalpha():
        errors["country"] = [gettext("Use the two-letter country code.")]
    if rate is not None and not (Decimal("0") <= Decimal(rate) < Decimal("1")):
        errors["rate"] = [gettext("A rate is a fraction from 0 to below 1 (0.0825 for 8.25 %).")]
    clash = TaxRate.objects.filter(is_active=True, country__iexact=country, region__iexact=region)
    if exclude_pk is not None:  # an update: the rate itself is no clash
        clash = clash.exclude(pk=exclude_pk)
    if is_active and clash.exists():
        errors["region"] = [
            gettext("%(country)s/%(value)s already has an active rate; deactivate it first.")
            % {"country": country, "value": region or "*"}
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def tax_rate_create(
    *, country: str, rate: Decimal, region: str = "", name: str = "", is_active: bool = True
) -> TaxRate:
    """Orders store the rate they used, so later changes never alter a placed order."""
    country, region = (country or "").strip().upper(), (region or "").strip()
    _tax_rate_check(country=country, region=region, rate=rate, is_active=is_active)
    return TaxRate.objects.create(country=country, region=region, rate=rate, name=name.strip(), is_active=is_active)


@transaction.atomic
def tax_rate_update(
    *, tax_rate: TaxRate, rate: Decimal | None = None, name: str | None = None, is_active: bool | None = None
) -> TaxRate:
    active = tax_rate.is_active if is_active is None else is_active
    _tax_rate_check(
        country=tax_rate.country, region=tax_rate.region, rate=rate, is_active=active, exclude_pk=tax_rate.pk
    )
    if rate is not None:
        tax_rate.rate = rate
    if name is not None:
        tax_rate.name = name.strip()
    tax_rate.is_active = active
    tax_rate.save()
    return tax_rate


def tax_rate_delete(*, tax_rate: TaxRate) -> None:
    """Remove a rate from the table. Orders store the rate they were taxed at and point at no TaxRate row, so no
    history refers to it (deactivating keeps it for later)."""
    tax_rate.delete()
