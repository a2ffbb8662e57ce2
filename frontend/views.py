from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from core.accounts.models import Role
from frontend.access import company_staff_required
from tenants.selectors import company_list


def provider_home(request):
    companies = company_list()[:20] if request.user.is_authenticated else []
    return render(request, "provider/home.html", {"companies": companies})


def company_home(request):
    return render(request, "site/home.html")


@login_required
def after_login(request):
    """One address to land on after signing in: the back office or the console, by role."""
    if request.user.role in (Role.COMPANY_ADMIN, Role.COMPANY_STAFF):
        return redirect("console-home")
    return redirect("office-home")


@login_required
def office_home(request):
    return render(request, "office/home.html")


@company_staff_required
def console_home(request):
    return render(request, "console/home.html")
