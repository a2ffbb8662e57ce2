"""Commission periods and runs in the console (/console/commissions/): preview, review, approve and post a run,
its lines explained, the what-if comparison, ledger adjustments and payout batches. plans.services writes (the
heavy work in tasks), plans.selectors reads."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ConflictError
from core.company.services import company_settings_get
from core.members.selectors import member_by_number
from frontend.common.access import console_page
from frontend.common.formatting import money, number, rate
from frontend.common.forms import errors_onto
from frontend.common.paging import paginate
from frontend.console.forms import AdjustmentForm, ConfirmForm, PayoutForm, PeriodForm
from plans import (
    selectors,
    selectors_commission_lines,
    selectors_explanations,
    services,
    services_adjustments,
    services_payouts,
    services_posting,
)
from plans.leases import run_activity
from plans.models import CommissionPeriod, CommissionRun, PeriodStatus, RunKind, RunStatus
from plans.selectors_audit import money_log, money_log_labelled
from plans.selectors_rates import base_currency, run_rates_missing, run_rates_overview
from plans.services_periods import period_close as period_close_service
from plans.services_periods import period_close_check, period_open_refusal
from plans.whatif import whatif_compare

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
            messages.success(
                request, _("Period %(start)s – %(end)s is listed.") % {"start": period.start, "end": period.end}
            )
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
    messages.success(request, _("Preview of %(start)s – %(end)s queued.") % {"start": period.start, "end": period.end})
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
            "rates": run_rates_overview(run=run) if run.period_id else [],
        },
    )  # fmt: skip


def _period_words(period: CommissionPeriod) -> str:
    return f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"


def _confirm(
    request,
    *,
    form,
    heading: str,
    summary: list,
    action: str,
    cancel: str,
    submit: str,
    note: str = "",
    refusal: str = "",
    refusal_link: tuple | None = None,
    hidden: dict | None = None,
    confirm_label: str = "",
):
    """The confirmation page of a money action: what will happen, then a form with the total and a checkbox."""
    return render(
        request,
        "console/plans/confirm.html",
        {"form": form, "heading": heading, "summary": summary, "action": action, "cancel": cancel,
         "submit": submit, "note": note, "refusal": refusal, "refusal_link": refusal_link, "hidden": hidden or {},
         "confirm_label": confirm_label},
        status=400 if form.errors else 200,
    )  # fmt: skip


def _confirmed_call(request, form, call, **kwargs):
    """Call the service with the confirmed total; its refusals land on the form (a changed total says so)."""
    if not form.is_valid():
        return False
    try:
        call(expected_total=form.cleaned_data["expected_total"], by=request.user, **kwargs)
    except ConflictError as exc:
        form.add_error(None, exc.messages)
        return False
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return False
    return True


def _run_summary(run: CommissionRun, currency: str) -> list:
    return [
        (_("Period"), _period_words(run.period)),
        (_("Total paid"), money(run.total_paid, currency)),
        (_("Payees"), f"{int(run.summary.get('paid_members', 0)):,}"),
        (_("Ledger lines"), f"{run.line_count:,}"),
        (_("Total CV"), f"{number(run.total_cv)} CV"),  # volume, not money: no currency
    ]


@console_page("commissions.approve")
def run_approve(request, pk: int):
    """GET: what approving will do; POST: approve with the total shown and the box ticked."""
    run = _run(pk)
    if run.period_id is None:
        raise Http404(_("A simulation on a generated company has no period."))
    currency = company_settings_get().currency
    form = ConfirmForm(request.POST or None, initial={"expected_total": run.total_paid})
    if request.method == "POST" and _confirmed_call(request, form, services_posting.run_approve, run=run):
        messages.success(request, _("Run approved. Post it to write the ledger."))
        return redirect("console-run-review", pk=run.pk)
    return _confirm(
        request, form=form, heading=_("Approve run #%(run)d") % {"run": run.pk}, summary=_run_summary(run, currency),
        action=request.path, cancel=reverse("console-run-review", args=[run.pk]), submit=_("Approve"),
        note=_("Approving fixes this preview as the one to post; a new preview would need approving again."),
    )  # fmt: skip


@console_page("commissions.approve")
def run_post(request, pk: int):
    """GET: what posting will write (or why it cannot: an open period); POST: queue it, confirmed."""
    run = _run(pk)
    if run.period_id is None:
        raise Http404(_("A simulation on a generated company has no period."))
    currency = company_settings_get().currency
    form = ConfirmForm(request.POST or None, initial={"expected_total": run.total_paid})
    if request.method == "POST" and _confirmed_call(request, form, services_posting.run_post_request, run=run):
        messages.success(request, _("Posting queued: the ledger is written once, in the background."))
        return redirect("console-run", pk=run.pk)
    period = CommissionPeriod.objects.get(pk=run.period_id)
    refusal = period_open_refusal(period) or ""
    link = (reverse("console-period-close", args=[period.pk]), _("Close the period")) if refusal else None
    missing = run_rates_missing(run=run)
    if missing and not refusal:
        refusal = _("No exchange rate is recorded for %(codes)s: members paid in it could not be paid. Enter the "
                    "rate first.") % {"codes": ", ".join(missing)}  # fmt: skip
        link = (reverse("console-run-rates", args=[run.pk]), _("Enter the exchange rates"))
    return _confirm(
        request, form=form, heading=_("Post run #%(run)d to the ledger") % {"run": run.pk},
        summary=_run_summary(run, currency) + _rates_summary(run, currency), action=request.path,
        cancel=reverse("console-run-review", args=[run.pk]), submit=_("Post to the ledger"),
        note=_("Posting writes every paid line to the members' wallets. It happens once and cannot be undone; "
               "corrections are adjustments."),
        refusal=refusal,
        refusal_link=link,
    )  # fmt: skip


def _paid_in(plan: dict) -> list:
    """A payout's totals in each members' currency other than the base: "€22.85 to 2 payees (1 USD = 0.9137 EUR)"."""
    return [
        (_("Paid in %(currency)s") % {"currency": t["currency"]},
         _("%(amount)s to %(payees)s payees (%(base)s at 1 %(base_currency)s = %(rate)s %(currency)s)") % {
             "amount": money(t["paid_total"], t["currency"]), "payees": number(t["payees"], 0),
             "base": money(t["base_total"], plan["currency"]), "base_currency": plan["currency"],
             "rate": rate(t["rate"]), "currency": t["currency"]})
        for t in plan["by_currency"] if t["currency"] != plan["currency"]
    ]  # fmt: skip


def _rates_summary(run: CommissionRun, base: str) -> list:
    """The exchange rates posting fixes, one row per currency the run's payees are paid in."""
    return [
        (_("Exchange rate %(currency)s") % {"currency": row["currency"]},
         f"1 {base} = {rate(row['rate'].rate)} {row['currency']}" if row["rate"] else _("not recorded"))
        for row in run_rates_overview(run=run) if row["needed"]
    ]  # fmt: skip


