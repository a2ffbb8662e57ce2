"""Issue 12 item 10: API tokens (django-rest-knox) expire, are revoked on API logout and on every password change,
and their holder can list and revoke them. Each company's tokens live in its own schema."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from knox.models import AuthToken
from rest_framework.test import APIClient

from conftest import PASSWORD
from core.accounts.models import Role, User
from core.accounts.services import user_create
from frontend.tests.conftest import signed_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Brand-new-pass-2026"


def _token(client, email, password=PASSWORD) -> dict:
    response = client.post("/api/v1/auth/token/", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def _auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


@pytest.fixture
def api(alpha) -> APIClient:
    return APIClient(HTTP_HOST=alpha.host)


def test_a_token_expires_after_its_ttl_and_only_its_digest_is_stored(alpha, api):
    issued = _token(api, alpha.admin_email)
    assert sorted(issued) == ["expiry", "token"]
    with schema_context(alpha.schema):
        row = AuthToken.objects.get()
        assert datetime.datetime.fromisoformat(issued["expiry"].replace("Z", "+00:00")) == row.expiry
        assert abs(row.expiry - row.created - datetime.timedelta(hours=24)) < datetime.timedelta(seconds=5)
        assert issued["token"] not in (row.digest, row.token_key)
    assert api.get("/api/v1/me/", **_auth(issued["token"])).status_code == 200
    with schema_context(alpha.schema):
        AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    expired = api.get("/api/v1/me/", **_auth(issued["token"]))
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == "Token"
    with schema_context(alpha.schema):
        assert AuthToken.objects.count() == 0


def test_logout_revokes_the_token_in_use_only(alpha, api):
    first = _token(api, alpha.admin_email)["token"]
    second = _token(api, alpha.admin_email)["token"]
    assert api.post("/api/v1/auth/logout/", **_auth(first)).status_code == 204
    assert api.get("/api/v1/me/", **_auth(first)).status_code == 401
    assert api.get("/api/v1/me/", **_auth(second)).status_code == 200


def test_a_password_change_revokes_every_token(alpha, api):
    token = _token(api, alpha.admin_email)["token"]
    other = _token(api, alpha.admin_email)["token"]
    browser = signed_in(alpha, alpha.admin_email)
    changed = browser.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert api.get("/api/v1/me/", **_auth(token)).status_code == 401
    assert api.get("/api/v1/me/", **_auth(other)).status_code == 401
    assert api.get("/api/v1/me/", **_auth(_token(api, alpha.admin_email, NEW_PASSWORD)["token"])).status_code == 200


def test_a_password_reset_revokes_every_token(alpha, api, mailoutbox):
    token = _token(api, alpha.admin_email)["token"]
    browser = APIClient(HTTP_HOST=alpha.host)
    browser.post("/accounts/password/reset/", {"email": alpha.admin_email})
    (link,) = [w for w in mailoutbox[0].body.split() if "/accounts/password/reset/key/" in w]
    form = browser.get(link.split(alpha.host, 1)[1], follow=True)
    form_path = form.redirect_chain[-1][0]
    assert browser.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    assert api.get("/api/v1/me/", **_auth(token)).status_code == 401


def test_list_and_revoke_own_tokens_never_another_users(alpha, api):
    with schema_context(alpha.schema):
        user_create(email="clerk@alpha.test", role=Role.COMPANY_STAFF, password=PASSWORD)
    mine = _token(api, alpha.admin_email)["token"]
    spare = _token(api, alpha.admin_email)["token"]
    theirs = _token(api, "clerk@alpha.test")["token"]
    listed = api.get("/api/v1/auth/tokens/", **_auth(mine)).json()
    assert [(t["id"], t["current"]) for t in listed] == [(spare[:15], False), (mine[:15], True)]
    assert api.delete(f"/api/v1/auth/tokens/{theirs[:15]}/", **_auth(mine)).status_code == 404
    assert api.get("/api/v1/me/", **_auth(theirs)).status_code == 200
    assert api.delete(f"/api/v1/auth/tokens/{spare[:15]}/", **_auth(mine)).status_code == 204
    assert api.get("/api/v1/me/", **_auth(spare)).status_code == 401
    assert [t["id"] for t in api.get("/api/v1/auth/tokens/", **_auth(mine)).json()] == [mine[:15]]
    assert api.delete("/api/v1/auth/tokens/", **_auth(mine)).status_code == 204
    assert api.get("/api/v1/me/", **_auth(mine)).status_code == 401
    assert api.get("/api/v1/me/", **_auth(theirs)).status_code == 200


def test_a_company_token_is_unknown_on_another_company_and_on_the_platform(alpha, beta, api, provider_client):
    token = _token(api, alpha.admin_email)["token"]
    assert APIClient(HTTP_HOST=beta.host).get("/api/v1/me/", **_auth(token)).status_code == 401
    assert provider_client.get("/api/provider/v1/me/", **_auth(token)).status_code == 401


def test_a_password_set_in_the_data_admin_revokes_every_token(alpha, api):
    with schema_context(alpha.schema):
        rep = user_create(email="rep@alpha.test", role=Role.DISTRIBUTOR, password=PASSWORD)
        admin = User.objects.get(email=alpha.admin_email)
        admin.is_superuser = True  # Django's model permissions: only a superuser edits accounts in the data admin
        admin.save()
    token = _token(api, "rep@alpha.test")["token"]
    browser = APIClient(HTTP_HOST=alpha.host)
    browser.force_login(admin)
    changed = browser.post(
        f"/admin/accounts/user/{rep.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert changed.status_code == 302, changed.content[:300]
    assert api.get("/api/v1/me/", **_auth(token)).status_code == 401
