"""The provider console on the platform domain."""

from django.urls import path, re_path

import config.converters  # noqa: F401 - the <id:…> path converter
from frontend.provider.views import billing, companies, home

urlpatterns = [
    path("", home.provider_home, name="provider-home"),
    path("companies/", companies.companies, name="provider-companies-page"),
    path("companies/new/", companies.company_new, name="provider-company-new"),
    path("companies/<id:company_id>/", companies.company_detail, name="provider-company"),
    path("health/", home.health, name="provider-health"),
    path("billing/", billing.billing_overview, name="provider-billing"),
    path("billing/close/", billing.month_close_confirm, name="provider-month-close"),
    re_path(
        r"^billing/close/(?P<month>[0-9]{4}-[0-9]{2})/$",
        billing.month_close_progress_page,
        name="provider-month-close-progress",
    ),
]