@console_page("commissions.run")
def period_close(request, pk: int):
    """GET: what closing means; POST: close the period (once its last day is over)."""
    period = get_object_or_404(selectors.commission_periods(), pk=pk)
    refusal = ""
    try:
        period_close_check(period=period)
    except ValidationError as exc:
        refusal = " ".join(exc.messages)
    form = ConfirmForm(request.POST or None, initial={"expected_total": 0})
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            period_close_service(period=period, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Period %(period)s closed.") % {"period": _period_words(period)})
            return redirect("console-periods")
    return _confirm(
        request, form=form, heading=_("Close the period %(period)s") % {"period": _period_words(period)},
        summary=[(_("Period"), _period_words(period)), (_("Status"), period.get_status_display())],
        action=request.path, cancel=reverse("console-periods"), submit=_("Close the period"),
        note=_("After closing, orders paid with a payment day in this period count in the next open period, and "
               "refunds of its orders are clawed back when a later period posts. Closing cannot be undone."),
        refusal=refusal, confirm_label=_("I understand that closing the period cannot be undone."),
    )  # fmt: skip


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
            messages.error(request, _("No member has the number %(number)s.") % {"number": number})
    posted = run.status == RunStatus.POSTED
    if posted:
        lines = selectors_commission_lines.ledger_lines(run=run, member=member, component=bonus)
        if number and member is None:
            lines = lines.none()
        context = paginate(request, lines)
        context["explained"] = selectors_explanations.ledger_lines_explained(
            context["page_obj"].object_list, currency=base_currency()
        )
    else:
        lines = selectors_commission_lines.run_lines(
            run=run, member=member, paid_only=request.GET.get("paid") == "1", component=bonus
        )
        if number and member is None:
            lines = lines.none()
        context = paginate(request, lines)
        context["explained"] = selectors_explanations.run_lines_explained(
            run=run, lines=list(context["page_obj"].object_list), currency=base_currency()
        )
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
            "whatif": whatif_compare(run=run),
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
                raise ValidationError(
                    {"member": [_("No member has the number %(number)s.") % {"number": data["member"]}]}
                )
            line = services_adjustments.ledger_adjust(
                member=member, amount=data["amount"], reason=data["reason"], period=data["period"], by=request.user
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request,
                _("Adjustment of %(amount)s to #%(number)s posted.") % {"amount": line.amount, "number": member.number},
            )
            return redirect("console-adjustments")
    return render(
        request,
        "console/plans/adjustments.html",
        {"form": form, **paginate(request, selectors.adjustments_list())},
        status=400 if form.errors else 200,
    )


@console_page("payouts.write")
def payouts(request):
    """Creating a batch is two steps: the form, then a confirmation of what it will pay (amount, payees, period)."""
    form = PayoutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services_payouts.payout_batch_plan(threshold=data["threshold"], period=data["period"])
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            confirm = ConfirmForm(request.POST if "expected_total" in request.POST else None,
                                  initial={"expected_total": plan["total"]})  # fmt: skip
            if confirm.is_bound and _confirmed_call(
                request,
                confirm,
                services_payouts.payout_batch_create,
                threshold=data["threshold"],
                period=plan["period"],
            ):
                messages.success(request, _("Payout batch created."))
                return redirect("console-payouts")
            return _confirm(
                request, form=confirm, heading=_("Create a payout batch"),
                summary=[(_("Pays commissions up to and including"), _period_words(plan["period"])),
                         (_("Threshold"), money(plan["threshold"], plan["currency"])),
                         (_("Payees"), number(plan["payees"], 0)),
                         (_("Total"), money(plan["total"], plan["currency"])),
                         *_paid_in(plan)],
                action=request.path, cancel=reverse("console-payouts"), submit=_("Create the batch"),
                note=_("Each payee is paid what is unpaid of their commissions up to this period; later periods are "
                       "not included. Download the file for your payment provider, then mark the batch paid."),
                hidden={"threshold": data["threshold"], "period": plan["period"].pk},
            )  # fmt: skip
    return render(
        request,
        "console/plans/payouts.html",
        {"form": form, **paginate(request, selectors.payout_batches_list(), 20)},
        status=400 if form.errors else 200,
    )


@console_page()
def payout_detail(request, pk: int):
    """A batch's payees, each with what the item settles: earned up to the batch's period, paid before, the amount."""
    batch = get_object_or_404(selectors.payout_batches_list(), pk=pk)
    items = batch.items.select_related("member").order_by("member__number")
    return render(request, "console/plans/payout.html", {"batch": batch, **paginate(request, items, 50)})


@console_page(read="payouts.export")
def payout_csv(request, pk: int):
    batch = get_object_or_404(selectors.payout_batches_list(), pk=pk)
    response = HttpResponse(selectors.payout_batch_csv(batch=batch), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="payout-{batch.pk}.csv"'
    return response


@console_page("payouts.write")
def payout_action(request, pk: int, action: str):
    """Mark paid (confirmed: GET shows the amount, payees and period) or cancel a batch."""
    batch = get_object_or_404(selectors.payout_batches_list(), pk=pk)
    if action == "paid":
        form = ConfirmForm(request.POST or None, initial={"expected_total": batch.total})
        if request.method == "POST" and _confirmed_call(
            request, form, services_payouts.payout_batch_mark_paid, batch=batch
        ):
            messages.success(request, _("Batch %(batch)d marked paid.") % {"batch": batch.pk})
            return redirect("console-payouts")
        return _confirm(
            request, form=form, heading=_("Mark payout batch #%(batch)d paid") % {"batch": batch.pk},
            summary=[(_("Pays commissions up to and including"),
                      _period_words(batch.period) if batch.period else _("every period (an older batch)")),
                     (_("Payees"), number(batch.item_count, 0)), (_("Total"), money(batch.total, batch.currency))],
            action=request.path, cancel=reverse("console-payouts"), submit=_("Mark paid"),
            note=_("Only mark the batch paid once your payment provider has paid the file."),
            refusal=_("Batch %(batch)d is %(status)s.") % {"batch": batch.pk, "status": batch.get_status_display()}
            if batch.status != "open" else "",
        )  # fmt: skip
    if action != "cancel":
        raise Http404(_("No such action."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services_payouts.payout_batch_cancel(batch=batch, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Batch %(batch)d cancelled: the balances return to the wallets.") % {"batch": batch.pk}
        )
    return redirect("console-payouts")


@console_page(read="commissions.audit.read")
def money_audit(request):
    """Every money action, newest first, paged."""
    context = paginate(request, money_log(), 50)
    return render(request, "console/plans/audit.html", {**context, "rows": money_log_labelled(context["page_obj"])})
