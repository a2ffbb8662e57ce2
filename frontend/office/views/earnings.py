"""The distributor's commissions in the back office: earnings by period with the wallet, and every line of a
period explained in words (their own lines only)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from frontend.common.access import office_page
from frontend.common.paging import paginate
from plans import selectors
from plans.selectors import commission_periods


@office_page()
def earnings(request):
    me = request.member
    periods = selectors.earnings_by_period(member=me)
    chart = [{"label": f"{p['start']:%Y-%m-%d}", "values": [str(p["total"])]} for p in reversed(periods[:24])]
    return render(
        request,
        "office/earnings/index.html",
        {"me": me, "wallet": selectors.wallet_balance(member=me), "periods": periods, "chart": chart},
    )


@office_page()
def earnings_period(request, pk: int):
    """Every line paid to the distributor in a period, each explained in words (their own lines only)."""
    me = request.member
    period = get_object_or_404(commission_periods(), pk=pk)
    lines = selectors.earnings_lines(member=me, period=period)
    context = paginate(request, lines)
    context["explained"] = selectors.ledger_lines_explained(context["page_obj"].object_list)
    summary = next((p for p in selectors.earnings_by_period(member=me) if p["period"] == period.pk), None)
    return render(request, "office/earnings/period.html", {"me": me, "period": period, "summary": summary, **context})
