"""Which autoships a user may see: staff all, a distributor their own, a customer their own."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from core.accounts.models import User
from core.accounts.selectors import actor_for
from core.commerce.models import (
    Autoship,
    AutoshipItem,
    AutoshipRun,
)


def autoships_visible_to(user: User | AnonymousUser) -> QuerySet[Autoship]:
    found = Autoship.objects.select_related("member", "customer").prefetch_related("items__product").order_by("id")
    actor = actor_for(user)
    if actor.is_company_staff:
        return found
    if actor.member is not None:
        return found.filter(member=actor.member)
    if actor.customer is not None:
        return found.filter(customer=actor.customer)
    return found.none()


def autoships_of(*, member) -> QuerySet[Autoship]:
    return Autoship.objects.filter(member=member).prefetch_related("items__product").order_by("-id")


def autoship_items(*, autoship: Autoship) -> QuerySet[AutoshipItem]:
    return autoship.items.select_related("product").order_by("id")


def autoship_runs(*, autoship: Autoship) -> QuerySet[AutoshipRun]:
    return AutoshipRun.objects.filter(autoship=autoship).select_related("order").order_by("-run_on", "-id")
