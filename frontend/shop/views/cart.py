"""The session cart of a distributor's shop."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render

from core.commerce.selectors.catalogue import products_for_sale_by_sku
from core.members.selectors import replicated_site_owner
from frontend.common.replicated import site_root
from frontend.shop.forms import CartAddForm
from frontend.shop.shopping import CART_MAX_LINES, cart_get, cart_lines, cart_save, shop_context, shopper_for


def cart(request, username: str):
    """GET shows the cart; POST sets one SKU's quantity (0 removes it). With htmx only the cart badge answers."""
    owner = replicated_site_owner(username=username)
    if owner is None:
        return redirect("company-home")
    shopper = shopper_for(request, owner)
    if request.method == "POST":
        form = CartAddForm(request.POST)
        if form.is_valid():
            sku, quantity = form.cleaned_data["sku"], form.cleaned_data["quantity"]
            items = cart_get(request, owner)
            product = products_for_sale_by_sku(skus=[sku]).get(sku)
            if product is None:
                messages.error(request, f"{sku} is not for sale.")
            elif quantity and sku not in items and len(items) >= CART_MAX_LINES:
                messages.error(request, f"A cart holds at most {CART_MAX_LINES} different products.")
            else:
                if request.POST.get("add"):
                    quantity += items.get(sku, 0)
                items[sku] = quantity
                cart_save(request, owner, items)
                if quantity:
                    messages.success(request, f"{product.name}: {quantity} in your cart.")
                else:
                    messages.success(request, f"{product.name} removed from your cart.")
        else:
            messages.error(request, "Give a quantity from 0 to 999.")
        if request.headers.get("HX-Request"):
            return render(request, "shop/_cart_badge.html", shop_context(request, owner, shopper))
        return redirect(request.POST.get("back") or f"{site_root(request, owner)}/shop/cart/")
    lines, dropped = cart_lines(request, owner, shopper.tier)
    for sku in dropped:
        messages.warning(request, f"{sku} is no longer for sale and was taken out of your cart.")
    subtotal = sum((line.subtotal for line in lines), Decimal("0.00"))
    return render(request, "shop/cart.html", shop_context(request, owner, shopper, lines=lines, subtotal=subtotal))
