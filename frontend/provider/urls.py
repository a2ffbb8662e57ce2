"""The provider console on the platform domain."""

from django.urls import path

import config.converters  # noqa: F401 - the <id:…> path converter
from frontend.provider.views import companies, home

urlpatterns = [
    path("", home.provider_home, name="provider-home"),
    path("companies/", companies.companies, name="provider-companies-page"),
    path("companies/new/", companies.company_new, name="provider-company-new"),
    path("companies/<id:company_id>/", companies.company_detail, name="provider-company"),
    path("health/", home.health, name="provider-health"),
]
