"""Where a person lands after signing in."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from core.accounts.models import Role
from core.accounts.selectors import actor_for


@login_required
def after_login(request):
    """One address to land on after signing in: the console, the back office or (customers) the site, by role."""
    actor = actor_for(request.user)
    if actor.is_company_staff:
        return redirect("console-home")
    if actor.role == Role.CUSTOMER:
        return redirect("company-home")
    return redirect("office-home")
