"""URLs of the platform domain: the provider's console, provider API and docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import config.converters  # noqa: F401 - registers the <id:…> path converter before any URL pattern uses it
from config.admin_sites import provider_site
from core.accounts.apis import LogoutApi, MeApi, TokenApi, TokenDetailApi, TokenListApi
from frontend.common.health import healthz
from provider.apis import CompanyListCreateApi, CompanyReactivateApi, CompanySuspendApi

provider_api = [
    path("me/", MeApi.as_view(), name="provider-me"),
    path("auth/token/", TokenApi.as_view(), name="provider-token"),
    path("auth/tokens/", TokenListApi.as_view(), name="provider-tokens"),
    path("auth/tokens/<str:token_id>/", TokenDetailApi.as_view(), name="provider-token-revoke"),
    path("auth/logout/", LogoutApi.as_view(), name="provider-logout"),
    path("companies/", CompanyListCreateApi.as_view(), name="provider-companies"),
    path("companies/<id:company_id>/suspend/", CompanySuspendApi.as_view(), name="provider-company-suspend"),
    path(
        "companies/<id:company_id>/reactivate/",
        CompanyReactivateApi.as_view(),
        name="provider-company-reactivate",
    ),
    path("", include("billing.urls")),
]

urlpatterns = [
    path("", include("frontend.provider.urls")),
    path("", include("frontend.languages")),
    path("healthz", healthz, name="healthz"),
    path("admin/", provider_site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/provider/v1/", include(provider_api)),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_public"), name="schema"),
    path(
        "api/docs/",
        # The split view serves its init script as a file: the page passes the CSP with no inline script. The
        # schema is fetched as JSON: the company schema is about 1 MB, which Swagger UI parses far faster than YAML.
        SpectacularSwaggerSplitView.as_view(url="/api/schema/?format=json", template_name="api_docs/swagger_ui.html"),
        name="api-docs",
    ),
]
