"""A company's own domains: added (from the company console or the provider console), verified by a DNS TXT record
or an HTTP token, then served (a ``Domain`` row routes them; Caddy's on-demand TLS gets their certificate through the
ask endpoint).

Verification: the company points the domain at the platform (a CNAME to ``<company>.<platform domain>`` or an A
record), and Canopy fetches ``http://<domain>/.well-known/canopy-domain-verification``, which Canopy itself answers
with the domain's token (config.middleware.InternalEndpointsMiddleware) — so the fetch succeeds only when requests for
the domain reach the platform. A company that hosts the domain elsewhere for now may serve the token there instead.

Or, before pointing the domain anywhere, the company adds a TXT record ``_canopy-verification.<domain>`` with the
value ``canopy-verification=<token>`` (the way Google and Stripe verify domains); either check verifies the domain.
The resolver is the system's unless CUSTOM_DOMAIN_DNS_RESOLVER (host:port) names one (a local stack's, tests').
"""

from __future__ import annotations

import http.client
import re
import secrets

import dns.exception
import dns.resolver
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


def _txt_values(name: str) -> list[str]:
    """The TXT strings published at ``name`` (empty when there is no such record)."""
    resolver = dns.resolver.Resolver(configure=not settings.CUSTOM_DOMAIN_DNS_RESOLVER)
    if settings.CUSTOM_DOMAIN_DNS_RESOLVER:
        host, _, port = settings.CUSTOM_DOMAIN_DNS_RESOLVER.rpartition(":")
        resolver.nameservers = [host]
        resolver.port = int(port)
    resolver.lifetime = CHECK_TIMEOUT_SECONDS
    try:
        answer = resolver.resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    return [b"".join(record.strings).decode("ascii", "replace") for record in answer]


def _dns_error(custom_domain: CustomDomain) -> str:
    """'' when the TXT record holds the token, else why not."""
    name = custom_domain.txt_name
    try:
        values = _txt_values(name)
    except dns.exception.DNSException as exc:
        return f"Could not look up the TXT record {name}: {exc.__class__.__name__}."
    expected = custom_domain.txt_value
    if any(secrets.compare_digest(value.strip(), expected) for value in values):
        return ""
    return (
        f"No TXT record {name} with the value {expected}."
        if not values
        else f"The TXT record {name} holds another value."
    )


def _http_error(custom_domain: CustomDomain) -> str:
    """'' when http://<domain>/.well-known/… answers the token, else why not."""
    try:
        body = _fetch_token(custom_domain.domain)
        return "" if secrets.compare_digest(body, custom_domain.token) else "The page answered with another token."
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if isinstance(exc, OSError) and str(exc).startswith("http://"):
            return f"{exc}."
        return f"Could not fetch http://{custom_domain.domain}{VERIFICATION_PATH}: {exc.__class__.__name__}"


def custom_domain_verify(*, custom_domain: CustomDomain) -> CustomDomain:
    """Check the DNS TXT record, then the HTTP token; either verifies the domain, which is served from then on (its
    ``Domain`` row is created). When both fail, both reasons are kept for the page."""
    dns_error = _dns_error(custom_domain)
    http_error = dns_error and _http_error(custom_domain)
    error = f"{http_error} {dns_error}" if http_error else ""
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
