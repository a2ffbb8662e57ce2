"""Page access by role. Distributors use the back office (/office/), company admins and staff the console
(/console/); anyone else signed in is sent to the page that fits them."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from core.accounts.models import Role


def _role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied("Your account can't open this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


company_staff_required = _role_required(Role.COMPANY_ADMIN, Role.COMPANY_STAFF)
company_admin_required = _role_required(Role.COMPANY_ADMIN)
distributor_required = _role_required(Role.DISTRIBUTOR)
