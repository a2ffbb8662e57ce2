"""The session cart of a distributor's shop: add (from the shop or a product page), change a quantity, remove."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.commerce.selectors.catalogue import products_for_sale_by_sku
from core.commerce.services.catalogue import unit_prices_in
from core.members.selectors import replicated_site_owner
from frontend.common.replicated import site_root
from frontend.shop.forms import CartAddForm
from frontend.shop.shopping import CART_MAX_LINES, cart_get, cart_lines, cart_save, shop_context, shopper_for


def cart(request, username: str):
    """GET shows the cart; POST adds to, sets (0 or "remove" takes the line out) one SKU's quantity. With htmx only
    the cart badge answers."""
    owner = replicated_site_owner(username=username)
    if owner is None:
        return redirect("company-home")
    shopper = shopper_for(request, owner)
    cart_url = f"{site_root(request, owner)}/shop/cart/"
    if request.method == "POST":
        _cart_change(request, owner, shopper, cart_url)
        if request.headers.get("HX-Request"):
            return render(request, "shop/_cart_badge.html", shop_context(request, owner, shopper))
        back = request.POST.get("back", "")
        safe = back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        return redirect(back if safe else cart_url)
    lines, dropped = cart_lines(request, owner, shopper)
    for sku in dropped:
        messages.warning(request, _("%(sku)s is no longer for sale and was taken out of your cart.") % {"sku": sku})
    subtotal = sum((line.subtotal for line in lines), Decimal("0.00"))
    return render(request, "shop/cart.html", shop_context(request, owner, shopper, lines=lines, subtotal=subtotal))


def _cart_change(request, owner, shopper, cart_url: str) -> None:
    """Apply one posted cart change and say what happened (messages)."""
    form = CartAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a quantity from 0 to 999."))
        return
    sku = form.cleaned_data["sku"]
    quantity = 0 if request.POST.get("remove") else form.cleaned_data["quantity"]
    items = cart_get(request, owner)
    product = products_for_sale_by_sku(skus=[sku]).get(sku)
    if product is None:
        messages.error(request, _("This product is no longer for sale."))
        return
    if quantity and unit_prices_in(market=shopper.market, products=[product], tier=shopper.tier)[product.pk] is None:
        messages.error(request, _("%(name)s is not available in your market.") % {"name": product.name})
        return
    if quantity and sku not in items and len(items) >= CART_MAX_LINES:
        messages.error(request, _("A cart holds at most %(n)s different products.") % {"n": CART_MAX_LINES})
        return
    adding = bool(request.POST.get("add"))
    if adding:
        quantity = min(quantity + items.get(sku, 0), 999)
    items[sku] = quantity
    cart_save(request, owner, items)
    if adding:
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Added to cart: %(name)s (%(n)s in your cart).") % {"name": product.name, "n": quantity},
                cart_url,
                _("View cart"),
            ),
        )
    elif quantity:
        messages.success(request, _("%(name)s: %(n)s in your cart.") % {"name": product.name, "n": quantity})
    else:
        messages.success(request, _("%(name)s removed from your cart.") % {"name": product.name})
