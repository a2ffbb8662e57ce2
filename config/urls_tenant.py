"""URLs of a company's domain: its site, back office, console and company API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import config.converters  # noqa: F401 - registers the <id:…> path converter before any URL pattern uses it
from config.admin_sites import company_site
from core.accounts.apis import LogoutApi, MeApi, TokenApi, TokenDetailApi, TokenListApi
from core.company.apis import CompanySettingsApi
from frontend.common.health import healthz
from frontend.urls import console_urls, office_urls, replicated_urls, site_urls

company_api = [
    path("me/", MeApi.as_view(), name="me"),
    path("auth/token/", TokenApi.as_view(), name="token"),
    path("auth/tokens/", TokenListApi.as_view(), name="tokens"),
    path("auth/tokens/<str:token_id>/", TokenDetailApi.as_view(), name="token-revoke"),
    path("auth/logout/", LogoutApi.as_view(), name="logout"),
    path("company/", CompanySettingsApi.as_view(), name="company-settings"),
    path("", include("core.members.urls")),
    path("", include("core.commerce.urls")),
    path("", include("core.demotion.urls")),
    path("", include("core.webhooks.urls")),
    path("", include("plans.urls")),
    path("", include("billing.urls_company")),
]

urlpatterns = [
    *site_urls,
    *office_urls,
    *console_urls,
    path("", include("frontend.languages")),
    path("healthz", healthz, name="healthz"),
    path("admin/", company_site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(company_api)),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_tenant"), name="schema"),
    path(
        "api/docs/",
        # The split view serves its init script as a file: the page passes the CSP with no inline script. The
        # schema is fetched as JSON: the company schema is about 1 MB, which Swagger UI parses far faster than YAML.
        SpectacularSwaggerSplitView.as_view(url="/api/schema/?format=json", template_name="api_docs/swagger_ui.html"),
        name="api-docs",
    ),
    *replicated_urls,  # /<username>/…: last, so no fixed address is ever taken for a username
]
