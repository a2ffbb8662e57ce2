"""Writes on company pages, announcements, training material, newsletter subscribers and e-mail templates."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_countries import countries

from core import formatting
from core.accounts.models import User
from core.commerce.addresses import region_name
from core.communications.emails import EMAIL_BODY_MAX, EMAIL_SUBJECT_MAX, email_kind, template_errors
from core.communications.models import (
    Announcement,
    Audience,
    CompanyPage,
    EmailTemplate,
    NewsletterSubscriber,
    PageSlug,
    TrainingMaterial,
)
from core.communications.selectors import email_render
from core.company.selectors import company_url, language_for
from core.company.services import company_sender, translations_checked
from core.members.models import Member, MemberStatus

logger = logging.getLogger(__name__)


def _required(errors: dict, name: str, value: str) -> None:
    if not (value or "").strip():
        errors[name] = [gettext("This field is required.")]


@transaction.atomic
def company_page_save(
    *, slug: str, title: str, body: str, published: bool, translations: dict | None = None
) -> CompanyPage:
    """Create or replace one of the company's fixed pages (about, FAQ, policies, terms, privacy)."""
    errors: dict[str, list[str]] = {}
    if slug not in PageSlug.values:
        errors["slug"] = [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(PageSlug.values)}]
    _required(errors, "title", title)
    if published and not (body or "").strip():
        errors["body"] = [gettext("A published page needs some text.")]
    if errors:
        raise ValidationError(errors)
    page, _ = CompanyPage.objects.select_for_update().get_or_create(slug=slug, defaults={"title": title.strip()})
    page.translations = translations_checked(
        translations=translations, fields={"title": 200, "body": 50_000}, existing=page.translations
    )
    page.title = title.strip()
    page.body = body or ""
    page.published = published
    page.full_clean()
    page.save()
    return page


ANNOUNCEMENT_TRANSLATED = {"title": 200, "body": 20_000}
TRAINING_TRANSLATED = {"title": 200, "body": 50_000}


def _announcement_check(announcement: Announcement) -> None:
    errors: dict[str, list[str]] = {}
    _required(errors, "title", announcement.title)
    _required(errors, "body", announcement.body)
    if announcement.audience not in Audience.values:
        errors["audience"] = [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(Audience.values)}]
    if errors:
        raise ValidationError(errors)
    announcement.full_clean()


@transaction.atomic
def announcement_create(
    *,
    title: str,
    body: str,
    audience: str = Audience.DISTRIBUTORS,
    published_at: datetime | None = None,
    translations: dict | None = None,
) -> Announcement:
    announcement = Announcement(
        title=(title or "").strip(),
        body=body or "",
        audience=audience,
        published_at=published_at,
        translations=translations_checked(translations=translations, fields=ANNOUNCEMENT_TRANSLATED),
    )
    _announcement_check(announcement)
    announcement.save()
    return announcement


ANNOUNCEMENT_FIELDS = ("title", "body", "audience", "published_at", "translations")


@transaction.atomic
def announcement_update(*, announcement: Announcement, changes: dict) -> Announcement:
    """Edit, schedule or unpublish (``published_at`` None) an announcement."""
    unknown = sorted(set(changes) - set(ANNOUNCEMENT_FIELDS))
    if unknown:
        raise ValidationError({name: [gettext("This field cannot be changed here.")] for name in unknown})
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if "translations" in changes:
        changes = {
            **changes,
            "translations": translations_checked(
                translations=changes["translations"], fields=ANNOUNCEMENT_TRANSLATED, existing=announcement.translations
            ),
        }
    for name, value in changes.items():
        setattr(announcement, name, value.strip() if name == "title" else value)
    _announcement_check(announcement)
    announcement.save()
    return announcement


TRAINING_FIELDS = ("title", "body", "url", "category", "order", "published", "translations")


