"""Page access by role. Distributors use the back office (/office/), company admins and staff the console
(/console/), provider staff the provider console on the platform domain; anyone else signed in is sent to the page
that fits them. Every role question goes through core.accounts.selectors.actor_for."""

from collections.abc import Mapping
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.accounts.models import Role
from core.accounts.permissions import capability_check_name, has_capability
from core.accounts.selectors import actor_for


def _role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if actor_for(request.user).role not in roles:
                raise PermissionDenied(_("Your account can't open this page."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


company_staff_required = _role_required(Role.COMPANY_ADMIN, Role.COMPANY_STAFF)
company_admin_required = _role_required(Role.COMPANY_ADMIN)
distributor_required = _role_required(Role.DISTRIBUTOR)
provider_staff_required = _role_required(Role.PROVIDER_STAFF)


def console_page(write: str | Mapping[str, str] | None = None, *, read: str = "console.read"):
    """A console page. Opening it needs the ``read`` capability, a POST the ``write`` one (a mapping: by the URL's
    ``action``), both from core.accounts.permissions.CAPABILITIES, the map the company API reads too. A page with no
    ``write`` changes nothing: a POST to it is answered 405."""
    capability_check_name(read)
    for name in write.values() if isinstance(write, Mapping) else [write] if write else []:
        capability_check_name(name)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, read):
                raise PermissionDenied(_("Your account can't open this page."))
            if request.method == "POST":
                needed = write.get(kwargs.get("action", "")) if isinstance(write, Mapping) else write
                if needed is None:
                    if isinstance(write, Mapping):
                        raise Http404(_("No such action."))
                    return HttpResponseNotAllowed(["GET", "HEAD"])
                if not has_capability(request.user, needed):
                    raise PermissionDenied(_("Your role can't make this change."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


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
