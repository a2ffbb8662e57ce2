"""Company data for page tests: a small genealogy in alpha (root -> ann -> bob -> cat, root -> dan) and a
distributor in beta, each with a login."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.members.models import Member
from core.members.services import member_enroll


@dataclass
class Org:
    root: Member
    ann: Member
    bob: Member
    cat: Member
    dan: Member


def enroll(sponsor: Member | None, username: str, first_name: str) -> Member:
    return member_enroll(
        sponsor=sponsor,
        username=username,
        email=f"{username}@example.test",
        first_name=first_name,
        last_name="Tester",
        password=PASSWORD,
    )


@pytest.fixture
def org(alpha) -> Org:
    with schema_context(alpha.schema):
        root = enroll(None, "house", "House")
        ann = enroll(root, "ann", "Ann")
        bob = enroll(ann, "bob", "Bob")
        cat = enroll(bob, "cat", "Cat")
        dan = enroll(root, "dan", "Dan")
    return Org(root=root, ann=ann, bob=bob, cat=cat, dan=dan)


def signed_in(company, email: str) -> Client:
    """A client on ``company``'s host, signed in through the real login form."""
    client = Client(HTTP_HOST=company.host)
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def ann_client(alpha, org) -> Client:
    return signed_in(alpha, "ann@example.test")


@pytest.fixture
def admin_client(alpha) -> Client:
    return signed_in(alpha, alpha.admin_email)
