"""Checkout on a replicated site, credited to the site's distributor: card payment through core.commerce (Stripe)
or "pay offline" where the company allows it, and the order confirmation (where a declined order can be paid again).
See frontend.common.payments for card entry (Stripe.js; only a PaymentMethod id reaches us)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.commerce.models import OrderStatus, PlacedBy
from core.commerce.selectors.orders import order_visible_to
from core.commerce.services.checkout import CardCharge, order_checkout, order_pay_card_confirmed
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.orders import LineRequest
from core.members.selectors import replicated_site_owner
from frontend.common.forms import errors_onto
from frontend.common.payments import CardForm, stripe_page, test_cards_enabled
from frontend.common.replicated import site_root
from frontend.shop.forms import CheckoutForm
from frontend.shop.shopping import cart_lines, cart_save, shop_context, shopper_for


@stripe_page
def checkout(request, username: str):
    owner = replicated_site_owner(username=username)
    if owner is None:
        return redirect("company-home")
    shopper = shopper_for(request, owner)
    root = site_root(request, owner)
    lines, _ = cart_lines(request, owner, shopper.tier)
    if not lines:
        messages.info(request, "Your cart is empty.")
        return redirect(f"{root}/shop/")
    subtotal = sum((line.subtotal for line in lines), Decimal("0.00"))
    offline_allowed = commerce_settings_get().offline_payments_allowed
    buyer = shopper.customer or shopper.member
    form = CheckoutForm(
        request.POST or None,
        offline_allowed=offline_allowed,
        initial={"ship_country": getattr(buyer, "country", ""), "ship_region": getattr(buyer, "region", "")},
    )
    context = shop_context(
        request,
        owner,
        shopper,
        lines=lines,
        subtotal=subtotal,
        form=form,
        next_url=quote(f"{root}/shop/checkout/"),
        test_cards=test_cards_enabled(),
    )
    if not request.user.is_authenticated or shopper.blocked:
        return render(request, "shop/checkout.html", context)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            placed = order_checkout(
                lines=[LineRequest(sku=line.product.sku, quantity=line.quantity) for line in lines],
                placed_by=PlacedBy.DISTRIBUTOR if shopper.member else PlacedBy.CUSTOMER,
                buyer_member=shopper.member,
                buyer_customer=shopper.customer,
                coupon_code=data["coupon_code"],
                ship_country=data["ship_country"].upper() or None,
                ship_region=data["ship_region"] or None,
                created_by=request.user,
                payment_method_id=data["card"] if data["payment"] == "card" else None,
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            cart_save(request, owner, {})
            order = placed.order
            if placed.charge is not None:
                _charge_messages(request, order, placed.charge)
            else:
                messages.success(
                    request,
                    f"Order {order.number} is placed. Pay {order.total} {order.currency} offline; "
                    "it ships once the payment is recorded.",
                )
            return redirect(f"{root}/shop/orders/{order.number}/")
    return render(request, "shop/checkout.html", context, status=400 if form.errors else 200)


def _charge_messages(request, order, charge: CardCharge) -> None:
    """Tell the buyer what became of the card: paid, refused, or declined (the order stays pending to pay again)."""
    if charge.refused:
        messages.error(request, _("The payment did not go through: %(reason)s") % {"reason": charge.refused})
    elif charge.succeeded:
        messages.success(request, f"Thank you! Order {order.number} is paid.")
    elif charge.payment is not None:
        messages.error(request, _("Your card was declined. Your order is saved: try another card below."))


@stripe_page
def order_confirmation(request, username: str, number: int):
    owner = replicated_site_owner(username=username)
    if owner is None:
        return redirect("company-home")
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={quote(request.get_full_path())}")
    order = order_visible_to(request.user, number=number)
    if order is None:
        raise Http404("No such order.")
    card_form = CardForm(request.POST or None)
    if request.method == "POST":
        if order.status == OrderStatus.PENDING and card_form.is_valid():
            charge = order_pay_card_confirmed(
                order=order, payment_method_id=card_form.cleaned_data["card"], by=request.user
            )
            _charge_messages(request, order, charge)
        return redirect(request.path)
    can_pay = order.status == OrderStatus.PENDING and test_cards_enabled()
    return render(
        request,
        "shop/order.html",
        shop_context(request, owner, shopper_for(request, owner), order=order, card_form=card_form, can_pay=can_pay),
    )
