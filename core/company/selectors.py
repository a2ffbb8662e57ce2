"""Reads about the current company (the schema the connection is on)."""

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django_tenants.utils import get_tenant_domain_model, get_tenant_model

from config.hosts import company_host, site_url
from config.tenancy import current_schema
from core.company.models import Market, PolicyAudience, PolicyDocument


def company_url() -> str:
    """The current company's address, e.g. https://acme.example (e-mails need absolute links): its primary domain,
    else its default host; "" when no company owns the schema.

    The company and domain rows belong to django-tenants' models (reached through its settings), so core reads
    where it is served without importing the provider's `tenants` app."""
    schema_name = current_schema()
    domains = get_tenant_domain_model().objects.filter(tenant__schema_name=schema_name)
    primary = domains.filter(is_primary=True).values_list("domain", flat=True).first()
    if primary:
        return site_url(primary)
    if not get_tenant_model().objects.filter(schema_name=schema_name).exists():
        return ""
    return site_url(company_host(schema_name.replace("_", "-")))


def policy_documents_current(*, audience: str) -> list[PolicyDocument]:
    """The latest published version of each of the company's documents that applies to ``audience``
    ("distributors" or "customers"), in the order they are shown: by key."""
    applies = [PolicyAudience.EVERYONE, audience]
    latest = (
        PolicyDocument.objects.filter(key=OuterRef("key"), published_at__lte=timezone.now())
        .order_by("-version")
        .values("pk")[:1]
    )
    return list(PolicyDocument.objects.filter(pk=Subquery(latest), applies_to__in=applies).order_by("key"))


def policy_document_versions(*, key: str) -> QuerySet[PolicyDocument]:
    """Every version of one document, newest first, with how many people accepted each."""
    return PolicyDocument.objects.filter(key=key).annotate(accepted=Count("acceptances")).order_by("-version")


def policy_documents_latest() -> list[PolicyDocument]:
    """The latest version of every document (the console's list)."""
    latest = PolicyDocument.objects.filter(key=OuterRef("key")).order_by("-version").values("pk")[:1]
    return list(PolicyDocument.objects.filter(pk=Subquery(latest)).order_by("key"))


# ---------------------------------------------------------------------------------------------------- markets


def markets_list() -> QuerySet[Market]:
    """Every market, the inactive ones too (orders point to them), by code."""
    return Market.objects.order_by("code")


def markets_active() -> QuerySet[Market]:
    return Market.objects.filter(is_active=True).order_by("code")


def market_by_code(*, code: str, active_only: bool = True) -> Market | None:
    found = Market.objects.filter(code__iexact=(code or "").strip()[:20])
    return (found.filter(is_active=True) if active_only else found).first()


def market_for_country(*, country: str) -> Market | None:
    """The active market that sells in ``country`` (an ISO 3166 code), or None (the company's default: its base
    currency and the products' own prices). A country belongs to at most one active market."""
    country = (country or "").strip().upper()
    if not country:
        return None
    return Market.objects.filter(is_active=True, countries__contains=[country]).first()
