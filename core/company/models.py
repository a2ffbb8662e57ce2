"""A company's own settings and job log, stored in the company's schema."""

from django.db import models


class CommissionPeriod(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    WEEKLY = "weekly", "Weekly"


class CompanySettings(models.Model):
    """One row per company schema: the defaults a new company starts with, editable by its admins."""

    display_name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="USD")
    timezone = models.CharField(max_length=64, default="UTC")
    support_email = models.EmailField(blank=True)
    first_member_number = models.PositiveIntegerField(default=100001)
    terminated_tree_root_number = models.PositiveIntegerField(default=100001)
    commission_period = models.CharField(
        max_length=10, choices=CommissionPeriod.choices, default=CommissionPeriod.MONTHLY
    )
    primary_color = models.CharField(max_length=7, default="#2f6f4e")
    replicated_subdomains_enabled = models.BooleanField(default=False)
    # Provider staff always need a second factor; company admins when their company says so (core.accounts.mfa).
    require_two_factor_for_admins = models.BooleanField(
        default=False, help_text="Company admins must sign in with an authenticator app code as well."
    )
    # What an upline may use to reach a member of their downline from the back office (the member's page).
    office_contact_email = models.BooleanField(
        default=True, help_text="Distributors see an e-mail button on the pages of members in their downline."
    )
    office_contact_phone = models.BooleanField(
        default=False, help_text="Distributors see a call button (with the number) on their downline members' pages."
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
