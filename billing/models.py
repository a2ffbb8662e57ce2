"""The provider's billing of its companies (public schema): price plans and their history per company, monthly usage,
invoices mirrored in Stripe, Stripe events received, and the dunning settings."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, gettext_lazy

ZERO = Decimal("0.00")


class ActiveMemberRule(models.TextChoices):
    """What makes a member (distributor) billable in a month."""

    LOGGED_IN = "logged_in", gettext_lazy("Logged in during the month")
    ORDERED = "ordered", gettext_lazy("Placed an order during the month")
    PAID_SUBSCRIPTION = "paid_subscription", gettext_lazy("Paid a subscription during the month")
    ANY_ACTIVITY = "any_activity", gettext_lazy("Logged in, ordered or paid a subscription")


class PricePlan(models.Model):
    """What a company pays the provider. Arithmetic: billing.fees (its module docstring states the rules)."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, default="USD")
    monthly_hosting_fee = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    fee_per_active_member = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0.0000"))
    active_member_rule = models.CharField(
        max_length=20, choices=ActiveMemberRule.choices, default=ActiveMemberRule.LOGGED_IN
    )
    fee_per_transaction = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0.0000"))
    minimum_monthly_charge = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    setup_fee = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PricePlanTier(models.Model):
    """Graduated per-member rate: members numbered above `above_members` pay `fee_per_member`."""

    plan = models.ForeignKey(PricePlan, on_delete=models.CASCADE, related_name="tiers")
    above_members = models.PositiveIntegerField()
    fee_per_member = models.DecimalField(max_digits=12, decimal_places=4)

    class Meta:
        ordering = ["plan", "above_members"]
        constraints = [models.UniqueConstraint(fields=["plan", "above_members"], name="billing_tier_unique_threshold")]

    def __str__(self) -> str:
        return f"{self.plan.code}: above {self.above_members} at {self.fee_per_member}"


class PlanAssignment(models.Model):
    """History of which plan a company is on from which day. Rows are never edited or deleted."""

    company = models.ForeignKey("tenants.Company", on_delete=models.PROTECT, related_name="plan_assignments")
    plan = models.ForeignKey(PricePlan, on_delete=models.PROTECT, related_name="assignments")
    effective_from = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company", "effective_from", "id"]
        indexes = [models.Index(fields=["company", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.company} on {self.plan.code} from {self.effective_from}"


class UsageRecord(models.Model):
    """A company's usage in one month and the numbers it came from. Frozen (never recomputed) once the month closes."""

    company = models.ForeignKey("tenants.Company", on_delete=models.PROTECT, related_name="usage_records")
    month = models.DateField(help_text=gettext_lazy("First day of the month."))
    plan = models.ForeignKey(PricePlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    active_member_rule = models.CharField(max_length=20, choices=ActiveMemberRule.choices)
    active_members = models.PositiveIntegerField(default=0)
    members_logged_in = models.PositiveIntegerField(default=0)
    members_ordered = models.PositiveIntegerField(default=0)
    members_paid_subscription = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "company"]
        constraints = [models.UniqueConstraint(fields=["company", "month"], name="billing_usage_one_per_month")]

    def __str__(self) -> str:
        return f"{self.company} usage {self.month:%Y-%m}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft (not yet in Stripe)")
    OPEN = "open", gettext_lazy("Open (created in Stripe, not charged)")
    PAID = "paid", gettext_lazy("Paid")
    PAYMENT_FAILED = "payment_failed", gettext_lazy("Payment failed")


class Invoice(models.Model):
    """Our record of a company's monthly invoice. One per company and month: the guard against billing twice."""

    company = models.ForeignKey("tenants.Company", on_delete=models.PROTECT, related_name="invoices")
    month = models.DateField(help_text=gettext_lazy("First day of the billed month."))
    plan = models.ForeignKey(PricePlan, on_delete=models.PROTECT, related_name="invoices")
    usage = models.OneToOneField(UsageRecord, on_delete=models.PROTECT, related_name="invoice")
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    stripe_invoice_id = models.CharField(max_length=100, blank=True)
    payment_attempts = models.PositiveIntegerField(default=0)
    first_failed_on = models.DateField(null=True, blank=True)
    next_retry_on = models.DateField(null=True, blank=True)
    last_failure_message = models.CharField(max_length=500, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    suspended_company_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Set when this unpaid invoice suspended the company; paying reactivates it."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "company"]
        constraints = [models.UniqueConstraint(fields=["company", "month"], name="billing_invoice_one_per_month")]
        indexes = [models.Index(fields=["status", "next_retry_on"])]

    def __str__(self) -> str:
        return f"{self.company} {self.month:%Y-%m} {self.total} {self.currency}"

    @property
    def number(self) -> str:
        return f"{self.company.schema_name.upper()}-{self.month:%Y-%m}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=60)
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(default=1)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    stripe_invoice_item_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["invoice", "id"]
        constraints = [models.UniqueConstraint(fields=["invoice", "kind"], name="billing_line_unique_kind")]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class BillingAccount(models.Model):
    """A company's Stripe customer and the zero-amount platform subscription that lets Stripe invoice it."""

    company = models.OneToOneField("tenants.Company", on_delete=models.PROTECT, related_name="billing_account")
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.company} ({self.stripe_customer_id or 'no Stripe customer'})"


class StripeEvent(models.Model):
    """Every verified webhook event, once (Stripe retries deliveries)."""

    stripe_event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_event_id}"


class DunningSettings(models.Model):
    """The provider's collection policy (one row). Retry days count from the first failed charge."""

    retry_days = models.CharField(
        max_length=100,
        default="3,7,14",
        help_text=gettext_lazy("Days after the first failure on which the charge is retried."),
    )
    grace_period_days = models.PositiveIntegerField(
        default=21, help_text=gettext_lazy("Days after the first failure before the company may be suspended.")
    )
    auto_suspend = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Suspend automatically when the grace period ends with the invoice unpaid."),
    )

    class Meta:
        verbose_name_plural = "dunning settings"

    def __str__(self) -> str:
        return "Dunning settings"

    def clean(self) -> None:
        parts = [part.strip() for part in self.retry_days.split(",") if part.strip()]
        if not parts or not all(part.isdigit() and int(part) > 0 for part in parts):
            raise ValidationError(
                {"retry_days": [gettext("Give days after the first failure as whole numbers, e.g. 3,7,14.")]}
            )
        if len(set(parts)) != len(parts):
            raise ValidationError({"retry_days": [gettext("Give each retry day once.")]})

    @property
    def retry_offsets(self) -> list[int]:
        return sorted(int(part) for part in self.retry_days.split(",") if part.strip())
