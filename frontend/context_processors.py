from django.conf import settings
from django_tenants.utils import get_public_schema_name


def platform(request) -> dict:
    company = getattr(request, "tenant", None)
    is_company = company is not None and company.schema_name != get_public_schema_name()
    return {"company": company if is_company else None, "platform_domain": settings.PLATFORM_DOMAIN}
