import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from core.communications.emails import EMAIL_KINDS
from core.communications.models import EmailTemplate
from core.communications.selectors import email_render, email_templates_overview
from core.communications.services import email_send, email_template_reset, email_template_save
from core.company.services import company_settings_get

pytestmark = pytest.mark.django_db

ORDER = {"first_name": "Ann", "order_number": 1007, "total": "44.99", "currency": "USD"}


def display_name(schema):
    with schema_context(schema):
        return company_settings_get().display_name


def test_default_text_then_the_company_s_own_then_default_again(alpha):
    name = display_name(alpha.schema)
    with schema_context(alpha.schema):
        assert email_render(key="autoship_processed", context=ORDER) == (
            "Your autoship order is on its way",
            "Order 1007: 44.99 USD.",
        )
        email_template_save(
            key="autoship_processed",
            subject="{{ company_name }}: order {{ order_number }}\n",
            body="Hi {{ first_name }},\n\n{% if total %}You paid {{ total }} {{ currency }}.{% endif %}\n<b>&</b>\n",
            by=None,
        )
        assert email_render(key="autoship_processed", context=ORDER) == (
            f"{name}: order 1007",
            "Hi Ann,\n\nYou paid 44.99 USD.\n<b>&</b>",  # plain text: nothing escaped
        )
        email_template_reset(key="autoship_processed")
        assert not EmailTemplate.objects.exists()
        assert email_render(key="autoship_processed", context=ORDER)[0] == "Your autoship order is on its way"


def test_saving_names_the_field_and_the_reason(alpha):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as caught:
            email_template_save(
                key="order_confirmation", subject="Order {{ order_number|nofilter }}", body="{% if %}", by=None
            )
        errors = caught.value.message_dict
        assert sorted(errors) == ["body", "subject"]
        assert errors["subject"][0].startswith("The template does not compile: ")
        assert errors["subject"] == ["The template does not compile: Invalid filter: 'nofilter'"]
        assert errors["body"][0].startswith("The template does not compile: ")
        with pytest.raises(ValidationError) as caught:
            email_template_save(key="order_confirmation", subject="  ", body="{% debug %}", by=None)
        assert caught.value.message_dict == {
            "subject": ["This field is required."],
            "body": ["The template does not compile: The {% debug %} tag can't be used in e-mails."],
        }
        with pytest.raises(ValidationError) as caught:
            email_template_save(key="order_confirmation", subject="One\nTwo", body="x", by=None)
        assert caught.value.message_dict == {"subject": ["The subject must be one line."]}
        with pytest.raises(ValidationError) as caught:
            email_template_save(key="nope", subject="x", body="x", by=None)
        assert caught.value.message_dict == {"key": ["There is no e-mail called 'nope'."]}
        assert not EmailTemplate.objects.exists()


def test_every_default_saves_as_it_is_and_documents_its_sample(alpha):
    with schema_context(alpha.schema):
        for kind in EMAIL_KINDS.values():
            assert set(kind.sample) == set(kind.variables), kind.key
            email_template_save(key=kind.key, subject=kind.subject, body=kind.body, by=None)


def test_one_company_s_text_is_never_used_for_another(alpha, beta):
    with schema_context(alpha.schema):
        email_template_save(key="autoship_failed", subject="Alpha says no", body="Alpha: {{ reason }}", by=None)
    with schema_context(beta.schema):
        assert email_render(key="autoship_failed", context={"reason": "Declined."}) == (
            "Your autoship could not be processed",
            "Declined.",
        )
        assert [saved for _, saved in email_templates_overview()] == [None] * len(EMAIL_KINDS)
    with schema_context(alpha.schema):
        assert email_render(key="autoship_failed", context={"reason": "Declined."}) == (
            "Alpha says no",
            "Alpha: Declined.",
        )


def test_email_send_waits_for_the_commit(alpha, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        email_send(key="autoship_failed", context={"reason": "Declined."}, to="ann@example.test")
        email_send(key="autoship_failed", context={"reason": "Declined."}, to="")
        assert mail.outbox == []
    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [
        ("Your autoship could not be processed", "Declined.", ["ann@example.test"])
    ]
