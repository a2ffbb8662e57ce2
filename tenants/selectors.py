from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from tenants.models import Company, CompanyStatus


def company_list() -> QuerySet[Company]:
    """Client companies (not the provider's own public row)."""
    return Company.objects.exclude(schema_name=get_public_schema_name()).select_related("price_plan")


def active_companies() -> QuerySet[Company]:
    return company_list().filter(status=CompanyStatus.ACTIVE)
