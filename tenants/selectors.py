from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name, schema_context

from core.company.services import company_settings_get
from core.members.selectors import replicated_site_owner
from tenants.models import Company, CompanyStatus, CustomDomain, Domain


def company_list() -> QuerySet[Company]:
    """Client companies (not the provider's own public row)."""
    return Company.objects.exclude(schema_name=get_public_schema_name()).select_related("price_plan")


def active_companies() -> QuerySet[Company]:
    return company_list().filter(status=CompanyStatus.ACTIVE)


def companies_by_name() -> QuerySet[Company]:
    return company_list().order_by("name")


def companies_count() -> int:
    """Every company row, the provider's own public one included (the platform health page's count)."""
    return Company.objects.count()


def company_events(*, company: Company, limit: int = 20) -> QuerySet:
    """The company's lifecycle events (onboarded, suspended, reactivated), with who did it."""
    return company.events.select_related("actor")[:limit]


def custom_domains_of(*, company: Company) -> QuerySet[CustomDomain]:
    return CustomDomain.objects.filter(company=company)


def custom_domain_token(*, host: str) -> str | None:
    """The verification token of a domain some company added (verified or not), else None."""
    return CustomDomain.objects.filter(domain=host.lower()).values_list("token", flat=True).first()


def tls_host_allowed(*, host: str) -> bool:
    """May Caddy get a certificate for ``host``? Yes for the hosts the platform serves: the platform domain, a company's
    platform subdomain
    or verified own domain (both are ``Domain`` rows), and ``<username>.<company domain>`` when the company serves
    replicated sites there and the distributor's site is up. No for anything else (unknown, unverified, suspended
    companies' replicated sites), so nobody can make the platform request certificates for names it does not serve."""
    host = host.lower().removesuffix(".")
    if not host or len(host) > 253:
        return False
    if Domain.objects.filter(domain=host).exists():  # the platform domain, companies' subdomains, verified domains
        return True
    username, _, company_host = host.partition(".")
    domain = Domain.objects.select_related("tenant").filter(domain=company_host).first()
    if domain is None or domain.tenant.schema_name == get_public_schema_name() or not domain.tenant.is_active:
        return False
    with schema_context(domain.tenant.schema_name):
        if not company_settings_get().replicated_subdomains_enabled:
            return False
        return replicated_site_owner(username=username) is not None
