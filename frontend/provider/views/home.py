"""The provider console's front page on the platform domain, and platform health. Provider staff only (the front
page shows the sign-in link to anyone else)."""

from django.shortcuts import render

from frontend.common.access import provider_staff_required
from frontend.common.health import platform_checks
from tenants.selectors import companies_count, company_list


def provider_home(request):
    companies = company_list()[:20] if request.user.is_authenticated else []
    return render(request, "provider/home.html", {"companies": companies})


@provider_staff_required
def health(request):
    return render(
        request,
        "provider/health.html",
        {"checks": platform_checks(), "companies": companies_count()},
    )
