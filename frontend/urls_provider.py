"""Provider console pages on the platform domain."""

from django.urls import path

from frontend import provider, views

urlpatterns = [
    path("", views.provider_home, name="provider-home"),
    path("companies/", provider.companies, name="provider-companies-page"),
    path("companies/new/", provider.company_new, name="provider-company-new"),
    path("companies/<int:company_id>/", provider.company_detail, name="provider-company"),
    path("health/", provider.health, name="provider-health"),
]
