"""A new visitor in Chromium, at 1366×900 and 390×844: the company home, "Find a distributor", a product page,
"Added to cart", the cart (change a quantity, remove a line). On every page: no sideways scrolling, tap targets of at
least 44 px, and axe-core (from the npm registry, injected by the test only) finds nothing serious or critical.
Data lives in a company onboarded for this module and removed after it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image
from playwright.sync_api import expect

from conftest import PASSWORD
from core.commerce.services.catalogue import product_image_add, product_update
from core.company.services import company_settings_update
from core.members.models import Member
from tenants.services import company_onboard
from tests.committed import companies_drop
from tests.factories.catalogue import BarFactory, CategoryFactory, ShakeFactory
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.browser

STORE = "storefront"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def _png(colour) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (240, 240), colour).save(buffer, format="PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


def _setup() -> None:
    company_onboard(
        name="Storefront Co",
        subdomain=STORE,
        admin_email=f"admin@{STORE}.test",
        admin_password=PASSWORD,
        send_invitation=False,
    )
    with schema_context(STORE):
        house = MemberFactory(sponsor=None, username="storehouse", first_name="Store", last_name="House")
        rita = MemberFactory(sponsor=house, username="rita", first_name="Rita", last_name="Seller")
        MemberFactory(sponsor=house, username="hidden", first_name="Hidden", last_name="Person")
        Member.objects.filter(pk=rita.pk).update(city="Austin", listed_in_directory=True)
        Member.objects.filter(username="hidden").update(city="Austin")
        drinks = CategoryFactory(name="Drinks", slug="drinks")
        shake = ShakeFactory(stock=10, category=drinks)
        bar = BarFactory(stock=3, category=drinks)
        product_update(product=shake, featured=True, description="A creamy plant-protein shake.\n\n15 servings.")
        product_update(product=bar, featured=True, description="Oats, nuts and honey.")
        for position, colour in enumerate(((196, 150, 96), (230, 200, 150))):
            product_image_add(product=shake, image=_png(colour), alt_text=f"Protein Shake, view {position + 1}")
        product_image_add(product=bar, image=_png((120, 90, 60)), alt_text="Energy Bar")
        company_settings_update(
            changes={"hero_title": "Good food, shared by friends", "hero_text": "Shakes and bars, delivered."}
        )


@pytest.fixture(scope="module")
def store(committed, live_server_process):
    committed(lambda: companies_drop(STORE))
    committed(_setup)
    yield
    committed(lambda: companies_drop(STORE))


def _check_page(page, screenshot, name: str) -> None:
    """No sideways scrolling, every tap target at least 44 px high, axe-core: 0 serious or critical; screenshot."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
    small = page.evaluate(
        """() => [...document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea')]
            .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.left >= 0; })
            .filter(e => e.getBoundingClientRect().height < 44)
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert small == [], f"{name}: tap targets under 44 px"
    page.add_script_tag(path=str(AXE))
    serious = page.evaluate(
        """async () => (await axe.run()).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
    )
    assert serious == [], f"{name}: axe-core"
    screenshot(page, name)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_visitor_finds_a_distributor_and_edits_a_cart(store, browser, url, screenshot, size):
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make assets` (npm ci).")
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(url(STORE, "/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Good food, shared by friends")
    expect(page.get_by_test_id("attribution")).to_contain_text("You are shopping with Storefront Co.")
    expect(page.get_by_test_id("price-SHAKE")).to_have_text("$49.99")
    _check_page(page, screenshot, f"storefront-home-{size}")

    page.get_by_label("Name or city").fill("Austin")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("directory").get_by_role("heading")).to_have_text(["Rita Seller"])  # Hidden opted out
    _check_page(page, screenshot, f"storefront-find-distributor-{size}")
    page.get_by_role("button", name="Shop with Rita").click()
    page.wait_for_url("**/rita/shop/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shop with Rita Seller")
    _check_page(page, screenshot, f"storefront-shop-{size}")

    page.get_by_role("link", name="Protein Shake").click()
    expect(page.get_by_test_id("product-price")).to_have_text("$49.99")
    expect(page.get_by_test_id("stock")).to_have_text("In stock")
    expect(page.get_by_text("PV")).to_have_count(0)
    expect(page.get_by_text(re.compile("SHAKE"))).to_have_count(0)  # case-sensitive: no SKU
    _check_page(page, screenshot, f"storefront-product-{size}")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".messages")).to_contain_text("Added to cart: Protein Shake (2 in your cart).")
    expect(page.locator("#cart-badge")).to_have_text("Cart (2)")
    screenshot(page, f"storefront-added-{size}")

    page.get_by_role("link", name="Back to the shop").click()
    page.get_by_role("button", name=re.compile(r"Add to cart\W+Energy Bar")).click()
    page.locator(".messages").get_by_role("link", name="View cart").click()
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("$109.98")
    _check_page(page, screenshot, f"storefront-cart-{size}")
    page.get_by_label("Quantity of Protein Shake").fill("3")
    page.get_by_role("button", name="Update").first.click()
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("$159.97")
    page.get_by_role("button", name="Remove Energy Bar").click()
    expect(page.locator(".messages")).to_contain_text("Energy Bar removed from your cart.")
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("$149.97")
    _check_page(page, screenshot, f"storefront-cart-edited-{size}")

    # Back on the company home, the visit is now credited to Rita.
    page.goto(url(STORE, "/"))
    expect(page.get_by_test_id("attribution")).to_contain_text("You are shopping with Rita Seller.")
    context.close()
