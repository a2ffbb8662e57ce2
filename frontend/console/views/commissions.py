"""Commission periods and runs in the console (/console/commissions/): preview, review, approve and post a run,
its lines explained, the what-if comparison, ledger adjustments and payout batches. plans.services writes (the
heavy work in tasks), plans.selectors reads."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.members.selectors import member_by_number
from frontend.common.access import console_page
from frontend.common.forms import errors_onto
from frontend.common.paging import paginate
from frontend.console.forms import AdjustmentForm, PayoutForm, PeriodForm
from plans import selectors, services
from plans.leases import run_activity
from plans.models import CommissionRun, PeriodStatus, RunKind, RunStatus

WORKING = (RunStatus.QUEUED, RunStatus.RUNNING)
POSTING_NOTES = ("queued for posting", "posting to the ledger")


@console_page("commissions.run")
def periods(request):
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = services.period_get_or_create(day=form.cleaned_data["day"])
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Period {period.start} – {period.end} is listed.")
            return redirect("console-periods")
    rows = selectors.periods_with_latest_run()
    return render(
        request,
        "console/plans/periods.html",
        {"form": form, **paginate(request, rows, 24)},
        status=400 if form.errors else 200,
    )


@console_page("commissions.run")
@require_POST
def period_preview(request, pk: int):
    period = get_object_or_404(selectors.commission_periods(), pk=pk)
    try:
        run = services.run_preview_request(period=period, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("console-periods")
    messages.success(request, f"Preview of {period.start} – {period.end} queued.")
    return redirect("console-run", pk=run.pk)


def _run(pk: int) -> CommissionRun:
    return get_object_or_404(selectors.commission_runs(), pk=pk)


def _run_context(run: CommissionRun) -> dict:
    working = run.status in WORKING or (run.status == RunStatus.APPROVED and run.progress_note in POSTING_NOTES)
    return {"run": run, "working": working, "activity": run_activity(run=run)}


@console_page()
def run_detail(request, pk: int):
    run = _run(pk)
    return render(request, "console/plans/run.html", _run_context(run))


@console_page()
def run_progress(request, pk: int):
    """The progress box, polled by htmx while the run works (without htmx the page refreshes itself)."""
    run = _run(pk)
    if not request.headers.get("HX-Request"):
        return redirect("console-run", pk=run.pk)
    return render(request, "console/plans/_run_progress.html", _run_context(run))


def _chart_rows(*series: dict) -> list[dict]:
    """[{label, values: [..per series]}] over the union of the series' keys, for a grouped bar chart."""
    series = [s for s in series if s is not None]
    keys = list(dict.fromkeys(k for s in series for k in s))
    return [{"label": k, "values": [str(Decimal(s.get(k, "0"))) for s in series]} for k in keys]


@console_page()
def run_review(request, pk: int):
    run = _run(pk)
    if run.kind == RunKind.SIMULATION:
        return redirect("console-run-compare", pk=run.pk)
    if run.status not in (RunStatus.DONE, RunStatus.APPROVED, RunStatus.POSTED, RunStatus.SUPERSEDED):
        return redirect("console-run", pk=run.pk)
    review = selectors.run_review(run=run)
    previous = review["previous"] or {}
    period = run.period
    return render(
        request,
        "console/plans/review.html",
        {
            **_run_context(run),
            "review": review,
            "by_component": _chart_rows(review["by_component"], previous.get("by_component")),
            "by_rank": [{**row, "members": review["members_by_rank"].get(row["label"])}
                        for row in _chart_rows(review["by_rank"], previous.get("by_rank"))],
            "payout_percent": (run.payout_ratio * 100).quantize(Decimal("0.01")),
            "can_approve": run.kind == RunKind.PREVIEW and run.status == RunStatus.DONE
            and period.status == PeriodStatus.PREVIEWED,
            "can_post": run.status == RunStatus.APPROVED and run.progress_note not in POSTING_NOTES
            and period.status == PeriodStatus.APPROVED,
            "posting": run.status == RunStatus.APPROVED and run.progress_note in POSTING_NOTES,
        },
    )  # fmt: skip


