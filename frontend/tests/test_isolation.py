"""Company A's people, pages and sites never show through company B's domain."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from frontend.tests.conftest import enroll, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def beta_rep(beta):
    with schema_context(beta.schema):
        return enroll(None, "zed", "Zed")


def test_a_session_from_company_a_is_not_valid_on_company_b(alpha, beta, ann_client, beta_rep, org):
    # The same cookie jar, pointed at beta's host: nobody is signed in there.
    ann_client.defaults["HTTP_HOST"] = beta.host
    assert ann_client.get("/office/")["Location"].startswith("/accounts/login/")
    assert ann_client.get("/console/")["Location"].startswith("/accounts/login/")


def test_company_b_distributor_cannot_open_company_a_members(alpha, beta, beta_rep, org):
    zed = signed_in(beta, "zed@example.test")
    # Member numbers are per company: ann's number means nobody in beta.
    assert beta_rep.number != org.ann.number
    assert zed.get(f"/office/members/{org.ann.number}/").status_code == 404
    assert zed.get(f"/office/genealogy/{org.ann.number}/children/").status_code == 404
    assert zed.get(f"/office/members/{beta_rep.number}/").status_code == 200


def test_company_b_admin_sees_only_company_b_members(alpha, beta, beta_rep, org):
    beta_admin = signed_in(beta, beta.admin_email)
    assert [m.username for m in beta_admin.get("/console/members/").context["page_obj"]] == ["zed"]
    assert beta_admin.get(f"/console/members/{org.ann.number}/").status_code == 404
    rows = b"".join(beta_admin.get("/console/members/export.csv").streaming_content).decode().splitlines()
    assert len(rows) == 2 and rows[1].split(",")[1] == "zed"


def test_replicated_sites_belong_to_their_company(alpha, beta, beta_rep, org):
    assert Client(HTTP_HOST=beta.host).get("/ann/").templates[0].name == "site/home.html"
    assert Client(HTTP_HOST=alpha.host).get("/zed/").templates[0].name == "site/home.html"
    assert Client(HTTP_HOST=beta.host).get("/zed/").context["owner"].pk == beta_rep.pk


def test_company_pages_are_per_company(alpha, beta):
    from core.communications.services import company_page_save

    with schema_context(alpha.schema):
        company_page_save(slug="about", title="About Alpha", body="Alpha text", published=True)
    assert Client(HTTP_HOST=alpha.host).get("/pages/about/").status_code == 200
    assert Client(HTTP_HOST=beta.host).get("/pages/about/").status_code == 404
