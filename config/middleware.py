"""Request routing by host: which company a request belongs to, and whether that company may be served."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name, get_tenant_domain_model

from core.accounts.mfa import TWO_FACTOR_SETUP_NEEDED, two_factor_setup_missing
from core.company.services import company_settings_get

# A suspended company can still sign in and read (and pay) its provider invoices: paying is how it comes back.
EXEMPT_PATH_PREFIXES = ("/healthz", "/static/", "/api/v1/billing/", "/api/v1/auth/token/")
# On a replicated-site subdomain these keep their own paths; every other path belongs to the distributor's site.
UNPREFIXED_PATHS = ("/static/", "/media/", "/accounts/", "/pages/", "/healthz", "/api/", "/office/", "/console/")


class CompanyMiddleware(TenantMainMiddleware):
    """django-tenants' host → schema routing, with a readable page for hosts no company owns."""

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse | None:
        if self._replicated_subdomain(request, hostname):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": f"No company is served at {hostname}.", "code": "unknown_host"}, status=404)
        return render(request, "errors/unknown_host.html", {"hostname": hostname}, status=404)

    def _replicated_subdomain(self, request: HttpRequest, hostname: str) -> bool:
        """``<username>.<company domain>`` serves that distributor's replicated site when the company enables it:
        the company is routed as usual and the page paths get the ``/<username>`` prefix they have on the
        company's own domain (static files, sign-in and company pages keep their paths)."""
        username, _, company_host = hostname.partition(".")
        if not username or not company_host:
            return False
        domain = get_tenant_domain_model().objects.select_related("tenant").filter(domain=company_host).first()
        if domain is None or domain.tenant.schema_name == get_public_schema_name():
            return False
        connection.set_tenant(domain.tenant)
        if not company_settings_get().replicated_subdomains_enabled:
            connection.set_schema_to_public()
            return False
        domain.tenant.domain_url = hostname
        request.tenant = domain.tenant
        request.replicated_username = username
        if not request.path_info.startswith(UNPREFIXED_PATHS):
            request.path_info = f"/{username}{request.path_info}"
        self.setup_url_routing(request)
        return True


class SuspendedCompanyMiddleware:
    """A suspended company's site shows why it is closed; its API answers 403 with the reason. No data changes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        company = getattr(request, "tenant", None)
        if (
            company is not None
            and company.schema_name != get_public_schema_name()
            and not company.is_active
            and not request.path.startswith(EXEMPT_PATH_PREFIXES)
        ):
            reason = company.suspension_reason or "This company's account is suspended."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": reason, "code": "company_suspended"}, status=403)
            return render(request, "errors/suspended.html", {"company": company, "reason": reason}, status=403)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """A signed-in user who must use two-factor sign-in (core.accounts.mfa) and has not set it up yet is sent to
    allauth's authenticator-app page; the API answers 403. The account pages (sign-out, the set-up itself) stay open.
    """

    OPEN_PREFIXES = ("/accounts/", "/static/", "/media/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.OPEN_PREFIXES)
            and two_factor_setup_missing(user=user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": TWO_FACTOR_SETUP_NEEDED, "code": "two_factor_required"}, status=403)
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.get_full_path()}")
        return self.get_response(request)
