from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tenants.selectors import company_list


def provider_home(request):
    companies = company_list()[:20] if request.user.is_authenticated else []
    return render(request, "provider/home.html", {"companies": companies})


def company_home(request):
    return render(request, "company/home.html")


@login_required
def company_dashboard(request):
    return render(request, "company/dashboard.html")
