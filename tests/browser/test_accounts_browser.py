"""Signing in through the real login page, and company isolation, in Chromium."""

import pytest
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.accounts.models import Role, User
from core.accounts.services import user_create

pytestmark = pytest.mark.browser


def _ensure_user(schema: str, email: str, role: str) -> None:
    with schema_context(schema):
        if not User.objects.filter(email=email).exists():
            user_create(email=email, role=role, password=PASSWORD, first_name="Robin")


def test_company_admin_signs_in_and_reaches_the_console(page, url, screenshot):
    page.goto(url("alpha", "/accounts/login/"))
    screenshot(page, "login")
    page.get_by_label("Email").fill("admin@alpha.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/console/")
    assert page.get_by_role("heading", level=1).inner_text() == "Alpha — console"
    screenshot(page, "console-home")


def test_distributor_of_a_cannot_open_company_b_pages(page, url, committed):
    committed(lambda: _ensure_user("alpha", "robin@example.com", Role.DISTRIBUTOR))
    page.goto(url("alpha", "/accounts/login/"))
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/office/")
    assert "Welcome, Robin" in page.content()
    # The same browser on company B: not signed in there, and A's account does not exist there.
    page.goto(url("beta", "/office/"))
    assert "/accounts/login/" in page.url
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    assert page.get_by_text("The email address and/or password you specified are not correct.").is_visible()
