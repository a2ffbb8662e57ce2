"""Request routing by host: which company a request belongs to, and whether that company may be served; the request
id on every log line; the endpoints the serving stack itself calls (metrics, the TLS ask, domain verification)."""

import logging
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name, get_tenant_domain_model

from config.logs import REQUEST_ID, request_id_from
from config.telemetry import metrics_payload
from core.accounts.mfa import TWO_FACTOR_SETUP_NEEDED, two_factor_setup_missing
from core.company.selectors import company_languages, language_pick
from core.company.services import company_settings_get
from tenants.selectors import custom_domain_token, tls_host_allowed
from tenants.services_domains import HOSTNAME_RE, VERIFICATION_PATH

request_log = logging.getLogger("canopy.request")
# Caddy's on-demand TLS asks here before getting a certificate (infra/Caddyfile: on_demand_tls { ask … }).
TLS_ASK_PATH = "/internal/tls-ask"

# A suspended company can still sign in and read (and pay) its provider invoices: paying is how it comes back.
EXEMPT_PATH_PREFIXES = ("/healthz", "/static/", "/api/v1/billing/", "/api/v1/auth/token/")
# On a replicated-site subdomain these keep their own paths; every other path belongs to the distributor's site.
UNPREFIXED_PATHS = ("/static/", "/media/", "/accounts/", "/pages/", "/healthz", "/api/", "/office/", "/console/")


class RequestIdMiddleware:
    """Every request gets an id (the proxy's X-Request-ID when it is a sane token, else a new one): set on the log
    lines written while the request runs (config.logs), sent back as X-Request-ID, and one summary line per request
    when LOG_REQUESTS is on (production)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if settings.LOG_REQUESTS:
                request_log.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path[:500],
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            return response
        finally:
            REQUEST_ID.reset(token)


class InternalEndpointsMiddleware:
    """Endpoints the serving stack calls, answered for any host before host routing (Caddy blocks them from outside,
    except the verification token, which must be reachable on the company's domain):

    - ``/metrics``: Prometheus (django-prometheus' request metrics, config.telemetry's task and queue metrics);
    - ``/internal/tls-ask?domain=…``: 200 when Caddy may get a certificate for the domain, 404 otherwise;
    - ``/.well-known/canopy-domain-verification``: the token of the company domain asked for (tenants.services_domains).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path == "/metrics":
            body, content_type = metrics_payload()
            return HttpResponse(body, content_type=content_type)
        if path == TLS_ASK_PATH:
            connection.set_schema_to_public()
            allowed = tls_host_allowed(host=request.GET.get("domain", "")[:253])
            return HttpResponse("ok" if allowed else "unknown domain", status=200 if allowed else 404)
        if path == VERIFICATION_PATH:
            host = request.META.get("HTTP_HOST", "").lower().rsplit(":", 1)[0][:253]
            connection.set_schema_to_public()
            token = custom_domain_token(host=host) if HOSTNAME_RE.match(host) else None
            if token is None:
                return HttpResponse("unknown domain", status=404, content_type="text/plain")
            return HttpResponse(token, content_type="text/plain")
        return self.get_response(request)


class CompanyMiddleware(TenantMainMiddleware):
    """django-tenants' host → schema routing, with a readable page for hosts no company owns."""

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse | None:
        if self._replicated_subdomain(request, hostname):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": gettext("No company is served at %(hostname)s.") % {"hostname": hostname},
                    "code": "unknown_host",
                },
                status=404,
            )
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
            reason = company.suspension_reason or gettext("This company's account is suspended.")
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


class CompanyLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware choosing among the *company's* languages (issue 19), not all of settings.LANGUAGES:
    the signed-in person's own language; else the switcher's cookie; else the browser's Accept-Language; else the
    company's default (core.company.selectors.language_pick). On the platform every language of settings.LANGUAGES.
    Runs after AuthenticationMiddleware (it reads the person); the response part (Content-Language, Vary) is
    Django's. ``request.company_languages`` is what the language switcher offers."""

    def process_request(self, request: HttpRequest) -> None:
        enabled = company_languages()
        user = getattr(request, "user", None)
        own = user.language if user is not None and user.is_authenticated else ""
        language = language_pick(
            enabled=enabled,
            chosen=[own, request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)],
            accept_language=request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        request.company_languages = enabled  # type: ignore[attr-defined]
