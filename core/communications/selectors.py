"""Reads for company pages, announcements, training material, newsletter subscribers and e-mail templates."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone, translation

from config.tenancy import current_schema
from core import formatting
from core.communications.emails import EMAIL_KINDS, EmailKind, email_kind, render_text, template_errors
from core.communications.models import (
    Announcement,
    Audience,
    CompanyPage,
    EmailTemplate,
    NewsletterSubscriber,
    PageSlug,
    TrainingMaterial,
)
from core.company.selectors import (
    company_url,  # noqa: F401 - re-exported: core.commerce.subscriptions reads it here
    translated_pair,
)
from core.company.services import company_settings_get
from core.members.models import Member

logger = logging.getLogger(__name__)


def company_page_published(*, slug: str) -> CompanyPage | None:
    return CompanyPage.objects.filter(slug=slug, published=True).first()


def company_pages_published() -> QuerySet[CompanyPage]:
    return CompanyPage.objects.filter(published=True).order_by("slug")


def company_pages_overview() -> list[tuple[str, str, CompanyPage | None]]:
    """(slug, label, page or None) for every fixed page, written or not, for the console's list."""
    pages = {page.slug: page for page in CompanyPage.objects.all()}
    return [(slug, str(label), pages.get(slug)) for slug, label in PageSlug.choices]


def announcements_for(*, audience: str) -> QuerySet[Announcement]:
    """Published announcements (scheduled ones from their date on) for one audience, newest first."""
    return Announcement.objects.filter(
        published_at__isnull=False,
        published_at__lte=timezone.now(),
        audience__in=[Audience.EVERYONE, audience],
    ).order_by("-published_at", "-id")


def announcements_all() -> QuerySet[Announcement]:
    return Announcement.objects.order_by("-created_at", "-id")


def training_materials(*, published_only: bool = True) -> QuerySet[TrainingMaterial]:
    materials = TrainingMaterial.objects.all()
    if published_only:
        materials = materials.filter(published=True)
    return materials.order_by("category", "order", "id")


def newsletter_subscribers(*, distributor: Member | None, subscribed_only: bool = False) -> QuerySet:
    subscribers = NewsletterSubscriber.objects.filter(distributor=distributor)
    if subscribed_only:
        subscribers = subscribers.filter(unsubscribed_at__isnull=True)
    return subscribers.order_by("-subscribed_at", "-id")


def newsletter_subscribers_count(*, distributor: Member) -> int:
    """How many people subscribed through ``distributor``'s site and have not unsubscribed."""
    return NewsletterSubscriber.objects.filter(distributor=distributor, unsubscribed_at__isnull=True).count()


def email_template_saved(*, key: str) -> EmailTemplate | None:
    return EmailTemplate.objects.filter(key=key).first()


def email_templates_overview() -> list[tuple[EmailKind, EmailTemplate | None]]:
    """Every e-mail the product sends with the company's own text for it (None: the default is sent)."""
    saved = {template.key: template for template in EmailTemplate.objects.all()}
    return [(kind, saved.get(key)) for key, kind in EMAIL_KINDS.items()]


def email_common_context() -> dict:
    row = company_settings_get()
    return {"company_name": row.display_name, "support_email": row.support_email}


def email_render(*, key: str, context: dict, language: str | None = None) -> tuple[str, str]:
    """(subject, body) of e-mail ``key`` in the current company's words and in ``language`` (the active language
    when None): its saved template (the text written for that language, else the company's default language's),
    else the product's default text in that language. A saved template that fails at render time (it compiled when
    saved) falls back to the default, so the e-mail still goes out."""
    with translation.override(language or translation.get_language()):
        return _email_render(key=key, context=context)


def _email_render(*, key: str, context: dict) -> tuple[str, str]:
    kind = email_kind(key)
    full_context = {**email_common_context(), **_localized(context)}
    saved = email_template_saved(key=key)
    if saved is not None:
        subject, body = translated_pair(saved, "subject", "body")
        try:
            return render_text(subject=subject, body=body, context=full_context)
        except Exception:  # noqa: BLE001 - any template failure: send the default rather than nothing
            schema_name = current_schema()
            logger.exception("E-mail template %s of %s failed to render; sent the default", key, schema_name)
    # str(): the defaults are lazy translations; the compiled-template cache is keyed by the text in this language.
    return render_text(subject=str(kind.subject), body=str(kind.body), context=full_context)


def _localized(context: dict) -> dict:
    """Amounts written as the active language writes them ("1,234.56"; "1.234,56" in Spanish): the e-mail goes out
    in its recipient's language, so its figures do too. Other values are plain already."""
    return {name: formatting.amount(value) if isinstance(value, Decimal) else value for name, value in context.items()}


def email_preview(*, key: str, subject: str, body: str) -> tuple[str, str]:
    """A draft subject and body rendered with the e-mail's sample values and the company's own name, for the
    editor; a draft that doesn't compile raises ValidationError naming "subject" or "body"."""
    kind = email_kind(key)
    if errors := template_errors(key=key, subject=subject, body=body):
        raise ValidationError(errors)
    return render_text(subject=subject, body=body, context={**email_common_context(), **_localized(kind.sample)})
