"""Sign-in, password reset and joining in Chromium: each audience lands on its home, the pages carry the company's
branding, a visitor joins with and without an enrolment pack (paid on the Stripe emulator), at 1366x900 and at
390x844 with no sideways scrolling, and axe-core finds no serious or critical problem. Data lives in a company
onboarded for this module and removed after it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.accounts.models import Role
from core.accounts.services import user_create
from core.commerce.services.catalogue import product_update
from core.company.models import PolicyAcceptance
from core.company.services import company_settings_update, policy_document_publish
from tenants.services import company_onboard
from tests.browser.signup_steps import fill_account, fill_address, next_step
from tests.committed import companies_drop
from tests.factories.catalogue import ShakeFactory
from tests.factories.members import CustomerFactory, MemberFactory
from tests.fixtures_stripe import stripe_key_set
from tests.helpers import totp_code, two_factor_activate

pytestmark = pytest.mark.browser

CO = "joinco"
OPS = "ops-join@provider.test"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _setup(api_key: str) -> None:
    company_onboard(
        name="Joinco", subdomain=CO, admin_email=f"admin@{CO}.test", admin_password=PASSWORD, send_invitation=False
    )
    with schema_context(CO):
        company_settings_update(changes={"display_name": "Joinco Naturals", "primary_color": "#7a3b8f"})
        rita = MemberFactory(sponsor=None, username="rita", first_name="Rita", last_name="Seller")
        MemberFactory(sponsor=rita, username="dora", first_name="Dora")
        CustomerFactory(distributor=rita, email=f"cara@{CO}.test", first_name="Cara")
        stripe_key_set(api_key)
        product_update(product=ShakeFactory(stock=10), enrolment_pack=True)
        policy_document_publish(
            key="terms", title="Distributor agreement", body="Sell honestly.\n\nNo income claims.", by=None
        )
    with schema_context(get_public_schema_name()):
        ops = user_create(email=OPS, role=Role.PROVIDER_STAFF, password=PASSWORD, is_staff=True)
        two_factor_activate(ops)


def _teardown() -> None:
    with schema_context(get_public_schema_name()), connection.cursor() as cursor:
        # Raw: the ORM's cascade would look for company tables the public schema doesn't have.
        for table in ("account_emailaddress", "mfa_authenticator"):
            cursor.execute(
                f"DELETE FROM {table} WHERE user_id IN (SELECT id FROM accounts_user WHERE email = %s)", [OPS]
            )
        cursor.execute("DELETE FROM accounts_user WHERE email = %s", [OPS])
    companies_drop(CO)


@pytest.fixture(scope="module")
def join_company(committed, live_server_process, stripe_emulator):
    committed(_teardown)  # a crashed earlier run may have left it
    committed(lambda: _setup(stripe_emulator.api_key))
    yield
    committed(_teardown)


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(viewport=DESKTOP, bypass_csp: bool = False):
        context = browser.new_context(viewport=viewport, bypass_csp=bypass_csp)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def serious_violations(page) -> list:
    """axe-core's serious and critical findings on the page (the page's context must bypass the CSP so the test can
    inject axe; the site itself never runs inline script)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _sign_in(page, url, subdomain, email):
    page.goto(url(subdomain, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


@pytest.mark.parametrize(
    ("email", "home", "heading"),
    [
        (f"admin@{CO}.test", "/console/", "Joinco — console"),
        ("dora@example.test", "/office/", "Welcome, Dora"),
        (f"cara@{CO}.test", "/accounts/orders/", "Your orders"),
    ],
    ids=["company-admin", "distributor", "customer"],
)
def test_sign_in_lands_each_company_audience_on_its_home(join_company, new_page, url, screenshot, email, home, heading):
    page = new_page()
    _sign_in(page, url, CO, email)
    page.wait_for_url(f"**{home}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    screenshot(page, f"sign-in-lands-{home.strip('/').replace('/', '-')}")


def test_provider_staff_land_on_the_provider_console(join_company, new_page, url, screenshot, committed):
    page = new_page()
    _sign_in(page, url, None, OPS)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    screenshot(page, "sign-in-provider-two-factor")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    def code():
        from core.accounts.models import User

        with schema_context(get_public_schema_name()):
            return totp_code(User.objects.get(email=OPS))

    page.get_by_label("Code").fill(committed(code))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(url(None, "/"))
    expect(page.get_by_role("navigation", name="Provider console")).to_be_visible()
    screenshot(page, "sign-in-lands-provider-console")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_in_and_password_reset_pages_are_branded(join_company, new_page, url, screenshot, viewport):
    page = new_page(viewport)
    suffix = "phone" if viewport is PHONE else "desktop"
    page.goto(url(CO, "/accounts/login/"))
    expect(page).to_have_title("Sign In · Joinco Naturals")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Joinco Naturals")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Sign Up")).to_have_count(0)
    no_sideways_scroll(page)
    screenshot(page, f"sign-in-{suffix}")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_title("Password Reset · Joinco Naturals")
    expect(page.locator(".sitefoot")).to_contain_text("Joinco Naturals")
    no_sideways_scroll(page)
    screenshot(page, f"password-reset-{suffix}")
    page.get_by_label("Email").fill("dora@example.test")
    page.get_by_role("button", name="Reset My Password").click()
    page.wait_for_url("**/accounts/password/reset/done/")
    expect(page).to_have_title("Password Reset · Joinco Naturals")
    no_sideways_scroll(page)
    screenshot(page, f"password-reset-sent-{suffix}")


def _walk_join(page, screenshot, *, username: str, name: str, with_pack: bool, shots: str) -> None:
    fill_account(page, first_name=name, last_name="Newbie", email=f"{username}@example.test", username=username)
    no_sideways_scroll(page)
    screenshot(page, f"{shots}-1-account")
    next_step(page)
    fill_address(page)
    no_sideways_scroll(page)
    screenshot(page, f"{shots}-2-address")
    next_step(page)
    expect(page.get_by_role("heading", name="Distributor agreement")).to_be_visible()
    next_step(page)  # not accepted yet: the browser holds the step
    expect(page.get_by_role("heading", name="3. Terms")).to_be_visible()
    page.get_by_label("I have read and accept the documents above.").check()
    no_sideways_scroll(page)
    screenshot(page, f"{shots}-3-terms")
    next_step(page)
    expect(page.get_by_label("No pack: just join (no purchase necessary)")).to_be_checked()
    if not with_pack:
        no_sideways_scroll(page)
        screenshot(page, f"{shots}-4-pack")
        page.get_by_role("button", name="Join").click()
        return
    page.get_by_label("Protein Shake — 39.99 USD").check()
    no_sideways_scroll(page)
    screenshot(page, f"{shots}-4-pack")
    page.get_by_role("button", name="Next: payment").click()
    card = page.locator("[data-card-element]")  # Stripe.js Elements (the emulator's stand-in)
    card.get_by_label("Card number").fill("4242424242424242")
    card.get_by_label("Expiry month (MM)").fill("12")
    card.get_by_label("Expiry year (YY)").fill("34")
    card.get_by_label("Security code (CVC)").fill("123")
    no_sideways_scroll(page)
    screenshot(page, f"{shots}-5-payment")
    page.get_by_role("button", name="Join and pay").click()


def _accepted(username: str) -> list:
    with schema_context(CO):
        return list(
            PolicyAcceptance.objects.filter(user__email=f"{username}@example.test").values_list(
                "document__key", "version", "ip_address"
            )
        )


def test_a_visitor_joins_without_a_pack(join_company, new_page, url, screenshot, committed):
    page = new_page()
    page.goto(url(CO, "/rita/join/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Rita Seller's team")
    _walk_join(page, screenshot, username="nina", name="Nina", with_pack=False, shots="join-desktop")
    page.wait_for_url("**/office/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nina")
    expect(page.get_by_text("Welcome to the team! Your member number is")).to_be_visible()
    screenshot(page, "join-desktop-6-office")
    assert committed(lambda: _accepted("nina")) == [("terms", 1, "127.0.0.1")]


def test_a_visitor_joins_with_a_pack_on_a_phone(join_company, new_page, url, screenshot, committed):
    page = new_page(PHONE)
    page.goto(url(CO, "/rita/join/"))
    _walk_join(page, screenshot, username="paula", name="Paula", with_pack=True, shots="join-phone")
    page.wait_for_url("**/office/")
    expect(page.get_by_text("Your enrolment pack is paid")).to_contain_text("39.99 USD")  # no tax rate in this company
    no_sideways_scroll(page)
    screenshot(page, "join-phone-6-office")
    assert committed(lambda: _accepted("paula")) == [("terms", 1, "127.0.0.1")]


def test_a_visitor_becomes_a_customer_on_a_phone(join_company, new_page, url, screenshot):
    page = new_page(PHONE)
    page.goto(url(CO, "/rita/customer/"))
    page.get_by_label("Preferred customer").check()
    fill_account(page, first_name="Cody", last_name="Buyer", email="cody@example.test")
    screenshot(page, "customer-signup-phone-1-account")
    next_step(page)
    fill_address(page)
    next_step(page)
    page.get_by_label("I have read and accept the documents above.").check()
    no_sideways_scroll(page)
    screenshot(page, "customer-signup-phone-3-terms")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/rita/")
    expect(page.get_by_text("Thank you, Cody: you are now a Preferred customer.")).to_be_visible()


@pytest.mark.parametrize(
    ("subdomain", "path"),
    [(CO, "/accounts/login/"), (None, "/accounts/login/"), (CO, "/accounts/password/reset/"), (CO, "/rita/join/")],
    ids=["company-sign-in", "platform-sign-in", "password-reset", "join"],
)
def test_sign_in_and_join_have_no_serious_accessibility_problem(join_company, new_page, url, subdomain, path):
    page = new_page(bypass_csp=True)
    page.goto(url(subdomain, path))
    assert serious_violations(page) == []
    if path.endswith("/join/"):  # every step of the wizard, as a visitor reaches it
        for step in ("address", "terms", "pack"):
            page.evaluate(
                "(key) => document.querySelectorAll('fieldset[data-step]').forEach("
                "f => { f.hidden = f.dataset.step !== key; })",
                step,
            )
            assert serious_violations(page) == [], step
