"""The company's site and replicated sites, through the Django test client."""

from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.communications.models import NewsletterSubscriber
from core.communications.services import company_page_save
from core.company.services import company_settings_update
from core.members.models import Customer, Member
from core.members.services.profiles import member_status_set

pytestmark = pytest.mark.django_db


def join_data(**overrides):
    return {
        "first_name": "Eve",
        "last_name": "Newcomer",
        "email": "eve@example.test",
        "username": "eve",
        "password": PASSWORD,
        "phone": "",
        **ADDRESS,
        **overrides,
    }


ADDRESS = {"address_line1": "1 Main Street", "city": "Springfield", "postal_code": "12345", "country": "US"}


def test_replicated_site_shows_branding_name_and_bio(alpha, alpha_client, org):
    with schema_context(alpha.schema):
        company_settings_update(changes={"display_name": "Alpha Teas", "primary_color": "#aa3300"})
        Member.objects.filter(pk=org.ann.pk).update(bio="I love tea.\n\nAsk me anything.")
    html = alpha_client.get("/ann/").content.decode()
    assert "<h1>Ann Tester</h1>" in html
    assert "--brand: #aa3300;" in html
    assert "Alpha Teas" in html
    assert "<p>I love tea.</p>\n\n<p>Ask me anything.</p>" in html
    assert 'href="/ann/join/"' in html


@pytest.mark.parametrize("username", ["nobody-here", "cat"], ids=["unknown", "terminated"])
def test_unknown_or_terminated_username_shows_the_company_site(alpha, alpha_client, org, username):
    with schema_context(alpha.schema):
        member_status_set(member=org.cat, status="terminated")
    response = alpha_client.get(f"/{username}/")
    assert response.status_code == 200
    assert response.templates[0].name == "site/home.html"
    assert alpha_client.get(f"/{username}/join/")["Location"] == "/"


def test_join_enrols_under_the_site_owner_and_signs_in(alpha, alpha_client, org):
    response = alpha_client.post("/ann/join/", join_data())
    assert response.status_code == 302 and response["Location"] == "/office/"
    with schema_context(alpha.schema):
        eve = Member.objects.get(username="eve")
        assert (eve.sponsor_id, eve.country, eve.user.email) == (org.ann.pk, "US", "eve@example.test")
    assert alpha_client.get("/office/").context["me"].pk == eve.pk


def test_join_errors_sit_next_to_their_field(alpha_client, org):
    response = alpha_client.post("/ann/join/", join_data(username="bob", email="bad"))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {"email": ["Enter a valid email address."]}
    response = alpha_client.post("/ann/join/", join_data(username="bob"))
    assert response.context["form"].errors == {"username": ["The username 'bob' is taken."]}
    assert 'id="id_username_error"' in response.content.decode()


def test_customer_sign_up_is_credited_to_the_site_owner(alpha, alpha_client, org):
    response = alpha_client.post(
        "/bob/customer/",
        {
            "customer_type": "preferred",
            "first_name": "Carl",
            "last_name": "Buyer",
            "email": "carl@example.test",
            "password": PASSWORD,
            **ADDRESS,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/bob/"
    with schema_context(alpha.schema):
        customer = Customer.objects.get(email="carl@example.test")
        assert (customer.distributor_id, customer.customer_type, customer.user.role) == (
            org.bob.pk,
            "preferred",
            "customer",
        )


def test_newsletter_on_a_replicated_site_with_and_without_htmx(alpha, alpha_client, org):
    response = alpha_client.post("/ann/newsletter/", {"email": "fan@example.test"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "you are subscribed" in response.content.decode()
    response = alpha_client.post("/ann/newsletter/", {"email": "fan2@example.test"})
    assert response["Location"] == "/ann/"
    response = alpha_client.post("/newsletter/", {"email": "fan@example.test"})
    assert response["Location"] == "/"
    with schema_context(alpha.schema):
        rows = sorted(
            (e, u or "") for e, u in NewsletterSubscriber.objects.values_list("email", "distributor__username")
        )
    assert rows == [("fan2@example.test", "ann"), ("fan@example.test", ""), ("fan@example.test", "ann")]


def test_company_pages_only_when_published(alpha, alpha_client):
    assert alpha_client.get("/pages/faq/").status_code == 404
    with schema_context(alpha.schema):
        company_page_save(slug="faq", title="Questions", body="Q: Why?\nA: https://example.test", published=True)
    html = alpha_client.get("/pages/faq/").content.decode()
    assert "<h1>Questions</h1>" in html
    assert '<a href="https://example.test" rel="nofollow">https://example.test</a>' in html
    assert 'href="/pages/faq/">Questions</a>' in alpha_client.get("/").content.decode()


def test_replicated_subdomain_only_when_the_company_enables_it(alpha, org):
    client = Client(HTTP_HOST=f"ann.{alpha.host}")
    assert client.get("/").status_code == 404  # unknown host while the option is off
    with schema_context(alpha.schema):
        company_settings_update(changes={"replicated_subdomains_enabled": True})
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["owner"].pk == org.ann.pk
    assert 'href="/join/"' in response.content.decode()  # links stay on the subdomain
    assert client.get("/join/").context["owner"].pk == org.ann.pk
    assert client.get("/accounts/login/").status_code == 200  # fixed addresses keep their paths
    response = client.post("/join/", join_data(username="sub-eve", email="sub-eve@example.test"))
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert Member.objects.get(username="sub-eve").sponsor_id == org.ann.pk
    assert Client(HTTP_HOST=f"ghost.{alpha.host}").get("/").templates[0].name == "site/home.html"


def test_avatar_is_served_from_the_companys_storage(alpha, ann_client, org, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from frontend.tests.images import png_bytes

    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = ann_client.post("/office/profile/", {"avatar": upload})
    assert response.status_code == 302
    with schema_context(alpha.schema):
        ann = Member.objects.get(pk=org.ann.pk)
        stored_at = ann.avatar.path
        assert ann.avatar.storage.exists(ann.avatar.name)
    assert ann.avatar.name.startswith("avatars/me")
    assert "/alpha/avatars/" in stored_at  # each company's files live under its own folder
    photo = Client(HTTP_HOST=alpha.host).get("/ann/photo/")
    assert photo.status_code == 200
    assert b"".join(photo.streaming_content) == png_bytes()
    assert Client(HTTP_HOST=alpha.host).get("/bob/photo/").status_code == 404
    Path(stored_at).unlink()
