"""Request routing by host: which company a request belongs to, and whether that company may be served."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

# A suspended company can still sign in and read (and pay) its provider invoices: paying is how it comes back.
EXEMPT_PATH_PREFIXES = ("/healthz", "/static/", "/api/v1/billing/", "/api/v1/auth/token/")


class CompanyMiddleware(TenantMainMiddleware):
    """django-tenants' host → schema routing, with a readable page for hosts no company owns."""

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": f"No company is served at {hostname}.", "code": "unknown_host"}, status=404)
        return render(request, "errors/unknown_host.html", {"hostname": hostname}, status=404)


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
