"""Page access by role. Distributors use the back office (/office/), company admins and staff the console
(/console/), provider staff the provider console on the platform domain; anyone else signed in is sent to the page
that fits them. Every role question goes through core.accounts.selectors.actor_for."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from core.accounts.models import Role
from core.accounts.selectors import actor_for


def _role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if actor_for(request.user).role not in roles:
                raise PermissionDenied("Your account can't open this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


company_staff_required = _role_required(Role.COMPANY_ADMIN, Role.COMPANY_STAFF)
company_admin_required = _role_required(Role.COMPANY_ADMIN)
distributor_required = _role_required(Role.DISTRIBUTOR)
provider_staff_required = _role_required(Role.PROVIDER_STAFF)


def console_page(view):
    """Company staff read the console; only company admins change anything in it."""

    @company_staff_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not actor_for(request.user).is_company_admin:
            raise PermissionDenied("Only company admins can make changes here.")
        return view(request, *args, **kwargs)

    return wrapped


def admin_only(request) -> None:
    """For a console page whose reading is open to staff but one answer of which (a payout file) is for admins."""
    if not actor_for(request.user).is_company_admin:
        raise PermissionDenied("Only company admins can do this.")


def office_page(*, restricted_ok: bool = False):
    """A back-office page for a distributor with a member record (``request.member``). A member whose access the
    demotion policy restricted only reaches the pages marked ``restricted_ok`` (profile and payment)."""

    def decorator(view):
        @distributor_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            member = actor_for(request.user).member
            if member is None:
                return render(request, "office/no_member.html")
            request.member = member
            if member.access_restricted and not restricted_ok:
                return render(request, "office/restricted.html", {"member": member}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