@console_page("commissions.approve")
@require_POST
def run_approve(request, pk: int):
    run = _run(pk)
    try:
        services.run_approve(run=run, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Run approved. Post it to write the ledger.")
    return redirect("console-run-review", pk=run.pk)


@console_page("commissions.approve")
@require_POST
def run_post(request, pk: int):
    run = _run(pk)
    try:
        services.run_post_request(run=run, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("console-run-review", pk=run.pk)
    messages.success(request, "Posting queued: the ledger is written once, in the background.")
    return redirect("console-run", pk=run.pk)


@console_page()
def run_lines(request, pk: int):
    """A run's lines with their explanation: the ledger once posted, the computed lines (paid and forfeited) before."""
    run = _run(pk)
    number = request.GET.get("member", "").strip()
    bonus = request.GET.get("bonus", "").strip()
    codes = run.summary.get("component_codes", [])
    member = None
    if number:
        member = member_by_number(int(number)) if number.isdigit() else None
        if member is None:
            messages.error(request, f"No member has the number {number}.")
    posted = run.status == RunStatus.POSTED
    if posted:
        lines = selectors.ledger_lines(run=run, member=member, component=bonus)
        if number and member is None:
            lines = lines.none()
        context = paginate(request, lines)
        context["explained"] = selectors.ledger_lines_explained(context["page_obj"].object_list)
    else:
        lines = selectors.run_lines(run=run, member=member, paid_only=request.GET.get("paid") == "1", component=bonus)
        if number and member is None:
            lines = lines.none()
        context = paginate(request, lines)
        context["explained"] = selectors.run_lines_explained(run=run, lines=list(context["page_obj"].object_list))
    return render(
        request,
        "console/plans/lines.html",
        {**context, "run": run, "posted": posted, "codes": codes, "member_q": number, "bonus": bonus,
         "paid_only": request.GET.get("paid") == "1"},
    )  # fmt: skip


@console_page()
def run_compare(request, pk: int):
    run = _run(pk)
    if run.status not in (RunStatus.DONE, RunStatus.APPROVED, RunStatus.POSTED):
        return redirect("console-run", pk=run.pk)
    compare = selectors.simulation_compare(run=run)
    actual = compare["actual"] or {}
    sim = compare["simulation"]
    return render(
        request,
        "console/plans/compare.html",
        {
            "run": run,
            "compare": compare,
            "sim_percent": (sim["payout_ratio"] * 100).quantize(Decimal("0.01")),
            "actual_percent": (actual["payout_ratio"] * 100).quantize(Decimal("0.01")) if actual else None,
            "by_component": _chart_rows(sim["by_component"], actual.get("by_component")),
            "by_rank": _chart_rows(sim["by_rank"], actual.get("by_rank")),
        },
    )


# ---------------------------------------------------------------------------------------------------- ledger, payouts


@console_page("commissions.adjust")
def adjustments(request):
    form = AdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = member_by_number(data["member"])
        try:
            if member is None:
                raise ValidationError({"member": [f"No member has the number {data['member']}."]})
            line = services.ledger_adjust(
                member=member, amount=data["amount"], reason=data["reason"], period=data["period"], by=request.user
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Adjustment of {line.amount} to #{member.number} posted.")
            return redirect("console-adjustments")
    return render(
        request,
        "console/plans/adjustments.html",
        {"form": form, **paginate(request, selectors.adjustments_list())},
        status=400 if form.errors else 200,
    )


@console_page("payouts.write")
def payouts(request):
    form = PayoutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.payout_batch_create(
                threshold=form.cleaned_data["threshold"], period=form.cleaned_data["period"], by=request.user
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Payout batch {batch.pk}: {batch.item_count} payees, {batch.total}.")
            return redirect("console-payouts")
    return render(
        request,
        "console/plans/payouts.html",
        {"form": form, **paginate(request, selectors.payout_batches_list(), 20)},
        status=400 if form.errors else 200,
    )


@console_page(read="payouts.export")
def payout_csv(request, pk: int):
    batch = get_object_or_404(selectors.payout_batches_list(), pk=pk)
    response = HttpResponse(selectors.payout_batch_csv(batch=batch), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="payout-{batch.pk}.csv"'
    return response


@console_page("payouts.write")
@require_POST
def payout_action(request, pk: int, action: str):
    batch = get_object_or_404(selectors.payout_batches_list(), pk=pk)
    call = {"paid": services.payout_batch_mark_paid, "cancel": services.payout_batch_cancel}.get(action)
    if call is None:
        raise Http404("No such action.")
    try:
        call(batch=batch, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        done = "marked paid" if action == "paid" else "cancelled: the balances return to the wallets"
        messages.success(request, f"Batch {batch.pk} {done}.")
    return redirect("console-payouts")
