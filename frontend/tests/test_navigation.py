"""The sidebars are declared once (frontend.common.navigation): each page marks exactly the entry whose URL-name
prefix matches it best, and entries for admins or for a member's own site appear only for them."""

import re

import pytest
from django_tenants.utils import schema_context

from conftest import PASSWORD
from frontend.tests.conftest import signed_in
from tests.factories.members import CompanyStaffFactory
from tests.helpers import totp_code

pytestmark = pytest.mark.django_db

CURRENT = re.compile(r'<a href="([^"]*)" aria-current="page">([^<]*)</a>')


def _sidebar(response) -> tuple[list[tuple[str, str]], list[str]]:
    """(the current entries as (href, label), every entry's label) of the page's sidebar."""
    html = response.content.decode()
    start = html.index('<nav class="sidebar"')
    nav = html[start : html.index("</nav>", start)]
    return CURRENT.findall(nav), re.findall(r">([^<]+)</a>", nav)


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/console/", ("/console/", "Overview")),
        ("/console/members/", ("/console/members/", "Members")),
        ("/console/products/new/", ("/console/products/", "Products")),
        ("/console/tax-rates/new/", ("/console/tax-rates/", "Tax rates")),
        ("/console/reports/", ("/console/reports/", "Reports")),
        ("/console/reports/commissions/", ("/console/commissions/", "Commissions")),
        ("/console/commissions/payouts/", ("/console/commissions/", "Commissions")),
        ("/console/plans/edit/", ("/console/plans/", "Compensation plan")),
        ("/console/pages/", ("/console/pages/", "Company pages")),
        ("/console/webhooks/deliveries/", ("/console/webhooks/", "Webhooks")),
    ],
    ids=lambda value: value if isinstance(value, str) else value[1],
)
def test_console_page_marks_its_one_entry(admin_client, path, current):
    response = admin_client.get(path)
    assert response.status_code == 200
    assert _sidebar(response)[0] == [current]


def test_console_staff_do_not_see_the_admins_entries(alpha, org):
    with schema_context(alpha.schema):
        CompanyStaffFactory(email="clerk@example.test")
    labels = _sidebar(signed_in(alpha, "clerk@example.test").get("/console/"))[1]
    assert "Members" in labels
    assert "Billing" not in labels
    assert "Webhooks" not in labels


def test_office_sidebar_links_the_members_own_site(ann_client):
    response = ann_client.get("/office/genealogy/levels/")
    current, labels = _sidebar(response)
    assert current == [("/office/genealogy/levels/", "Downline by level")]
    html = response.content.decode()
    assert '<a href="/ann/shop/">Shop for myself</a>' in html
    assert '<a href="/ann/">My replicated site</a>' in html
    assert labels[0] == "Dashboard"


def test_provider_onboarding_is_not_also_companies(provider_client, provider_staff):
    provider_client.post("/accounts/login/", {"login": provider_staff.email, "password": PASSWORD})
    provider_client.post("/accounts/2fa/authenticate/", {"code": totp_code(provider_staff)})  # staff need 2FA
    assert _sidebar(provider_client.get("/companies/new/"))[0] == [("/companies/new/", "Onboard a company")]
    assert _sidebar(provider_client.get("/companies/"))[0] == [("/companies/", "Companies")]
