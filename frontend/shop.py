"""The replicated site's shop: the catalogue at the right price for whoever looks, a session cart, checkout credited
to the site's distributor, card payment through core.commerce (Stripe) or "pay offline" where the company allows it,
and the order confirmation.

Who buys decides the price and whom the order credits (core.commerce.services.order_place): a customer of this
distributor buys at retail or preferred price; the distributor shopping on their own site buys for themself at the
distributor price (retail while the demotion policy suspends it). Visitors see retail and sign in or sign up as this
distributor's customer at checkout."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from core.accounts.models import Role
from core.commerce.models import OrderStatus, PlacedBy, PriceTier, Product
from core.commerce.periods import q2
from core.commerce.selectors import (
    orders_visible_to,
    product_first_images,
    product_images_for_sale,
    products_for_sale,
)
from core.commerce.services import (
    LineRequest,
    commerce_settings_get,
    customer_price_tier,
    member_price_tier,
    order_pay_card,
    order_place,
    unit_price_for,
)
from core.commerce.stripe_gateway import GatewayError
from core.communications.services import order_confirmation_send
from core.members.models import Customer, Member
from core.members.selectors import replicated_site_owner
from frontend.forms import CardForm, CartAddForm, CheckoutForm, errors_onto
from frontend.paging import paginate
from frontend.payments import test_cards_enabled
from frontend.site import _site_context, _site_root

CART_MAX_LINES = 50


@dataclass
class Shopper:
    """Whoever looks at a distributor's shop, and the price tier they buy at."""

    tier: str
    member: Member | None = None
    customer: Customer | None = None
    blocked: str = ""  # why this signed-in person cannot check out here


def _shopper(request, owner: Member) -> Shopper:
    user = request.user
    if not user.is_authenticated:
        return Shopper(tier=PriceTier.RETAIL)
    if user.role == Role.CUSTOMER:
        customer = Customer.objects.filter(user=user).select_related("distributor").first()
        if customer is None:
            return Shopper(tier=PriceTier.RETAIL, blocked="Your account has no customer record with this company.")
        if customer.distributor_id != owner.pk:
            return Shopper(
                tier=customer_price_tier(customer),
                customer=customer,
                blocked=f"You are a customer of {customer.distributor.full_name}: please order on their site, "
                f"/{customer.distributor.username}/shop/.",
            )
        return Shopper(tier=customer_price_tier(customer), customer=customer)
    if user.role == Role.DISTRIBUTOR:
        member = Member.objects.filter(user=user).first()
        if member is not None and member.pk == owner.pk:
            return Shopper(tier=member_price_tier(member), member=member)
        return Shopper(
            tier=PriceTier.RETAIL,
            blocked="This is another distributor's shop. Shop for yourself from your back office.",
        )
    return Shopper(tier=PriceTier.RETAIL, blocked="Company staff place orders from the console or the API.")


def _cart_key(owner: Member) -> str:
    return f"cart:{owner.pk}"


def _cart(request, owner: Member) -> dict[str, int]:
    return dict(request.session.get(_cart_key(owner), {}))


def _cart_save(request, owner: Member, cart: dict[str, int]) -> None:
    request.session[_cart_key(owner)] = {sku: qty for sku, qty in cart.items() if qty > 0}


@dataclass
class CartLine:
    product: Product
    quantity: int
    unit_price: Decimal
    subtotal: Decimal


def _cart_lines(request, owner: Member, tier: str) -> tuple[list[CartLine], list[str]]:
    """The cart's lines at the shopper's prices; SKUs no longer for sale are dropped (and named)."""
    cart = _cart(request, owner)
    products = {p.sku: p for p in products_for_sale().filter(sku__in=list(cart))}
    lines, dropped = [], []
    for sku, quantity in cart.items():
        product = products.get(sku)
        if product is None:
            dropped.append(sku)
            continue
        price = unit_price_for(product=product, tier=tier)
        lines.append(CartLine(product=product, quantity=quantity, unit_price=price, subtotal=q2(price * quantity)))
    if dropped:
        _cart_save(request, owner, {sku: qty for sku, qty in cart.items() if sku not in dropped})
    return lines, dropped


def _owner_or_home(username: str) -> Member | None:
    return replicated_site_owner(username=username)


def _shop_context(request, owner: Member, shopper: Shopper, **extra) -> dict:
    return _site_context(
        request,
        owner,
        shopper=shopper,
        cart_count=sum(_cart(request, owner).values()),
        tier_label=PriceTier(shopper.tier).label,
        **extra,
    )


def catalogue(request, username: str):
    owner = _owner_or_home(username)
    if owner is None:
        return redirect("company-home")
    shopper = _shopper(request, owner)
    query = request.GET.get("q", "").strip()
    products = products_for_sale().order_by("name", "sku")
    if query:
        products = products.filter(name__icontains=query) | products.filter(sku__iexact=query)
    context = paginate(request, products, 24)
    page = context["page_obj"]
    page.object_list = list(page.object_list)
    pictures = product_first_images(product_ids=[product.pk for product in page.object_list])
    for product in page.object_list:
        product.shop_price = unit_price_for(product=product, tier=shopper.tier)
        product.shop_picture = pictures.get(product.pk)
    return render(request, "site/shop.html", _shop_context(request, owner, shopper, q=query, **context))


