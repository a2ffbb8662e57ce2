"""What a company tells its people: its own pages, announcements, training material, and newsletter sign-ups
taken on the company's and each distributor's replicated site. Stored in each company's schema.

Nothing here is hard-deleted: pages, announcements and training material are unpublished, subscribers unsubscribe.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy


class PageSlug(models.TextChoices):
    ABOUT = "about", gettext_lazy("About us")
    FAQ = "faq", gettext_lazy("FAQ")
    POLICIES = "policies", gettext_lazy("Policies and procedures")
    TERMS = "terms", gettext_lazy("Terms and conditions")
    PRIVACY = "privacy", gettext_lazy("Privacy policy")


class CompanyPage(models.Model):
    """One of the company's fixed pages, shown at /pages/<slug>/ on its site. The body is plain text: blank lines
    separate paragraphs and addresses become links (no HTML is ever taken from the editor)."""

    slug = models.CharField(max_length=20, choices=PageSlug.choices, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=50_000)
    published = models.BooleanField(default=False)
    # The same texts in the company's other languages, {"es": {"title": "…", "body": "…"}};
    # the fields above hold the default language's (core.company.selectors.translated; issue 19).
    translations = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title


class Audience(models.TextChoices):
    EVERYONE = "everyone", gettext_lazy("Everyone signed in")
    DISTRIBUTORS = "distributors", gettext_lazy("Distributors")
    CUSTOMERS = "customers", gettext_lazy("Customers")


class Announcement(models.Model):
    """News shown in back offices. ``published_at`` empty is a draft; a future date schedules it."""

    title = models.CharField(max_length=200)
    body = models.TextField(max_length=20_000)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.DISTRIBUTORS)
    published_at = models.DateTimeField(null=True, blank=True)
    # The same texts in the company's other languages, {"es": {"title": "…", "body": "…"}};
    # the fields above hold the default language's (core.company.selectors.translated; issue 19).
    translations = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["audience", "published_at"], name="announcement_feed_idx")]

    def __str__(self) -> str:
        return self.title


class TrainingMaterial(models.Model):
    """A lesson or a link to one (video, document), grouped by category and shown in ``order``."""

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=50_000)
    url = models.URLField(blank=True, max_length=500)
    category = models.CharField(max_length=100, default="General")
    order = models.PositiveIntegerField(default=0)
    published = models.BooleanField(default=True)
    # The same texts in the company's other languages, {"es": {"title": "…", "body": "…"}};
    # the fields above hold the default language's (core.company.selectors.translated; issue 19).
    translations = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "order", "id"]

    def __str__(self) -> str:
        return self.title


class NewsletterSubscriber(models.Model):
    """An e-mail address signed up on a replicated site (credited to its distributor) or on the company's site
    (no distributor). One row per address and distributor; unsubscribing keeps the row and its dates."""

    email = models.EmailField()
    distributor = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="newsletter_subscribers"
    )
    subscribed_at = models.DateTimeField()
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-subscribed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "distributor", name="newsletter_one_row_per_email_distributor", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_subscribed(self) -> bool:
        return self.unsubscribed_at is None


class EmailTemplate(models.Model):
    """A company's own subject and body for one of the product's e-mails (core.communications.emails.EMAIL_KINDS).
    No row: the default text is sent. Resetting to the default removes the row."""

    key = models.CharField(max_length=50, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=20_000)
    # The same texts in the company's other languages, {"es": {"subject": "…", "body": "…"}};
    # the fields above hold the default language's (core.company.selectors.translated; issue 19).
    translations = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key
