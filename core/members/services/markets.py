"""A person's market (issue 19): set by an admin, recorded as an audit entry (MarketChange). Past orders are never
rewritten: they keep the market and currency they were placed in."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.accounts.models import User
from core.company.models import Market
from core.members.models import Customer, MarketChange, Member

REASON_MAX = 500


def _market_checked(market: Market | None, reason: str) -> None:
    if market is not None and not market.is_active:
        raise ValidationError({"market": [_("The market %(code)s is not active.") % {"code": market.code}]})
    if len(reason or "") > REASON_MAX:
        raise ValidationError({"reason": [_("Keep it to %(limit)d characters.") % {"limit": REASON_MAX}]})


@transaction.atomic
def member_market_set(*, member: Member, market: Market | None, by: User | None, reason: str = "") -> Member:
    """Move a distributor to ``market`` (None: the company's default). Their next orders are in its currency."""
    _market_checked(market, reason)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.market_id != getattr(market, "pk", None):
        MarketChange.objects.create(
            member=member,
            old_market_id=member.market_id,
            new_market=market,
            changed_at=timezone.now(),
            changed_by=by,
            reason=(reason or "").strip(),
        )
        member.market = market
        member.save(update_fields=["market"])
    return member


@transaction.atomic
def customer_market_set(*, customer: Customer, market: Market | None, by: User | None, reason: str = "") -> Customer:
    """Move a customer to ``market`` (None: the company's default)."""
    _market_checked(market, reason)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.market_id != getattr(market, "pk", None):
        MarketChange.objects.create(
            customer=customer,
            old_market_id=customer.market_id,
            new_market=market,
            changed_at=timezone.now(),
            changed_by=by,
            reason=(reason or "").strip(),
        )
        customer.market = market
        customer.save(update_fields=["market"])
    return customer
