"""A small company for the run tests: a chain root <- a <- b <- c (sponsor tree), one product worth 100 CV."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.accounts.models import User
from core.commerce.services.catalogue import product_create
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_mark_paid
from core.members.services.enrolment import member_enroll
from plans.services import period_get_or_create, plan_version_activate, plan_version_create

_names = itertools.count(1)
JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)

# Unilevel 10 % / 5 % with compression; active = 100 PV; two ranks.
PLAN = {
    "schema": 1,
    "name": "Test unilevel",
    "active": {"min_pv": "100"},
    "ranks": [{"code": "bronze", "min_pv": "100"}, {"code": "silver", "min_pv": "100", "min_gv": "300"}],
    "components": [{"type": "unilevel", "code": "unilevel", "rates": ["10", "5"]}],
}


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.schema):
        yield alpha


@pytest.fixture
def admin(in_alpha):
    return User.objects.get(email=in_alpha.admin_email)


def enroll(sponsor, **kwargs):
    n = next(_names)
    return member_enroll(
        sponsor=sponsor,
        username=f"plan{n}",
        email=f"plan{n}@example.test",
        first_name="Plan",
        last_name=f"Member{n}",
        password=PASSWORD,
        joined_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC),
        **kwargs,
    )


@pytest.fixture
def chain(in_alpha):
    """root <- a <- b <- c (each sponsors the next)."""
    root = enroll(None)
    a = enroll(root)
    b = enroll(a)
    c = enroll(b)
    return {"root": root, "a": a, "b": b, "c": c}


@pytest.fixture
def product(in_alpha):
    return product_create(
        sku="KIT",
        name="Kit",
        retail_price=Decimal("125.00"),
        distributor_price=Decimal("100.00"),
        pv=Decimal("100"),
        cv=Decimal("100"),
        track_inventory=False,
        taxable=False,
    )


def buy(member, quantity=1, day=datetime.date(2026, 1, 10)):
    """A paid own order of `quantity` kits (100 PV / 100 CV each) on `day`."""
    order = order_place(lines=[LineRequest(sku="KIT", quantity=quantity)], placed_by="distributor", buyer_member=member)
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    return order_mark_paid(order=order, paid_at=moment)


@pytest.fixture
def plan(in_alpha, admin):
    version = plan_version_create(document=PLAN, by=admin)
    return plan_version_activate(version=version, effective_from=JAN, by=admin)


@pytest.fixture
def january(in_alpha):
    return period_get_or_create(day=JAN)
