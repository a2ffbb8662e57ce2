from django.contrib import admin

from config.admin_sites import company_site
from core.company.models import CompanySettings, DailyJobRun


@admin.register(CompanySettings, site=company_site)
class CompanySettingsAdmin(admin.ModelAdmin):
    list_display = ("display_name", "currency", "commission_period", "updated_at")


@admin.register(DailyJobRun, site=company_site)
class DailyJobRunAdmin(admin.ModelAdmin):
    list_display = ("job", "day", "status", "finished_at")
