"""Who buys, when a signed-in user places an order or sets up an autoship: one answer for the shop API, the field API
(autoships) and the pages. A distributor buys for themselves, a customer for themselves (credited to their
distributor); staff name the buyer by member or customer number. Role questions go through actor_for."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from core.accounts.models import User
from core.accounts.selectors import actor_for
from core.commerce.models import PlacedBy
from core.members.models import Customer, Member


@dataclass(frozen=True)
class Buyer:
    """Exactly one of member and customer is set; placed_by says who placed the order (staff, the distributor, the
    customer)."""

    member: Member | None
    customer: Customer | None
    placed_by: str

    @property
    def person(self) -> Member | Customer:
        person = self.member or self.customer
        assert person is not None
        return person


def buyer_for(
    *, user: User | AnonymousUser, member_number: int | None = None, customer_number: int | None = None
) -> Buyer:
    """The buyer `user` may buy for. Staff must name one (member number first, then customer number; an unknown
    number is a 404); the numbers are ignored for anyone else. A user who is neither staff, a distributor nor a
    customer may not buy (PermissionDenied)."""
    actor = actor_for(user)
    if actor.is_company_staff:
        if member_number is not None:
            return Buyer(
                member=get_object_or_404(Member, number=member_number), customer=None, placed_by=PlacedBy.STAFF
            )
        if customer_number is not None:
            customer = get_object_or_404(Customer, number=customer_number)
            return Buyer(member=None, customer=customer, placed_by=PlacedBy.STAFF)
        raise ValidationError({"buyer_member_number": [gettext("Name the buyer: a member or a customer number.")]})
    if actor.member is not None:
        return Buyer(member=actor.member, customer=None, placed_by=PlacedBy.DISTRIBUTOR)
    if actor.customer is not None:
        return Buyer(member=None, customer=actor.customer, placed_by=PlacedBy.CUSTOMER)
    raise PermissionDenied
