from django.contrib.auth.admin import UserAdmin

from config.admin_sites import company_site, provider_site
from core.accounts.models import User


class AccountAdmin(UserAdmin):
    list_display = ("email", "first_name", "last_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    fieldsets = UserAdmin.fieldsets + (("Canopy", {"fields": ("role",)}),)


provider_site.register(User, AccountAdmin)
company_site.register(User, AccountAdmin)
