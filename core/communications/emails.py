"""The e-mails the product sends, each under a fixed key with its default subject and body and the context variables
it offers. Subject and body are Django template syntax rendered as plain text (no HTML escaping). A company may save
its own text for any key (EmailTemplate); the demotion policy's stage e-mails live in the policy document instead.

Every e-mail also gets the company-wide variables in COMMON_VARIABLES. Only plain values (strings, numbers, dates)
are ever put in a context, so a template can't reach into model objects."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.defaulttags import DebugNode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EmailKind:
    key: str
    title: str  # what the console lists it as ("Welcome"), never the key
    description: str  # when it is sent, in words
    subject: str
    body: str
    variables: dict[str, str]  # name -> what it holds, shown on the editing page
    sample: dict  # a context for the editor's preview and for checking a template renders

    @property
    def all_variables(self) -> dict[str, str]:
        return {**COMMON_VARIABLES, **self.variables}


COMMON_VARIABLES = {
    "company_name": _("The company's display name (Branding)."),
    "support_email": _("The company's support e-mail address (may be empty)."),
}
COMMON_SAMPLE = {"company_name": "Acme Wellness", "support_email": "help@acme.example"}

_ORDER_VARIABLES = {
    "first_name": _("The buyer's first name."),
    "order_number": _("The order's number."),
    "total": _("The order's total, e.g. 44.99."),
    "currency": _("The order's currency code, e.g. USD."),
}
_ORDER_SAMPLE = {"first_name": "Ann", "order_number": 100042, "total": Decimal("44.99"), "currency": "USD"}

_CONFIRMATION_VARIABLES = {
    **_ORDER_VARIABLES,
    "summary": _("The order's lines and amounts (subtotal, discount, shipping, tax, total), one per line."),
    "ship_to": _("The shipping address, one line per address line (empty when none was given)."),
    "shipping_method": _("The shipping method chosen (may be empty)."),
    "order_url": _("The order's page on the shop."),
}
_CONFIRMATION_SAMPLE = {
    **_ORDER_SAMPLE,
    "summary": "2 x Protein Shake: 89.98 USD\nSubtotal: 89.98 USD\nShipping: 5.00 USD\nTax: 0.00 USD\nTotal: 94.98 USD",
    "ship_to": "Ann Lee\n1 Main St\nAustin TX 78701\nUnited States of America",
    "shipping_method": "Standard",
    "order_url": "https://acme.example/jane/shop/orders/100042/",
}

EMAIL_KINDS: dict[str, EmailKind] = {
    kind.key: kind
    for kind in [
        EmailKind(
            key="member_welcome",
            title=_("Welcome"),
            description=_("Sent to a new distributor who joined through a replicated site."),
            subject=_("Welcome to {{ company_name }}"),
            body=(
                _(
                    "Hello {{ first_name }},\n\n"
                    "Welcome to {{ company_name }}! Your member number is {{ member_number }} and your sponsor is "
                    "{{ sponsor_name }}.\n\n"
                    "Your own site: {{ site_url }}\n"
                    "Your back office: {{ back_office_url }}\n"
                )
            ),
            variables={
                "first_name": _("The new distributor's first name."),
                "last_name": _("The new distributor's last name."),
                "username": _("The new distributor's username."),
                "member_number": _("The new distributor's member number."),
                "sponsor_name": _("The sponsor's full name."),
                "site_url": _("The new distributor's replicated site."),
                "back_office_url": _("The address of the back office."),
            },
            sample={
                "first_name": "Ann",
                "last_name": "Lee",
                "username": "annlee",
                "member_number": 1042,
                "sponsor_name": "Bob Smith",
                "site_url": "https://acme.example/annlee/",
                "back_office_url": "https://acme.example/office/",
            },
        ),
        EmailKind(
            key="order_confirmation",
            title=_("Order confirmation"),
            description=_("Sent to the buyer when an order from the shop is paid."),
            subject=_("Your {{ company_name }} order {{ order_number }}"),
            body=(
                _(
                    "Hello {{ first_name }},\n\n"
                    "Thank you for your order {{ order_number }}. We received your payment of "
                    "{{ total }} {{ currency }}."
                    "\n\n{{ summary }}\n"
                    "{% if ship_to %}\nShipping to ({{ shipping_method }}):\n{{ ship_to }}\n{% endif %}"
                    "\nYour order: {{ order_url }}\n\n{{ company_name }}"
                    "{% if support_email %}\nQuestions? Write to {{ support_email }}.{% endif %}\n"
                )
            ),
            variables=_CONFIRMATION_VARIABLES,
            sample=_CONFIRMATION_SAMPLE,
        ),
        EmailKind(
            key="autoship_processed",
            title=_("Autoship order placed"),
            description=_("Sent to the buyer when an autoship order is placed and paid."),
            subject=_("Your autoship order is on its way"),
            body=_("Order {{ order_number }}: {{ total }} {{ currency }}."),
            variables=_ORDER_VARIABLES,
            sample=_ORDER_SAMPLE,
        ),
        EmailKind(
            key="autoship_failed",
            title=_("Autoship failed"),
            description=_("Sent to the buyer when an autoship run fails (it is retried the next day)."),
            subject=_("Your autoship could not be processed"),
            body=_("{{ reason }}"),
            variables={
                "first_name": _("The buyer's first name."),
                "reason": _("Why it failed, e.g. “Your card was declined.”"),
                "failures": _("How many runs in a row have failed."),
                "max_retries": _("After how many failures in a row the autoship pauses."),
            },
            sample={"first_name": "Ann", "reason": "Your card was declined.", "failures": 1, "max_retries": 3},
        ),
        EmailKind(
            key="autoship_paused",
            title=_("Autoship paused"),
            description=_("Sent instead of “autoship failed” when the failure pauses the autoship."),
            subject=_("Your autoship could not be processed"),
            body=_("{{ reason }} It is paused until you update it."),
            variables={
                "first_name": _("The buyer's first name."),
                "reason": _("Why the last run failed, e.g. “Your card was declined.”"),
                "failures": _("How many runs in a row have failed."),
            },
            sample={"first_name": "Ann", "reason": "Your card was declined.", "failures": 3},
        ),
        EmailKind(
            key="subscription_declined",
            title=_("Back-office fee declined"),
            description=_("Sent to a distributor when the scheduled back-office fee could not be charged."),
            subject=_("Your {{ company_name }} back-office fee could not be charged"),
            body=(
                _(
                    "Hello {{ first_name }},\n\n"
                    "We could not charge your back-office fee of {{ amount }} {{ currency }} due on {{ due_on }}: "
                    "{{ reason }}\n\n"
                    "Please update your payment method or pay it in your back office: {{ back_office_url }}\n"
                )
            ),
            variables={
                "first_name": _("The distributor's first name."),
                "amount": _("The fee, e.g. 29.99."),
                "currency": _("The currency code, e.g. USD."),
                "due_on": _("The day the fee was due (YYYY-MM-DD)."),
                "reason": _("Why the charge failed."),
                "back_office_url": _("The address of the back office."),
            },
            sample={
                "first_name": "Ann",
                "amount": Decimal("29.99"),
                "currency": "USD",
                "due_on": "2026-04-01",
                "reason": "Your card was declined.",
                "back_office_url": "https://acme.example/office/",
            },
        ),
        EmailKind(
            key="commissions_posted",
            title=_("Commissions posted"),
            description=_(
                "Sent to each distributor paid in a commission period when the period is posted (with the period's "
                "statement attached as a PDF when the company's settings say so)."
            ),
            subject=_("Your {{ company_name }} commissions for {{ period_start }} – {{ period_end }}"),
            body=(
                _(
                    "Hello {{ first_name }},\n\n"
                    "Your commissions for {{ period_start }} – {{ period_end }} are posted: "
                    "{{ total }} {{ currency }}.\n"
                    "{% if converted %}In your currency: {{ converted }}.\n{% endif %}"
                    "{% if statement_attached %}Your statement is attached.\n{% endif %}\n"
                    "Every line is explained in your back office: {{ earnings_url }}\n"
                )
            ),
            variables={
                "first_name": _("The distributor's first name."),
                "member_number": _("The distributor's member number."),
                "period_start": _("The period's first day (YYYY-MM-DD)."),
                "period_end": _("The period's last day (YYYY-MM-DD)."),
                "total": _("What the period paid the distributor, e.g. 1234.56."),
                "currency": _("The currency code, e.g. USD."),
                "converted": _(
                    "The total in the distributor's currency when it is not the company's, with the rate, "
                    "e.g. $1,234.56 at 0.9200 = €1,135.80 (empty otherwise)."
                ),
                "paid_total": _(
                    "The total in the distributor's currency, e.g. €1,135.80 (empty for the base currency)."
                ),
                "paid_currency": _("The distributor's currency code, e.g. EUR (empty for the base currency)."),
                "rate": _("The exchange rate recorded with the run, e.g. 0.9200 (empty for the base currency)."),
                "statement_attached": _("True when the statement PDF is attached."),
                "earnings_url": _("The period's page in the back office."),
            },
            sample={
                "first_name": "Ann",
                "member_number": 1042,
                "period_start": "2026-01-01",
                "period_end": "2026-01-31",
                "total": Decimal("1234.56"),
                "currency": "USD",
                "converted": "$1,234.56 at 0.9200 = €1,135.80",
                "paid_total": "€1,135.80",
                "paid_currency": "EUR",
                "rate": "0.9200",
                "statement_attached": True,
                "earnings_url": "https://acme.example/office/earnings/7/",
            },
        ),
    ]
}


# ------------------------------------------------------------------------------------------------------- rendering

TEMPLATE_ENGINE = Engine(autoescape=False)  # plain-text e-mails: nothing to escape; no loaders, no libraries


def email_kind(key: str) -> EmailKind:
    try:
        return EMAIL_KINDS[key]
    except KeyError:
        raise ValidationError({"key": [gettext("There is no e-mail called '%(key)s'.") % {"key": key}]}) from None


@functools.lru_cache(maxsize=256)
def compiled(source: str) -> Template:
    """Compile a subject or body; a TemplateSyntaxError says why it doesn't. ``{% debug %}`` is refused: it would
    print the whole context and the server's loaded modules into an e-mail."""
    template = TEMPLATE_ENGINE.from_string(source)
    if template.nodelist.get_nodes_by_type(DebugNode):
        raise TemplateSyntaxError("The {% debug %} tag can't be used in e-mails.")
    return template


