"""URLs of a company's domain: its site, back office, console and company API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.admin_sites import company_site
from core.accounts.apis import MeApi, TokenApi
from core.company.apis import CompanySettingsApi
from frontend import views
from frontend.health import healthz

company_api = [
    path("me/", MeApi.as_view(), name="me"),
    path("auth/token/", TokenApi.as_view(), name="token"),
    path("company/", CompanySettingsApi.as_view(), name="company-settings"),
    path("", include("core.members.urls")),
    path("", include("core.commerce.urls")),
    path("", include("core.webhooks.urls")),
    path("", include("plans.urls")),
    path("", include("billing.urls_company")),
]

urlpatterns = [
    path("", views.company_home, name="company-home"),
    path("start/", views.after_login, name="after-login"),
    path("office/", views.office_home, name="office-home"),
    path("console/", views.console_home, name="console-home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", company_site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(company_api)),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_tenant"), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
