"""The distributor's commissions in the back office: this period's figures and projected commissions, earnings by
period with the wallet, and every line of a period explained in words (their own lines only)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from frontend.common.access import office_page
from frontend.common.paging import paginate
from plans import selectors, selectors_commission_lines, selectors_explanations, selectors_period_figures
from plans.models import PeriodStatus
from plans.selectors import commission_periods
from plans.selectors_rates import base_currency, period_conversion, period_conversions
from plans.statements.data import period_statement, year_summary
from plans.statements.notices import statement_filename, year_summary_filename
from plans.statements.render import statement_pdf, year_summary_pdf

STATEMENT_YEARS = range(2000, 2101)  # a year outside it is a 404, not a query


def _named(by_bonus: dict, names: dict[str, str]) -> list[tuple[str, object]]:
    """(the company's name for the bonus, amount); a clawback or adjustment key keeps its suffix."""
    out = []
    for key, amount in by_bonus.items():
        code, _, suffix = key.partition(" (")
        out.append((names.get(code, code) + (f" ({suffix}" if suffix else ""), amount))
    return out


@office_page()
def earnings(request):
    me = request.member
    periods = selectors_commission_lines.earnings_by_period(member=me)
    names = selectors_period_figures.bonus_names()
    converted = period_conversions(member=me, totals={p["period"]: p["total"] for p in periods})
    for p in periods:
        p["bonuses"] = _named(p["by_bonus"], names)
        p["converted"] = converted.get(p["period"])
    chart = [{"label": f"{p['start']:%Y-%m-%d}", "values": [str(p["total"])]} for p in reversed(periods[:24])]
    return render(
        request,
        "office/earnings/index.html",
        {
            "me": me,
            "figures": selectors_period_figures.member_period_figures(member=me),
            "wallet": selectors.wallet_balance(member=me),
            "periods": periods,
            "chart": chart,
            "years": sorted({p["start"].year for p in periods}, reverse=True),
        },
    )


@office_page()
def earnings_period(request, pk: int):
    """Every line paid to the distributor in a period, each explained in words (their own lines only)."""
    me = request.member
    period = get_object_or_404(commission_periods(), pk=pk)
    lines = selectors_commission_lines.earnings_lines(member=me, period=period)
    context = paginate(request, lines)
    names = selectors_period_figures.bonus_names()
    context["explained"] = [
        {**x, "bonus": names.get(x["line"].component, x["line"].component)}
        for x in selectors_explanations.ledger_lines_explained(
            context["page_obj"].object_list, names, currency=base_currency()
        )
    ]
    summary = next(
        (p for p in selectors_commission_lines.earnings_by_period(member=me) if p["period"] == period.pk), None
    )
    converted = None
    if summary is not None:
        summary["bonuses"] = _named(summary["by_bonus"], names)
        converted = period_conversion(member=me, period=period, base_amount=summary["total"])
    return render(
        request,
        "office/earnings/period.html",
        {
            "me": me,
            "period": period,
            "summary": summary,
            "converted": converted,
            "figures": selectors_period_figures.member_period_figures(member=me, period=period),
            **context,
        },
    )


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@office_page()
def earnings_statement(request, pk: int):
    """The distributor's own commission statement for a posted period, as a PDF (no other member's: it is read for
    ``request.member`` only)."""
    me = request.member
    period = get_object_or_404(commission_periods(statuses=[PeriodStatus.POSTED, PeriodStatus.PAID]), pk=pk)
    pdf = statement_pdf(period_statement(member=me, period=period))
    return pdf_response(pdf, statement_filename(member=me, period=period))


@office_page()
def earnings_year_summary(request, year: int):
    """The distributor's year-end earnings summary for tax filing, as a PDF."""
    if year not in STATEMENT_YEARS:
        raise Http404(_("There is no earnings summary for that year."))
    me = request.member
    return pdf_response(
        year_summary_pdf(year_summary(member=me, year=year)), year_summary_filename(member=me, year=year)
    )