def _training_check(material: TrainingMaterial) -> None:
    errors: dict[str, list[str]] = {}
    _required(errors, "title", material.title)
    _required(errors, "category", material.category)
    if not (material.body or "").strip() and not (material.url or "").strip():
        errors["body"] = [gettext("Write the lesson or give a link to it.")]
    if errors:
        raise ValidationError(errors)
    material.full_clean()


@transaction.atomic
def training_material_create(
    *,
    title: str,
    body: str = "",
    url: str = "",
    category: str = "General",
    order: int = 0,
    published: bool = True,
    translations: dict | None = None,
) -> TrainingMaterial:
    material = TrainingMaterial(
        translations=translations_checked(translations=translations, fields=TRAINING_TRANSLATED),
        title=(title or "").strip(),
        body=body or "",
        url=(url or "").strip(),
        category=(category or "").strip(),
        order=order,
        published=published,
    )
    _training_check(material)
    material.save()
    return material


@transaction.atomic
def training_material_update(*, material: TrainingMaterial, changes: dict) -> TrainingMaterial:
    unknown = sorted(set(changes) - set(TRAINING_FIELDS))
    if unknown:
        raise ValidationError({name: [gettext("This field cannot be changed here.")] for name in unknown})
    material = TrainingMaterial.objects.select_for_update().get(pk=material.pk)
    if "translations" in changes:
        changes = {
            **changes,
            "translations": translations_checked(
                translations=changes["translations"], fields=TRAINING_TRANSLATED, existing=material.translations
            ),
        }
    for name, value in changes.items():
        setattr(material, name, value.strip() if isinstance(value, str) and name != "body" else value)
    _training_check(material)
    material.save()
    return material


@transaction.atomic
def newsletter_subscribe(*, email: str, distributor: Member | None) -> NewsletterSubscriber:
    """Sign ``email`` up, credited to ``distributor`` (None: the company's own site). Signing up again after
    unsubscribing re-subscribes the same row; signing up twice changes nothing."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [gettext("Enter a valid e-mail address.")]}) from None
    if distributor is not None and distributor.status == MemberStatus.TERMINATED:
        raise ValidationError(
            {
                "distributor": [
                    gettext("#%(number)s is terminated and takes no sign-ups.") % {"number": distributor.number}
                ]
            }
        )
    subscriber = (
        NewsletterSubscriber.objects.select_for_update().filter(email__iexact=email, distributor=distributor).first()
    )
    if subscriber is None:
        return NewsletterSubscriber.objects.create(email=email, distributor=distributor, subscribed_at=timezone.now())
    if subscriber.unsubscribed_at is not None:
        subscriber.unsubscribed_at = None
        subscriber.subscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at", "subscribed_at"])
    return subscriber


@transaction.atomic
def newsletter_unsubscribe(*, subscriber: NewsletterSubscriber) -> NewsletterSubscriber:
    subscriber = NewsletterSubscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber


# ---------------------------------------------------------------------------------------------- e-mail templates


@transaction.atomic
def email_template_save(
    *, key: str, subject: str, body: str, by: User | None, translations: dict | None = None
) -> EmailTemplate:
    """Save the company's own subject and body for e-mail ``key`` (and, in ``translations``, for the company's other
    languages). Each must compile and render with the e-mail's sample context, so a saved template never stops an
    e-mail from going out."""
    email_kind(key)
    subject = (subject or "").strip()
    body = (body or "").replace("\r\n", "\n")
    if errors := template_errors(key=key, subject=subject, body=body):
        raise ValidationError(errors)
    template = EmailTemplate.objects.select_for_update().filter(key=key).first() or EmailTemplate(key=key)
    texts = translations_checked(
        translations=translations, fields={"subject": EMAIL_SUBJECT_MAX, "body": EMAIL_BODY_MAX}, existing=None
    )
    errors = {}
    for lang, written in texts.items():
        if set(written) != {"subject", "body"}:
            errors[f"subject__{lang}"] = [gettext("Write both the subject and the text in this language, or neither.")]
            continue
        found = template_errors(key=key, subject=written["subject"], body=written["body"])
        errors.update({f"{name}__{lang}": problems for name, problems in found.items()})
    if errors:
        raise ValidationError(errors)
    template.translations = texts
    template.subject = subject
    template.body = body
    template.updated_by = by
    template.save()
    return template


@transaction.atomic
def email_template_reset(*, key: str) -> None:
    """Send the default text again. The company's text is not history (nothing points at it), so its row goes."""
    email_kind(key)
    EmailTemplate.objects.filter(key=key).delete()


