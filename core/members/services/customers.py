"""Retail and preferred customers: creating one under a distributor and transferring them to another."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import Role, User
from core.accounts.services import user_create
from core.company.models import Market
from core.company.selectors import market_for_country
from core.members.models import (
    Customer,
    CustomerTransfer,
    CustomerType,
    Member,
    MemberStatus,
)


def customer_number_next() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('members_customer_number_seq')")
        return cursor.fetchone()[0]


@transaction.atomic
def customer_create(
    *,
    distributor: Member,
    email: str,
    first_name: str,
    last_name: str,
    customer_type: str = CustomerType.RETAIL,
    password: str | None = None,
    phone: str = "",
    country: str = "",
    joined_at: datetime | None = None,
    with_login: bool = True,
    market: Market | None = None,
) -> Customer:
    """A customer of ``distributor``. Their market is ``market`` (a guest's is the one they shopped in), else the one
    that sells in their country (none: the company's default)."""
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [gettext("Enter a valid e-mail address.")]
    if customer_type not in CustomerType.values:
        errors["customer_type"] = [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(CustomerType.values)}]
    if distributor.status == MemberStatus.TERMINATED:
        errors["distributor"] = [
            gettext("#%(number)s is terminated and cannot take new customers.") % {"number": distributor.number}
        ]
    if not first_name.strip():
        errors["first_name"] = [gettext("This field is required.")]
    if errors:
        raise ValidationError(errors)
    user = None
    if with_login:
        user = user_create(
            email=email, role=Role.CUSTOMER, password=password, first_name=first_name, last_name=last_name
        )
    return Customer.objects.create(
        number=customer_number_next(),
        customer_type=customer_type,
        distributor=distributor,
        user=user,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone,
        country=country.upper(),
        market=market or market_for_country(country=country),
        joined_at=joined_at or timezone.now(),
    )


def customer_move(*, customer: Customer, to: Member, by: User | None, reason: str) -> CustomerTransfer:
    transfer = CustomerTransfer.objects.create(
        customer=customer,
        from_distributor_id=customer.distributor_id,
        to_distributor=to,
        moved_at=timezone.now(),
        moved_by=by,
        reason=reason,
    )
    Customer.objects.filter(pk=customer.pk).update(distributor=to)
    return transfer


@transaction.atomic
def customer_transfer(*, customer: Customer, to: Member, by: User | None, reason: str) -> CustomerTransfer:
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": [gettext("Say why the customer is moved; it is kept in the customer's history.")]}
        )
    if customer.distributor_id == to.pk:
        raise ValidationError(
            {"to": [gettext("The customer is already credited to #%(number)s.") % {"number": to.number}]}
        )
    if to.status == MemberStatus.TERMINATED:
        raise ValidationError(
            {"to": [gettext("#%(number)s is terminated and cannot take customers.") % {"number": to.number}]}
        )
    return customer_move(customer=customer, to=to, by=by, reason=reason.strip())
