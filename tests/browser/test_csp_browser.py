"""Issue 12 item 17 in Chromium: pages run under the Content-Security-Policy with no violation (no inline script, no
eval, no inline style beyond the nonce'd brand colour), and the API docs on both hosts render their operations from
our own static files. Data lives in a company onboarded for this module and removed after it."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from tenants.services import company_onboard
from tests.committed import companies_drop
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.browser

SCHEMA = "cspco"
# Collected in the page before any of its own scripts run (Playwright's init scripts are not subject to the CSP).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push([e.violatedDirective, e.blockedURI || "inline", e.sourceFile, e.lineNumber].join(" "));
});
"""


def _setup():
    company_onboard(
        name="Cspco", subdomain=SCHEMA, admin_email="admin@cspco.test", admin_password=PASSWORD, send_invitation=False
    )
    with schema_context(SCHEMA):
        root = MemberFactory(sponsor=None, username="croot", first_name="C", last_name="Root")
        MemberFactory(sponsor=root, username="cleaf", first_name="C", last_name="Leaf")


def _teardown():
    companies_drop(SCHEMA)


@pytest.fixture(scope="module")
def csp_company(committed, live_server_process):
    committed(_teardown)
    committed(_setup)
    yield SCHEMA
    committed(_teardown)


@pytest.fixture
def watched(page):
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(LISTEN)
    page.csp_console = messages
    return page


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp") + page.csp_console


def _sign_in(page, url, subdomain, email):
    page.goto(url(subdomain, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def _scroll_to_operation(page, path: str) -> None:
    """Swagger UI (5.3x) renders a long operation list virtualised: only the operations near the viewport are in the
    page, so an operation far down the company's list appears once the reader scrolls to it, as a person would."""
    operation = page.locator(f'.opblock-summary-path[data-path="{path}"]').first
    for _ in range(200):
        if operation.count():
            break
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(50)
    expect(operation).to_be_visible(timeout=10_000)


@pytest.mark.parametrize(
    ("subdomain", "operation"),
    [
        pytest.param(SCHEMA, "/api/v1/me/", id="company"),
        pytest.param(None, "/api/provider/v1/companies/", id="provider"),
    ],
)
def test_api_docs_render_their_operations_under_the_policy(csp_company, watched, url, screenshot, subdomain, operation):
    requested: list[str] = []
    watched.on("request", lambda r: requested.append(r.url))
    response = watched.goto(url(subdomain, "/api/docs/"))
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(watched.locator(".opblock").first).to_be_visible(timeout=30_000)  # the company schema is about 1 MB
    _scroll_to_operation(watched, operation)
    screenshot(watched, f"api-docs-{subdomain or 'provider'}")
    origin = url(subdomain, "/")
    assert [r for r in requested if not r.startswith(origin) and not r.startswith("data:")] == []
    assert _violations(watched) == []


def test_product_pages_raise_no_policy_violation(csp_company, watched, url):
    for path in ("/", "/accounts/login/", "/croot/"):
        response = watched.goto(url(SCHEMA, path))
        assert response.status == 200, path
        assert "script-src 'self';" in response.headers["content-security-policy"] + ";"
    _sign_in(watched, url, SCHEMA, "croot@example.test")
    for path in ("/office/", "/office/genealogy/", "/office/earnings/"):
        response = watched.goto(url(SCHEMA, path))
        assert response.status == 200, path
        watched.wait_for_load_state("networkidle")
    watched.context.clear_cookies()
    _sign_in(watched, url, SCHEMA, "admin@cspco.test")
    for path in ("/console/", "/console/plans/", "/console/plans/edit/", "/console/demotion/report/"):
        response = watched.goto(url(SCHEMA, path))
        assert response.status == 200, path
        watched.wait_for_load_state("networkidle")
    assert _violations(watched) == []


def test_the_office_chart_draws_from_its_static_script(csp_company, watched, url):
    _sign_in(watched, url, SCHEMA, "croot@example.test")
    watched.goto(url(SCHEMA, "/office/"))
    watched.wait_for_load_state("networkidle")
    drawn = watched.evaluate("!!(window.Chart && Chart.getChart(document.getElementById('levels-chart')))")
    assert drawn is True
    assert _violations(watched) == []
