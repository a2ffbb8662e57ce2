"""The console's domains: the company's platform address, its own domains (added, verified, removed) and the
replicated-site addresses. Company admins only (a domain decides where the company's site and sign-in are served)."""

from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from config.hosts import company_host
from frontend.common.access import console_page
from frontend.common.forms import form_status, submit
from frontend.console.forms import CustomDomainForm
from tenants.selectors import custom_domains_of
from tenants.services_domains import VERIFICATION_PATH, custom_domain_add, custom_domain_remove, custom_domain_verify

domains_page = console_page("company.settings.write", read="company.settings.write")
domain_action_page = console_page(
    {"verify": "company.settings.write", "remove": "company.settings.write"}, read="company.settings.write"
)


@domains_page
def domains(request):
    company = connection.tenant
    form = CustomDomainForm(request.POST or None)
    if request.method == "POST" and (added := submit(form, lambda data: custom_domain_add(company=company, **data))):
        messages.success(
            request,
            _("%(domain)s is added: verify it once it points at the platform.") % {"domain": added.result.domain},
        )
        return redirect("console-domains")
    context = {
        "form": form,
        "platform_host": company_host(company.subdomain),
        "custom_domains": custom_domains_of(company=company),
        "verification_path": VERIFICATION_PATH,
    }
    return render(request, "console/domains.html", context, status=form_status(form))


@domain_action_page
def domain_action(request, pk: int, action: str):
    custom_domain = get_object_or_404(custom_domains_of(company=connection.tenant), pk=pk)
    if action == "verify":
        checked = custom_domain_verify(custom_domain=custom_domain)
        if checked.is_verified:
            messages.success(request, _("%(domain)s is verified and served.") % {"domain": checked.domain})
        else:
            messages.error(
                request,
                _("%(domain)s is not verified yet: %(error)s")
                % {"domain": checked.domain, "error": checked.last_error},
            )
    else:
        custom_domain_remove(custom_domain=custom_domain)
        messages.success(request, _("%(domain)s is removed.") % {"domain": custom_domain.domain})
    return redirect("console-domains")