def render_text(*, subject: str, body: str, context: dict) -> tuple[str, str]:
    """The subject comes out on one line (a mail header can't hold a line break); the body without the blank lines
    a template's tags leave around it."""
    ctx = Context(context)
    rendered_subject = " ".join(compiled(str(subject)).render(ctx).split())
    return rendered_subject, compiled(str(body)).render(ctx).strip()


EMAIL_SUBJECT_MAX = 200
EMAIL_BODY_MAX = 20_000


def _source_problems(name: str, source: str, limit: int) -> list[str]:
    if not source.strip():
        return [gettext("This field is required.")]
    if len(source) > limit:
        return [gettext("Keep it to %(limit)s characters (it has %(count)s).") % {"limit": limit, "count": len(source)}]
    if name == "subject" and "\n" in source.strip():
        return [gettext("The subject must be one line.")]
    try:
        compiled(source)
    except TemplateSyntaxError as exc:
        return [gettext("The template does not compile: %(exc)s") % {"exc": exc}]
    return []


def template_errors(*, key: str, subject: str, body: str) -> dict[str, list[str]]:
    """What is wrong with a subject and body for e-mail ``key``, by field: each must compile and render with the
    e-mail's sample context, so a saved template never stops an e-mail from going out."""
    kind = email_kind(key)
    errors: dict[str, list[str]] = {}
    for name, source, limit in (("subject", subject, EMAIL_SUBJECT_MAX), ("body", body, EMAIL_BODY_MAX)):
        if problems := _source_problems(name, source, limit):
            errors[name] = problems
    context = Context({**COMMON_SAMPLE, **kind.sample})
    for name, source in (("subject", subject), ("body", body)):
        if name in errors:
            continue
        try:
            compiled(source).render(context)
        except Exception as exc:  # noqa: BLE001 - any render failure is the author's to fix
            errors[name] = [gettext("The template fails with the sample values: %(exc)s") % {"exc": exc}]
    return errors
