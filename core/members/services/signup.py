"""Signing up on a replicated site: a distributor joins the site owner's team, or a visitor becomes the owner's
customer, with an address and their agreement to the company's current terms (core.company policies) in the same
transaction, so nobody is enrolled without the agreement on record."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries

from core.accounts.services import language_errors, user_language_set
from core.company.models import PolicyAudience
from core.company.services import policies_accept
from core.members.models import Customer, CustomerType, Member
from core.members.services.customers import customer_create
from core.members.services.enrolment import member_join


@dataclass(frozen=True)
class Address:
    """A postal address as typed (trimmed); ``country`` is an ISO 3166-1 alpha-2 code."""

    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    region: str = ""


def address_problems(address: Address) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, field in (("line1", "address_line1"), ("city", "city"), ("postal_code", "postal_code")):
        if not getattr(address, name).strip():
            errors[field] = [_("This field is required.")]
    if address.country not in dict(countries):
        errors["country"] = [_("Choose a country from the list.")]
    return errors


def _signup_problems(*, address: Address, language: str) -> dict[str, list[str]]:
    """The address, and the language chosen at sign-up (empty: none chosen; else one the company enables)."""
    errors = address_problems(address)
    if language and (problems := language_errors(language)):
        errors["language"] = problems
    return errors


@transaction.atomic
def member_join_online(
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
    language: str = "",
) -> Member:
    """A visitor joins ``sponsor``'s team from their site: enrolled (member_join), their address kept, and their
    acceptance of every current document for distributors recorded with its version, the time and their IP."""
    if errors := _signup_problems(address=address, language=language):
        raise ValidationError(errors)
    member = member_join(
        sponsor=sponsor,
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        password=password,
        phone=phone,
        country=address.country,
    )
    Member.objects.filter(pk=member.pk).update(
        address_line1=address.line1.strip(),
        address_line2=address.line2.strip(),
        city=address.city.strip(),
        region=address.region.strip(),
        postal_code=address.postal_code.strip(),
    )
    member.refresh_from_db()
    assert member.user is not None  # member_join always creates the login
    if language:
        user_language_set(user=member.user, language=language)
    policies_accept(
        user=member.user,
        audience=PolicyAudience.DISTRIBUTORS,
        document_ids=accepted_document_ids,
        ip_address=ip_address,
    )
    return member


@transaction.atomic
def customer_sign_up(
    *,
    distributor: Member,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    customer_type: str = CustomerType.RETAIL,
    phone: str = "",
    address: Address,
    accepted_document_ids: list[int],
    ip_address: str | None,
    language: str = "",
) -> Customer:
    """A visitor becomes ``distributor``'s customer from their site, with a login, an address and their acceptance of
    the current documents for customers (version, time, IP)."""
    if errors := _signup_problems(address=address, language=language):
        raise ValidationError(errors)
    customer = customer_create(
        distributor=distributor,
        email=email,
        first_name=first_name,
        last_name=last_name,
        customer_type=customer_type,
        password=password,
        phone=phone,
        country=address.country,
    )
    Customer.objects.filter(pk=customer.pk).update(
        address_line1=address.line1.strip(),
        city=address.city.strip(),
        region=address.region.strip(),
        postal_code=address.postal_code.strip(),
    )
    customer.refresh_from_db()
    assert customer.user is not None  # created with a login
    if language:
        user_language_set(user=customer.user, language=language)
    policies_accept(
        user=customer.user,
        audience=PolicyAudience.CUSTOMERS,
        document_ids=accepted_document_ids,
        ip_address=ip_address,
    )
    return customer
