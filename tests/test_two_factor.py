"""Issue 12 item 11: two-factor sign-in through allauth's MFA (authenticator app + recovery codes). Required for
provider staff, required for company admins when the company's settings say so, optional for everyone else. Codes
are computed from the stored secret exactly as an authenticator app would (RFC 6238, allauth's HOTP function)."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client
from django_tenants.utils import get_public_schema_name, schema_context
from rest_framework.test import APIClient

from conftest import PASSWORD
from core.accounts.mfa import TWO_FACTOR_SETUP_NEEDED
from core.accounts.models import Role, User
from core.accounts.services import user_create
from tests.helpers import totp_code, two_factor_activate

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"
AUTHENTICATE = "/accounts/2fa/authenticate/"


def _app_code(secret: str, step: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def _password_step(client: Client, email: str):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


@pytest.fixture
def bare_staff(db) -> User:
    """Provider staff who has not set up two-factor sign-in yet."""
    with schema_context(get_public_schema_name()):
        return user_create(email="new@provider.test", role=Role.PROVIDER_STAFF, password=PASSWORD, is_staff=True)


def test_provider_staff_without_two_factor_can_only_set_it_up(provider_client, bare_staff):
    assert _password_step(provider_client, bare_staff.email)["Location"] == "/"
    page = provider_client.get("/companies/")
    assert (page.status_code, page["Location"]) == (302, f"{ACTIVATE}?next=/companies/")
    api = provider_client.get("/api/provider/v1/me/")
    assert (api.status_code, api.json()) == (403, {"detail": TWO_FACTOR_SETUP_NEEDED, "code": "two_factor_required"})
    token = APIClient(HTTP_HOST="canopy.test").post(
        "/api/provider/v1/auth/token/", {"email": bare_staff.email, "password": PASSWORD}
    )
    assert (token.status_code, token.json()["detail"]) == (403, TWO_FACTOR_SETUP_NEEDED)
    page = provider_client.get(ACTIVATE)  # allauth asks for the password again before changing sign-in methods
    assert page["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"


def test_provider_staff_sets_up_the_app_then_signs_in_with_its_code(provider_client, bare_staff):
    _password_step(provider_client, bare_staff.email)
    assert provider_client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    assert provider_client.get(ACTIVATE).status_code == 200
    secret = provider_client.session[SECRET_SESSION_KEY]
    wrong = "000000" if _app_code(secret) != "000000" else "111111"
    assert provider_client.post(ACTIVATE, {"code": wrong}).status_code == 200
    activated = provider_client.post(ACTIVATE, {"code": _app_code(secret)})
    assert activated.status_code == 302
    with schema_context(get_public_schema_name()):
        assert sorted(Authenticator.objects.filter(user=bare_staff).values_list("type", flat=True)) == [
            "recovery_codes",
            "totp",
        ]
    assert provider_client.get("/companies/").status_code == 200
    provider_client.post("/accounts/logout/")

    assert _password_step(provider_client, bare_staff.email)["Location"] == AUTHENTICATE
    assert provider_client.get("/companies/").status_code == 302  # password alone is not signed in
    wrong = provider_client.post(AUTHENTICATE, {"code": "12345"})
    assert wrong.status_code == 200 and "Incorrect code." in wrong.content.decode()
    assert provider_client.post(AUTHENTICATE, {"code": _app_code(secret, step=1)}).status_code == 302
    assert provider_client.get("/companies/").status_code == 200


def test_a_recovery_code_signs_in_once(provider_client, provider_staff):
    with schema_context(get_public_schema_name()):
        RecoveryCodes.activate(provider_staff)
        rc = Authenticator.objects.get(user=provider_staff, type=Authenticator.Type.RECOVERY_CODES)
        first, *_ = RecoveryCodes(rc).get_unused_codes()
    _password_step(provider_client, provider_staff.email)
    assert provider_client.post(AUTHENTICATE, {"code": first}).status_code == 302
    provider_client.post("/accounts/logout/")
    _password_step(provider_client, provider_staff.email)
    assert provider_client.post(AUTHENTICATE, {"code": first}).status_code == 200
    assert provider_client.get("/companies/").status_code == 302


def test_the_token_endpoint_asks_for_the_code_once_two_factor_is_on(provider_staff):
    api = APIClient(HTTP_HOST="canopy.test")
    url = "/api/provider/v1/auth/token/"
    missing = api.post(url, {"email": provider_staff.email, "password": PASSWORD})
    assert (missing.status_code, missing.json()["errors"]) == (400, {"code": ["This field is required."]})
    wrong = api.post(url, {"email": provider_staff.email, "password": PASSWORD, "code": "000001"})
    assert wrong.status_code == 400
    good = api.post(url, {"email": provider_staff.email, "password": PASSWORD, "code": totp_code(provider_staff)})
    assert good.status_code == 200 and len(good.json()["token"]) == 64


def test_a_company_can_require_two_factor_for_its_admins_only(alpha, alpha_client):
    with schema_context(alpha.schema):
        user_create(email="rep@alpha.test", role=Role.DISTRIBUTOR, password=PASSWORD)
    _password_step(alpha_client, alpha.admin_email)
    assert alpha_client.get("/console/").status_code == 200
    changed = alpha_client.patch(
        "/api/v1/company/", {"require_two_factor_for_admins": True}, content_type="application/json"
    )
    assert (changed.status_code, changed.json()["require_two_factor_for_admins"]) == (200, True)
    blocked = alpha_client.get("/console/")
    assert (blocked.status_code, blocked["Location"]) == (302, f"{ACTIVATE}?next=/console/")
    rep = Client(HTTP_HOST=alpha.host)
    _password_step(rep, "rep@alpha.test")
    assert rep.get("/office/").status_code == 200  # optional for distributors


def test_a_distributor_may_turn_it_on_and_then_needs_the_code(alpha):
    with schema_context(alpha.schema):
        rep = user_create(email="rep@alpha.test", role=Role.DISTRIBUTOR, password=PASSWORD)
        two_factor_activate(rep)
    client = Client(HTTP_HOST=alpha.host)
    assert _password_step(client, "rep@alpha.test")["Location"] == AUTHENTICATE
    with schema_context(alpha.schema):
        code = totp_code(rep)
    assert client.post(AUTHENTICATE, {"code": code}).status_code == 302
    assert client.get("/office/").status_code == 200


def test_the_data_admin_signs_in_through_allauth(provider_client, alpha_client):
    response = provider_client.get("/admin/login/?next=/admin/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/admin/login/%3Fnext%3D/admin/")
    assert alpha_client.get("/admin/login/")["Location"].startswith("/accounts/login/")
