"""Company API routes for billing (company domain, under /api/v1/): the company's own invoices and usage."""

from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from billing import apis

urlpatterns = [
    path("billing/invoices/", apis.CompanyInvoiceListApi.as_view(), name="company-billing-invoices"),
    path(
        "billing/invoices/<id:invoice_id>/",
        apis.CompanyInvoiceDetailApi.as_view(),
        name="company-billing-invoice",
    ),
    path("billing/usage/", apis.CompanyUsageListApi.as_view(), name="company-billing-usage"),
    path("billing/usage/current/", apis.CompanyUsageToDateApi.as_view(), name="company-billing-usage-current"),
]
