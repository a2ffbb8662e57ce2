from django.contrib import admin

from billing.models import PricePlan
from config.admin_sites import provider_site


@admin.register(PricePlan, site=provider_site)
class PricePlanAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "currency", "monthly_hosting_fee", "is_active")
