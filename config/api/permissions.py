"""Who may call which endpoint, by role (see core.accounts.models.Role)."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.accounts.models import Role
from core.accounts.permissions import capability_check_name, has_capability
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


class HasCapability(BasePermission):
    """The signed-in user's role holds a capability of core.accounts.permissions.CAPABILITIES (the map the console
    reads too). ``write`` guards POST, PUT, PATCH and DELETE (with none, nothing may be written); ``read`` guards GET,
    HEAD and OPTIONS when given, else reads need only a signed-in user. Used as an instance in ``permission_classes``:
    ``permission_classes = [HasCapability("pricing.write", read="console.read")]``."""

    def __init__(self, write: str | None = None, *, read: str | None = None) -> None:
        self.write = capability_check_name(write) if write is not None else None
        self.read = capability_check_name(read) if read is not None else None
        self.message = "Your role may not do this."

    def __call__(self) -> HasCapability:
        return self  # DRF instantiates each entry of permission_classes; this one is configured already

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            if self.read is None:
                return bool(request.user and request.user.is_authenticated)
            return has_capability(request.user, self.read)
        return self.write is not None and has_capability(request.user, self.write)
