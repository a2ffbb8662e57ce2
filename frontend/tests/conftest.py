"""Company data for page tests: a small genealogy in alpha (root -> ann -> bob -> cat, root -> dan) and a
distributor in beta, each with a login."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.accounts.models import User
from core.members.models import Member
from plans.services import period_get_or_create, run_preview
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.tests.conftest import JAN, PLAN, buy
from plans.tests.conftest import enroll as plan_enroll
from tests.factories.catalogue import KitFactory
from tests.factories.members import MemberFactory


@dataclass
class Org:
    root: Member
    ann: Member
    bob: Member
    cat: Member
    dan: Member


def enroll(sponsor: Member | None, username: str, first_name: str) -> Member:
    return MemberFactory(sponsor=sponsor, username=username, first_name=first_name, last_name="Tester")


@pytest.fixture
def org(alpha) -> Org:
    with schema_context(alpha.schema):
        root = enroll(None, "house", "House")
        ann = enroll(root, "ann", "Ann")
        bob = enroll(ann, "bob", "Bob")
        cat = enroll(bob, "cat", "Cat")
        dan = enroll(root, "dan", "Dan")
    return Org(root=root, ann=ann, bob=bob, cat=cat, dan=dan)


def signed_in(tenant, email: str) -> Client:
    """A client on the company ``tenant``'s host, signed in through the real login form."""
    client = Client(HTTP_HOST=tenant.host)
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def ann_client(alpha, org) -> Client:
    return signed_in(alpha, "ann@example.test")


@pytest.fixture
def admin_client(alpha) -> Client:
    return signed_in(alpha, alpha.admin_email)


# ---------------------------------------------------------------------------------------------------- plans pages
# The company of frontend/tests/test_plans_*.py (its numbers: frontend/tests/plans_data.py).


@pytest.fixture
def company(alpha):
    with schema_context(alpha.schema):
        admin = User.objects.get(email=alpha.admin_email)
        root = plan_enroll(None)
        a = plan_enroll(root)
        b = plan_enroll(a)
        c = plan_enroll(b)
        KitFactory()
        orders = {name: buy(m) for name, m in {"root": root, "a": a, "b": b, "c": c}.items()}
        version = plan_version_activate(version=plan_version_create(document=PLAN, by=admin), effective_from=JAN)
        january = period_get_or_create(day=JAN)
        run = run_preview(period=january, by=admin)
    return {"admin": admin, "root": root, "a": a, "b": b, "c": c, "orders": orders, "version": version,
            "january": january, "run": run}  # fmt: skip


@pytest.fixture
def admin(alpha, company):
    return signed_in(alpha, alpha.admin_email)
