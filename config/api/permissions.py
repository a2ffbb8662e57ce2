"""Who may call which endpoint, by role (see core.accounts.models.Role)."""

from rest_framework.permissions import BasePermission

from core.accounts.models import Role
from core.accounts.selectors import actor_for


class IsProviderStaff(BasePermission):
    message = "Only the provider's staff may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.role == Role.PROVIDER_STAFF or user.is_superuser))


class IsCompanyAdmin(BasePermission):
    message = "Only a company admin may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.COMPANY_ADMIN)


class IsCompanyStaff(BasePermission):
    """Company admins and staff."""

    message = "Only company staff may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return actor_for(user).is_company_staff
