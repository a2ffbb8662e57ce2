"""The company console's billing page (/console/billing/): what the provider charges this company — its price plan,
usage so far this month with the estimated charge, past usage records and invoices. Company admins only, like the
company billing API (billing.apis); the data lives in the public schema and is filtered to the company served."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.shortcuts import render

from billing.selectors import invoice_list, usage_list, usage_to_date
from frontend.access import company_admin_required

PAGE_SIZE = 24


def _page(request, items, param: str) -> dict:
    """One of the page's two lists, paged by its own query parameter so each pager keeps the other's place."""
    page_obj = Paginator(items, PAGE_SIZE).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    encoded = query.urlencode()
    return {"page_obj": page_obj, "param": param, "query_string": f"{encoded}&" if encoded else ""}


@company_admin_required
def billing(request):
    company = connection.tenant
    return render(
        request,
        "console/billing.html",
        {
            "company": company,
            "estimate": usage_to_date(company=company),
            "usage": _page(request, usage_list(company=company), "usage_page"),
            "invoices": _page(request, invoice_list(company=company), "invoice_page"),
        },
    )