def product_image(request, image_id: int):
    """A product picture on the company's own domain, for anyone: only pictures of products for sale."""
    image = get_object_or_404(product_images_for_sale(), pk=image_id)
    response = FileResponse(image.image.open("rb"))
    response["Cache-Control"] = "public, max-age=3600"
    return response


def cart(request, username: str):
    """GET shows the cart; POST sets one SKU's quantity (0 removes it). With htmx only the cart badge answers."""
    owner = _owner_or_home(username)
    if owner is None:
        return redirect("company-home")
    shopper = _shopper(request, owner)
    if request.method == "POST":
        form = CartAddForm(request.POST)
        if form.is_valid():
            sku, quantity = form.cleaned_data["sku"], form.cleaned_data["quantity"]
            items = _cart(request, owner)
            product = products_for_sale().filter(sku=sku).first()
            if product is None:
                messages.error(request, f"{sku} is not for sale.")
            elif quantity and sku not in items and len(items) >= CART_MAX_LINES:
                messages.error(request, f"A cart holds at most {CART_MAX_LINES} different products.")
            else:
                if request.POST.get("add"):
                    quantity += items.get(sku, 0)
                items[sku] = quantity
                _cart_save(request, owner, items)
                if quantity:
                    messages.success(request, f"{product.name}: {quantity} in your cart.")
                else:
                    messages.success(request, f"{product.name} removed from your cart.")
        else:
            messages.error(request, "Give a quantity from 0 to 999.")
        if request.headers.get("HX-Request"):
            return render(request, "site/_cart_badge.html", _shop_context(request, owner, shopper))
        return redirect(request.POST.get("back") or f"{_site_root(request, owner)}/shop/cart/")
    lines, dropped = _cart_lines(request, owner, shopper.tier)
    for sku in dropped:
        messages.warning(request, f"{sku} is no longer for sale and was taken out of your cart.")
    subtotal = sum((line.subtotal for line in lines), Decimal("0.00"))
    return render(request, "site/cart.html", _shop_context(request, owner, shopper, lines=lines, subtotal=subtotal))


def checkout(request, username: str):
    owner = _owner_or_home(username)
    if owner is None:
        return redirect("company-home")
    shopper = _shopper(request, owner)
    root = _site_root(request, owner)
    lines, _ = _cart_lines(request, owner, shopper.tier)
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
    context = _shop_context(
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
        return render(request, "site/checkout.html", context)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = order_place(
                lines=[LineRequest(sku=line.product.sku, quantity=line.quantity) for line in lines],
                placed_by=PlacedBy.DISTRIBUTOR if shopper.member else PlacedBy.CUSTOMER,
                buyer_member=shopper.member,
                buyer_customer=shopper.customer,
                coupon_code=data["coupon_code"],
                ship_country=data["ship_country"].upper() or None,
                ship_region=data["ship_region"] or None,
                created_by=request.user,
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            _cart_save(request, owner, {})
            if data["payment"] == "card":
                _pay(request, order, data["card"])
            else:
                messages.success(
                    request,
                    f"Order {order.number} is placed. Pay {order.total} {order.currency} offline; "
                    "it ships once the payment is recorded.",
                )
            return redirect(f"{root}/shop/orders/{order.number}/")
    return render(request, "site/checkout.html", context, status=400 if form.errors else 200)


def _pay(request, order, payment_method_id: str) -> bool:
    """Charge the order by card; a decline leaves it pending with the reason shown."""
    try:
        payment = order_pay_card(order=order, payment_method_id=payment_method_id, by=request.user)
    except (ValidationError, GatewayError) as exc:
        messages.error(request, f"The payment did not go through: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        return False
    if payment.status == "succeeded":
        order_confirmation_send(order=order)
        messages.success(request, f"Thank you! Order {order.number} is paid.")
        return True
    messages.error(
        request,
        f"The card was declined ({payment.failure_message or payment.failure_code}). "
        "Your order is saved: try another card below.",
    )
    return False


def order_confirmation(request, username: str, number: int):
    owner = _owner_or_home(username)
    if owner is None:
        return redirect("company-home")
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={quote(request.get_full_path())}")
    order = orders_visible_to(request.user).filter(number=number).prefetch_related("lines", "payments").first()
    if order is None:
        raise Http404("No such order.")
    card_form = CardForm(request.POST or None)
    if request.method == "POST":
        if order.status == OrderStatus.PENDING and card_form.is_valid():
            _pay(request, order, card_form.cleaned_data["card"])
        return redirect(request.path)
    can_pay = order.status == OrderStatus.PENDING and test_cards_enabled()
    return render(
        request,
        "site/order.html",
        _shop_context(request, owner, _shopper(request, owner), order=order, card_form=card_form, can_pay=can_pay),
    )
