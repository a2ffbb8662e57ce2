from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from tenants.models import Company, CompanyStatus


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
