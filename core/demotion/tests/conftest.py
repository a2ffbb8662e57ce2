import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.commerce.models import AttemptOutcome, SubscriptionAttempt
from core.commerce.services.commerce_settings import commerce_settings_get
from tests.factories.catalogue import ProductFactory
from tests.factories.members import MemberFactory
from tests.factories.orders import PaidOrderFactory

JOIN = datetime.date(2026, 1, 1)


def at_noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.schema):
        settings_row = commerce_settings_get()
        settings_row.subscription_enabled = True
        settings_row.save()
        ProductFactory(sku="PACK", name="Pack", retail_price=Decimal("120"), distributor_price=Decimal("100"),
                       pv=Decimal("100"), cv=Decimal("90"), track_inventory=False)  # fmt: skip
        yield alpha


@pytest.fixture
def enroll(in_alpha):
    def _enroll(sponsor, username=None, joined=JOIN):
        names = {"username": username} if username else {}
        return MemberFactory(sponsor=sponsor, first_name="Pat", password=None, joined_at=at_noon(joined), **names)

    return _enroll


def paid_subscription(member, day: datetime.date, outcome: str = AttemptOutcome.PAID):
    return SubscriptionAttempt.objects.create(
        member=member, due_on=day, attempted_at=at_noon(day), outcome=outcome, amount=Decimal("25.00")
    )


def paid_order(member, day: datetime.date, packs: int = 3):
    return PaidOrderFactory(buyer_member=member, lines=[("PACK", packs)], paid_at=at_noon(day))


def keep_active(members, day: datetime.date) -> None:
    """Members who must stay in good standing pay their fee and order 300 PV on ``day``."""
    for member in members:
        paid_subscription(member, day)
        paid_order(member, day)


@pytest.fixture
def today():
    return timezone.localdate()
