"""Per-company sign-in, sign-out, password reset by e-mail and login rate limiting (django-allauth)."""

import re

import pytest
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.accounts.models import Role, User
from core.accounts.services import user_create
from tests.helpers import totp_code

pytestmark = pytest.mark.django_db


def test_sign_in_and_out_on_a_company_domain(alpha_client):
    response = alpha_client.post("/accounts/login/", {"login": "admin@alpha.test", "password": PASSWORD})
    assert response.status_code == 302
    assert alpha_client.get("/console/").status_code == 200
    alpha_client.post("/accounts/logout/")
    assert alpha_client.get("/console/").status_code == 302


def test_company_admin_cannot_sign_in_on_another_company(beta_client):
    response = beta_client.post("/accounts/login/", {"login": "admin@alpha.test", "password": PASSWORD})
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in response.content.decode()


def test_password_reset_mail_links_to_the_company_domain(alpha, alpha_client, mailoutbox):
    with schema_context("alpha"):
        user_create(email="dist@example.com", role=Role.DISTRIBUTOR, password=PASSWORD)
    alpha_client.post("/accounts/password/reset/", {"email": "dist@example.com"})
    assert len(mailoutbox) == 1
    link = re.search(r"http://alpha\.canopy\.test(/accounts/password/reset/key/\S+)", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    form = alpha_client.get(link.group(1), follow=True)
    form_path = form.redirect_chain[-1][0]
    alpha_client.post(form_path, {"password1": "New-password-2026", "password2": "New-password-2026"})
    assert (
        alpha_client.post(
            "/accounts/login/", {"login": "dist@example.com", "password": "New-password-2026"}
        ).status_code
        == 302
    )


def test_failed_logins_are_rate_limited_per_account(alpha_client):
    for _ in range(5):
        alpha_client.post("/accounts/login/", {"login": "admin@alpha.test", "password": "wrong"})
    blocked = alpha_client.post("/accounts/login/", {"login": "admin@alpha.test", "password": PASSWORD})
    assert blocked.status_code in (200, 429)
    assert "Too many failed login attempts" in blocked.content.decode()
    assert "_auth_user_id" not in alpha_client.session


def test_provider_staff_sign_in_on_the_platform_domain(provider_client, provider_staff):
    response = provider_client.post("/accounts/login/", {"login": provider_staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = provider_client.post("/accounts/2fa/authenticate/", {"code": totp_code(provider_staff)})
    assert response.status_code == 302
    assert provider_client.get("/api/provider/v1/me/").json()["role"] == "provider_staff"


def test_roles_gate_the_company_console(alpha, alpha_client):
    with schema_context("alpha"):
        user_create(email="rep@example.com", role=Role.DISTRIBUTOR, password=PASSWORD)
        user_create(email="clerk@example.com", role=Role.COMPANY_STAFF, password=PASSWORD)
    alpha_client.post("/accounts/login/", {"login": "rep@example.com", "password": PASSWORD})
    assert alpha_client.get("/console/").status_code == 403
    assert alpha_client.get("/admin/").status_code == 302  # the data admin sends them to its own login
    assert alpha_client.get("/office/").status_code == 200
    assert (
        alpha_client.patch("/api/v1/company/", {"currency": "EUR"}, content_type="application/json").status_code == 403
    )
    alpha_client.post("/accounts/logout/")
    alpha_client.post("/accounts/login/", {"login": "clerk@example.com", "password": PASSWORD})
    assert alpha_client.get("/console/").status_code == 200
    assert alpha_client.get("/admin/").status_code == 200


def test_user_create_reports_bad_fields():
    with schema_context("alpha"), pytest.raises(Exception) as excinfo:
        user_create(email="admin@alpha.test", role="wizard", password="1")
    errors = excinfo.value.message_dict
    assert errors["email"] == ["A user with the e-mail admin@alpha.test already exists here."]
    assert errors["role"] == [
        "Unknown role 'wizard'; choose one of provider_staff, company_admin, company_staff, distributor, customer."
    ]
    with schema_context("alpha"):
        assert User.objects.filter(email="admin@alpha.test").count() == 1
