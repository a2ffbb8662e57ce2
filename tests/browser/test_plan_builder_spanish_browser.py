"""In Chromium, in Spanish: an admin whose browser asks for Spanish opens the plan builder, reads it in Spanish, types a
mistake and sees it explained in Spanish at the field; the page fits at 1366x900 and on a phone (390x844) with the
longer Spanish labels (no sideways scrolling) and axe-core finds nothing serious. The company is onboarded for this
module and removed after it.

Worked example (plans/worked_example.py), as in test_plan_builder_browser.py: Dee's 100 CV order, four levels below
You, with the unilevel example's 5, 5, 4, 3, 2 % pays You 3 % = 3,00 US$ in Spanish.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.accounts.models import User
from core.commerce.selectors.periods import period_start_for
from plans.services_plan_versions import plan_version_activate, plan_version_create
from tenants.services import company_onboard
from tests.browser.htmx import htmx_settled
from tests.browser.test_web_browser import sign_in
from tests.committed import companies_drop

pytestmark = pytest.mark.browser

SUB = "webbuilderes"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
UNILEVEL = Path(settings.BASE_DIR) / "plans" / "engine" / "examples" / "unilevel.json"


def _setup():
    company_onboard(
        name="Constructor", subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip
    with schema_context(SUB):
        admin = User.objects.get(email=f"admin@{SUB}.test")
        version = plan_version_create(document=json.loads(UNILEVEL.read_text()), name="Plan de lanzamiento", by=admin)
        plan_version_activate(version=version, effective_from=period_start_for(timezone.localdate()), by=admin)


def _teardown():
    companies_drop(SUB)


@pytest.fixture(scope="module")
def spanish_builder_company(committed, live_server_process):
    committed(_teardown)
    committed(_setup)
    yield SUB
    committed(_teardown)


def _axe_serious(page) -> list[str]:
    page.evaluate(AXE.read_text())
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ') + ' ' + n.html.slice(0, 80)).join(' | '))"
    )


def _spanish_page(browser, url, width: int, height: int):
    """A signed-in admin whose browser asks for Spanish from then on (the sign-in form is the English one)."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, url, SUB, f"admin@{SUB}.test", "/console/")
    page.context.set_extra_http_headers({"Accept-Language": "es-ES,es;q=0.9"})
    return page


def test_the_plan_builder_in_spanish_fits_on_a_desktop_and_a_phone(spanish_builder_company, browser, url, screenshot):
    page = _spanish_page(browser, url, 1366, 900)
    page.goto(url(SUB, "/console/plans/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan de compensación")
    page.get_by_role("button", name="Abrir el editor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Generador de planes")
    expect(page.get_by_role("link", name="Referencia del plan: cada ajuste explicado")).to_be_visible()
    headline = page.get_by_test_id("example-headline")
    expect(headline).to_contain_text("niveles por debajo de usted, le paga")
    expect(page.get_by_role("button", name="Añadir un rango")).to_be_visible()
    expect(page.get_by_role("button", name="Guardar como borrador")).to_be_visible()

    rates = page.locator("#f-components-0-rates")
    rates.fill("5, cincuenta, 4, 3")
    rates.press("Tab")
    expect(page.get_by_test_id("error-components[0].rates")).to_have_text("Elemento 2: Introduzca un número, como 5")
    expect(page.get_by_test_id("error-summary").get_by_role("link")).to_have_text(
        "Uninivel (unilevel) · Porcentajes por nivel: Elemento 2: Introduzca un número, como 5"
    )
    expect(headline).to_have_text("Corrija los problemas de arriba para ver lo que paga este plan.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    htmx_settled(page)
    assert _axe_serious(page) == []
    screenshot(page, "console-plan-builder-es")
    rates.fill("5, 5, 4, 3, 2")
    rates.press("Tab")
    expect(headline).to_contain_text("le paga")
    page.context.close()

    phone = _spanish_page(browser, url, 390, 844)
    phone.goto(url(SUB, "/console/plans/build/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Generador de planes")
    expect(phone.get_by_test_id("example-headline")).to_contain_text("le paga")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert _axe_serious(phone) == []
    screenshot(phone, "phone-console-plan-builder-es")
    phone.context.close()
