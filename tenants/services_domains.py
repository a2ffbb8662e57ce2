"""A company's own domains: added (from the company console or the provider console), verified by an HTTP token,
then served (a ``Domain`` row routes them; Caddy's on-demand TLS gets their certificate through the ask endpoint).

Verification: the company points the domain at the platform (a CNAME to ``<company>.<platform domain>`` or an A
record), and Canopy fetches ``http://<domain>/.well-known/canopy-domain-verification``, which Canopy itself answers
with the domain's token (config.middleware.InternalEndpointsMiddleware) — so the fetch succeeds only when requests for
the domain reach the platform. A company that hosts the domain elsewhere for now may serve the token there instead.
"""

from __future__ import annotations

import http.client
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from tenants.models import Company, CustomDomain, Domain

VERIFICATION_PATH = "/.well-known/canopy-domain-verification"
# A host name: dot-separated labels of letters, digits and inner hyphens, at least two labels, a letter-led TLD.
HOSTNAME_RE = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
CHECK_TIMEOUT_SECONDS = 5


def domain_normalise(value: str) -> str:
    """``Shop.AcmeWellness.com.`` → ``shop.acmewellness.com``; a ValidationError naming ``domain`` otherwise."""
    if not isinstance(value, str) or "\x00" in value or len(value) > 254:
        raise ValidationError(
            {"domain": gettext("Enter a domain name such as shop.example.com (at most 253 characters).")}
        )
    domain = value.strip().lower().removesuffix(".")
    if domain.startswith(("http://", "https://")) or "/" in domain or ":" in domain:
        raise ValidationError(
            {"domain": gettext("Enter the domain name only, without http:// or a path (shop.example.com).")}
        )
    if not HOSTNAME_RE.match(domain):
        raise ValidationError({"domain": gettext("Enter a domain name such as shop.example.com.")})
    platform = settings.PLATFORM_DOMAIN.lower()
    if domain == platform or domain.endswith(f".{platform}"):
        raise ValidationError(
            {
                "domain": gettext("Addresses under %(platform)s are the platform's own; add your own domain.")
                % {"platform": platform}
            }
        )
    return domain


@transaction.atomic
def custom_domain_add(*, company: Company, domain: str) -> CustomDomain:
    """Claim ``domain`` for ``company`` (not served until verified). A domain belongs to one company at most."""
    name = domain_normalise(domain)
    if CustomDomain.objects.filter(domain=name).exists() or Domain.objects.filter(domain=name).exists():
        raise ValidationError({"domain": gettext("%(name)s is already added to a company.") % {"name": name}})
    return CustomDomain.objects.create(company=company, domain=name, token=secrets.token_urlsafe(24))


def _fetch_token(domain: str) -> str:
    """The body of http://<domain>/.well-known/canopy-domain-verification (first 200 bytes). CUSTOM_DOMAIN_CHECK_ADDRESS
    (host:port) connects there instead of the domain's own address, with the domain as Host (local stacks, tests)."""
    address = settings.CUSTOM_DOMAIN_CHECK_ADDRESS or f"{domain}:80"
    host, _, port = address.rpartition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=CHECK_TIMEOUT_SECONDS)
    try:
        conn.request("GET", VERIFICATION_PATH, headers={"Host": domain, "User-Agent": "Canopy domain check"})
        response = conn.getresponse()
        if response.status != 200:
            raise OSError(f"http://{domain}{VERIFICATION_PATH} answered {response.status}")
        return response.read(200).decode("ascii", "replace").strip()
    finally:
        conn.close()


def custom_domain_verify(*, custom_domain: CustomDomain) -> CustomDomain:
    """Check the token; on success the domain is served from now on (its ``Domain`` row is created)."""
    try:
        body = _fetch_token(custom_domain.domain)
        error = "" if secrets.compare_digest(body, custom_domain.token) else "The page answered with another token."
    except (OSError, http.client.HTTPException, ValueError) as exc:
        error = f"Could not fetch http://{custom_domain.domain}{VERIFICATION_PATH}: {exc.__class__.__name__}"
        if isinstance(exc, OSError) and str(exc).startswith("http://"):
            error = f"{exc}."
    with transaction.atomic():
        row = CustomDomain.objects.select_for_update().get(pk=custom_domain.pk)
        row.last_checked_at = timezone.now()
        row.last_error = error[:300]
        if not error and row.verified_at is None:
            row.verified_at = row.last_checked_at
            Domain.objects.get_or_create(domain=row.domain, defaults={"tenant": row.company, "is_primary": False})
        row.save(update_fields=["last_checked_at", "last_error", "verified_at"])
    return row


@transaction.atomic
def custom_domain_remove(*, custom_domain: CustomDomain) -> None:
    """Stop serving the domain (its certificate is no longer renewed: the ask endpoint refuses it)."""
    Domain.objects.filter(domain=custom_domain.domain, tenant=custom_domain.company).delete()
    custom_domain.delete()
