"""The genealogy viewer in Chromium: search five levels down and see the member highlighted, expand and collapse,
the binary view on a binary company (and its polite absence on a unilevel one), no sideways scrolling at 390 px,
and axe-core with no serious or critical finding. Two companies onboarded for this module and dropped after it.

Unilevel company "gentree":  root ── jane ── ann ── alf ── amy ── abe ── ava   (ava is five levels under jane)
                               │         └── bob (new this period, inactive)
                               └── wendy ── wide00 … wide54   (a wide node: its frontline comes 50 at a time)
Binary company "genbin":     root ── top ── left: lefty ── left: lefty2 ;  right: righty
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from conftest import PASSWORD
from core.accounts.models import User
from core.commerce.models import MemberVolume
from core.commerce.public import company_date, period_start_for
from core.members.models import MemberStatus
from core.members.services.enrolment import Placement
from core.members.services.profiles import genealogy_settings_update
from plans.services_plan_versions import plan_version_activate, plan_version_create
from tenants.services import company_onboard
from tests.committed import companies_drop
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.browser

UNILEVEL, BINARY = "gentree", "genbin"
LONG_AGO = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PLANS = Path(settings.BASE_DIR) / "plans" / "engine" / "examples"


def _enrol(sponsor, username, first_name, **kwargs):
    kwargs.setdefault("joined_at", LONG_AGO)
    return MemberFactory(sponsor=sponsor, username=username, first_name=first_name, last_name="Tree", **kwargs)


def _plan(subdomain: str, example: str) -> datetime.date:
    start = period_start_for(company_date(timezone.now()))
    admin = User.objects.get(email=f"admin@{subdomain}.test")
    document = json.loads((PLANS / f"{example}.json").read_text())
    plan_version_activate(version=plan_version_create(document=document, by=admin), effective_from=start, by=admin)
    return start


def _setup():
    for subdomain in (UNILEVEL, BINARY):
        company_onboard(
            name=subdomain.title(),
            subdomain=subdomain,
            admin_email=f"admin@{subdomain}.test",
            admin_password=PASSWORD,
            send_invitation=False,
        )
    with schema_context(UNILEVEL):
        root = _enrol(None, "groot", "Root")
        jane = _enrol(root, "jane", "Jane")
        ann = _enrol(jane, "ann", "Ann")
        _enrol(jane, "bob", "Bob", joined_at=timezone.now(), status=MemberStatus.INACTIVE)
        chain = ann
        for username in ("alf", "amy", "abe", "ava"):
            chain = _enrol(chain, username, username.title())
        wendy = _enrol(root, "wendy", "Wendy")  # a wide node outside jane's downline: 55 frontline members
        for n in range(55):
            _enrol(wendy, f"wide{n:02d}", f"Wide{n:02d}")
        start = _plan(UNILEVEL, "unilevel")
        MemberVolume.objects.create(member=ann, period_start=start, pv="40.00", psv="60.00", cv="60.00")
    with schema_context(BINARY):
        genealogy_settings_update(changes={"placement_method": "binary", "binary_spillover": "sponsor_picks"})
        root = _enrol(None, "broot", "Root")
        top = _enrol(root, "top", "Top")
        lefty = _enrol(top, "lefty", "Lefty", placement=Placement(parent=top, position=0))
        lefty2 = _enrol(top, "lefty2", "Lefty2", placement=Placement(parent=lefty, position=0))
        righty = _enrol(top, "righty", "Righty", placement=Placement(parent=top, position=1))
        start = _plan(BINARY, "binary")
        for member, cv in ((lefty, "30.00"), (lefty2, "1045.25"), (righty, "20.00")):
            MemberVolume.objects.create(member=member, period_start=start, pv=cv, psv=cv, cv=cv)


def _teardown():
    companies_drop(UNILEVEL, BINARY)


@pytest.fixture(scope="module")
def tree_companies(committed, live_server_process):
    committed(_teardown)  # a crashed earlier run may have left them
    committed(_setup)
    yield
    committed(_teardown)


def sign_in(page, url, subdomain, email):
    page.goto(url(subdomain, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/office/")


def open_tree(page, url, subdomain, query=""):
    page.goto(url(subdomain, f"/office/genealogy/{query}"))
    expect(page.locator("#genealogy[data-ready=true]")).to_have_count(1)


def card(page, name):
    return page.locator(".tree-card", has=page.get_by_role("link", name=name, exact=True))


def axe_serious(page) -> list[str]:
    """axe-core's serious and critical findings on the page (run through the DevTools protocol: the page's
    Content-Security-Policy forbids injected script tags, as it should)."""
    page.evaluate(AXE.read_text())
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in found if v["impact"] in ("serious", "critical")]


def test_search_opens_the_path_and_highlights_a_member_five_levels_down(tree_companies, page, url, screenshot):
    sign_in(page, url, UNILEVEL, "jane@example.test")
    open_tree(page, url, UNILEVEL)
    expect(card(page, "Ann Tree")).to_contain_text("PV 40.00 · GV 60.00")
    expect(card(page, "Bob Tree")).to_contain_text("New this period")
    expect(card(page, "Bob Tree")).to_contain_text("Inactive")
    expect(card(page, "Ava Tree")).to_have_count(0)
    page.get_by_label("Find in your downline").fill("ava")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.locator("#tree-found")).to_have_text("Found Ava Tree, 5 levels down.")
    found = card(page, "Ava Tree")
    expect(found).to_have_class("tree-card is-active is-found")
    expect(found).to_have_attribute("aria-current", "true")
    for name in ("Alf Tree", "Amy Tree", "Abe Tree"):
        expect(card(page, name)).to_have_count(1)
    screenshot(page, "genealogy-search-five-levels")


def test_expand_and_collapse_a_branch(tree_companies, page, url, screenshot):
    sign_in(page, url, UNILEVEL, "jane@example.test")
    open_tree(page, url, UNILEVEL)
    ann = card(page, "Ann Tree")
    ann.get_by_role("button", name="Open 1 below").click()
    expect(card(page, "Alf Tree")).to_have_count(1)
    expect(ann.get_by_role("button", name="Close branch")).to_have_attribute("aria-expanded", "true")
    screenshot(page, "genealogy-expanded")
    ann.get_by_role("button", name="Close branch").click()
    expect(card(page, "Alf Tree")).to_have_count(0)
    expect(ann.get_by_role("button", name="Open 1 below")).to_have_attribute("aria-expanded", "false")
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Back to me").click()
    expect(card(page, "Jane Tree")).to_be_visible()


def test_a_wide_node_loads_its_frontline_a_page_at_a_time(tree_companies, page, url, screenshot):
    sign_in(page, url, UNILEVEL, "wendy@example.test")
    open_tree(page, url, UNILEVEL)
    expect(page.locator(".tree-card:not(.tree-more)")).to_have_count(51)  # wendy and the first 50
    expect(card(page, "Wide54 Tree")).to_have_count(0)
    page.get_by_role("button", name="Show 5 more").click()
    expect(card(page, "Wide54 Tree")).to_have_count(1)
    expect(page.locator(".tree-more")).to_have_count(0)
    # Search opens a member on a page of the frontline not loaded yet.
    open_tree(page, url, UNILEVEL)
    page.get_by_label("Find in your downline").fill("wide53")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(card(page, "Wide53 Tree")).to_have_attribute("aria-current", "true")
    screenshot(page, "genealogy-wide-node-search")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_binary_view_on_a_binary_company_only(tree_companies, page, url, screenshot):
    sign_in(page, url, BINARY, "top@example.test")
    open_tree(page, url, BINARY, "?tree=placement")
    expect(card(page, "Lefty Tree")).to_contain_text("Left")
    expect(card(page, "Righty Tree")).to_contain_text("Right")
    page.get_by_role("link", name="Binary view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Binary view")
    expect(page.get_by_test_id("leg-left-volume")).to_have_text("1,075.25")
    expect(page.get_by_test_id("leg-right-volume")).to_have_text("20.00")
    expect(page.get_by_test_id("leg-left")).to_contain_text("Lefty Tree")
    screenshot(page, "genealogy-binary")
    assert axe_serious(page) == []

    sign_in(page, url, UNILEVEL, "jane@example.test")
    open_tree(page, url, UNILEVEL)
    expect(page.get_by_role("link", name="Binary view")).to_have_count(0)
    expect(page.get_by_role("link", name="Placement tree")).to_have_count(0)
    response = page.goto(url(UNILEVEL, "/office/genealogy/binary/"))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not part of your plan")
    expect(page.locator("main")).to_contain_text("This company's compensation plan has no binary component.")
    screenshot(page, "genealogy-binary-unilevel-404")


@pytest.mark.parametrize(
    ("width", "height"), [pytest.param(1366, 900, id="desktop"), pytest.param(390, 844, id="phone")]
)
def test_binary_view_shows_each_members_leg_volumes(tree_companies, browser, url, screenshot, width, height):
    """Every member in the slots shows their own left and right volume of the period (CV, no currency, thousands
    separated); before the period's first calculation there is no carry-over and the page says so."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, url, BINARY, "top@example.test")
    page.goto(url(BINARY, "/office/genealogy/binary/"))

    def slot(name: str):
        return page.locator(".binary .slot.filled").filter(has_text=name)

    expect(slot("Top Tree")).to_contain_text("Left 1,075.25 · Right 20.00")
    expect(slot("Lefty Tree")).to_contain_text("Left 1,045.25 · Right 0.00")
    expect(slot("Lefty2 Tree")).to_contain_text("Left 0.00 · Right 0.00")
    expect(page.get_by_test_id("legs-basis")).to_have_text(
        "Leg volumes so far this period (the period has not been calculated yet: no carry-over shown)."
    )
    assert "$" not in page.locator(".binary").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"genealogy-binary-legs-{width}")
    assert axe_serious(page) == []
    context.close()


@pytest.mark.parametrize(
    ("width", "height"), [pytest.param(1366, 900, id="desktop"), pytest.param(390, 844, id="phone")]
)
def test_genealogy_pages_fit_the_screen_and_pass_axe(tree_companies, browser, url, screenshot, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, url, UNILEVEL, "jane@example.test")
    open_tree(page, url, UNILEVEL)
    card(page, "Ann Tree").get_by_role("button", name="Open 1 below").click()
    expect(card(page, "Alf Tree")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"genealogy-tree-{width}")
    assert axe_serious(page) == []
    page.goto(url(UNILEVEL, "/office/genealogy/levels/?sort=-pv"))
    expect(page.locator("#level-results tbody tr")).to_have_count(6)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"genealogy-levels-{width}")
    assert axe_serious(page) == []
    context.close()
