"""Reads about the current company (the schema the connection is on)."""

from django_tenants.utils import get_tenant_domain_model, get_tenant_model

from config.hosts import company_host, site_url
from config.tenancy import current_schema


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
