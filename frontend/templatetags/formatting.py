"""``{% money amount %}`` (the company's currency), ``{% unit_price fee %}``, ``{{ volume|number }}``,
``{{ count|number:0 }}``, ``{{ exchange_rate|rate }}``
and ``{{ joined_at|day }}``, ``{{ paid_at|moment }}``: see frontend.common.formatting."""

from django import template

from frontend.common import formatting

register = template.Library()


@register.simple_tag(takes_context=True)
def money(context, value, currency: str = "") -> str:
    branding = context.get("branding")
    return formatting.money(value, currency or (branding["currency"] if branding else "USD"))


@register.simple_tag(takes_context=True)
def unit_price(context, value, currency: str = "") -> str:
    branding = context.get("branding")
    return formatting.unit_price(value, currency or (branding["currency"] if branding else "USD"))


@register.filter
def number(value, places: int = 2) -> str:
    return formatting.number(value, int(places))


@register.filter
def rate(value) -> str:
    return formatting.rate(value)


@register.filter
def day(value) -> str:
    return formatting.day(value)


@register.filter
def moment(value) -> str:
    return formatting.moment(value)
