"""Home parties: a consultant holds one, guests buy at retail credited to the consultant (PSV, not PV), and the
cash or check taken there is recorded with the order in one transaction (party_guest_order_take)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from core.accounts.models import User
from core.commerce.models import Order, Party, PartyStatus, PlacedBy
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_pay_offline
from core.members.models import Customer, Member, MemberStatus


@transaction.atomic
def party_create(
    *,
    consultant: Member,
    name: str,
    held_on: datetime.date,
    host_name: str = "",
    host_email: str = "",
    host_member: Member | None = None,
    host_customer: Customer | None = None,
    host_member_number: int | None = None,
    host_customer_number: int | None = None,
) -> Party:
    """The host earns the party's host reward: a member or a customer (given as objects, or by number from a form or
    the API), never both. A host given only by name (a guest) is shown, but no reward can be paid to them."""
    if consultant.status != MemberStatus.ACTIVE:
        raise ValidationError(
            {
                "consultant": [
                    gettext("#%(number)s is not active and cannot hold a party.") % {"number": consultant.number}
                ]
            }
        )
    if host_member_number is not None:
        host_member = Member.objects.filter(number=host_member_number).first()
        if host_member is None:
            raise ValidationError({"host_member_number": [gettext("No member has this number.")]})
    if host_customer_number is not None:
        host_customer = Customer.objects.filter(number=host_customer_number).first()
        if host_customer is None:
            raise ValidationError({"host_customer_number": [gettext("No customer has this number.")]})
    if host_member is not None and host_customer is not None:
        raise ValidationError({"host_member_number": [gettext("A party's host is a member or a customer, not both.")]})
    host = host_member or host_customer
    host_name = host_name.strip() or (f"{host.first_name} {host.last_name}".strip() if host else "")
    if not host_name:
        raise ValidationError({"host_name": [gettext("This field is required.")]})
    return Party.objects.create(
        consultant=consultant,
        name=name.strip() or f"Party of {host_name}",
        host_name=host_name,
        host_email=host_email or (host.email if host else ""),
        host_member=host_member,
        host_customer=host_customer,
        held_on=held_on,
    )


def party_guest_order_place(
    *,
    party: Party,
    guest_name: str,
    lines: list[LineRequest],
    by: User | None = None,
    ship_country: str | None = None,
    ship_region: str | None = None,
) -> Order:
    """A guest buys at retail; the sale is credited to the consultant (PSV, not PV). Pay it with order_pay_offline."""
    if not guest_name.strip():
        raise ValidationError({"guest_name": [gettext("Name the guest.")]})
    return order_place(
        lines=lines,
        placed_by=PlacedBy.PARTY,
        party=party,
        buyer_name=guest_name.strip(),
        created_by=by,
        ship_country=ship_country,
        ship_region=ship_region,
    )


@transaction.atomic
def party_close(*, party: Party) -> Party:
    party.status = PartyStatus.CLOSED
    party.save(update_fields=["status"])
    return party


@transaction.atomic
def party_guest_order_take(
    *,
    party: Party,
    guest_name: str,
    lines: list[LineRequest],
    by: User | None,
    paid_with: str = "",
    reference: str = "",
    ship_country: str | None = None,
    ship_region: str | None = None,
) -> Order:
    """A guest's order at the party and, when `paid_with` names an offline method, the cash or check taken for it, in
    one transaction: an order whose payment is refused is not left behind. A refused payment is a ValidationError on
    "method" (as order_pay_offline reports it; the pages show it on their "paid_with" field). Used by the API, the
    console and the back office."""
    order = party_guest_order_place(
        party=party, guest_name=guest_name, lines=lines, by=by, ship_country=ship_country, ship_region=ship_region
    )
    if paid_with:
        order_pay_offline(order=order, method=paid_with, reference=reference, by=by)
        order.refresh_from_db()
    return order
