"""The provider console's companies: onboard, suspend, reactivate, and each company's usage and invoices. Provider
staff only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from billing.selectors import invoice_list, usage_list, usage_to_date
from frontend.common.access import provider_staff_required
from frontend.common.forms import errors_onto
from frontend.common.paging import paginate
from frontend.provider.forms import OnboardForm, SuspendForm
from provider.services import company_onboard
from tenants.selectors import companies_by_name, company_events, company_list
from tenants.services import company_base_url, company_reactivate, company_suspend


@provider_staff_required
def companies(request):
    return render(request, "provider/companies.html", paginate(request, companies_by_name()))


@provider_staff_required
def company_new(request):
    form = OnboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            onboarding = company_onboard(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request,
                _("%(company)s is onboarded at %(url)s; an invitation went to %(email)s.")
                % {
                    "company": onboarding.company.name,
                    "url": company_base_url(onboarding.company),
                    "email": onboarding.admin.email,
                },
            )
            return redirect("provider-company", company_id=onboarding.company.pk)
    return render(request, "provider/company_new.html", {"form": form}, status=400 if form.errors else 200)


@provider_staff_required
def company_detail(request, company_id: int):
    company = get_object_or_404(company_list(), pk=company_id)
    suspend_form = SuspendForm(prefix="suspend")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "reactivate":
                company_reactivate(company=company, actor=request.user)
                messages.success(request, _("%(company)s is active again.") % {"company": company.name})
                return redirect("provider-company", company_id=company.pk)
            suspend_form = SuspendForm(request.POST, prefix="suspend")
            if suspend_form.is_valid():
                company_suspend(company=company, reason=suspend_form.cleaned_data["reason"], actor=request.user)
                messages.success(request, _("%(company)s is suspended.") % {"company": company.name})
                return redirect("provider-company", company_id=company.pk)
        except ValidationError as exc:
            errors_onto(suspend_form, exc)
        company.refresh_from_db()
    return render(
        request,
        "provider/company_detail.html",
        {
            "c": company,
            "url": company_base_url(company),
            "suspend_form": suspend_form,
            "live_usage": usage_to_date(company=company),
            "usage": usage_list(company=company)[:24],
            "invoices": invoice_list(company=company)[:24],
            "events": company_events(company=company, limit=20),
        },
        status=400 if suspend_form.errors else 200,
    )
