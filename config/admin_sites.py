"""Two admin sites: the provider console on the platform domain, the company console on each company's domain.
Each shows only models whose tables exist in its schema."""

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


class SignInThroughAllauth:
    """The data admin's own password form would skip two-factor sign-in and the failed-login lockout: sign in
    through allauth's pages instead."""

    def login(self, request, extra_context=None):
        return redirect_to_login(request.get_full_path(), login_url=reverse("account_login"))


class ProviderAdminSite(SignInThroughAllauth, AdminSite):
    site_header = "Canopy provider console"
    site_title = "Canopy provider"
    index_title = "Companies, billing and staff"


class CompanyAdminSite(SignInThroughAllauth, AdminSite):
    site_header = "Company console"
    site_title = "Company console"
    index_title = "Your company"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and getattr(user, "is_company_staff", False))


provider_site = ProviderAdminSite(name="provider_admin")
company_site = CompanyAdminSite(name="company_admin")
