from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from config.admin_sites import provider_site
from provider.forms import OnboardCompanyForm
from provider.services import company_onboard
from tenants.models import Company, CompanyEvent, Domain
from tenants.services import company_reactivate, company_suspend


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    can_delete = False


class CompanyEventInline(admin.TabularInline):
    model = CompanyEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "reason", "actor", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Company, site=provider_site)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "schema_name", "status", "price_plan", "created_at")
    list_filter = ("status", "price_plan")
    search_fields = ("name", "schema_name", "domains__domain")
    readonly_fields = ("schema_name", "status", "suspension_reason", "created_at")
    inlines = [DomainInline, CompanyEventInline]
    actions = ["suspend_companies", "reactivate_companies"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            return OnboardCompanyForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": list(OnboardCompanyForm.base_fields)})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        result = company_onboard(
            name=data["name"],
            subdomain=data["subdomain"],
            admin_email=data["admin_email"],
            price_plan=data.get("price_plan"),
            actor=request.user,
        )
        form.instance = result.company
        obj.pk, obj.schema_name = result.company.pk, result.company.schema_name
        obj._state.adding = False
        messages.info(request, f"Invitation sent to {result.admin.email}.")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a company's schema is never deleted from the console

    @admin.action(description="Suspend selected companies")
    def suspend_companies(self, request, queryset):
        for company in queryset:
            try:
                company_suspend(company=company, reason="Suspended by the provider.", actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{company}: {'; '.join(exc.messages)}", messages.WARNING)

    @admin.action(description="Reactivate selected companies")
    def reactivate_companies(self, request, queryset):
        for company in queryset:
            try:
                company_reactivate(company=company, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{company}: {'; '.join(exc.messages)}", messages.WARNING)
