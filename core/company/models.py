"""A company's own settings and job log, stored in the company's schema."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CommissionPeriod(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    WEEKLY = "weekly", "Weekly"


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
