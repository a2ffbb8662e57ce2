"""Who is asking: one answer to every role question the API and the pages ask about a signed-in user."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from knox.models import AuthToken

from core.accounts.models import Role

if TYPE_CHECKING:
    from core.members.models import Customer, Member


class ActorKind(enum.StrEnum):
    ANONYMOUS = "anonymous"
    PROVIDER_STAFF = "provider_staff"
    COMPANY_STAFF = "company_staff"  # company admins and staff
    DISTRIBUTOR = "distributor"
    CUSTOMER = "customer"


@dataclass(frozen=True)
class Actor:
    """A user seen through their role: a distributor carries their member record, a customer theirs."""

    kind: ActorKind
    role: str
    member: Member | None = None
    customer: Customer | None = None

    @property
    def is_company_staff(self) -> bool:
        return self.kind is ActorKind.COMPANY_STAFF

    @property
    def is_company_admin(self) -> bool:
        return self.role == Role.COMPANY_ADMIN

    @property
    def is_distributor(self) -> bool:
        return self.member is not None

    @property
    def is_customer(self) -> bool:
        return self.customer is not None


def actor_for(user: Any) -> Actor:
    """The actor behind ``user`` (an account, or an anonymous user). A distributor login without a member record (or a
    customer login without a customer record) is treated as anonymous: it may see nothing of its own."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(kind=ActorKind.ANONYMOUS, role="")
    role = user.role
    if role in (Role.COMPANY_ADMIN, Role.COMPANY_STAFF):
        return Actor(kind=ActorKind.COMPANY_STAFF, role=role)
    if role == Role.PROVIDER_STAFF or user.is_superuser:
        return Actor(kind=ActorKind.PROVIDER_STAFF, role=role)
    if role == Role.DISTRIBUTOR:
        member = getattr(user, "member", None)
        if member is not None:
            return Actor(kind=ActorKind.DISTRIBUTOR, role=role, member=member)
    if role == Role.CUSTOMER:
        customer = getattr(user, "customer", None)
        if customer is not None:
            return Actor(kind=ActorKind.CUSTOMER, role=role, customer=customer)
    return Actor(kind=ActorKind.ANONYMOUS, role=role)


def api_tokens_list(*, user) -> QuerySet[AuthToken]:
    """``user``'s live API tokens, newest first (expired ones are left out; knox deletes them when next seen)."""
    return (
        AuthToken.objects.filter(user=user)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .order_by("-created")
    )
