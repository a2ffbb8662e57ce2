"""Joining with an enrolment pack: the distributor is enrolled (with address and terms) and the pack ordered in one
transaction, then the card is charged once that is committed (our own record exists before any money moves, as in
checkout). A declined card leaves the new distributor enrolled with the pack order pending, payable again from the
back office, so nobody has to join twice."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.commerce.models import Order, PlacedBy
from core.commerce.selectors.catalogue import enrolment_packs
from core.commerce.services.checkout import CardCharge, order_pay_card_confirmed
from core.commerce.services.orders import LineRequest, order_place
from core.company.services import company_settings_get
from core.members.models import Member
from core.members.services.signup import Address, member_join_online


@dataclass(frozen=True)
class Enrolment:
    member: Member
    order: Order | None  # the pack's order; None: joined without a pack
    charge: CardCharge | None


def _pack_problems(*, pack_sku: str, payment_method_id: str) -> dict[str, list[str]]:
    if not pack_sku:
        if company_settings_get().enrolment_pack_required:
            return {"pack": [_("Choose an enrolment pack: joining this company includes one.")]}
        return {}
    if not enrolment_packs().filter(sku__iexact=pack_sku).exists():
        return {"pack": [_("This pack is not offered any more: choose another.")]}
    if not payment_method_id:
        return {"card": [_("Choose how to pay for your pack.")]}
    return {}


def distributor_enrol(
    *,
    sponsor: Member,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    phone: str = "",
    address: Address,
    accepted_document_ids: list[int],
    ip_address: str | None,
    pack_sku: str = "",
    payment_method_id: str = "",
    language: str = "",
) -> Enrolment:
    """A visitor joins ``sponsor``'s team with an optional enrolment pack (required when the company says so): the
    enrolment and the pack's order are one transaction; the card is charged after it commits."""
    if errors := _pack_problems(pack_sku=pack_sku, payment_method_id=payment_method_id):
        raise ValidationError(errors)
    with transaction.atomic():
        member = member_join_online(
            sponsor=sponsor,
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            password=password,
            phone=phone,
            address=address,
            accepted_document_ids=accepted_document_ids,
            ip_address=ip_address,
            language=language,
        )
        if not pack_sku:
            return Enrolment(member=member, order=None, charge=None)
        order = order_place(
            lines=[LineRequest(sku=pack_sku, quantity=1)],
            placed_by=PlacedBy.DISTRIBUTOR,
            buyer_member=member,
            ship_country=address.country,
            ship_region=address.region or None,
            created_by=member.user,
        )
    charge = order_pay_card_confirmed(order=order, payment_method_id=payment_method_id, by=member.user)
    return Enrolment(member=member, order=order, charge=charge)
