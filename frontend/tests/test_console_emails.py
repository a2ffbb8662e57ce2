"""Console e-mail templates: list, edit with errors next to the field, preview, reset; who may do what."""

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from core.communications.emails import EMAIL_KINDS
from core.communications.models import EmailTemplate
from core.communications.selectors import email_render
from core.communications.services import email_send, email_template_save
from core.company.services import company_settings_get
from frontend.tests.conftest import signed_in
from tests.factories.members import CompanyStaffFactory

pytestmark = pytest.mark.django_db

URL = "/console/emails/autoship_failed/"


def test_the_list_shows_every_e_mail_and_links_the_demotion_stage_e_mails(alpha, admin_client):
    with schema_context(alpha.schema):
        email_template_save(key="autoship_failed", subject="Oops", body="{{ reason }}", by=None)
    response = admin_client.get("/console/emails/")
    assert [(kind.key, saved is not None) for kind, saved in response.context["templates"]] == [
        (key, key == "autoship_failed") for key in EMAIL_KINDS
    ]
    html = response.content.decode()
    assert 'href="/console/demotion/"' in html and 'href="/console/emails/"' in html  # stage e-mails; nav link
    assert html.count("Customised ") == 1 and html.count(">Default<") == len(EMAIL_KINDS) - 1


def test_admin_previews_fixes_saves_then_resets(alpha, admin_client):
    with schema_context(alpha.schema):
        name = company_settings_get().display_name
    page = admin_client.get(URL)
    assert page.context["preview"] == ("Your autoship could not be processed", "Your card was declined.")
    initial = {k: v for k, v in page.context["form"].initial.items() if "__" not in k}  # not the other languages'
    assert initial == {"subject": "Your autoship could not be processed", "body": "{{ reason }}"}

    bad = {"subject": "{{ company_name|shout }}", "body": "{% if reason %}Sorry: {{ reason }}", "action": "save"}
    response = admin_client.post(URL, bad)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["subject"] == ["The template does not compile: Invalid filter: 'shout'"]
    assert errors["body"][0].startswith("The template does not compile: Unclosed tag")
    assert 'id="id_subject_error"' in response.content.decode()
    with schema_context(alpha.schema):
        assert not EmailTemplate.objects.exists()

    good = {"subject": "{{ company_name }}: autoship problem", "body": "Sorry {{ first_name }}: {{ reason }}"}
    response = admin_client.post(URL, {**good, "action": "preview"})
    assert response.status_code == 200
    assert response.context["preview"] == (f"{name}: autoship problem", "Sorry Ann: Your card was declined.")
    with schema_context(alpha.schema):
        assert not EmailTemplate.objects.exists()  # a preview saves nothing

    assert admin_client.post(URL, {**good, "action": "save"})["Location"] == URL
    with schema_context(alpha.schema):
        saved = EmailTemplate.objects.get(key="autoship_failed")
        assert (saved.subject, saved.body, saved.updated_by.email) == (*good.values(), alpha.admin_email)
    assert "Customised" in admin_client.get("/console/emails/").content.decode()

    assert admin_client.post(URL, {"action": "reset"})["Location"] == URL
    with schema_context(alpha.schema):
        assert not EmailTemplate.objects.exists()
    assert admin_client.get("/console/emails/nope/").status_code == 404


def test_staff_read_distributors_are_refused(alpha, org):
    with schema_context(alpha.schema):
        CompanyStaffFactory(email="clerk@example.test")
    clerk = signed_in(alpha, "clerk@example.test")
    assert clerk.get("/console/emails/").status_code == 200
    page = clerk.get(URL)
    assert page.status_code == 200 and page.context["preview"][1] == "Your card was declined."
    assert 'value="save"' not in page.content.decode()
    for action in ("save", "reset", "preview"):
        assert clerk.post(URL, {"subject": "x", "body": "y", "action": action}).status_code == 403
    ann = signed_in(alpha, "ann@example.test")
    assert ann.get("/console/emails/").status_code == 403
    assert ann.get(URL).status_code == 403
    with schema_context(alpha.schema):
        assert not EmailTemplate.objects.exists()


def test_each_company_edits_and_sends_only_its_own_text(alpha, beta, admin_client, django_capture_on_commit_callbacks):
    admin_client.post(URL, {"subject": "Alpha: no", "body": "Alpha: {{ reason }}", "action": "save"})
    beta_admin = signed_in(beta, beta.admin_email)
    page = beta_admin.get(URL)  # the same address on beta's domain is beta's own (default) text
    assert page.context["saved"] is None
    assert page.context["form"].initial["subject"] == "Your autoship could not be processed"
    # Beta's session means nothing on alpha's domain.
    beta_admin.defaults["HTTP_HOST"] = alpha.host
    assert beta_admin.get(URL)["Location"].startswith("/accounts/login/")
    with schema_context(beta.schema), django_capture_on_commit_callbacks(execute=True):
        assert email_render(key="autoship_failed", context={"reason": "Declined."})[0] == (
            "Your autoship could not be processed"
        )
        email_send(key="autoship_failed", context={"reason": "Declined."}, to="zed@example.test")
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        email_send(key="autoship_failed", context={"reason": "Declined."}, to="ann@example.test")
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (["zed@example.test"], "Your autoship could not be processed", "Declined."),
        (["ann@example.test"], "Alpha: no", "Alpha: Declined."),
    ]


@pytest.mark.parametrize("key", list(EMAIL_KINDS))
def test_every_e_mail_page_renders_its_default_with_a_preview(admin_client, key):
    response = admin_client.get(f"/console/emails/{key}/")
    assert response.status_code == 200
    assert response.context["preview_problems"] == [] and response.context["preview"][0]
