"""The shipping methods a destination is offered, and the console's list of them."""

from __future__ import annotations

from django.db.models import QuerySet

from core.commerce.models import ShippingMethod
from core.company.models import Market


def shipping_methods_list() -> QuerySet[ShippingMethod]:
    return ShippingMethod.objects.order_by("country", "sort_order", "fee", "id")


def shipping_methods_for(*, country: str, market: Market | None = None) -> list[ShippingMethod]:
    """The active methods of ``market`` (None: the methods of no market, in the company's base currency) for
    ``country``; a country with none of its own gets the market's methods for every other country (an empty
    country). No method at all: the company ships nowhere yet, so checkout cannot go on."""
    active = ShippingMethod.objects.filter(is_active=True, market=market).order_by("sort_order", "fee", "id")
    own = list(active.filter(country=(country or "").upper())) if country else []
    return own or list(active.filter(country=""))


def shipping_method_offered(*, pk: int, country: str, market: Market | None = None) -> ShippingMethod | None:
    """Method ``pk`` if it is still offered for ``country`` in ``market`` (a method may be switched off
    mid-checkout)."""
    return next((m for m in shipping_methods_for(country=country, market=market) if m.pk == pk), None)
