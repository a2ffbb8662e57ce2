"""Checkout on a replicated site, credited to the site's distributor, in three steps kept in the session:

1. ``checkout``: who buys (a guest gives an e-mail and name; a signed-in customer or the distributor is known) and
   the shipping and billing addresses;
2. ``checkout_shipping``: the shipping methods the company offers for the shipping country, and a coupon;
3. ``checkout_pay``: the order summary (lines, subtotal, shipping, tax, total, each with its currency) beside the
   payment: card (the field of frontend.common.payments) or "pay offline" where the company allows it.

Then the order's confirmation page (where a declined order can be paid again and a guest can create an account).
A guest's orders are the ones placed in their session; nothing else about them is kept between visits."""

from __future__ import annotations

from urllib.parse import quote

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.commerce.addresses import Address, region_name
from core.commerce.models import OrderStatus
from core.commerce.selectors.orders import order_visible_to, order_with_number
from core.commerce.selectors.shipping import shipping_method_offered, shipping_methods_for
from core.commerce.services.checkout import (
    CardCharge,
    Guest,
    guest_account_create,
    order_checkout,
    order_pay_card_confirmed,
    shop_order_quote,
)
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.orders import Destination, LineRequest
from core.communications.services import order_ship_to_lines
from core.members.selectors import replicated_site_owner
from frontend.common import formatting
from frontend.common.forms import errors_onto, form_status
from frontend.common.payments import CardForm, stripe_page, test_cards_enabled
from frontend.common.replicated import site_root
from frontend.shop.forms import (
    ADDRESS_PARTS,
    CheckoutDetailsForm,
    CheckoutForm,
    CheckoutShippingForm,
    GuestAccountForm,
)
from frontend.shop.shopping import Shopper, cart_lines, cart_save, shop_context, shopper_for

GUEST_ORDERS_KEPT = 20  # the last orders a guest placed in this session, whose pages they may see


def _state_key(owner) -> str:
    return f"checkout:{owner.pk}"


def _state(request, owner) -> dict:
    return dict(request.session.get(_state_key(owner), {}))


def _state_save(request, owner, state: dict) -> None:
    request.session[_state_key(owner)] = state


def _start(request, username: str):
    """(owner, shopper, root, lines) for a checkout step, or a redirect when there is nothing to check out."""
    owner = replicated_site_owner(username=username)
    if owner is None:
        return None, redirect("company-home")
    shopper = shopper_for(request, owner)
    root = site_root(request, owner)
    lines, _dropped = cart_lines(request, owner, shopper)
    if not lines:
        messages.info(request, _("Your cart is empty."))
        return None, redirect(f"{root}/shop/")
    return (owner, shopper, root, lines), None


def _address_initial(shopper: Shopper) -> dict:
    buyer = shopper.customer or shopper.member
    if buyer is None:
        return {}
    country = (buyer.country or "").upper()
    region = buyer.region or ""
    return {
        "ship_name": f"{buyer.first_name} {buyer.last_name}".strip(),
        "ship_line1": buyer.address_line1,
        "ship_line2": getattr(buyer, "address_line2", ""),
        "ship_city": buyer.city,
        "ship_postal_code": buyer.postal_code,
        "ship_country": country,
        "ship_region": f"{country}-{region.upper()}" if region else "",
        "ship_region_other": region,
    }


def _steps(current: int) -> list[tuple[int, str, bool]]:
    names = [_("Details and address"), _("Shipping"), _("Review and pay")]
    return [(i, name, i == current) for i, name in enumerate(names, start=1)]


