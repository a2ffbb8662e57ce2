"""In Chromium: a Spanish-speaking distributor and a Spanish-speaking shopper (issue 19). A browser that prefers Spanish
walks the back office (dashboard, genealogy, earnings, orders, an order, customers, profile) signed in as a
distributor, and, as a visitor, the distributor's shop (catalogue, product, cart, the three checkout steps) and the
join page. On every page, at 1366x900 and at 390x844: no English source string of these pages is left (the list is
read from the Spanish catalogue: every msgid of the back-office, shop and site templates and views that has a
sentence in it), amounts are written the Spanish way with the company's currency (euros: "1.234,56 €", Babel's es
locale, with a no-break space), nothing scrolls sideways and axe-core finds nothing serious or critical. Screenshots
go to artifacts/screenshots/spanish-*.png.

Data: a company selling in EUR with English and Spanish; sroot <- sjane <- sbob; sjane bought one 1,234.56 € "Lote
grande" (no tax, no stock kept) and has a customer; Spain ships at 4.95 €.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.commerce.models import Order, Product
from core.commerce.services.shipping import shipping_method_create
from core.company.models import CompanySettings
from core.company.services import company_settings_update
from tenants.services import company_onboard
from tests.committed import companies_drop
from tests.factories.catalogue import KitFactory, ProductFactory
from tests.factories.members import CustomerFactory, MemberFactory
from tests.factories.orders import PaidOrderFactory
from tests.fixtures_stripe import stripe_key_set

pytestmark = pytest.mark.browser

SUB = "webspanish"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}
# The files whose strings these pages show: the back office, the shop, the replicated site, the shared partials.
AREA = re.compile(
    r"^frontend/(templates/(office|shop|site|account|allauth|errors)/|templates/[^/]+\.html$|office/|shop/|site/"
    r"|common/|templatetags/)"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}|<[^>]+>|&\w+;")


def _english_sentences() -> list[str]:
    """The English source text of this area that must not show in Spanish: the parts of each msgid between its
    placeholders and tags that are longer than 12 characters and have a space (a phrase, not a word such as "PV"),
    when the Spanish differs."""
    found = set()
    for entry in polib.pofile(str(CATALOGUE)):
        if not any(AREA.match(path) for path, _line in entry.occurrences):
            continue
        translations = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for source in filter(None, [entry.msgid, entry.msgid_plural]):
            for part in PLACEHOLDER.split(source):
                part = part.strip(" .,:;()·—-")
                if len(part) > 12 and " " in part and not any(part in spanish for spanish in translations):
                    found.add(part)
    return sorted(found)


ENGLISH = _english_sentences()


def _setup(api_key: str) -> None:
    company_onboard(
        name="Verde Teas", subdomain=SUB, admin_email=f"admin@{SUB}.test", admin_password=PASSWORD,
        send_invitation=False,
    )  # fmt: skip
    with schema_context(SUB):
        company_settings_update(changes={"display_name": "Té Verde", "currency": "EUR"})
        CompanySettings.objects.update(languages=["en", "es"])  # the company speaks both (issue 19)
        stripe_key_set(api_key)
        root = MemberFactory(sponsor=None, username="sroot", first_name="Rosa", last_name="Raíz")
        jane = MemberFactory(sponsor=root, username="sjane", email=f"sjane@{SUB}.test", first_name="Juana",
                             last_name="Pérez")  # fmt: skip
        MemberFactory(sponsor=jane, username="sbob", first_name="Benito", last_name="Bravo")
        KitFactory(name="Té de la casa")
        ProductFactory(sku="LOTE", name="Lote grande", retail_price=Decimal("1234.56"),
                       distributor_price=Decimal("1234.56"), pv=Decimal("1000"), cv=Decimal("1000"),
                       taxable=False, track_inventory=False)  # fmt: skip
        PaidOrderFactory(buyer_member=jane, lines=[("LOTE", 1)])
        CustomerFactory(distributor=jane, first_name="Carla", last_name="Cliente", with_login=False)
        shipping_method_create(country="ES", name="Estándar", fee=Decimal("4.95"))


def _teardown() -> None:
    companies_drop(SUB)


@pytest.fixture(scope="module")
def spanish_company(committed, live_server_process, stripe_emulator):
    committed(_teardown)
    committed(lambda: _setup(stripe_emulator.api_key))
    yield
    committed(_teardown)


@pytest.fixture
def ids(committed, spanish_company) -> dict:
    def read():
        with schema_context(SUB):
            return {"order": Order.objects.get(buyer_member__username="sjane").number,
                    "lote": Product.objects.get(sku="LOTE").pk}  # fmt: skip

    return committed(read)


def _visible_text(page) -> str:
    """What a person sees or hears: the page's rendered text plus the labels of its controls and pictures."""
    return page.evaluate(
        """() => [document.title, document.body.innerText].concat(
             Array.from(document.querySelectorAll('[aria-label],[placeholder],[title],img[alt]'), el =>
               [el.getAttribute('aria-label'), el.getAttribute('placeholder'), el.getAttribute('title'),
                el.getAttribute('alt')].filter(Boolean).join(' '))).join('\\n')"""
    )


def _check(page, screenshot, name: str) -> None:
    """No English sentence of the catalogue, no sideways scroll, nothing serious for axe-core; then a screenshot."""
    expect(page.locator("html")).to_have_attribute("lang", "es")
    text = _visible_text(page)
    assert [sentence for sentence in ENGLISH if sentence in text] == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    assert AXE.exists(), "axe-core is not installed in node_modules: run `make assets`"
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations.map(v => [v.id, v.impact])")
    assert [v for v in found if v[1] in ("serious", "critical")] == [], page.url
    screenshot(page, f"spanish-{name}")


