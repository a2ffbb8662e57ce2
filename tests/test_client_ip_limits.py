"""Issue 12 item 9: every rate limit keys on one client IP (TRUSTED_PROXY_COUNT, 0 = REMOTE_ADDR), so a forged
X-Forwarded-For no longer buys a fresh limit; the token endpoint shares the sign-in page's per-account lockout and the
join API shares the join form's limit."""

import secrets

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from conftest import PASSWORD
from core.members.models import Member
from core.members.services.enrolment import member_enroll
from frontend.tests.test_site import join_data

pytestmark = pytest.mark.django_db


def _forged() -> str:
    return f"203.0.113.{secrets.randbelow(254) + 1}"


def _address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def test_settings_use_one_trusted_proxy_count(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


def test_forged_forwarded_for_does_not_reset_the_token_lockout(alpha):
    client = APIClient(HTTP_HOST=alpha.host, REMOTE_ADDR=_address())
    for _ in range(5):
        wrong = client.post(
            "/api/v1/auth/token/",
            {"email": alpha.admin_email, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=_forged(),
        )
        assert wrong.status_code == 401
    locked = client.post(
        "/api/v1/auth/token/", {"email": alpha.admin_email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR=_forged()
    )
    assert locked.status_code == 429
    assert locked.json()["detail"] == "Too many failed login attempts. Try again later."
    assert "token" not in locked.json()


def test_token_failures_lock_the_sign_in_page_too(alpha):
    api = APIClient(HTTP_HOST=alpha.host, REMOTE_ADDR=_address())
    for _ in range(5):
        api.post("/api/v1/auth/token/", {"email": alpha.admin_email, "password": "wrong"})
    page = Client(HTTP_HOST=alpha.host, REMOTE_ADDR=_address())
    blocked = page.post("/accounts/login/", {"login": alpha.admin_email, "password": PASSWORD})
    assert "Too many failed login attempts" in blocked.content.decode()
    assert "_auth_user_id" not in page.session


def test_a_successful_token_request_does_not_consume_the_lockout(alpha):
    client = APIClient(HTTP_HOST=alpha.host, REMOTE_ADDR=_address())
    for _ in range(4):
        client.post("/api/v1/auth/token/", {"email": alpha.admin_email, "password": "wrong"})
    for _ in range(3):
        assert client.post("/api/v1/auth/token/", {"email": alpha.admin_email, "password": PASSWORD}).status_code in (
            200,
            201,
        )


def test_forged_forwarded_for_does_not_reset_the_api_throttle(alpha):
    """DRF's "login" throttle (10/min) counts per REMOTE_ADDR, whatever X-Forwarded-For says."""
    client = APIClient(HTTP_HOST=alpha.host, REMOTE_ADDR=_address())
    codes = [
        client.post(
            "/api/v1/auth/token/", {"email": f"nobody{n}@alpha.test", "password": "x"}, HTTP_X_FORWARDED_FOR=_forged()
        ).status_code
        for n in range(11)
    ]
    assert codes == [401] * 10 + [429]


@pytest.fixture
def sponsor(alpha) -> Member:
    with schema_context(alpha.schema):
        return member_enroll(
            sponsor=None, username="host", email="host@example.test", first_name="H", last_name="Ost", password=PASSWORD
        )


def _join_api(n: int) -> dict:
    return {
        "username": f"api{n}",
        "email": f"api{n}@example.test",
        "first_name": "Api",
        "last_name": "Joiner",
        "password": PASSWORD,
    }


def test_join_api_limit_ignores_forged_forwarded_for(alpha, sponsor, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "site_signup": "2/h/ip"}
    client = APIClient(HTTP_HOST=alpha.host, REMOTE_ADDR=_address())
    codes = [
        client.post("/api/v1/join/host/", _join_api(n), HTTP_X_FORWARDED_FOR=_forged(), format="json").status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]
    with schema_context(alpha.schema):
        assert sorted(Member.objects.filter(username__startswith="api").values_list("username", flat=True)) == [
            "api0",
            "api1",
        ]


def test_join_api_and_join_form_share_one_limit(alpha, sponsor, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "site_signup": "2/h/ip"}
    ip = _address()
    form = Client(HTTP_HOST=alpha.host, REMOTE_ADDR=ip)
    assert form.post("/host/join/", join_data(username="eve1", email="eve1@example.test")).status_code == 302
    form.logout()
    assert form.post("/host/join/", join_data(username="eve2", email="eve2@example.test")).status_code == 302
    api = APIClient(HTTP_HOST=alpha.host, REMOTE_ADDR=ip)
    refused = api.post("/api/v1/join/host/", _join_api(9), format="json")
    assert refused.status_code == 429
    assert refused.json()["detail"] == "Too many sign-ups from your network in the last hour. Please try again later."