def checkout(request, username: str):
    """Step 1: the buyer and the addresses."""
    started, response = _start(request, username)
    if started is None:
        return response
    owner, shopper, root, lines = started
    context = shop_context(request, owner, shopper, lines=lines, steps=_steps(1))
    if shopper.blocked:
        return render(request, "shop/checkout.html", context)
    guest = not request.user.is_authenticated
    state = _state(request, owner)
    initial = state.get("form") or {**_address_initial(shopper), "bill_same": True}
    form = CheckoutDetailsForm(request.POST or None, guest=guest, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        state["form"] = {name: data[name] for name in form.fields if name in data}
        # the form's own keys keep the select's value ("US-TX") so the page shows it again
        state["form"].update({k: request.POST.get(k, "") for k in ("ship_region", "bill_region")})
        state["guest"] = (
            {"email": data["email"], "first_name": data["first_name"], "last_name": data["last_name"]}
            if guest
            else None
        )
        state["ship"] = _address_of(data, "ship")
        state["bill"] = _address_of(data, "bill")
        _state_save(request, owner, state)
        return redirect(f"{root}/shop/checkout/shipping/")
    next_url = quote(f"{root}/shop/checkout/")
    context.update(form=form, login_url=f"/accounts/login/?next={next_url}", next_url=next_url)
    return render(request, "shop/checkout.html", context, status=form_status(form))


def _address_of(data: dict, prefix: str) -> dict:
    return {part: data.get(f"{prefix}_{part}", "") for part in ADDRESS_PARTS if part != "region_other"}


def _destination(state: dict, shopper: Shopper) -> Destination | None:
    """The addresses and shipping method chosen so far, or None when a step is missing (or the method is gone, or
    is not the shopper's market's)."""
    if "ship" not in state or "method" not in state:
        return None
    method = shipping_method_offered(pk=state["method"], country=state["ship"]["country"], market=shopper.market)
    if method is None:
        return None
    ship = Address(**state["ship"]).cleaned()
    return Destination(ship=ship, bill=Address(**state["bill"]).cleaned(), method=method)


def _recap(state: dict) -> dict:
    ship, bill = Address(**state["ship"]), Address(**state["bill"])
    return {
        "ship_lines": _address_lines(ship),
        "bill_lines": _address_lines(bill),
        "bill_same": ship == bill,
        "guest": state.get("guest"),
    }


def _address_lines(address: Address) -> list[str]:
    return Address(**{**address.__dict__, "region": region_name(address.country, address.region)}).lines()


def checkout_shipping(request, username: str):
    """Step 2: the shipping method (offered for the shipping country) and a coupon."""
    started, response = _start(request, username)
    if started is None:
        return response
    owner, shopper, root, lines = started
    state = _state(request, owner)
    if "ship" not in state or shopper.blocked:
        return redirect(f"{root}/shop/checkout/")
    offered = shipping_methods_for(country=state["ship"]["country"], market=shopper.market)
    choices = [(m.pk, f"{m.name} · {formatting.number(m.fee)} {shopper.currency}") for m in offered]
    form = CheckoutShippingForm(
        request.POST or None,
        methods=choices,
        initial={"shipping_method": state.get("method"), "coupon_code": state.get("coupon", "")},
    )
    if request.method == "POST" and form.is_valid():
        state["method"], state["coupon"] = form.cleaned_data["shipping_method"], form.cleaned_data["coupon_code"]
        destination = _destination(state, shopper)
        try:
            if destination is None:
                raise ValidationError({"shipping_method": [_("Choose a shipping method.")]})
            _quote(owner, shopper, lines, destination, state)  # a coupon that does not apply is said here
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            _state_save(request, owner, state)
            return redirect(f"{root}/shop/checkout/pay/")
    context = shop_context(
        request, owner, shopper, lines=lines, form=form, steps=_steps(2), offered=offered, **_recap(state)
    )
    return render(request, "shop/checkout_shipping.html", context, status=form_status(form))


def _line_requests(lines) -> list[LineRequest]:
    return [LineRequest(sku=line.product.sku, quantity=line.quantity) for line in lines]


def _quote(owner, shopper: Shopper, lines, destination: Destination, state: dict):
    return shop_order_quote(
        site_owner=owner,
        lines=_line_requests(lines),
        buyer_member=shopper.member,
        buyer_customer=shopper.customer,
        destination=destination,
        coupon_code=state.get("coupon", ""),
        market=shopper.market,
    )


@stripe_page
def checkout_pay(request, username: str):
    """Step 3: the order summary beside the payment; placing the order charges the card or leaves it to pay offline."""
    started, response = _start(request, username)
    if started is None:
        return response
    owner, shopper, root, lines = started
    state = _state(request, owner)
    destination = _destination(state, shopper)
    if destination is None or shopper.blocked:
        return redirect(f"{root}/shop/checkout/shipping/" if "ship" in state else f"{root}/shop/checkout/")
    # A guest pays by card: "pay offline" would let anyone hold stock with orders nobody pays.
    offline_allowed = commerce_settings_get().offline_payments_allowed and request.user.is_authenticated
    form = CheckoutForm(request.POST or None, offline_allowed=offline_allowed)
    try:
        quote = _quote(owner, shopper, lines, destination, state)
    except ValidationError as exc:
        quote = None
        errors_onto(form, exc)
    status = None
    if request.method == "POST" and quote is not None and form.is_valid():
        data = form.cleaned_data
        guest = Guest(**state["guest"]) if state.get("guest") and not request.user.is_authenticated else None
        if guest is not None and not ratelimit.consume(request, action="site_signup"):
            # a guest order makes a customer record: it shares the sign-ups' limit per IP
            form.add_error(None, _("Too many orders from your network in the last hour. Please try again later."))
            status = 429
        else:
            try:
                placed = order_checkout(
                    site_owner=owner,
                    lines=_line_requests(lines),
                    buyer_member=shopper.member,
                    buyer_customer=shopper.customer,
                    guest=guest,
                    destination=destination,
                    coupon_code=state.get("coupon", ""),
                    created_by=request.user if request.user.is_authenticated else None,
                    payment_method_id=data["card"] if data["payment"] == "card" else None,
                    market=shopper.market,
                )
            except ValidationError as exc:
                errors_onto(form, exc)
            else:
                return _placed(request, owner, root, placed)
    names = {line.product.sku.upper(): line.product.name for line in lines}
    context = shop_context(
        request,
        owner,
        shopper,
        lines=lines,
        quote=quote,
        quote_lines=[(names.get(q.sku.upper(), q.sku), q) for q in quote.lines] if quote else [],
        currency=shopper.currency,
        method=destination.method,
        form=form,
        steps=_steps(3),
        test_cards=test_cards_enabled(),
        **_recap(state),
    )
    return render(request, "shop/checkout_pay.html", context, status=status or form_status(form))


def _placed(request, owner, root: str, placed):
    """The order is placed: empty the cart and the checkout, let this session see the order, say how it was paid."""
    cart_save(request, owner, {})
    request.session.pop(_state_key(owner), None)
    order = placed.order
    kept = [n for n in request.session.get("guest_orders", []) if n != order.number]
    request.session["guest_orders"] = [*kept, order.number][-GUEST_ORDERS_KEPT:]
    if placed.charge is not None:
        _charge_messages(request, order, placed.charge)
    else:
        messages.success(
            request,
            _("Order %(number)s is placed. Pay %(total)s %(currency)s offline; it ships once the payment is recorded.")
            % {"number": order.number, "total": formatting.number(order.total), "currency": order.currency},
        )
    return redirect(f"{root}/shop/orders/{order.number}/")


def _charge_messages(request, order, charge: CardCharge) -> None:
    """Tell the buyer what became of the card: paid, refused, or declined (the order stays pending to pay again)."""
    if charge.refused:
        messages.error(request, _("The payment did not go through: %(reason)s") % {"reason": charge.refused})
    elif charge.succeeded:
        messages.success(request, _("Thank you! Order %(number)s is paid.") % {"number": order.number})
    elif charge.payment is not None:
        # The processor's reason goes to the log (core.commerce), never to the page.
        messages.error(request, _("Your card was declined. Your order is saved: try another card below."))


def _order_for(request, number: int):
    """The order if this visitor may see it: their own (signed in), or one placed in this session as a guest."""
    if request.user.is_authenticated:
        order = order_visible_to(request.user, number=number)
        if order is not None:
            return order
    if number in request.session.get("guest_orders", []):
        return order_with_number(number=number)
    return None


@stripe_page
def order_confirmation(request, username: str, number: int):
    owner = replicated_site_owner(username=username)
    if owner is None:
        return redirect("company-home")
    order = _order_for(request, number)
    if order is None:
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={quote(request.get_full_path())}")
        raise Http404(_("No such order."))
    paying = request.method == "POST" and request.POST.get("action", "pay") == "pay"
    card_form = CardForm(request.POST if paying else None)  # unbound on GET: no "enter your card" before a try
    guest_customer = order.buyer_customer if order.buyer_customer and not order.buyer_customer.user_id else None
    account_form = GuestAccountForm(request.POST if request.POST.get("action") == "account" else None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "account" and guest_customer is not None:
        if account_form.is_valid():
            try:
                user = guest_account_create(order=order, password=account_form.cleaned_data["password1"])
            except ValidationError as exc:
                errors_onto(account_form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request, _("Your account is ready: you are signed in as %(email)s.") % {"email": user.email}
                )
                return redirect(request.path)
        status = 400
    elif request.method == "POST":
        if order.status == OrderStatus.PENDING and card_form.is_valid():
            charge = order_pay_card_confirmed(
                order=order,
                payment_method_id=card_form.cleaned_data["card"],
                by=request.user if request.user.is_authenticated else None,
            )
            _charge_messages(request, order, charge)
        return redirect(request.path)
    can_pay = order.status == OrderStatus.PENDING and test_cards_enabled()
    context = shop_context(
        request,
        owner,
        shopper_for(request, owner),
        order=order,
        card_form=card_form,
        can_pay=can_pay,
        account_form=account_form if guest_customer is not None else None,
        ship_to=order_ship_to_lines(order),
        bill_to=_bill_lines(order),
        buyer_email=(order.buyer_customer or order.buyer_member).email
        if order.buyer_customer or order.buyer_member
        else "",
    )
    return render(request, "shop/order.html", context, status=status)


def _bill_lines(order) -> list[str]:
    if not order.bill_line1:
        return []
    address = Address(
        name=order.bill_name,
        line1=order.bill_line1,
        line2=order.bill_line2,
        city=order.bill_city,
        postal_code=order.bill_postal_code,
        region=order.bill_region,
        country=order.bill_country,
    )
    return _address_lines(address)
