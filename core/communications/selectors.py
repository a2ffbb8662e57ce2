"""Reads for company pages, announcements, training material and newsletter subscribers."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from core.communications.models import (
    Announcement,
    Audience,
    CompanyPage,
    NewsletterSubscriber,
    PageSlug,
    TrainingMaterial,
)
from core.members.models import Member


def company_page_published(*, slug: str) -> CompanyPage | None:
    return CompanyPage.objects.filter(slug=slug, published=True).first()


def company_pages_published() -> QuerySet[CompanyPage]:
    return CompanyPage.objects.filter(published=True).order_by("slug")


def company_pages_overview() -> list[tuple[str, str, CompanyPage | None]]:
    """(slug, label, page or None) for every fixed page, written or not, for the console's list."""
    pages = {page.slug: page for page in CompanyPage.objects.all()}
    return [(slug, label, pages.get(slug)) for slug, label in PageSlug.choices]


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
