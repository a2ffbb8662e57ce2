"""Sign-in pages in the site's own branding, where each audience lands, the join wizard's terms step and the
console's joining settings, through the Django test client."""

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.accounts.models import Role
from core.company.models import PolicyAcceptance
from core.company.services import company_settings_update, policy_document_publish
from frontend.tests.conftest import signed_in
from frontend.tests.test_site import join_data
from tests.factories.members import CustomerFactory
from tests.helpers import totp_code

pytestmark = pytest.mark.django_db


def _lands(client: Client, email: str) -> str:
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


@pytest.mark.parametrize(
    ("who", "home"),
    [("admin", "/console/"), ("distributor", "/office/"), ("customer", "/accounts/orders/")],
    ids=["company-admin", "distributor", "customer"],
)
def test_each_company_audience_lands_on_its_home(alpha, alpha_client, org, who, home):
    with schema_context(alpha.schema):
        CustomerFactory(distributor=org.ann, email="carl@example.test")
    email = {"admin": alpha.admin_email, "distributor": "ann@example.test", "customer": "carl@example.test"}[who]
    assert _lands(alpha_client, email) == home
    assert alpha_client.get(home).status_code == 200


def test_the_customer_home_lists_their_orders_only(alpha, alpha_client, org):
    with schema_context(alpha.schema):
        CustomerFactory(distributor=org.ann, email="carl@example.test", first_name="Carl")
    _lands(alpha_client, "carl@example.test")
    html = alpha_client.get("/accounts/orders/").content.decode()
    assert "<h1>Your orders</h1>" in html and "Welcome back, Carl." in html and "You have no orders yet." in html


def test_the_provider_lands_on_the_provider_console(provider_client, provider_staff):
    """Not the old /start/ (a 404 on the platform domain): the console, once the second factor is given."""
    assert _lands(provider_client, provider_staff.email) == "/accounts/2fa/authenticate/"
    response = provider_client.post("/accounts/2fa/authenticate/", {"code": totp_code(provider_staff)})
    assert response["Location"] == "/"
    assert provider_client.get("/").status_code == 200


def test_sign_in_page_carries_the_company_name_and_language(alpha, alpha_client):
    with schema_context(alpha.schema):
        company_settings_update(changes={"display_name": "Alpha Teas", "primary_color": "#aa3300"})
    html = alpha_client.get("/accounts/login/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "<h1>Sign in to Alpha Teas</h1>" in html and "<title>Sign In · Alpha Teas</title>" in html
    assert "--brand: #aa3300;" in html
    assert "/accounts/signup/" not in html  # allauth's "Sign Up" led to "Sign Up Closed"
    reset = alpha_client.get("/accounts/password/reset/").content.decode()
    assert "Alpha Teas" in reset and 'class="sitefoot"' in reset


def test_platform_sign_in_page_is_the_providers(provider_client):
    html = provider_client.get("/accounts/login/").content.decode()
    assert "<h1>Sign in to Canopy</h1>" in html and "/accounts/signup/" not in html


def test_the_closed_sign_up_page_points_home(alpha_client):
    html = alpha_client.get("/accounts/signup/").content.decode()
    assert "<h1>Opening an account</h1>" in html and 'href="/"' in html


def test_joining_accepts_the_current_terms_shown(alpha, alpha_client, org):
    with schema_context(alpha.schema):
        terms = policy_document_publish(key="terms", title="Distributor agreement", body="Be kind.")
    page = alpha_client.get("/ann/join/").content.decode()
    assert "Distributor agreement" in page and "Be kind." in page
    refused = alpha_client.post("/ann/join/", join_data(documents=str(terms.pk)))
    assert refused.status_code == 400
    assert refused.context["form"].errors == {"accept_terms": ["This field is required."]}
    assert refused.context["start_step"] == "terms"
    response = alpha_client.post(
        "/ann/join/", join_data(documents=str(terms.pk), accept_terms="on"), REMOTE_ADDR="198.51.100.4"
    )
    assert response["Location"] == "/office/"
    with schema_context(alpha.schema):
        row = PolicyAcceptance.objects.get()
        assert (row.document_id, row.version, row.user.email, row.ip_address) == (
            terms.pk,
            1,
            "eve@example.test",
            "198.51.100.4",
        )


def test_admin_publishes_a_new_version_and_requires_a_pack(alpha, org):
    admin = signed_in(alpha, alpha.admin_email)
    response = admin.post(
        "/console/joining/documents/new/",
        {"key": "terms", "title": "Agreement", "applies_to": "everyone", "body": "First."},
    )
    assert response["Location"] == "/console/joining/documents/terms/"
    admin.post("/console/joining/documents/terms/", {"title": "Agreement", "applies_to": "everyone", "body": "Second."})
    page = admin.get("/console/joining/documents/terms/").content.decode()
    assert "Second." in page and "<td>2</td>" in page and "<td>1</td>" in page
    assert admin.post("/console/joining/", {"enrolment_pack_required": "on"}).status_code == 302
    joining = admin.get("/console/joining/").content.decode()
    assert "Agreement" in joining and "checked" in joining


def test_a_distributor_cannot_open_the_joining_settings(alpha, org):
    assert signed_in(alpha, "ann@example.test").get("/console/joining/").status_code in (302, 403)


def test_customer_role_without_record_goes_to_the_company_home(alpha, alpha_client):
    from core.accounts.services import user_create

    with schema_context(alpha.schema):
        user_create(email="lost@example.test", role=Role.CUSTOMER, password=PASSWORD)
    assert _lands(alpha_client, "lost@example.test") == "/"


def test_the_password_reset_e_mail_carries_the_company_name(alpha, alpha_client, org, mailoutbox):
    with schema_context(alpha.schema):
        company_settings_update(changes={"display_name": "Alpha Teas"})
    response = alpha_client.post("/accounts/password/reset/", {"email": "ann@example.test"})
    assert response["Location"] == "/accounts/password/reset/done/"
    (mail,) = mailoutbox
    assert mail.subject == "[Alpha Teas] Password Reset Email"
    assert mail.body.startswith("Hello from Alpha Teas!")
    key_path = re.search(r"http://[^/]+(/accounts/password/reset/key/\S+)", mail.body).group(1)
    page = alpha_client.get(key_path, follow=True).content.decode()
    assert "Alpha Teas" in page and 'class="sitefoot"' in page and "Change Password" in page
