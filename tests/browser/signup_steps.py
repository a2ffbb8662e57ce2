"""Walking the sign-up wizards (join, become a customer) as a visitor would, for the browser tests."""

from __future__ import annotations

from conftest import PASSWORD


def fill_account(page, *, first_name: str, last_name: str, email: str, username: str | None = None) -> None:
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Email").fill(email)
    if username is not None:
        page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)


def fill_address(page, *, country: str = "US") -> None:
    page.get_by_label("Street and number").fill("1 Main Street")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State or region (optional)").fill("TX")
    page.locator("#id_postal_code").fill("73301")  # the card Element has a postal code too
    page.get_by_label("Country").select_option(country)


def next_step(page) -> None:
    page.locator("fieldset[data-step]:visible").get_by_role("button", name="Next").click()
