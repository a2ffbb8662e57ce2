"""The company console and the provider console in Spanish: every page answers 200 to a browser asking for Spanish,
and no English source string of the console's templates is left in what a person reads (text, labels, placeholders).

The English strings come from the committed catalogue: every msgid whose location is a console (or provider)
template, longer than 12 characters, with a space, no placeholder or markup, and whose Spanish differs."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import URLPattern, reverse
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.commerce.models import Order, Product
from frontend.common.navigation import CONSOLE, PROVIDER
from frontend.console import urls as console_urls
from frontend.tests.page_text import text_parts, visible_text
from tenants.models import Company
from tests.helpers import totp_code

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}
# Pages that are not HTML for a person (files, polling fragments) or only take a POST.
NOT_PAGES = ("-export", "-csv", "-image", "-progress", "-action", "-preview", "-undo", "-redeliver", "-help")


def english_sources(*prefixes: str) -> list[str]:
    """The English strings of the templates and code under ``prefixes`` that must not show on a Spanish page."""
    found = []
    for entry in polib.pofile(str(CATALOGUE)):
        if not any(path.startswith(prefixes) for path, _ in entry.occurrences):
            continue
        text = " ".join(entry.msgid.split())
        spanish = entry.msgstr or entry.msgstr_plural.get(0, "")
        plain = len(text) > 12 and " " in text and not any(mark in text for mark in "%<&")
        if plain and spanish and " ".join(spanish.split()) != text:
            found.append(text)
    return found


def english_left(html: str, sources: list[str]) -> list[str]:
    """The sources shown in English: a whole text node or label, or a whole sentence inside one (a shorter phrase
    inside a longer text, such as a column name inside another template's sentence, is not counted)."""
    parts = text_parts(html)
    return [
        source
        for source in sources
        if any(part == source or (source[-1] in ".:!?…" and source in part) for part in parts)
    ]


def console_paths(company) -> list[str]:
    """The sidebar's pages, every other argument-free console page, and the detail pages of the sample company."""
    paths = [reverse(entry.url_name) for entry in CONSOLE]
    for pattern in console_urls.urlpatterns:
        plain = isinstance(pattern, URLPattern) and not pattern.pattern.converters and pattern.name
        if plain and not any(part in pattern.name for part in NOT_PAGES):
            paths.append(reverse(pattern.name))
    with schema_context("alpha"):
        product = Product.objects.order_by("pk").first()
        order = Order.objects.order_by("pk").first()
    run, version, period, member = company["run"], company["version"], company["january"], company["root"]
    paths += [
        reverse("console-member", args=[member.number]),
        reverse("console-member-edit", args=[member.number]),
        reverse("console-product", args=[product.pk]),
        reverse("console-product-edit", args=[product.pk]),
        reverse("console-order", args=[order.number]),
        reverse("console-plan-version", args=[version.number]),
        reverse("console-run", args=[run.pk]),
        reverse("console-run-review", args=[run.pk]),
        reverse("console-run-lines", args=[run.pk]),
        reverse("console-run-approve", args=[run.pk]),
        reverse("console-period-close", args=[period.pk]),
        reverse("console-report-commissions") + f"?period={period.pk}",
        reverse("console-report-ranks") + f"?period={period.pk}",
        reverse("console-page", args=["about"]),
        reverse("console-plan-editor") + "?from=example:unilevel",
        reverse("console-demotion") + "?mode=json",
        reverse("console-reports") + "?report=sales-product",
    ]
    return list(dict.fromkeys(paths))


def test_every_console_page_is_in_spanish_for_a_company_admin(company, admin):
    # The console's templates (its forms' labels also come from frontend/common, translated by the back office's work).
    sources = english_sources("frontend/templates/console/")
    assert len(sources) > 250  # the catalogue knows the console's strings
    problems = {}
    for path in console_paths(company):
        response = admin.get(path, **SPANISH)
        assert response.status_code == 200, (path, response.status_code)
        assert response["Content-Language"] == "es", path
        left = english_left(response.content.decode(), sources)
        if left:
            problems[path] = left
    assert problems == {}


@pytest.fixture
def staff_client(provider_client, provider_staff):
    response = provider_client.post("/accounts/login/", {"login": provider_staff.email, "password": PASSWORD})
    assert response.status_code == 302
    response = provider_client.post("/accounts/2fa/authenticate/", {"code": totp_code(provider_staff)})
    assert response.status_code == 302
    return provider_client


def test_every_provider_page_is_in_spanish_for_provider_staff(staff_client, alpha):
    sources = english_sources("frontend/templates/provider/", "frontend/provider/")
    assert len(sources) > 25
    company = Company.objects.get(schema_name="alpha")
    paths = [reverse(entry.url_name, urlconf=settings.PUBLIC_SCHEMA_URLCONF) for entry in PROVIDER]
    paths += [f"/companies/{company.pk}/", "/billing/close/"]
    problems = {}
    for path in dict.fromkeys(paths):
        response = staff_client.get(path, **SPANISH)
        assert response.status_code == 200, (path, response.status_code)
        left = english_left(response.content.decode(), sources)
        if left:
            problems[path] = left
    assert problems == {}


def test_the_same_console_page_stays_english_for_an_english_browser(admin):
    response = admin.get(reverse("console-plans"), HTTP_ACCEPT_LANGUAGE="en")
    text = visible_text(response.content.decode())
    assert "Start a new version from" in text
    assert "Empezar una nueva versión desde" not in text
    # The check of the Spanish pages does see English: on the English page it finds the same strings.
    assert "No plan version is in effect yet." not in english_left(response.content.decode(), [])
    assert {"Start a new version from", "Compensation and commissions"} <= set(
        english_left(response.content.decode(), english_sources("frontend/templates/console/"))
    )
    spanish = visible_text(admin.get(reverse("console-plans"), **SPANISH).content.decode())
    assert "Empezar una nueva versión desde" in spanish
