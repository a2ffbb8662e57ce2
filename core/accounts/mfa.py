"""Who must sign in with a second factor (allauth.mfa: an authenticator app, with recovery codes as the fallback).

Provider staff always; a company's admins when the company's settings require it; everyone else may turn it on for
themselves (distributors, staff, customers). A user who must but has not set it up yet can do nothing but set it up
(config.middleware.TwoFactorRequiredMiddleware) and gets no API token (core.accounts.apis.TokenApi)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django_tenants.utils import get_public_schema_name

from config.tenancy import current_schema
from core.accounts.models import Role, User
from core.company.services import company_settings_get

TWO_FACTOR_SETUP_NEEDED = "Set up two-factor sign-in (an authenticator app) at /accounts/2fa/ before going on."


def two_factor_required(*, user: User) -> bool:
    if user.role == Role.PROVIDER_STAFF:
        return True
    if user.role == Role.COMPANY_ADMIN and current_schema() != get_public_schema_name():
        return company_settings_get().require_two_factor_for_admins
    return False


def two_factor_enabled(*, user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def two_factor_setup_missing(*, user: User) -> bool:
    return two_factor_required(user=user) and not two_factor_enabled(user=user)
