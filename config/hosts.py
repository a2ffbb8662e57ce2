"""Absolute addresses of the platform's sites. E-mails, API answers and the provider console need absolute links;
the rule (scheme, host, port from settings) lives here once, below every app, so the company's own code (core) and
the provider's (tenants) build the same URLs without importing each other."""

from django.conf import settings


def company_host(subdomain: str) -> str:
    """The host a company is served on by default: ``<subdomain>.<platform domain>``."""
    return f"{subdomain.lower()}.{settings.PLATFORM_DOMAIN}"


def site_url(host: str) -> str:
    """``scheme://host[:port]`` for a host of the platform."""
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    return f"{settings.PLATFORM_SCHEME}://{host}{port}"
