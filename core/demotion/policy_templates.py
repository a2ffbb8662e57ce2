"""The demotion policies a company starts from (seed 003's flow as written, and a fairer one), and their words in
the reader's language: a stage whose name or e-mail is still a template's default text is shown and sent translated.
Re-exported by ``core.demotion.policy``."""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy


def _email(subject: str, action_text: str) -> dict:
    """A stage's default e-mail: what happened, the conditions that hold now, what lifts each one, and the date
    of the next stage (the notice renders ``evidence_text`` and ``remedy_text`` from the member's evidence)."""
    return {
        "email_subject": subject,
        "email_body": (
            gettext("Hello {{ member.first_name }},")
            + "\n\n"
            + action_text
            + "\n\n"
            + gettext("Why: {{ evidence_text }}.")
            + "\n"
            + gettext("What lifts it: {{ remedy_text }}.")
            + "\n{% if next_stage %}"
            + gettext("Next step: {{ next_stage.name }} on {{ next_stage_date }} unless you do this before then.")
            + "\n{% endif %}\n"
            + gettext("Your back office: {{ back_office_url }}")
            + "\n"
        ),
    }


def _staged(key: str, name: str, days: int, actions: list[str], subject: str, text: str) -> dict:
    return {
        "key": key,
        "name": name,
        "condition": {
            "subscription_unpaid_days": days,
            "psv_min": "200.00",
            "psv_window_days": days,
            "combine": "any",
        },
        "actions": actions,
        **_email(subject, text),
    }


def default_policy_document() -> dict:
    """Seed 003's policy, stage for stage (PSV counts customer sales: "no purchase necessary")."""
    pending_deactivation = gettext("Your login will be deactivated if nothing changes.")
    pending_downline = gettext("Your personal customers and distributors will move to your sponsor if nothing changes.")
    stages = [
        {
            "key": "access_demotion",
            "name": gettext("Access demotion"),
            "condition": {"subscription_lapsed": True},
            "actions": ["access_demotion"],
            **_email(
                gettext("Your back office is limited"),
                gettext(
                    "Your back-office subscription is unpaid, declined or expired, "
                    "so your back office is limited to your profile and payment pages."
                ),
            ),
        },
        {
            "key": "commission_exclusion",
            "name": gettext("Commission exclusion"),
            "condition": {"subscription_unpaid_days": 60, "psv_min": "200.00", "psv_window_days": 90, "combine": "any"},
            "actions": ["commission_exclusion"],
            **_email(
                gettext("You will not receive commissions"),
                gettext("You are excluded from commissions until you are active."),
            ),
        },
        _staged(
            "preferred_pricing_loss",
            gettext("Preferred pricing loss"),
            90,
            ["preferred_pricing_loss"],
            gettext("Your orders are now at retail price"),
            gettext("Your own orders are now priced at retail."),
        ),
        _staged(
            "pending_deactivation_1",
            gettext("Pending deactivation (first notice)"),
            180,
            ["notice"],
            gettext("Your login will be deactivated"),
            pending_deactivation,
        ),
        _staged(
            "pending_deactivation_2",
            gettext("Pending deactivation (second notice)"),
            185,
            ["notice"],
            gettext("Second notice: your login will be deactivated"),
            pending_deactivation,
        ),
        _staged(
            "pending_deactivation_3",
            gettext("Pending deactivation (third notice)"),
            190,
            ["notice"],
            gettext("Third notice: your login will be deactivated"),
            pending_deactivation,
        ),
        _staged(
            "deactivation",
            gettext("Login deactivated"),
            195,
            ["login_deactivation"],
            gettext("Your login is deactivated"),
            gettext("Your login has been deactivated."),
        ),
        _staged(
            "pending_downline_loss_1",
            gettext("Pending loss of downline (first notice)"),
            220,
            ["notice"],
            gettext("You may lose your downline"),
            pending_downline,
        ),
        _staged(
            "pending_downline_loss_2",
            gettext("Pending loss of downline (second notice)"),
            225,
            ["notice"],
            gettext("Second notice: you may lose your downline"),
            pending_downline,
        ),
        _staged(
            "pending_downline_loss_3",
            gettext("Pending loss of downline (third notice)"),
            230,
            ["notice"],
            gettext("Third notice: you may lose your downline"),
            pending_downline,
        ),
        _staged(
            "downline_moved",
            gettext("Downline moved"),
            235,
            ["move_downline", "move_to_terminated_tree"],
            gettext("Your downline has moved"),
            gettext(
                "Your personal customers and distributors now belong to your sponsor, "
                "and your position moved to the company's terminated tree."
            ),
        ),
    ]
    # Seed 003 demotes access "upon the first unpaid, declined or expired" fee: no grace (a grace stays an option).
    return {"version": 1, "psv_basis": "psv", "decline_grace_days": 0, "enabled": True, "stages": stages}


