"""Every e-mail of a company comes from the company: its name and, when its domain is verified for sending, its own
address; otherwise the platform's address under its name with Reply-To its address. Templates are listed by their
human title with the moment they are sent, never by key."""

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from core.company.services import company_sender, company_settings_update
from core.demotion.models import Notification
from core.demotion.services.notices import _notice_email
from frontend.tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_sender(alpha, settings):
    settings.DEFAULT_FROM_EMAIL = "Canopy <no-reply@canopy.local>"
    with schema_context(alpha.schema):
        company_settings_update(changes={"display_name": "Acme Wellness", "from_email": "hello@acme.example"})
    return settings


@pytest.mark.parametrize(
    ("verified", "from_email", "expected"),
    [
        pytest.param(["acme.example"], "hello@acme.example", ("Acme Wellness <hello@acme.example>", []), id="verified"),
        pytest.param(["ACME.example "], "hello@Acme.Example", ("Acme Wellness <hello@Acme.Example>", []), id="case"),
        pytest.param(
            [],
            "hello@acme.example",
            ("Acme Wellness <no-reply@canopy.local>", ["hello@acme.example"]),
            id="unverified-falls-back",
        ),  # fmt: skip
        pytest.param(["acme.example"], "", ("Acme Wellness <no-reply@canopy.local>", []), id="no-address"),
    ],
)
def test_the_sender_is_the_company_or_the_platform_on_its_behalf(alpha, acme_sender, verified, from_email, expected):
    acme_sender.VERIFIED_SENDING_DOMAINS = verified
    with schema_context(alpha.schema):
        company_settings_update(changes={"from_email": from_email})
        sender = company_sender()
    assert (sender.from_email, sender.reply_to) == expected


def test_allauths_password_reset_comes_from_the_company(alpha, acme_sender, alpha_client):
    from core.accounts.models import Role
    from core.accounts.services import user_create

    with schema_context(alpha.schema):
        user_create(email="ann@example.test", role=Role.DISTRIBUTOR, password="x-pass-123")
    alpha_client.post("/accounts/password/reset/", {"email": "ann@example.test"})
    (sent,) = mail.outbox
    assert (sent.from_email, sent.reply_to, sent.subject) == (
        "Acme Wellness <no-reply@canopy.local>",
        ["hello@acme.example"],
        "[Acme Wellness] Password Reset Email",
    )


def test_a_demotion_notice_comes_from_the_company(alpha, acme_sender):
    acme_sender.VERIFIED_SENDING_DOMAINS = ["acme.example"]
    with schema_context(alpha.schema):
        message = _notice_email(Notification(pk=7, to_email="m@example.test", subject="Your standing", body="…"))
    assert (message.from_email, message.reply_to, message.to) == (
        "Acme Wellness <hello@acme.example>",
        [],
        ["m@example.test"],
    )


def test_email_templates_are_listed_by_title_with_when_they_are_sent(alpha):
    page = signed_in(alpha, alpha.admin_email).get("/console/emails/")
    rows = [(kind.title, kind.description) for kind, _ in page.context["templates"]]
    assert rows[0] == ("Welcome", "Sent to a new distributor who joined through a replicated site.")
    html = page.content.decode()
    assert '">Welcome</a></td><td>Sent to a new distributor who joined through a replicated site.</td>' in html
    assert ">member_welcome<" not in html and ">order_confirmation<" not in html


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        pytest.param({"subscription_lapsed": True, "combine": "any"},
                     "when the subscription is unpaid, declined or expired", id="lapsed"),
        pytest.param({"subscription_unpaid_days": 30, "psv_min": "100", "psv_window_days": 90, "combine": "all"},
                     "when no subscription was paid for 30 days or more and sales volume (PSV) is below 100.00 over "
                     "90 days", id="all"),
        pytest.param({"psv_min": "50", "psv_window_days": None, "combine": "any"}, "", id="incomplete"),
        pytest.param({}, "", id="empty"),
    ],
)  # fmt: skip
def test_demotion_stages_say_when_they_apply(stage, expected):
    from frontend.templatetags.demotion_words import stage_trigger

    assert stage_trigger(stage) == expected