def test_the_catalogue_gives_a_long_list_of_english_sentences_to_look_for():
    assert len(ENGLISH) > 300
    assert "Your legs" not in ENGLISH  # two words, not 12 characters…
    assert "Commissions by period, every line explained" in ENGLISH  # …and a sentence


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_a_spanish_distributor_uses_the_back_office_in_spanish(spanish_company, ids, browser, url, screenshot, width):
    context = browser.new_context(
        viewport=VIEWPORTS[width], locale="es-ES", extra_http_headers=SPANISH, bypass_csp=True
    )  # fmt: skip  (bypass: to inject axe-core only)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url(SUB, "/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión en Té Verde")
    _check(page, screenshot, f"login-{width}")
    page.locator("input[name=login]").fill(f"sjane@{SUB}.test")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/office/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Le damos la bienvenida, Juana")
    expect(page.get_by_role("heading", name="Su organización")).to_be_visible()
    _check(page, screenshot, f"office-dashboard-{width}")

    page.goto(url(SUB, "/office/genealogy/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Genealogía")
    expect(page.get_by_text("Benito Bravo").first).to_be_visible()  # the tree viewer drew the downline
    _check(page, screenshot, f"office-genealogy-{width}")

    page.goto(url(SUB, "/office/earnings/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Comisiones")
    _check(page, screenshot, f"office-earnings-{width}")

    page.goto(url(SUB, "/office/orders/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pedidos")
    row = page.get_by_role("row").filter(has_text=str(ids["order"]))
    assert [row.get_by_role("cell").nth(n).inner_text() for n in (4, 5)] == ["1.234,56\xa0€", "1.000,00"]
    _check(page, screenshot, f"office-orders-{width}")

    page.goto(url(SUB, f"/office/orders/{ids['order']}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pedido {ids['order']}")
    expect(page.get_by_text("1.000,00 PV · 1.000,00 CV")).to_be_visible()
    _check(page, screenshot, f"office-order-{width}")

    page.goto(url(SUB, "/office/customers/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sus clientes")
    expect(page.get_by_role("cell", name=re.compile("Carla Cliente"))).to_be_visible()
    _check(page, screenshot, f"office-customers-{width}")

    page.goto(url(SUB, "/office/profile/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Perfil y sitio replicado")
    expect(page.get_by_role("textbox", name="Nombre:", exact=True)).to_have_value("Juana")
    expect(page.get_by_role("button", name="Guardar el perfil")).to_be_visible()
    _check(page, screenshot, f"office-profile-{width}")
    context.close()


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_a_spanish_shopper_shops_checks_out_and_finds_the_join_page_in_spanish(
    spanish_company, ids, browser, url, screenshot, width
):
    context = browser.new_context(viewport=VIEWPORTS[width], locale="es-ES", extra_http_headers=SPANISH,
                                  bypass_csp=True)  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url(SUB, "/sjane/shop/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Comprar con Juana Pérez")
    _check(page, screenshot, f"shop-{width}")

    page.goto(url(SUB, f"/sjane/shop/{ids['lote']}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lote grande")
    assert "1.234,56\xa0€" in page.locator("main").inner_text()
    _check(page, screenshot, f"shop-product-{width}")
    page.get_by_role("button", name=re.compile("Añadir al carrito")).first.click()
    expect(page.locator("#cart-badge")).to_contain_text("1")

    page.goto(url(SUB, "/sjane/shop/cart/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Su carrito")
    _check(page, screenshot, f"shop-cart-{width}")
    page.get_by_role("link", name="Finalizar la compra").click()

    page.wait_for_url("**/sjane/shop/checkout/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Finalizar la compra")
    _check(page, screenshot, f"shop-checkout-1-{width}")
    page.get_by_role("textbox", name="Correo electrónico:", exact=True).fill(f"lucia-{width}@example.test")
    page.get_by_role("textbox", name="Nombre:", exact=True).fill("Lucía")
    page.get_by_role("textbox", name="Apellidos:", exact=True).fill("Gómez")
    page.locator("#id_ship_name").fill("Lucía Gómez")
    page.locator("#id_ship_line1").fill("Calle Mayor 1")
    page.locator("#id_ship_city").fill("Madrid")
    page.locator("#id_ship_postal_code").fill("28013")
    page.locator("#id_ship_country").select_option("ES")
    page.get_by_role("button", name="Continuar con el envío").click()

    page.wait_for_url("**/sjane/shop/checkout/shipping/")
    expect(page.get_by_label("Estándar · 4,95 EUR")).to_be_checked()
    _check(page, screenshot, f"shop-checkout-2-{width}")
    page.get_by_role("button", name="Continuar con la revisión y el pago").click()

    page.wait_for_url("**/sjane/shop/checkout/pay/")
    summary = {key: page.get_by_test_id(f"summary-{key}").inner_text() for key in ("subtotal", "shipping", "total")}
    assert summary == {"subtotal": "1.234,56\xa0€", "shipping": "4,95\xa0€", "total": "1.239,51\xa0€"}
    expect(page.get_by_role("button", name=re.compile(r"^Realizar el pedido y pagar 1\.239,51\s€$"))).to_be_visible()
    _check(page, screenshot, f"shop-checkout-3-{width}")

    page.goto(url(SUB, "/sjane/join/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Únase al equipo de Juana Pérez")
    _check(page, screenshot, f"join-{width}")
    context.close()
