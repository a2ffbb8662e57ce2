"""Which language a page is served in, choosing one (console, sign-up, account page, footer switcher), and the
company's own texts per language with a fallback to its default language (issue 19)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.accounts.models import User
from core.communications.models import Announcement
from core.communications.services import announcement_create, company_page_save
from core.company.selectors import company_languages, language_pick
from core.company.services import company_languages_set, company_settings_get
from core.members.models import Customer, Member
from frontend.tests.conftest import signed_in
from frontend.tests.test_site import ADDRESS, join_data

pytestmark = pytest.mark.django_db

EN_LTR = '<html lang="en" dir="ltr">'
ES_LTR = '<html lang="es" dir="ltr">'


def _languages(alpha, languages, default):
    with schema_context(alpha.schema):
        company_languages_set(languages=languages, default=default)


def _page_language(client: Client, path: str = "/accounts/login/", **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200
    html = response.content.decode()
    return "es" if ES_LTR in html else "en" if EN_LTR in html else "?"


# ------------------------------------------------------------------------------------------ which language is served


@pytest.mark.parametrize(
    ("enabled", "chosen", "accept", "expected"),
    [
        (["en", "es"], ["es", "en"], "en", "es"),
        (["en", "es"], ["", "es"], "en", "es"),
        (["en", "es"], ["", None], "fr-FR,es-ES;q=0.8,en;q=0.5", "es"),
        (["en", "es"], ["", None], "fr, de;q=0.5", "en"),
        (["en"], ["es", "es"], "es", "en"),
        (["es", "en"], ["", None], "", "es"),
    ],
    ids=["own-language", "cookie", "accept-language-best-enabled", "nothing-matches-default", "disabled", "default-es"],
)
def test_language_pick(enabled, chosen, accept, expected):
    assert language_pick(enabled=enabled, chosen=chosen, accept_language=accept) == expected


def test_a_company_without_languages_offers_every_shipped_language_as_the_platform_does(alpha):
    with schema_context(alpha.schema):
        assert company_settings_get().languages == []
        assert company_languages() == ["en", "es"]  # English, the source, is the default
    assert company_languages() == ["en", "es"]  # public schema: the provider console


def test_signed_in_person_s_language_wins_over_cookie_and_browser(alpha, org):
    _languages(alpha, ["en", "es"], "en")
    with schema_context(alpha.schema):
        User.objects.filter(email="ann@example.test").update(language="es")
    client = signed_in(alpha, "ann@example.test")
    client.cookies["django_language"] = "en"
    response = client.get("/office/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Language"] == "es"
    assert ES_LTR in response.content.decode()


def test_visitor_cookie_then_browser_then_default(alpha):
    _languages(alpha, ["en", "es"], "en")
    client = Client(HTTP_HOST=alpha.host)
    assert _page_language(client) == "en"  # nothing said: the default
    assert _page_language(client, HTTP_ACCEPT_LANGUAGE="fr-FR,es-ES;q=0.9,en;q=0.5") == "es"
    client.cookies["django_language"] = "en"
    assert _page_language(client, HTTP_ACCEPT_LANGUAGE="es") == "en"  # the switcher's choice beats the browser


def test_a_language_the_company_does_not_enable_falls_back_to_its_default(alpha, org):
    _languages(alpha, ["en"], "en")
    with schema_context(alpha.schema):
        User.objects.filter(email="ann@example.test").update(language="es")
    visitor = Client(HTTP_HOST=alpha.host)
    visitor.cookies["django_language"] = "es"
    assert _page_language(visitor, HTTP_ACCEPT_LANGUAGE="es") == "en"
    ann = signed_in(alpha, "ann@example.test")
    assert _page_language(ann, "/accounts/language/", HTTP_ACCEPT_LANGUAGE="es") == "en"


def test_the_platform_serves_any_product_language(provider_client):
    assert _page_language(provider_client, HTTP_ACCEPT_LANGUAGE="es") == "es"
    assert _page_language(provider_client) == "en"


# ---------------------------------------------------------------------------------------------- choosing a language


def test_the_admin_enables_languages_and_picks_the_default(alpha, admin_client):
    response = admin_client.post("/console/languages/", {"languages": ["en", "es"], "default_language": "es"})
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert company_settings_get().languages == ["es", "en"]
    assert _page_language(Client(HTTP_HOST=alpha.host)) == "es"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"languages": ["en", "xx"], "default_language": "en"}, "languages"),
        ({"languages": [], "default_language": "en"}, "languages"),
        ({"languages": ["en"], "default_language": "es"}, "default_language"),
    ],
    ids=["unknown-code", "none", "default-not-enabled"],
)
def test_bad_language_settings_name_the_field(alpha, admin_client, data, field):
    response = admin_client.post("/console/languages/", data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    with schema_context(alpha.schema):
        assert company_settings_get().languages == []


def test_joining_offers_the_company_s_languages_and_stores_the_choice(alpha, alpha_client, org):
    _languages(alpha, ["en", "es"], "en")
    page = alpha_client.get("/ann/join/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<option value="es" selected>Español</option>' in page and '<option value="en">English</option>' in page
    response = alpha_client.post("/ann/join/", join_data(language="es"))
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert Member.objects.get(username="eve").user.language == "es"


def test_a_customer_signing_up_without_choosing_gets_the_page_s_language(alpha, alpha_client, org):
    _languages(alpha, ["en", "es"], "en")
    data = {"customer_type": "retail", "first_name": "Carl", "last_name": "Buyer", "email": "carl@example.test"}
    response = alpha_client.post("/bob/customer/", {**data, "password": PASSWORD, **ADDRESS}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert Customer.objects.get(email="carl@example.test").user.language == "es"


def test_joining_with_an_unknown_language_is_refused_naming_the_field(alpha, alpha_client, org):
    _languages(alpha, ["en", "es"], "en")
    response = alpha_client.post("/ann/join/", join_data(language="xx"))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["language"]


def test_a_person_changes_their_language_on_the_account_page(alpha, org):
    _languages(alpha, ["en", "es"], "en")
    client = signed_in(alpha, "ann@example.test")
    response = client.post("/accounts/language/", {"language": "es"})
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert User.objects.get(email="ann@example.test").language == "es"
    assert ES_LTR in client.get("/accounts/language/").content.decode()
    refused = client.post("/accounts/language/", {"language": "fr"})
    assert refused.status_code == 400 and list(refused.context["form"].errors) == ["language"]


def test_the_footer_switcher_sets_the_cookie_for_an_enabled_language_only(alpha):
    _languages(alpha, ["en", "es"], "en")
    client = Client(HTTP_HOST=alpha.host)
    page = client.get("/").content.decode()
    assert 'action="/language/"' in page and '<option value="es" lang="es">Español</option>' in page
    response = client.post("/language/", {"language": "es", "next": "/shop/"})
    assert (response.status_code, response["Location"]) == (302, "/shop/")
    assert response.cookies["django_language"].value == "es"
    assert _page_language(client) == "es"
    response = client.post("/language/", {"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 400 and response.content.decode().startswith("language: ")
    away = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert away["Location"] == "/"


def test_one_language_companies_show_no_switcher(alpha):
    _languages(alpha, ["en"], "en")
    page = Client(HTTP_HOST=alpha.host).get("/").content.decode()
    assert 'action="/language/"' not in page


# ------------------------------------------------------------------------------------ company texts per language


def test_company_texts_show_in_the_reader_s_language_else_the_default_s(alpha, alpha_client, org):
    _languages(alpha, ["en", "es"], "en")
    with schema_context(alpha.schema):
        company_page_save(
            slug="about",
            title="About us",
            body="We make tea.",
            published=True,
            translations={"es": {"title": "Quiénes somos", "body": ""}},
        )
    english = alpha_client.get("/pages/about/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = alpha_client.get("/pages/about/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>About us</h1>" in english and "<p>We make tea.</p>" in english
    assert "<h1>Quiénes somos</h1>" in spanish and "<p>We make tea.</p>" in spanish  # no Spanish body: the default's


def test_console_writes_each_enabled_language_and_refuses_others(alpha, admin_client):
    _languages(alpha, ["en", "es"], "en")
    form_page = admin_client.get("/console/announcements/new/").content.decode()
    assert '<legend lang="es">Español</legend>' in form_page and 'name="title__es"' in form_page
    response = admin_client.post(
        "/console/announcements/new/",
        {"title": "New catalogue", "body": "Out now.", "audience": "distributors", "title__es": "Nuevo catálogo"},
    )
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert Announcement.objects.get().translations == {"es": {"title": "Nuevo catálogo"}}
        with pytest.raises(ValidationError) as caught:
            announcement_create(title="x", body="y", translations={"fr": {"title": "z"}})
        assert list(caught.value.message_dict) == ["translations"]


def test_a_right_to_left_language_sets_dir_rtl(alpha, settings):
    """No RTL language ships; adding one (here only for this test) needs no template change: <html dir> follows it."""
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]
    _languages(alpha, ["ar", "en"], "ar")
    html = Client(HTTP_HOST=alpha.host).get("/accounts/login/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
