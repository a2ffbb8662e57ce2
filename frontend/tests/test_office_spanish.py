"""The back office and the replicated site in Spanish (issue 19), through the Django test client: a browser that prefers
Spanish (Accept-Language, or the ``django_language`` cookie) gets Spanish headings, Spanish form errors and amounts
written the Spanish way; a request with no preference stays in English, the source language."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from core.company.models import CompanySettings
from tests.factories.catalogue import KitFactory
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.django_db

ES = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9,en;q=0.5"}
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
# The back office, the shop, the replicated and company sites, sign-in, the error pages and the shared partials.
AREA = re.compile(
    r"^frontend/(templates/(office|shop|site|account|allauth|errors|api_docs)/|templates/[^/]+\.(html|txt)$|office/"
    r"|shop/|site/|common/|templatetags/|context_processors)"
)
PLACEHOLDERS = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


@pytest.fixture(autouse=True)
def _spanish_company_then_english(alpha):
    """The company offers English and Spanish (issue 19: visitors get their browser's language among the company's).
    The locale middleware activates Spanish in this thread; the tests that follow start in English again."""
    with schema_context(alpha.schema):
        CompanySettings.objects.update(languages=["en", "es"])
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_every_string_of_these_pages_has_a_spanish_translation_with_the_same_placeholders():
    entries = [e for e in polib.pofile(str(CATALOGUE)) if any(AREA.match(path) for path, _ in e.occurrences)]
    assert len(entries) > 600
    assert [e.msgid for e in entries if not e.translated() or "fuzzy" in e.flags] == []
    lost = []
    for e in entries:
        translations = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
        wanted = set(PLACEHOLDERS.findall(e.msgid))
        lost += [(e.msgid, text) for text in translations if set(PLACEHOLDERS.findall(text)) != wanted]
        english = re.search(r"[a-z]{4,}", PLACEHOLDERS.sub("", e.msgid))  # a word, not only "%(pv)s PV"
        lost += [(e.msgid, text) for text in translations if text == e.msgid and english and len(e.msgid) > 12]
    assert lost == []


def _h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found, html[:500]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


@pytest.mark.parametrize(
    "path,heading",
    [
        ("/office/", "Le damos la bienvenida, Ann"),
        ("/office/genealogy/", "Genealogía"),
        ("/office/genealogy/levels/", "Línea descendente por nivel"),
        ("/office/earnings/", "Comisiones"),
        ("/office/orders/", "Pedidos"),
        ("/office/customers/", "Sus clientes"),
        ("/office/subscribers/", "Los suscriptores de su boletín"),
        ("/office/profile/", "Perfil y sitio replicado"),
        ("/office/autoships/", "Pedido automático"),
        ("/office/parties/", "Reuniones"),
        ("/office/standing/", "Su situación"),
        ("/office/training/", "Formación"),
    ],
    ids=[
        "dashboard",
        "genealogy",
        "levels",
        "earnings",
        "orders",
        "customers",
        "subscribers",
        "profile",
        "autoships",
        "parties",
        "standing",
        "training",
    ],  # fmt: skip
)
def test_office_pages_speak_spanish_to_a_spanish_browser(ann_client, path, heading):
    response = ann_client.get(path, **ES)
    assert response.status_code == 200
    html = response.content.decode()
    assert _h1(html) == heading
    assert '<html lang="es" dir="ltr">' in html
    assert "Oficina virtual" in html  # the navigation and the top bar
    assert "Sign out" not in html and "Cerrar sesión" in html


def test_without_a_preference_the_office_stays_in_english(ann_client):
    html = ann_client.get("/office/").content.decode()
    assert _h1(html) == "Welcome, Ann"
    assert '<html lang="en" dir="ltr">' in html
    assert "Sign out" in html


def test_the_language_cookie_chooses_spanish_too(ann_client):
    ann_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    html = ann_client.get("/office/customers/").content.decode()
    assert _h1(html) == "Sus clientes"
    assert "Aún no hay clientes. Aquí aparecen los clientes que se registran en" in html


def test_form_errors_and_messages_are_spanish(ann_client):
    response = ann_client.post("/office/profile/", {"first_name": "", "last_name": "Tester"}, **ES)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Este campo es obligatorio." in html
    assert ">Nombre<" in html or 'for="id_first_name">Nombre' in html
    saved = ann_client.post("/office/profile/", {"first_name": "Ana", "last_name": "Tester"}, follow=True, **ES)
    assert "Su perfil se ha guardado." in saved.content.decode()


def test_amounts_volumes_and_dates_are_written_the_spanish_way(alpha, ann_client, org):
    """A 1,234.56 USD order: "1.234,56 US$" in Spanish (Babel's es locale), "$1,234.56" in English; its PV with a
    comma for decimals."""
    with schema_context(alpha.schema):
        KitFactory(sku="BIGKIT", name="Big kit", retail_price=Decimal("1234.56"), distributor_price=Decimal("1234.56"),
                   pv=Decimal("1500.5"), cv=Decimal("1500.5"))  # fmt: skip
        order = PaidOrderFactory(buyer_member=org.ann, lines=[("BIGKIT", 1)])
    assert order.total == Decimal("1234.56") and order.currency == "USD"
    spanish = ann_client.get("/office/orders/", **ES).content.decode()
    assert "<td>1.234,56\xa0US$</td>" in spanish
    assert "<td>1.500,50</td>" in spanish
    english = ann_client.get("/office/orders/").content.decode()
    assert "<td>$1,234.56</td>" in english and "<td>1,500.50</td>" in english


def test_the_replicated_site_and_shop_speak_spanish_to_visitors(alpha, org):
    with schema_context(alpha.schema):
        KitFactory()
    visitor = Client(HTTP_HOST=alpha.host)
    home = visitor.get("/ann/", **ES).content.decode()
    assert "Únase a mi equipo" in home and "Hágase cliente" in home
    join = visitor.get("/ann/join/", **ES).content.decode()
    assert _h1(join) == "Únase al equipo de Ann Tester"
    shop = visitor.get("/ann/shop/", **ES).content.decode()
    assert _h1(shop) == "Comprar con Ann Tester"
    assert "Añadir al carrito" in shop
    cart = visitor.get("/ann/shop/cart/", **ES).content.decode()
    assert _h1(cart) == "Su carrito"
    assert "Su carrito está vacío." in cart
    signup = visitor.get("/ann/customer/", **ES).content.decode()
    assert _h1(signup) == "Hágase cliente"
    assert "Será cliente de Ann Tester." in signup
    company = visitor.get("/", **ES).content.decode()
    assert "Buscar un distribuidor" in company
    directory = visitor.get("/distributors/", **ES).content.decode()
    assert _h1(directory) == "Buscar un distribuidor"
    missing = visitor.get("/no/such/page/", **ES)
    assert missing.status_code == 404
    assert "Página no encontrada" in missing.content.decode()
