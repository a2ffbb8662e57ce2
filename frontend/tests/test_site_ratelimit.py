"""Joins and customer sign-ups on the replicated sites are limited per IP and per company (allauth's cache-based
counter): past the limit the form says so and creates nobody. The tests lower the limit to two an hour and use an
address of their own."""

import secrets

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.members.models import Customer, Member
from frontend.site.views.signup import SIGNUP_LIMITED
from frontend.tests.test_site import ADDRESS, join_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit_two_per_hour(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "site_signup": "2/h/ip"}


def _address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def _customer(n: int) -> dict:
    return {
        "customer_type": "retail",
        "first_name": "Carl",
        "last_name": "Buyer",
        "email": f"carl{n}@example.test",
        "password": PASSWORD,
        **ADDRESS,
    }


def test_the_third_sign_up_from_one_address_in_an_hour_is_refused(alpha, org, limit_two_per_hour):
    ip = _address()
    client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR=ip)
    assert client.post("/ann/join/", join_data(username="eve1", email="eve1@example.test")).status_code == 302
    client.logout()
    assert client.post("/ann/customer/", _customer(1)).status_code == 302
    client.logout()
    refused = client.post("/ann/join/", join_data(username="eve3", email="eve3@example.test"))
    assert refused.status_code == 429
    assert refused.context["form"].non_field_errors() == [SIGNUP_LIMITED]
    assert str(SIGNUP_LIMITED) in refused.content.decode()
    assert client.post("/ann/customer/", _customer(2)).status_code == 429
    with schema_context(alpha.schema):
        assert not Member.objects.filter(username="eve3").exists()
        assert list(Customer.objects.filter(email__startswith="carl").values_list("email", flat=True)) == [
            "carl1@example.test"
        ]
    # Another address is counted apart.
    other = Client(HTTP_HOST=alpha.host, REMOTE_ADDR=_address())
    assert other.post("/ann/join/", join_data(username="eve4", email="eve4@example.test")).status_code == 302


def test_an_incomplete_form_does_not_count(alpha, org, limit_two_per_hour):
    client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR=_address())
    for _ in range(3):
        response = client.post("/ann/join/", join_data(username="eve5", email="not-an-email"))
        assert response.status_code == 400 and response.context["form"].errors == {
            "email": ["Enter a valid email address."]
        }
    assert client.post("/ann/join/", join_data(username="eve5", email="eve5@example.test")).status_code == 302


def test_the_limit_is_per_company(alpha, beta, org, limit_two_per_hour):
    from frontend.tests.conftest import enroll

    with schema_context(beta.schema):
        enroll(None, "zed", "Zed")
    ip = _address()
    alpha_visitor = Client(HTTP_HOST=alpha.host, REMOTE_ADDR=ip)
    for n in range(2):
        assert alpha_visitor.post("/ann/customer/", _customer(10 + n)).status_code == 302
        alpha_visitor.logout()
    assert alpha_visitor.post("/ann/customer/", _customer(12)).status_code == 429
    beta_visitor = Client(HTTP_HOST=beta.host, REMOTE_ADDR=ip)
    assert beta_visitor.post("/zed/customer/", _customer(13)).status_code == 302
