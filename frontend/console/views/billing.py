"""The company console's billing page (/console/billing/): what the provider charges this company — its price plan,
usage so far this month with the estimated charge, past usage records and invoices. Company admins only, like the
company billing API (billing.apis); the data lives in the public schema and is filtered to the company served."""

from __future__ import annotations

from django.db import connection
from django.shortcuts import render

from billing.selectors import invoice_list, usage_list, usage_to_date
from frontend.common.access import console_page
from frontend.common.paging import paginate_by

BILLING_PAGE_SIZE = 24


@console_page(read="billing.read")
def billing(request):
    company = connection.tenant
    return render(
        request,
        "console/billing.html",
        {
            "company": company,
            "estimate": usage_to_date(company=company),
            "usage": paginate_by(request, usage_list(company=company), "usage_page", BILLING_PAGE_SIZE),
            "invoices": paginate_by(request, invoice_list(company=company), "invoice_page", BILLING_PAGE_SIZE),
        },
    )
