"""Provider console (platform domain): plans, plan history, usage, invoices, Stripe events, dunning settings.
Invoices and usage are records of what was billed: read-only here."""

from django.contrib import admin

from billing.models import (
    BillingAccount,
    DunningSettings,
    Invoice,
    InvoiceLine,
    PlanAssignment,
    PricePlan,
    PricePlanTier,
    StripeEvent,
    UsageRecord,
)
from config.admin_sites import provider_site


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PricePlanTierInline(admin.TabularInline):
    model = PricePlanTier
    extra = 0


@admin.register(PricePlan, site=provider_site)
class PricePlanAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "currency",
        "monthly_hosting_fee",
        "fee_per_active_member",
        "active_member_rule",
        "fee_per_transaction",
        "minimum_monthly_charge",
        "setup_fee",
        "is_active",
    )
    list_filter = ("is_active", "currency")
    inlines = [PricePlanTierInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # retire a plan with is_active instead; invoices point at it


@admin.register(PlanAssignment, site=provider_site)
class PlanAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("company", "plan", "effective_from", "note", "actor", "created_at")
    list_filter = ("plan",)


@admin.register(UsageRecord, site=provider_site)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "company",
        "month",
        "plan",
        "active_member_rule",
        "active_members",
        "members_logged_in",
        "members_ordered",
        "members_paid_subscription",
        "orders",
        "frozen_at",
    )
    list_filter = ("month",)


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "description", "quantity", "amount", "stripe_invoice_item_id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice, site=provider_site)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = (
        "company",
        "month",
        "plan",
        "total",
        "currency",
        "status",
        "payment_attempts",
        "next_retry_on",
        "stripe_invoice_id",
    )
    list_filter = ("status", "month", "currency")
    inlines = [InvoiceLineInline]


@admin.register(BillingAccount, site=provider_site)
class BillingAccountAdmin(ReadOnlyAdmin):
    list_display = ("company", "stripe_customer_id", "stripe_subscription_id", "created_at")


@admin.register(StripeEvent, site=provider_site)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("stripe_event_id", "type", "invoice", "received_at")
    list_filter = ("type",)


@admin.register(DunningSettings, site=provider_site)
class DunningSettingsAdmin(admin.ModelAdmin):
    list_display = ("retry_days", "grace_period_days", "auto_suspend")

    def has_add_permission(self, request) -> bool:
        return not DunningSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
