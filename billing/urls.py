"""Provider API routes for billing (platform domain, under /api/provider/v1/)."""

from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from billing import apis

urlpatterns = [
    path("billing/plans/", apis.PricePlanListApi.as_view(), name="billing-plans"),
    path("companies/<id:company_id>/plan/", apis.CompanyPlanAssignApi.as_view(), name="billing-company-plan"),
    path(
        "companies/<id:company_id>/usage/current/",
        apis.ProviderUsageToDateApi.as_view(),
        name="billing-company-usage-current",
    ),
    path("billing/revenue/", apis.RevenueApi.as_view(), name="billing-revenue"),
    path("billing/invoices/", apis.ProviderInvoiceListApi.as_view(), name="billing-invoices"),
    path("billing/invoices/<id:invoice_id>/retry/", apis.InvoiceRetryApi.as_view(), name="billing-invoice-retry"),
    path(
        "billing/invoices/<id:invoice_id>/suspend-company/",
        apis.InvoiceSuspendCompanyApi.as_view(),
        name="billing-invoice-suspend-company",
    ),
    path("billing/usage/", apis.ProviderUsageListApi.as_view(), name="billing-usage"),
    path("billing/close-month/", apis.MonthCloseApi.as_view(), name="billing-close-month"),
    path("billing/stripe/webhook/", apis.stripe_webhook, name="billing-stripe-webhook"),
]