def fair_policy_document() -> dict:
    """A fairer starting point than the seed: PSV counts customer sales, a failed fee alone never removes
    commissions, the downline or the login from a member who is selling (those stages need the fee unpaid *and* too
    little PSV), a 14-day grace on declined cards, and longer notice (30 days between the notices, a year before the
    downline moves)."""
    pending_deactivation = gettext("Your login will be deactivated if nothing changes.")
    pending_downline = gettext("Your personal customers and distributors will move to your sponsor if nothing changes.")

    def both(key: str, name: str, days: int, actions: list[str], subject: str, text: str) -> dict:
        return {
            "key": key,
            "name": name,
            "condition": {
                "subscription_unpaid_days": days,
                "psv_min": "200.00",
                "psv_window_days": days,
                "combine": "all",
            },  # fmt: skip
            "actions": actions,
            **_email(subject, text),
        }

    stages = [
        {
            "key": "access_demotion",
            "name": gettext("Access demotion"),
            "condition": {"subscription_lapsed": True},
            "actions": ["access_demotion"],
            **_email(
                gettext("Your back office is limited"),
                gettext(
                    "Your back-office subscription is unpaid, declined or expired, "
                    "so your back office is limited to your profile and payment pages."
                ),
            ),
        },
        both(
            "commission_exclusion",
            gettext("Commission exclusion"),
            90,
            ["commission_exclusion"],
            gettext("You will not receive commissions"),
            gettext("You are excluded from commissions until you are active."),
        ),
        both(
            "preferred_pricing_loss",
            gettext("Preferred pricing loss"),
            120,
            ["preferred_pricing_loss"],
            gettext("Your orders are now at retail price"),
            gettext("Your own orders are now priced at retail."),
        ),
        both(
            "pending_deactivation_1",
            gettext("Pending deactivation (first notice)"),
            240,
            ["notice"],
            gettext("Your login will be deactivated"),
            pending_deactivation,
        ),  # fmt: skip
        both(
            "pending_deactivation_2",
            gettext("Pending deactivation (second notice)"),
            270,
            ["notice"],
            gettext("Second notice: your login will be deactivated"),
            pending_deactivation,
        ),  # fmt: skip
        both(
            "deactivation",
            gettext("Login deactivated"),
            300,
            ["login_deactivation"],
            gettext("Your login is deactivated"),
            gettext("Your login has been deactivated."),
        ),  # fmt: skip
        both(
            "pending_downline_loss_1",
            gettext("Pending loss of downline (first notice)"),
            305,
            ["notice"],
            gettext("You may lose your downline"),
            pending_downline,
        ),  # fmt: skip
        both(
            "pending_downline_loss_2",
            gettext("Pending loss of downline (second notice)"),
            335,
            ["notice"],
            gettext("Second notice: you may lose your downline"),
            pending_downline,
        ),  # fmt: skip
        both(
            "downline_moved",
            gettext("Downline moved"),
            365,
            ["move_downline", "move_to_terminated_tree"],
            gettext("Your downline has moved"),
            gettext(
                "Your personal customers and distributors now belong to your sponsor, "
                "and your position moved to the company's terminated tree."
            ),
        ),
    ]
    return {"version": 1, "psv_basis": "psv", "decline_grace_days": 14, "enabled": True, "stages": stages}


POLICY_TEMPLATES = {
    "seed_003": (default_policy_document, gettext_lazy("Seed 003: the flow as written")),
    "fair": (fair_policy_document, gettext_lazy("Fair: selling members keep commissions, login and downline")),
}


# ------------------------------------------------------------------------------------ a template's words, translated
# A company's policy document keeps its stages' names and e-mail texts as written when it was saved: a template's
# defaults in the language of the admin who saved it, or the company's own words. A stage whose text is still a
# template's default (in any shipped language) is shown and sent in the reader's language; a company's own words are
# sent as written (per-language company texts are the policy editor's business).


@functools.lru_cache(maxsize=len(settings.LANGUAGES) + 1)
def _template_texts(language: str) -> dict[tuple[str, str, str], str]:
    """(template, stage key, field) -> the template's default text in ``language``."""
    texts = {}
    with translation.override(language):
        for template_key, (document, _title) in POLICY_TEMPLATES.items():
            for stage in document()["stages"]:
                for name in STAGE_TEXT_FIELDS:
                    texts[(template_key, stage["key"], name)] = stage[name]
    return texts


@functools.lru_cache(maxsize=1)
def _template_text_index() -> dict[tuple[str, str], tuple[str, str, str]]:
    """(field, text in any shipped language) -> where the text comes from in the templates."""
    return {
        (where[2], text): where for code, _name in settings.LANGUAGES for where, text in _template_texts(code).items()
    }


STAGE_TEXT_FIELDS = ("name", "email_subject", "email_body")


def stage_text(field_name: str, text: str) -> str:
    """A stage's ``name``, ``email_subject`` or ``email_body`` in the active language when it is a template's default
    text (in any shipped language); anything else as written."""
    where = _template_text_index().get((field_name, text))
    if where is None:
        return text
    return _template_texts(translation.get_language() or settings.LANGUAGE_CODE).get(where, text)


def policy_template(key: str) -> dict | None:
    """A starting document by template key (``seed_003`` or ``fair``), or None for an unknown key."""
    entry = POLICY_TEMPLATES.get(key)
    return entry[0]() if entry else None
