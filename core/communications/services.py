"""Writes on company pages, announcements, training material and newsletter subscribers."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.communications.models import (
    Announcement,
    Audience,
    CompanyPage,
    NewsletterSubscriber,
    PageSlug,
    TrainingMaterial,
)
from core.members.models import Member, MemberStatus


def _required(errors: dict, name: str, value: str) -> None:
    if not (value or "").strip():
        errors[name] = ["This field is required."]


@transaction.atomic
def company_page_save(*, slug: str, title: str, body: str, published: bool) -> CompanyPage:
    """Create or replace one of the company's fixed pages (about, FAQ, policies, terms, privacy)."""
    errors: dict[str, list[str]] = {}
    if slug not in PageSlug.values:
        errors["slug"] = [f"Choose one of {', '.join(PageSlug.values)}."]
    _required(errors, "title", title)
    if published and not (body or "").strip():
        errors["body"] = ["A published page needs some text."]
    if errors:
        raise ValidationError(errors)
    page, _ = CompanyPage.objects.select_for_update().get_or_create(slug=slug, defaults={"title": title.strip()})
    page.title = title.strip()
    page.body = body or ""
    page.published = published
    page.full_clean()
    page.save()
    return page


def _announcement_check(announcement: Announcement) -> None:
    errors: dict[str, list[str]] = {}
    _required(errors, "title", announcement.title)
    _required(errors, "body", announcement.body)
    if announcement.audience not in Audience.values:
        errors["audience"] = [f"Choose one of {', '.join(Audience.values)}."]
    if errors:
        raise ValidationError(errors)
    announcement.full_clean()


@transaction.atomic
def announcement_create(
    *, title: str, body: str, audience: str = Audience.DISTRIBUTORS, published_at: datetime | None = None
) -> Announcement:
    announcement = Announcement(
        title=(title or "").strip(), body=body or "", audience=audience, published_at=published_at
    )
    _announcement_check(announcement)
    announcement.save()
    return announcement


ANNOUNCEMENT_FIELDS = ("title", "body", "audience", "published_at")


@transaction.atomic
def announcement_update(*, announcement: Announcement, changes: dict) -> Announcement:
    """Edit, schedule or unpublish (``published_at`` None) an announcement."""
    unknown = sorted(set(changes) - set(ANNOUNCEMENT_FIELDS))
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    for name, value in changes.items():
        setattr(announcement, name, value.strip() if name == "title" else value)
    _announcement_check(announcement)
    announcement.save()
    return announcement


TRAINING_FIELDS = ("title", "body", "url", "category", "order", "published")


def _training_check(material: TrainingMaterial) -> None:
    errors: dict[str, list[str]] = {}
    _required(errors, "title", material.title)
    _required(errors, "category", material.category)
    if not (material.body or "").strip() and not (material.url or "").strip():
        errors["body"] = ["Write the lesson or give a link to it."]
    if errors:
        raise ValidationError(errors)
    material.full_clean()


@transaction.atomic
def training_material_create(
    *, title: str, body: str = "", url: str = "", category: str = "General", order: int = 0, published: bool = True
) -> TrainingMaterial:
    material = TrainingMaterial(
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
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    material = TrainingMaterial.objects.select_for_update().get(pk=material.pk)
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
        raise ValidationError({"email": ["Enter a valid e-mail address."]}) from None
    if distributor is not None and distributor.status == MemberStatus.TERMINATED:
        raise ValidationError({"distributor": [f"#{distributor.number} is terminated and takes no sign-ups."]})
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
