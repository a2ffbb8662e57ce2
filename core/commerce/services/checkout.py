"""Checkout on the shop: place the order, then (paying by card) charge it and confirm it to the buyer.

Not one transaction, on purpose: the order is committed before the card is charged (our own record exists before any
money moves), and a declined or refused card leaves it pending, so the buyer can pay it again on the order page."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from core.accounts.models import User
from core.commerce.gateways.stripe import GatewayError
from core.commerce.models import Order, Payment, PaymentStatus
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_pay_card
from core.communications.services import order_confirmation_send
from core.members.models import Customer, Member


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


def order_checkout(
    *,
    lines: list[LineRequest],
    placed_by: str,
    buyer_member: Member | None,
    buyer_customer: Customer | None,
    coupon_code: str,
    ship_country: str | None,
    ship_region: str | None,
    created_by: User,
    payment_method_id: str | None,
) -> Checkout:
    """Place the buyer's order (a ValidationError names the field and places nothing), then charge the card given,
    if any (``None``: pay offline)."""
    order = order_place(
        lines=lines,
        placed_by=placed_by,
        buyer_member=buyer_member,
        buyer_customer=buyer_customer,
        coupon_code=coupon_code,
        ship_country=ship_country,
        ship_region=ship_region,
        created_by=created_by,
    )
    if payment_method_id is None:
        return Checkout(order=order, charge=None)
    return Checkout(
        order=order, charge=order_pay_card_confirmed(order=order, payment_method_id=payment_method_id, by=created_by)
    )
