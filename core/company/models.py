"""A company's own settings and job log, stored in the company's schema."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class CommissionPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    WEEKLY = "weekly", _("Weekly")


class CompanySettings(models.Model):
    """One row per company schema: the defaults a new company starts with, editable by its admins."""

    display_name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="USD")
    timezone = models.CharField(max_length=64, default="UTC")
    support_email = models.EmailField(blank=True)
    # E-mails to buyers and members go out "Display name <from_email>"; empty: the platform's DEFAULT_FROM_EMAIL
    # address under the company's display name (core.company.selectors.company_from_email).
    from_email = models.EmailField(blank=True, help_text="The address the company's e-mails are sent from.")
    first_member_number = models.PositiveIntegerField(default=100001)
    terminated_tree_root_number = models.PositiveIntegerField(default=100001)
    commission_period = models.CharField(
        max_length=10, choices=CommissionPeriod.choices, default=CommissionPeriod.MONTHLY
    )
    primary_color = models.CharField(max_length=7, default="#2f6f4e")
    # The company site's storefront (issue 13): edited on the console's branding page.
    secondary_color = models.CharField(max_length=7, default="#f0b429")
    logo = models.ImageField(upload_to="branding/", blank=True)
    hero_title = models.CharField(max_length=120, blank=True)
    hero_text = models.TextField(max_length=600, blank=True)
    hero_image = models.ImageField(upload_to="branding/", blank=True)
    # The same texts in the company's other languages, {"es": {"hero_title": "…", "hero_text": "…"}};
    # the fields above hold the default language's (core.company.selectors.translated; issue 19).
    translations = models.JSONField(default=dict, blank=True)
    # Whom a company-site sale is credited to when the visitor neither picked a distributor nor came through one.
    # Empty: the root of the sponsor tree (the company's own first member). Not the terminated tree's root.
    house_member_number = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Member credited with sales nobody referred; empty: the company's root member."
    )
    replicated_subdomains_enabled = models.BooleanField(default=False)
    # Provider staff always need a second factor; company admins when their company says so (core.accounts.mfa).
    require_two_factor_for_admins = models.BooleanField(
        default=False, help_text="Company admins must sign in with an authenticator app code as well."
    )
    statement_attached_to_email = models.BooleanField(
        default=False,
        help_text=_("Attach each distributor's commission statement (PDF) to the “commissions posted” e-mail."),
    )
    # "No purchase necessary" unless the company says otherwise: joining never requires buying an enrolment pack.
    enrolment_pack_required = models.BooleanField(
        default=False,
        verbose_name=_("enrolment pack required"),
        help_text=_("New distributors must buy an enrolment pack to join (off: no purchase necessary)."),
    )
    # What an upline may use to reach a member of their downline from the back office (the member's page).
    office_contact_email = models.BooleanField(
        default=True, help_text="Distributors see an e-mail button on the pages of members in their downline."
    )
    office_contact_phone = models.BooleanField(
        default=False, help_text="Distributors see a call button (with the number) on their downline members' pages."
    )
    # The languages the company's people may use (codes from settings.LANGUAGES); the first is the default, used for
    # visitors whose browser prefers none of them and as the fallback of company-written content (issue 19).
    languages = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "company settings"

    def __str__(self) -> str:
        return f"Settings of {self.display_name}"


class DailyJobRun(models.Model):
    """One row per (job, day): the daily fan-out is idempotent because a finished day is never run again."""

    job = models.CharField(max_length=100)
    day = models.DateField()
    status = models.CharField(max_length=20, default="done")
    detail = models.JSONField(default=dict)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="daily_job_once_per_day")]
        ordering = ["-day", "job"]

    def __str__(self) -> str:
        return f"{self.job} {self.day} ({self.status})"


class PolicyAudience(models.TextChoices):
    EVERYONE = "everyone", _("Distributors and customers")
    DISTRIBUTORS = "distributors", _("Distributors")
    CUSTOMERS = "customers", _("Customers")


class PolicyDocument(models.Model):
    """One version of one of the company's terms or policies (``key``: "terms", "privacy", ...). Editing a document
    publishes a new version; a version is never changed or deleted, so an acceptance always points at the very text
    the member agreed to."""

    key = models.SlugField(max_length=50, verbose_name=_("document"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    body = models.TextField(max_length=100_000, verbose_name=_("text"))
    applies_to = models.CharField(
        max_length=12, choices=PolicyAudience.choices, default=PolicyAudience.EVERYONE, verbose_name=_("applies to")
    )
    version = models.PositiveIntegerField()
    # The same texts in the company's other languages, {"es": {"title": "…", "body": "…"}};
    # the fields above hold the default language's (core.company.selectors.translated; issue 19).
    translations = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="policy_document_version_once")]
        ordering = ["key", "-version"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class PolicyAcceptance(models.Model):
    """A person's agreement to one version of a document, with when and from which IP address. Never deleted."""

    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="acceptances")
    version = models.PositiveIntegerField()  # the document's version, kept on the row for reports
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="policy_acceptances")
    accepted_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-accepted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["document", "user"], name="policy_accepted_once_per_version")]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.document_id} v{self.version}"


class Market(models.Model):
    """Where a company sells: one country or a group of countries with one currency, its own price lists, tax and
    shipping (issue 19). Members and customers belong to a market; orders are in its currency. A company with no
    market sells in its base currency (``CompanySettings.currency``) everywhere. Never deleted: orders point here."""

    code = models.CharField(max_length=20, unique=True, verbose_name=_("code"), help_text=_("Short name, e.g. ES."))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    countries = ArrayField(
        models.CharField(max_length=2), default=list, verbose_name=_("countries"), help_text=_("ISO 3166 codes.")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    language = models.CharField(
        max_length=10, blank=True, verbose_name=_("language"), help_text=_("Default language of its people.")
    )
    # EU-style prices include VAT (the tax is the part of the price, docs/markets.md); US-style prices exclude sales
    # tax (added on top at checkout).
    prices_include_tax = models.BooleanField(
        default=False,
        db_default=False,
        verbose_name=_("prices include tax"),
        help_text=_("Prices include VAT (the tax is part of the price); otherwise tax is added at checkout."),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.currency})"