Attachment = tuple[str, bytes, str]  # file name, content, MIME type


def email_send(*, key: str, context: dict, to: str, attachments: Sequence[Attachment] = ()) -> None:
    """Render e-mail ``key`` now (in the company's schema) and send it once the current transaction commits, so a
    rolled-back change never e-mails anyone. A mail failure is logged, never raised into the caller's work."""
    if not to:
        return
    subject, body = email_render(key=key, context=context, language=language_for(email=to))
    sender = company_sender()
    files = tuple(attachments)
    transaction.on_commit(lambda: _send(key, subject, body, to, sender.from_email, sender.reply_to, files))


def _send(
    key: str,
    subject: str,
    body: str,
    to: str,
    sender: str,
    reply_to: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
) -> None:
    try:
        message = EmailMessage(subject, body, sender, [to], reply_to=list(reply_to) or None)
        for name, content, mimetype in attachments:
            message.attach(name, content, mimetype)
        message.send()
    except Exception:  # noqa: BLE001 - the work is done; a lost notice is logged, not raised
        logger.exception("E-mail %s to %s could not be sent", key, to)


def member_welcome_send(*, member: Member) -> None:
    """Welcome a distributor who just joined (the join page calls it; imports and staff enrolments don't)."""
    sponsor = member.sponsor
    base = company_url()
    email_send(
        key="member_welcome",
        context={
            "first_name": member.first_name,
            "last_name": member.last_name,
            "username": member.username,
            "member_number": member.number,
            "sponsor_name": sponsor.full_name if sponsor else "",
            "site_url": f"{base}/{member.username}/",
            "back_office_url": f"{base}/office/",
        },
        to=member.email,
    )


def order_confirmation_send(*, order) -> None:
    """Confirm a shop order's card payment to its buyer (autoship orders have their own notice): its lines and every
    amount with the currency, where it ships, and its page on the shop."""
    buyer = order.buyer_member or order.buyer_customer
    if buyer is None:
        return
    with translation.override(language_for(user=buyer.user, email=buyer.email)):  # the summary's words too
        _order_confirmation_send(order=order, buyer=buyer)


def _order_confirmation_send(*, order, buyer) -> None:
    email_send(
        key="order_confirmation",
        context={
            "first_name": buyer.first_name,
            "order_number": order.number,
            "total": order.total,
            "currency": order.currency,
            "summary": _order_summary_text(order),
            "ship_to": "\n".join(order_ship_to_lines(order)),
            "shipping_method": order.shipping_method,
            "order_url": f"{company_url()}/{order.credited_member.username}/shop/orders/{order.number}/",
        },
        to=buyer.email,
    )


def order_ship_to_lines(order) -> list[str]:
    region = region_name(order.ship_country, order.ship_region)
    place = " ".join(part for part in (order.ship_city, region, order.ship_postal_code) if part)
    country = countries.name(order.ship_country) if order.ship_country and order.ship_line1 else ""
    return [line for line in (order.ship_name, order.ship_line1, order.ship_line2, place, country) if line]


def _order_summary_text(order) -> str:
    cur = order.currency
    rows = [f"{line.quantity} x {line.name}: {formatting.money(line.line_subtotal, cur)}" for line in order.lines.all()]
    amounts = [(gettext("Subtotal"), order.subtotal)]
    if order.discount:
        amounts.append((gettext("Discount"), -order.discount))
    amounts += [(gettext("Shipping"), order.shipping), (gettext("Tax"), order.tax), (gettext("Total"), order.total)]
    rows += [f"{label}: {formatting.money(amount, cur)}" for label, amount in amounts]
    return "\n".join(rows)
