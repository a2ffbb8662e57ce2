"""``{{ amount|money:currency }}``: an amount with its currency, in the page's language, so no customer page ever
shows a bare "24.00". The filter form of ``{% money %}`` (``formatting``); both format through
frontend.common.formatting."""

from __future__ import annotations

from django import template

from frontend.common import formatting

register = template.Library()


@register.filter
def money(amount, currency: str = "USD") -> str:
    """``Decimal("24.00")|money:"USD"`` is "$24.00" in English, "24,00 $US" in French; empty stays empty."""
    return formatting.money(amount, (currency or "USD").upper())
