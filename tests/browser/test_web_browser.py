"""The web in Chromium: joining through a replicated site, the sponsor's genealogy, company isolation, and an admin's
re-sponsor with its history. Data lives in two companies onboarded for this module and removed after it, so the
other tests never see it."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.accounts.models import Role
from core.accounts.services import user_create
from tenants.services import company_onboard
from tests.browser.signup_steps import fill_account, fill_address, next_step
from tests.committed import companies_drop
from tests.factories.members import MemberFactory
from tests.helpers import two_factor_activate

pytestmark = pytest.mark.browser

ONE, TWO = "webone", "webtwo"


def _enroll(sponsor, username: str, first_name: str):
    return MemberFactory(sponsor=sponsor, username=username, first_name=first_name, last_name="Browser")


def _setup():
    for subdomain in (ONE, TWO):
        company_onboard(
            name=subdomain.title(),
            subdomain=subdomain,
            admin_email=f"admin@{subdomain}.test",
            admin_password=PASSWORD,
            send_invitation=False,
        )
    with schema_context(ONE):
        root = _enroll(None, "wroot", "Rooty")
        sally = _enroll(root, "sally", "Sally")
        tom = _enroll(sally, "tom", "Tom")
        _enroll(tom, "tia", "Tia")
        uma = _enroll(root, "uma", "Uma")
    with schema_context(TWO):
        _enroll(None, "vic", "Vic")
    with schema_context(get_public_schema_name()):
        ops = user_create(email="ops@provider.test", role=Role.PROVIDER_STAFF, password=PASSWORD, is_staff=True)
        ops_secret = two_factor_activate(ops)  # provider staff sign in with a second factor
    return {"uma": uma.number, "ops_secret": ops_secret}


def _teardown():
    with schema_context(get_public_schema_name()), connection.cursor() as cursor:
        # Raw: the ORM's cascade would look for company tables (members) that the public schema doesn't have.
        for table in ("account_emailaddress", "mfa_authenticator"):
            cursor.execute(
                f"DELETE FROM {table} WHERE user_id IN (SELECT id FROM accounts_user WHERE email = %s)",
                ["ops@provider.test"],
            )
        cursor.execute("DELETE FROM accounts_user WHERE email = %s", ["ops@provider.test"])
    companies_drop(ONE, TWO)


@pytest.fixture(scope="module")
def web_companies(committed, live_server_process):
    committed(_teardown)  # a crashed earlier run may have left them
    numbers = committed(_setup)
    yield numbers
    committed(_teardown)


def sign_in(page, url, subdomain, email, landing):
    page.goto(url(subdomain, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{landing}")


def test_visitor_joins_through_a_replicated_site_and_appears_in_the_sponsors_genealogy(
    web_companies, browser, page, url, screenshot
):
    page.goto(url(ONE, "/sally/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sally Browser")
    screenshot(page, "replicated-site")
    page.get_by_role("link", name="Join my team").click()
    page.wait_for_url("**/sally/join/")
    fill_account(page, first_name="Nina", last_name="Newbie", email="nina@example.test", username="bad name")
    next_step(page)
    fill_address(page)
    next_step(page)  # the terms step: this company has none to accept
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#id_username_error")).to_contain_text("Use 3 to 32 lowercase letters")
    screenshot(page, "join-form-error")
    page.get_by_label("Username").fill("nina")
    page.get_by_label("Password").fill(PASSWORD)
    next_step(page)
    next_step(page)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url("**/office/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nina")
    screenshot(page, "office-dashboard-new-member")

    sponsor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(sponsor, url, ONE, "sally@example.test", "/office/")
    expect(sponsor.get_by_test_id("frontline")).to_have_text("2")
    screenshot(sponsor, "office-dashboard")
    sponsor.get_by_role("link", name="Genealogy", exact=True).click()
    expect(sponsor.get_by_role("link", name="Nina Newbie")).to_be_visible()
    expect(sponsor.get_by_role("link", name="Tia Browser")).to_have_count(0)
    sponsor.get_by_role("button", name="Open 1 below").click()  # Tom's frontline, loaded from the genealogy API
    expect(sponsor.get_by_role("link", name="Tia Browser")).to_be_visible()
    screenshot(sponsor, "office-genealogy-tree")
    sponsor.get_by_role("link", name="Nina Newbie").click()
    expect(sponsor.get_by_role("heading", level=1)).to_contain_text("Nina Newbie")
    screenshot(sponsor, "office-member-detail")
    sponsor.goto(url(ONE, "/office/genealogy/levels/"))
    expect(sponsor.locator("#level-results tbody tr")).to_have_count(3)
    screenshot(sponsor, "office-levels")
    sponsor.context.close()


def test_a_distributor_cannot_open_another_company_or_a_member_outside_their_downline(
    web_companies, page, url, screenshot
):
    sign_in(page, url, ONE, "sally@example.test", "/office/")
    page.goto(url(ONE, f"/office/members/{web_companies['uma']}/"))
    expect(page.get_by_text("That member is not in your downline.")).to_be_visible()
    screenshot(page, "office-member-outside-downline")
    page.goto(url(TWO, "/office/"))
    assert "/accounts/login/" in page.url
    page.get_by_label("Email").fill("sally@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("The email address and/or password you specified are not correct.")).to_be_visible()


def test_admin_re_sponsors_a_member_and_sees_the_history(web_companies, page, url, screenshot):
    sign_in(page, url, ONE, f"admin@{ONE}.test", "/console/")
    page.get_by_role("link", name="Members", exact=True).click()
    page.get_by_label("Search").fill("tom")
    page.get_by_role("button", name="Search").click()
    screenshot(page, "console-members")
    page.get_by_role("link", name="Tom Browser").click()
    expect(page.get_by_test_id("sponsor")).to_contain_text("Sally Browser")
    form = page.locator("form", has=page.get_by_role("heading", name="Re-sponsor"))
    form.get_by_label("New sponsor's member number").fill(str(web_companies["uma"]))
    form.get_by_role("button", name="Re-sponsor").click()
    expect(form.locator(".error")).to_have_text("This field is required.")  # the reason, next to its field
    form = page.locator("form", has=page.get_by_role("heading", name="Re-sponsor"))
    form.get_by_label("Reason").fill("Tom asked to join Uma's team")
    form.get_by_role("button", name="Re-sponsor").click()
    expect(page.get_by_test_id("sponsor")).to_contain_text("Uma Browser")
    history = page.locator("table.history")
    expect(history).to_contain_text("Re-sponsor")
    expect(history).to_contain_text("Tom asked to join Uma's team")
    screenshot(page, "console-member-history")
    page.get_by_role("link", name="Genealogy settings").click()
    page.get_by_label("Matrix width").fill("99")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_matrix_width_error")).to_have_text("A matrix is 2 to 20 wide.")
    screenshot(page, "console-genealogy-settings-error")


def test_provider_console_pages(web_companies, page, url, screenshot):
    sign_in(page, url, None, "ops@provider.test", "/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(format_hotp_value(hotp_value(web_companies["ops_secret"], int(time.time()) // 30)))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda u: "/accounts/" not in u)
    page.goto(url(None, "/companies/"))
    expect(page.get_by_role("link", name=re.compile("^Webone$"))).to_be_visible()
    screenshot(page, "provider-companies")
    page.get_by_role("link", name=re.compile("^Webone$")).click()
    expect(page.get_by_test_id("status")).to_have_text("Active")
    screenshot(page, "provider-company")
    page.goto(url(None, "/health/"))
    expect(page.get_by_test_id("overall")).to_have_text("Overall: ok")
    screenshot(page, "provider-health")


def test_phone_width_replicated_site_and_back_office(web_companies, browser, url, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(url(ONE, "/sally/"))
    expect(page.get_by_role("link", name="Join my team")).to_be_visible()
    screenshot(page, "phone-replicated-site")
    sign_in(page, url, ONE, "sally@example.test", "/office/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, "phone-office-dashboard")
    context.close()
