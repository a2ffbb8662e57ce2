"""A small company for the run tests: a chain root <- a <- b <- c (sponsor tree), one product worth 100 CV."""

import datetime

import pytest
from django_tenants.utils import schema_context

from core.accounts.models import User
from plans.services import period_get_or_create
from plans.services_plan_versions import plan_version_activate, plan_version_create
from tests.factories.catalogue import KitFactory
from tests.factories.members import MemberFactory
from tests.factories.orders import PaidOrderFactory

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
    """A member who joined on 1 June 2025, before every period these tests run."""
    return MemberFactory(sponsor=sponsor, joined_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC), **kwargs)


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
    return KitFactory()


def buy(member, quantity=1, day=datetime.date(2026, 1, 10)):
    """A paid own order of `quantity` kits (100 PV / 100 CV each) on `day`."""
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    return PaidOrderFactory(buyer_member=member, lines=[("KIT", quantity)], paid_at=moment)


@pytest.fixture
def plan(in_alpha, admin):
    version = plan_version_create(document=PLAN, by=admin)
    return plan_version_activate(version=version, effective_from=JAN, by=admin)


@pytest.fixture
def january(in_alpha):
    return period_get_or_create(day=JAN)
