"""The commission reports in the console (/console/reports/...): commissions by member, ranks in a period's
reference run and the yearly income disclosure statement, each with its CSV export."""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from frontend.common.access import console_page
from frontend.common.csv import csv_response
from frontend.common.paging import paginate
from plans import selectors
from plans.models import CommissionPeriod


def _wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def _period_param(request) -> CommissionPeriod | None:
    value = request.GET.get("period", "")
    if value.isdigit():
        return get_object_or_404(selectors.commission_periods(), pk=int(value))
    return selectors.report_period_default()


@console_page()
def report_commissions(request):
    period = _period_param(request)
    number = request.GET.get("member", "").strip()
    rows = (
        selectors.commissions_by_member(period=period, member_number=int(number) if number.isdigit() else None)
        if period
        else []
    )
    if _wants_csv(request):
        data = ([r["number"], f"{r['first_name']} {r['last_name']}", r["component"], r["kind"], r["lines"],
                 f"{r['total']:.2f}"] for r in (rows.iterator() if period else []))  # fmt: skip
        header = ["member_number", "name", "bonus", "kind", "lines", "amount"]
        return csv_response(data, header=header, filename=f"commissions-{period.start}.csv", request=request)
    return render(
        request,
        "console/plans/report_commissions.html",
        {"period": period, "periods": selectors.commission_periods()[:60], "member_q": number,
         **paginate(request, rows)},
    )  # fmt: skip


@console_page()
def report_ranks(request):
    period = _period_param(request)
    run = selectors.period_reference_run(period)
    codes = run.summary.get("rank_codes", []) if run else []

    def code(index: int) -> str:
        return codes[index] if 0 <= index < len(codes) else "—"

    rows = selectors.ranks_in_run(run=run) if run else []
    if _wants_csv(request):
        data = ([r["number"], f"{r['first_name']} {r['last_name']}", code(r["rank"]), code(r["highest_rank"]),
                 f"{Decimal(r['pv']) / 100:.2f}", f"{Decimal(r['psv']) / 100:.2f}", f"{Decimal(r['gv']) / 100:.2f}",
                 "yes" if r["active"] else "no", f"{Decimal(r['earned_cents']) / 100:.2f}"]
                for r in (rows.iterator() if run else []))  # fmt: skip
        header = ["member_number", "name", "paid_as_rank", "highest_rank", "pv", "psv", "gv", "active", "earned"]
        return csv_response(
            data, header=header, filename=f"ranks-{period.start if period else 'none'}.csv", request=request
        )
    context = paginate(request, rows)
    for r in context["page_obj"].object_list:
        r.update(rank_code=code(r["rank"]), highest_code=code(r["highest_rank"]), pv_points=Decimal(r["pv"]) / 100,
                 gv_points=Decimal(r["gv"]) / 100, earned=Decimal(r["earned_cents"]) / 100)  # fmt: skip
    by_rank = run.summary.get("members_by_rank", {}) if run else {}
    return render(
        request,
        "console/plans/report_ranks.html",
        {"period": period, "run": run, "periods": selectors.commission_periods()[:60],
         "by_rank": [{"label": k, "values": [v]} for k, v in by_rank.items()], **context},
    )  # fmt: skip


@console_page()
def report_income_disclosure(request):
    years = selectors.period_years()
    value = request.GET.get("year", "")
    year = int(value) if value.isdigit() else (years[0] if years else timezone.localdate().year)
    statement = selectors.income_disclosure(year=year)
    if _wants_csv(request):
        data = ([r["rank"], r["members"], r["share"], r["average"], r["median"], r["top"], r["lowest"], r["total"]]
                for r in statement["rows"])  # fmt: skip
        header = ["paid_as_rank", "members", "share_percent", "average", "median", "top", "lowest", "total"]
        return csv_response(data, header=header, filename=f"income-disclosure-{year}.csv", request=request)
    chart = [{"label": r["rank"], "values": [str(r["average"]), str(r["median"])]} for r in statement["rows"]]
    return render(
        request,
        "console/plans/report_income.html",
        {"statement": statement, "year": year, "years": years, "chart": chart},
    )


@console_page()
def report_income_disclosure_print(request):
    """The income disclosure statement as a printable page (no console navigation; print CSS) for publishing."""
    years = selectors.period_years()
    value = request.GET.get("year", "")
    year = int(value) if value.isdigit() else (years[0] if years else timezone.localdate().year)
    statement = selectors.income_disclosure(year=year)
    return render(request, "console/plans/report_income_print.html", {"statement": statement, "year": year})
