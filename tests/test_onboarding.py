"""Onboarding a company: validation, atomicity, invitation, and the three entry points (command, API, console)."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from billing.models import PricePlan
from billing.selectors import plan_history
from conftest import PASSWORD
from core.accounts.models import Role, User
from core.company.models import CompanySettings
from tenants import services
from tenants.models import Company, CompanyEvent, Domain
from tenants.services import company_onboard, subdomain_problems
from tests.helpers import totp_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("subdomain", "problem"),
    [
        pytest.param("www", "'www' is reserved by the platform.", id="reserved-www"),
        pytest.param("api", "'api' is reserved by the platform.", id="reserved-api"),
        pytest.param("static", "'static' is reserved by the platform.", id="reserved-static"),
        pytest.param("1acme", "Start with a letter.", id="leading-digit"),
        pytest.param("acme-", "Don't end with a hyphen.", id="trailing-hyphen"),
        pytest.param("ac_me", "Use only letters, digits and hyphens.", id="underscore"),
        pytest.param("Acme", "Use lowercase letters only.", id="uppercase"),
        pytest.param("a" * 64, "At most 63 characters (DNS label limit); this one has 64.", id="too-long"),
        pytest.param("alpha", "'alpha' is already taken.", id="taken"),
        pytest.param("", "Enter a subdomain.", id="empty"),
    ],
)
def test_subdomain_rules_name_the_problem(subdomain, problem):
    assert problem in subdomain_problems(subdomain)


def test_a_good_subdomain_has_no_problems():
    assert subdomain_problems("green-leaf2") == []


def test_onboarding_creates_schema_domain_settings_and_invited_admin(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = company_onboard(name="Green Leaf", subdomain="green-leaf", admin_email="Owner@GreenLeaf.test")

    assert result.company.schema_name == "green_leaf"
    assert schema_exists("green_leaf")
    assert result.domain.domain == "green-leaf.canopy.test"
    with schema_context("green_leaf"):
        assert CompanySettings.objects.get().display_name == "Green Leaf"
        admin = User.objects.get()
        assert (admin.email, admin.role, admin.has_usable_password()) == (
            "owner@greenleaf.test",
            Role.COMPANY_ADMIN,
            False,
        )
    assert CompanyEvent.objects.filter(company=result.company, kind="onboarded").count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["owner@greenleaf.test"]
    assert result.invitation_url in mailoutbox[0].body
    assert result.invitation_url.startswith("http://green-leaf.canopy.test/accounts/password/reset/key/")


def test_invited_admin_sets_a_password_and_signs_in(client, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        result = company_onboard(name="Blue Sky", subdomain="blue-sky", admin_email="boss@bluesky.test")
    host = "blue-sky.canopy.test"
    path = re.sub(r"^https?://[^/]+", "", result.invitation_url)
    page = client.get(path, HTTP_HOST=host, follow=True)
    assert page.status_code == 200
    form_path = page.redirect_chain[-1][0] if page.redirect_chain else path
    done = client.post(
        form_path, {"password1": "a-Strong-pass-2026", "password2": "a-Strong-pass-2026"}, HTTP_HOST=host
    )
    assert done.status_code == 302
    login = client.post(
        "/accounts/login/", {"login": "boss@bluesky.test", "password": "a-Strong-pass-2026"}, HTTP_HOST=host
    )
    assert login.status_code == 302
    assert client.get("/api/v1/me/", HTTP_HOST=host).json()["role"] == "company_admin"


def test_a_failing_step_leaves_no_schema_domain_or_company(monkeypatch):
    def broken_settings(**kwargs):
        raise RuntimeError("disk full while writing settings")

    monkeypatch.setattr(services, "company_settings_initialise", broken_settings)
    with pytest.raises(RuntimeError, match="disk full"):
        company_onboard(name="Half Done", subdomain="half-done", admin_email="a@halfdone.test")
    assert not schema_exists("half_done")
    assert not Company.objects.filter(schema_name="half_done").exists()
    assert not Domain.objects.filter(domain="half-done.canopy.test").exists()
    assert connection.schema_name == "public"


def test_invalid_input_reports_every_field_and_creates_nothing():
    with pytest.raises(Exception) as excinfo:
        company_onboard(name=" ", subdomain="admin", admin_email="not-an-email")
    assert excinfo.value.message_dict == {
        "name": ["Enter the company's name."],
        "admin_email": ["Enter a valid e-mail address for the company's first admin."],
        "subdomain": ["'admin' is reserved by the platform."],
    }
    assert not Company.objects.filter(name=" ").exists()


def test_new_company_schema_is_cloned_from_the_template_with_all_migrations():
    result = company_onboard(name="Clone Check", subdomain="clone-check", admin_email="a@clone.test")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM clone_check.django_migrations")
        cloned = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM company_template.django_migrations")
        template = cursor.fetchone()[0]
    assert cloned == template
    assert result.company.schema_name == "clone_check"


def test_create_company_command(capsys):
    call_command("create_company", "cmd-co", "--name", "Command Co", "--admin-email", "a@cmd.test", "--no-invitation")
    out = capsys.readouterr().out
    assert "Created Command Co at cmd-co.canopy.test" in out
    assert schema_exists("cmd_co")


def test_onboarding_on_a_price_plan_puts_the_company_on_it_from_its_first_day():
    """provider.services composes tenants (the company) and billing (its plan); tenants knows nothing of billing."""
    plan = PricePlan.objects.create(code="starter", name="Starter", monthly_hosting_fee="99.00")
    call_command(
        "create_company", "plan-co", "--name", "Plan Co", "--admin-email", "a@plan.test", "--no-invitation",
        "--price-plan", "starter",
    )  # fmt: skip
    company = Company.objects.get(schema_name="plan_co")
    assert company.price_plan == plan
    history = [(a.plan.code, a.effective_from) for a in plan_history(company=company)]
    assert history == [("starter", company.created_at.date())]
    with pytest.raises(CommandError, match="price-plan: no price plan with code 'gold'"):
        call_command("create_company", "gold-co", "--name", "Gold", "--admin-email", "a@g.test", "--price-plan", "gold")
    assert not Company.objects.filter(schema_name="gold_co").exists()


def test_create_company_command_reports_problems():
    with pytest.raises(CommandError) as excinfo:
        call_command("create_company", "www", "--name", "X", "--admin-email", "a@x.test")
    assert "subdomain: 'www' is reserved by the platform." in str(excinfo.value)


def test_provider_api_onboards_a_company(provider_client, provider_staff):
    token = provider_client.post(
        "/api/provider/v1/auth/token/",
        {"email": provider_staff.email, "password": PASSWORD, "code": totp_code(provider_staff)},
    ).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    created = provider_client.post(
        "/api/provider/v1/companies/",
        {"name": "Api Co", "subdomain": "api-co", "admin_email": "a@apico.test"},
        **auth,
    )
    assert created.status_code == 201, created.content
    assert created.json()["subdomain"] == "api-co"
    assert created.json()["url"] == "http://api-co.canopy.test"
    listed = provider_client.get("/api/provider/v1/companies/", **auth).json()
    assert [c["subdomain"] for c in listed["results"]] == ["alpha", "api-co", "beta"]


def test_provider_api_returns_field_errors(provider_client, provider_staff):
    provider_client.force_login(provider_staff)
    response = provider_client.post(
        "/api/provider/v1/companies/", {"name": "X", "subdomain": "Bad_Name", "admin_email": "x@x.test"}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["subdomain"] == [
        "Use lowercase letters only.",
        "Use only letters, digits and hyphens.",
    ]


def test_provider_api_refuses_company_tokens_and_company_hosts(alpha_client, provider_client, provider_staff):
    token = alpha_client.post("/api/v1/auth/token/", {"email": "admin@alpha.test", "password": PASSWORD}).json()
    refused = provider_client.get("/api/provider/v1/companies/", HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert refused.status_code == 401, refused.json()
    # The provider API does not exist on a company's host.
    alpha_client.force_login(User.objects.get(email=provider_staff.email))
    assert alpha_client.get("/api/provider/v1/companies/").status_code == 404


def test_provider_console_onboards_through_the_admin(provider_client, provider_staff):
    provider_staff.is_superuser = True
    provider_staff.save()
    provider_client.force_login(provider_staff)
    page = provider_client.post(
        "/admin/tenants/company/add/",
        {"name": "Console Co", "subdomain": "console-co", "admin_email": "a@console.test"},
    )
    assert page.status_code == 302, page.content[:2000]
    assert schema_exists("console_co")
    bad = provider_client.post(
        "/admin/tenants/company/add/", {"name": "Dup", "subdomain": "alpha", "admin_email": "a@dup.test"}
    )
    assert bad.status_code == 200
    assert "&#x27;alpha&#x27; is already taken." in bad.content.decode()
