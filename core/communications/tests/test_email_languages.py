"""Every e-mail goes out in its recipient's language (issue 19): their own language when the company enables it,
else the company's default; the company's own e-mail text per language, else its default language's."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.communications.selectors import email_render
from core.communications.services import email_template_save, member_welcome_send
from core.company.selectors import language_for
from core.company.services import company_languages_set, company_settings_update
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_members(alpha):
    """Ana writes in Spanish, Bob in English; Alpha Teas enables both, English first."""
    with schema_context(alpha.schema):
        company_settings_update(changes={"display_name": "Alpha Teas"})
        company_languages_set(languages=["en", "es"], default="en")
        ana = MemberFactory(username="ana", first_name="Ana")
        bob = MemberFactory(sponsor=ana, username="bob", first_name="Bob")
        User.objects.filter(pk=ana.user_id).update(language="es")
    return ana, bob


def test_each_recipient_gets_the_welcome_in_their_language(alpha, two_members, django_capture_on_commit_callbacks):
    ana, bob = two_members
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        member_welcome_send(member=ana)
        member_welcome_send(member=bob)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ana@example.test"], "Le damos la bienvenida a Alpha Teas"),
        (["bob@example.test"], "Welcome to Alpha Teas"),
    ]
    assert mail.outbox[0].body.startswith("Hola, Ana:\n\n¡Le damos la bienvenida a Alpha Teas! Su número de miembro")
    assert mail.outbox[1].body.startswith("Hello Bob,\n\nWelcome to Alpha Teas! Your member number")


def test_a_language_the_company_no_longer_enables_gets_the_default(alpha, two_members):
    ana, _bob = two_members
    with schema_context(alpha.schema):
        assert language_for(user=User.objects.get(pk=ana.user_id)) == "es"
        company_languages_set(languages=["en"], default="en")
        assert language_for(email="ana@example.test") == "en"
        assert language_for(email="nobody@example.test") == "en"


def test_password_reset_from_an_english_page_reaches_a_spanish_reader_in_spanish(alpha, two_members):
    """allauth's e-mails too: the recipient's language, not the language of the page that asked for it."""
    client = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="en")
    client.post("/accounts/password/reset/", {"email": "ana@example.test"})
    client.post("/accounts/password/reset/", {"email": "bob@example.test"})
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ana@example.test"], "[Alpha Teas] Correo electrónico para restablecer contraseña"),
        (["bob@example.test"], "[Alpha Teas] Password Reset Email"),
    ]


def test_the_company_s_own_text_per_language_falls_back_to_its_default_language(alpha, two_members):
    with schema_context(alpha.schema):
        email_template_save(
            key="autoship_failed",
            subject="Autoship problem",
            body="Sorry: {{ reason }}",
            by=None,
            translations={"es": {"subject": "Problema con su pedido automático", "body": "Lo sentimos: {{ reason }}"}},
        )
        context = {"reason": "X."}
        assert email_render(key="autoship_failed", context=context, language="es") == (
            "Problema con su pedido automático",
            "Lo sentimos: X.",
        )
        assert email_render(key="autoship_failed", context=context, language="en") == ("Autoship problem", "Sorry: X.")
        with pytest.raises(ValidationError) as caught:
            email_template_save(
                key="autoship_failed", subject="a", body="b", by=None, translations={"es": {"subject": "{% if %}"}}
            )
        assert sorted(caught.value.message_dict) == ["subject__es"]
