from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from config.admin_sites import company_site, provider_site
from core.accounts.models import User
from core.accounts.services import api_tokens_revoke


class PasswordChangeRevokingTokens(AdminPasswordChangeForm):
    """A password set in the data admin revokes the user's API tokens, as a change through allauth does."""

    def save(self, commit=True):
        user = super().save(commit)
        api_tokens_revoke(user=user)
        return user


class AccountAdmin(UserAdmin):
    list_display = ("email", "first_name", "last_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    change_password_form = PasswordChangeRevokingTokens
    fieldsets = UserAdmin.fieldsets + (("Canopy", {"fields": ("role",)}),)


provider_site.register(User, AccountAdmin)
company_site.register(User, AccountAdmin)
