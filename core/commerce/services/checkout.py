"""Checkout on the shop: place the order, then (paying by card) charge it and confirm it to the buyer.

Not one transaction, on purpose: the order is committed before the card is charged (our own record exists before any
money moves), and a declined or refused card leaves it pending, so the buyer can pay it again on the order page.

A guest (no account) gives an e-mail and a name: ``shop_order_place`` makes them a customer of the site's distributor
(a customer record with no login) in the same transaction as the order, so the sale is credited exactly as a signed-in
customer's would be. Each guest checkout makes its own customer record: an e-mail typed by an anonymous visitor
proves nothing, so it is never matched to an existing customer. ``guest_account_create`` later gives that record a
login from the confirmation page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext

from core.accounts.models import Role, User
from core.accounts.services import user_create
from core.commerce.gateways.stripe import GatewayError
from core.commerce.models import Order, Payment, PaymentStatus, PlacedBy
from core.commerce.pricing import Quote
from core.commerce.services.orders import (
    BUYERS_MARKET,
    Destination,
    LineRequest,
    destination_errors,
    order_market,
    order_place,
    order_quote_preview,
)
from core.commerce.services.payments import order_pay_card
from core.communications.services import order_confirmation_send
from core.company.models import Market
from core.members.models import Customer, Member
from core.members.services.customers import customer_create


@dataclass(frozen=True)
class CardCharge:
    """What became of a card charge: the payment recorded (succeeded or declined), or why none could be made."""

    payment: Payment | None
    refused: str = ""  # the gateway or a check refused before a charge was recorded

    @property
    def succeeded(self) -> bool:
        return self.payment is not None and self.payment.status == PaymentStatus.SUCCEEDED


@dataclass(frozen=True)
class Checkout:
    order: Order
    charge: CardCharge | None  # None: the buyer pays offline


def order_pay_card_confirmed(*, order: Order, payment_method_id: str, by: User | None) -> CardCharge:
    """Charge a pending shop order by card and, once it is paid, e-mail the buyer the confirmation. A refusal is
    returned, not raised: the order stays pending and can be paid again."""
    try:
        payment = order_pay_card(order=order, payment_method_id=payment_method_id, by=by)
    except ValidationError as exc:
        return CardCharge(payment=None, refused=" ".join(exc.messages))
    except GatewayError as exc:
        return CardCharge(payment=None, refused=str(exc))
    if payment.status == PaymentStatus.SUCCEEDED:
        order_confirmation_send(order=order)
    return CardCharge(payment=payment)


@dataclass(frozen=True)
class Guest:
    """Who buys without an account: an e-mail to confirm the order to, and a name."""

    email: str
    first_name: str
    last_name: str


GUEST_LIMITS = {"email": 254, "first_name": 100, "last_name": 100}


def guest_errors(guest: Guest) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, limit in GUEST_LIMITS.items():
        value = getattr(guest, name)
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            errors[name] = [gettext("Remove the control characters from this field.")]
        elif len(value) > limit:
            errors[name] = [gettext("Keep it to %(limit)d characters.") % {"limit": limit}]
        elif name != "last_name" and not value.strip():
            errors[name] = [gettext("This field is required.")]
    if "email" not in errors:
        try:
            validate_email(guest.email.strip())
        except ValidationError:
            errors["email"] = [gettext("Enter a valid e-mail address.")]
    return errors


@transaction.atomic
def shop_order_place(
    *,
    site_owner: Member,
    lines: list[LineRequest],
    buyer_member: Member | None,
    buyer_customer: Customer | None,
    guest: Guest | None,
    destination: Destination,
    coupon_code: str,
    created_by: User | None,
    market: Market | None | Literal["buyer"] = BUYERS_MARKET,
) -> Order:
    """The shop's order in one transaction: a guest becomes a customer of ``site_owner`` (no login), then the order
    is placed with its addresses, shipping method and the tax of the shipping address. Every bad field is reported
    at once (a ValidationError naming each) and nothing is written."""
    chosen = order_market(
        market=market, buyer_member=buyer_member, buyer_customer=buyer_customer, credited=site_owner, party=None
    )
    errors = destination_errors(destination, market=chosen)
    if guest is not None:
        errors.update(guest_errors(guest))
    if errors:
        raise ValidationError(errors)
    if guest is not None:
        buyer_customer = customer_create(
            distributor=site_owner,
            email=guest.email,
            first_name=guest.first_name.strip(),
            last_name=guest.last_name.strip(),
            country=destination.ship.country,
            with_login=False,
            market=chosen,
        )
        buyer_member = None
    return order_place(
        lines=lines,
        placed_by=PlacedBy.DISTRIBUTOR if buyer_member is not None else PlacedBy.CUSTOMER,
        buyer_member=buyer_member,
        buyer_customer=buyer_customer,
        credited_member=site_owner if buyer_member is None and buyer_customer is None else None,
        coupon_code=coupon_code,
        destination=destination,
        created_by=created_by,
        market=chosen,
    )


def shop_order_quote(
    *,
    site_owner: Member,
    lines: list[LineRequest],
    buyer_member: Member | None,
    buyer_customer: Customer | None,
    destination: Destination,
    coupon_code: str,
    market: Market | None | Literal["buyer"] = BUYERS_MARKET,
) -> Quote:
    """What the order will cost if placed now: the summary shown beside the payment step (a guest is priced as the
    site owner's retail customer)."""
    return order_quote_preview(
        lines=lines,
        placed_by=PlacedBy.DISTRIBUTOR if buyer_member is not None else PlacedBy.CUSTOMER,
        buyer_member=buyer_member,
        buyer_customer=buyer_customer,
        credited_member=site_owner if buyer_member is None and buyer_customer is None else None,
        coupon_code=coupon_code,
        destination=destination,
        market=market,
    )


def order_checkout(
    *,
    site_owner: Member,
    lines: list[LineRequest],
    buyer_member: Member | None,
    buyer_customer: Customer | None,
    guest: Guest | None,
    destination: Destination,
    coupon_code: str,
    created_by: User | None,
    payment_method_id: str | None,
    market: Market | None | Literal["buyer"] = BUYERS_MARKET,
) -> Checkout:
    """Place the buyer's order (a ValidationError names the field and places nothing), then charge the card given,
    if any (``None``: pay offline)."""
    order = shop_order_place(
        site_owner=site_owner,
        lines=lines,
        buyer_member=buyer_member,
        buyer_customer=buyer_customer,
        guest=guest,
        destination=destination,
        coupon_code=coupon_code,
        created_by=created_by,
        market=market,
    )
    if payment_method_id is None:
        return Checkout(order=order, charge=None)
    return Checkout(
        order=order, charge=order_pay_card_confirmed(order=order, payment_method_id=payment_method_id, by=created_by)
    )


@transaction.atomic
def guest_account_create(*, order: Order, password: str) -> User:
    """Give the guest customer who placed ``order`` a login with the e-mail they checked out with. Refused (naming the
    field) when the customer already has one, or the e-mail already belongs to an account here (sign in instead)."""
    customer = (
        Customer.objects.select_for_update().filter(pk=order.buyer_customer_id).first()
        if order.buyer_customer_id
        else None
    )
    if customer is None or customer.user_id is not None:
        raise ValidationError({"password": [gettext("This order's buyer already has an account: sign in.")]})
    if len(password or "") > 128 or "\x00" in (password or ""):
        raise ValidationError({"password": [gettext("Keep the password to at most 128 characters.")]})
    if User.objects.filter(email__iexact=customer.email).exists():
        raise ValidationError(
            {"password": [gettext("An account with this e-mail already exists: sign in with it instead.")]}
        )
    user = user_create(
        email=customer.email,
        role=Role.CUSTOMER,
        password=password,
        first_name=customer.first_name,
        last_name=customer.last_name,
    )
    Customer.objects.filter(pk=customer.pk).update(user=user)
    return user
