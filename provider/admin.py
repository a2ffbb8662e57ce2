from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from config.admin_sites import provider_site
from provider.forms import OnboardCompanyForm
from provider.services import company_onboard
from tenants.models import Company, CompanyEvent, CustomDomain, Domain
from tenants.services import company_reactivate, company_suspend
from tenants.services_domains import custom_domain_add, custom_domain_remove, custom_domain_verify, domain_normalise


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


class CustomDomainForm(forms.ModelForm):
    class Meta:
        model = CustomDomain
        fields = ("company", "domain")

    def clean_domain(self) -> str:
        try:
            return domain_normalise(self.cleaned_data["domain"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["domain"]) from exc


@admin.register(CustomDomain, site=provider_site)
class CustomDomainAdmin(admin.ModelAdmin):
    """A company's own domains, added here or from the company console, served once verified
    (tenants.services_domains)."""

    form = CustomDomainForm
    list_display = ("domain", "company", "verified_at", "last_checked_at", "last_error")
    list_filter = ("company",)
    search_fields = ("domain", "company__name")
    readonly_fields = ("token", "txt_name", "txt_value", "verified_at", "last_checked_at", "last_error", "created_at")
    actions = ["verify_domains", "remove_domains"]

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "company", "domain") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            added = custom_domain_add(company=form.cleaned_data["company"], domain=form.cleaned_data["domain"])
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return
        obj.pk, obj.domain, obj.token = added.pk, added.domain, added.token
        obj._state.adding = False

    def delete_model(self, request, obj):
        custom_domain_remove(custom_domain=obj)

    def delete_queryset(self, request, queryset):
        for custom_domain in queryset:
            custom_domain_remove(custom_domain=custom_domain)

    @admin.action(description="Verify selected domains")
    def verify_domains(self, request, queryset):
        for custom_domain in queryset:
            checked = custom_domain_verify(custom_domain=custom_domain)
            if checked.is_verified:
                self.message_user(request, f"{checked.domain}: verified, served.")
            else:
                self.message_user(request, f"{checked.domain}: {checked.last_error}", messages.WARNING)

    @admin.action(description="Remove selected domains (stop serving them)")
    def remove_domains(self, request, queryset):
        for custom_domain in queryset:
            custom_domain_remove(custom_domain=custom_domain)
