"""Compensation plans in the console (/console/plans/, /console/commissions/, /console/reports/...) and earnings in
the back office (/office/earnings/). Views are thin: plans.services writes, plans.selectors reads; a service's
ValidationError is shown next to the field it names."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

import plans.engine
from core.csv_safe import csv_writer
from core.members.selectors import member_by_number
from frontend.access import console_page, office_page
from frontend.forms import errors_onto
from frontend.forms_plans import (
    ActivateForm,
    AdjustmentForm,
    GeneratedSimulateForm,
    PayoutForm,
    PeriodForm,
    PlanDocumentForm,
    SimulateForm,
)
from frontend.paging import paginate
from frontend.plan_json import annotate, pretty_with_lines
from plans import selectors, services
from plans.models import (
    CommissionPeriod,
    CommissionRun,
    LedgerKind,
    LedgerLine,
    PayoutBatch,
    PeriodStatus,
    PlanVersion,
    RunKind,
    RunStatus,
)

EXAMPLES = Path(plans.engine.__file__).parent / "examples"
WORKING = (RunStatus.QUEUED, RunStatus.RUNNING)
POSTING_NOTES = ("queued for posting", "posting to the ledger")


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.json"))


def _admin_only(request) -> None:
    if not request.user.is_company_admin:
        raise PermissionDenied("Only company admins can do this.")


def _csv_response(rows, header: list[str], filename: str) -> StreamingHttpResponse:
    class Echo:
        def write(self, value):
            return value

    writer = csv_writer(Echo())

    def stream():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


# ---------------------------------------------------------------------------------------------------- plan versions


@console_page
def plan_versions(request):
    current = services.plan_version_for(timezone.localdate())
    return render(
        request,
        "console/plans/versions.html",
        {"current": current, "examples": example_names(), **paginate(request, PlanVersion.objects.all(), 20)},
    )


def _starting_document(source: str) -> tuple[dict, str, str]:
    """(document, name, where it came from) for the editor's ``?from=example:<type>`` / ``version:<number>``."""
    kind, _, value = source.partition(":")
    if kind == "example" and value in example_names():
        return json.loads((EXAMPLES / f"{value}.json").read_text()), "", f"the {value.replace('_', ' ')} example"
    if kind == "version" and value.isdigit():
        version = get_object_or_404(PlanVersion, number=int(value))
        return version.document, version.name, f"version {version.number}"
    current = services.plan_version_for(timezone.localdate())
    if current is not None:
        return current.document, current.name, f"the current version ({current.number})"
    return json.loads((EXAMPLES / "unilevel.json").read_text()), "", "the unilevel example"


@console_page
def plan_editor(request):
    """Edit a plan document as JSON: Check lists every problem next to its line; Save stores a new draft version;
    Simulate runs the unsaved draft against a past period (what-if)."""
    problems, rows, source = [], [], ""
    simulate_form = SimulateForm(prefix="sim")
    generated_form = GeneratedSimulateForm(prefix="gen")
    status = 200
    if request.method == "POST":
        form = PlanDocumentForm(request.POST)
        action = request.POST.get("action", "check")
        if action == "simulate":
            simulate_form = SimulateForm(request.POST, prefix="sim")
        elif action == "simulate_generated":
            generated_form = GeneratedSimulateForm(request.POST, prefix="gen")
        if form.is_valid():
            text = form.cleaned_data["document"]
            try:
                document = json.loads(text)
            except json.JSONDecodeError as exc:
                document = None
                problems = [{"path": "(JSON syntax)", "line": exc.lineno, "message": f"{exc.msg} (column {exc.colno})"}]
                rows = [{"no": no, "text": line, "problems": [p for p in problems if p["line"] == no]}
                        for no, line in enumerate(text.split("\n"), 1)]  # fmt: skip
            if document is not None:
                result = _check_and_act(request, form, document, action, simulate_form, generated_form)
                if result is not None and not isinstance(result, tuple):
                    return result
                if result is not None:
                    pretty, problems, rows = result
                    form = PlanDocumentForm({"name": form.cleaned_data["name"], "document": pretty})
                    form.is_valid()
            if problems:
                form.add_error(
                    "document",
                    f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the plan document, "
                    "each listed above the editor with its line.",
                )
        if form.errors or simulate_form.errors or generated_form.errors:
            status = 400
    else:
        document, name, source = _starting_document(request.GET.get("from", ""))
        form = PlanDocumentForm(initial={"name": name, "document": pretty_with_lines(document)[0]})
    return render(
        request,
        "console/plans/editor.html",
        {"form": form, "problems": problems, "rows": rows, "source": source, "simulate_form": simulate_form,
         "generated_form": generated_form, "examples": example_names()},
        status=status,
    )  # fmt: skip


def _simulate_generated(request, generated_form, **plan) -> CommissionRun | None:
    """Queue a what-if on a generated company (``plan``: version= or document=); None with the form's errors."""
    if not generated_form.is_valid():
        return None
    try:
        return services.run_simulation_request(generated=generated_form.generated(), by=request.user, **plan)
    except ValidationError as exc:
        errors_onto(generated_form, ValidationError(
            {key.removeprefix("generated."): msgs for key, msgs in exc.message_dict.items()}
        ))  # fmt: skip
        return None


def _check_and_act(request, form, document, action, simulate_form, generated_form):
    """None when valid and nothing else to do; a response after save/simulate; (text, problems, rows) on errors."""
    try:
        plan = services.plan_document_check(document=document)
    except ValidationError as exc:
        errors = {key.removeprefix("document.").removeprefix("document"): msgs
                  for key, msgs in exc.message_dict.items()}  # fmt: skip
        return annotate(document, errors)
    if action == "save":
        version = services.plan_version_create(document=document, name=form.cleaned_data["name"], by=request.user)
        messages.success(request, f"Saved as draft version {version.number}.")
        return redirect("console-plan-version", number=version.number)
    if action == "simulate":
        if not simulate_form.is_valid():
            return None
        try:
            run = services.run_simulation_request(
                period=simulate_form.cleaned_data["period"], document=document, by=request.user
            )
        except ValidationError as exc:
            errors_onto(simulate_form, exc)
            return None
        messages.success(request, "What-if simulation queued for the unsaved draft.")
        return redirect("console-run", pk=run.pk)
    if action == "simulate_generated":
        run = _simulate_generated(request, generated_form, document=document)
        if run is None:
            return None
        members = generated_form.cleaned_data["members"]
        messages.success(request, f"What-if simulation of the unsaved draft on a generated company of {members:,} "
                                  "members queued.")  # fmt: skip
        return redirect("console-run", pk=run.pk)
    messages.success(
        request,
        f"The document is valid: {len(plan.ranks)} rank{'s' if len(plan.ranks) != 1 else ''} "
        f"({', '.join(r.code for r in plan.ranks) or 'none'}), components: "
        f"{', '.join(c.code for c in plan.components)}.",
    )
    return None


@console_page
def plan_version(request, number: int):
    version = get_object_or_404(PlanVersion, number=number)
    activate_form = ActivateForm(prefix="act", initial={"effective_from": _next_period_start()})
    simulate_form = SimulateForm(prefix="sim")
    generated_form = GeneratedSimulateForm(prefix="gen")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "activate":
            activate_form = ActivateForm(request.POST, prefix="act")
            if activate_form.is_valid():
                try:
                    services.plan_version_activate(
                        version=version, effective_from=activate_form.cleaned_data["effective_from"], by=request.user
                    )
                except ValidationError as exc:
                    errors_onto(activate_form, exc)
                else:
                    messages.success(request, f"Version {version.number} takes effect from "
                                              f"{activate_form.cleaned_data['effective_from']}.")  # fmt: skip
                    return redirect("console-plan-version", number=version.number)
        elif action == "simulate":
            simulate_form = SimulateForm(request.POST, prefix="sim")
            if simulate_form.is_valid():
                try:
                    run = services.run_simulation_request(
                        period=simulate_form.cleaned_data["period"], version=version, by=request.user
                    )
                except ValidationError as exc:
                    errors_onto(simulate_form, exc)
                else:
                    messages.success(request, f"What-if simulation of version {version.number} queued.")
                    return redirect("console-run", pk=run.pk)
        elif action == "simulate_generated":
            generated_form = GeneratedSimulateForm(request.POST, prefix="gen")
            run = _simulate_generated(request, generated_form, version=version)
            if run is not None:
                members = generated_form.cleaned_data["members"]
                messages.success(request, f"What-if simulation of version {version.number} on a generated company "
                                          f"of {members:,} members queued.")  # fmt: skip
                return redirect("console-run", pk=run.pk)
        else:
            raise Http404("No such action.")
        status = 400
    return render(
        request,
        "console/plans/version.html",
        {"version": version, "document_text": pretty_with_lines(version.document)[0], "activate_form": activate_form,
         "simulate_form": simulate_form, "generated_form": generated_form,
         "runs": version.runs.select_related("period").order_by("-id")[:10]},
        status=status,
    )  # fmt: skip


def _next_period_start() -> datetime.date:
    from core.commerce.periods import period_end_for, period_start_for

    return period_end_for(period_start_for(timezone.localdate())) + datetime.timedelta(days=1)


# ---------------------------------------------------------------------------------------------------- periods, runs


@console_page
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
    latest = CommissionRun.objects.filter(period=OuterRef("pk")).exclude(kind=RunKind.SIMULATION).order_by("-id")
    rows = CommissionPeriod.objects.select_related("plan_version").annotate(
        latest_run=Subquery(latest.values("pk")[:1]), latest_status=Subquery(latest.values("status")[:1])
    )
    return render(
        request,
        "console/plans/periods.html",
        {"form": form, **paginate(request, rows, 24)},
        status=400 if form.errors else 200,
    )


@console_page
@require_POST
def period_preview(request, pk: int):
    period = get_object_or_404(CommissionPeriod, pk=pk)
    try:
        run = services.run_preview_request(period=period, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("console-periods")
    messages.success(request, f"Preview of {period.start} – {period.end} queued.")
    return redirect("console-run", pk=run.pk)


def _run(pk: int) -> CommissionRun:
    return get_object_or_404(CommissionRun.objects.select_related("period", "plan_version"), pk=pk)


def _run_context(run: CommissionRun) -> dict:
    working = run.status in WORKING or (run.status == RunStatus.APPROVED and run.progress_note in POSTING_NOTES)
    return {"run": run, "working": working}


@console_page
def run_detail(request, pk: int):
    run = _run(pk)
    return render(request, "console/plans/run.html", _run_context(run))


@console_page
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


@console_page
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


@console_page
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


@console_page
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


@console_page
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
        lines = selectors.ledger_lines(run=run, member=member)
        if bonus:
            lines = lines.filter(component=bonus)
        if number and member is None:
            lines = lines.none()
        context = paginate(request, lines)
        context["explained"] = selectors.ledger_lines_explained(context["page_obj"].object_list)
    else:
        lines = selectors.run_lines(run=run, member=member, paid_only=request.GET.get("paid") == "1")
        if bonus in codes:
            lines = lines.filter(component=codes.index(bonus))
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


@console_page
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


@console_page
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
    lines = LedgerLine.objects.filter(kind=LedgerKind.ADJUSTMENT).select_related("payee", "period", "created_by")
    return render(
        request,
        "console/plans/adjustments.html",
        {"form": form, **paginate(request, lines.order_by("-id"))},
        status=400 if form.errors else 200,
    )


@console_page
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
        {"form": form, **paginate(request, PayoutBatch.objects.select_related("period"), 20)},
        status=400 if form.errors else 200,
    )


@console_page
def payout_csv(request, pk: int):
    _admin_only(request)
    batch = get_object_or_404(PayoutBatch, pk=pk)
    response = HttpResponse(selectors.payout_batch_csv(batch=batch), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="payout-{batch.pk}.csv"'
    return response


@console_page
@require_POST
def payout_action(request, pk: int, action: str):
    batch = get_object_or_404(PayoutBatch, pk=pk)
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


# ---------------------------------------------------------------------------------------------------- reports


def _period_param(request) -> CommissionPeriod | None:
    value = request.GET.get("period", "")
    if value.isdigit():
        return get_object_or_404(CommissionPeriod, pk=int(value))
    run = selectors.latest_reference_run()
    return run.period if run else CommissionPeriod.objects.order_by("-start").first()


@console_page
def report_commissions(request):
    period = _period_param(request)
    number = request.GET.get("member", "").strip()
    rows = (
        selectors.commissions_by_member(period=period, member_number=int(number) if number.isdigit() else None)
        if period
        else LedgerLine.objects.none()
    )
    if _wants_csv(request):
        data = ([r["number"], f"{r['first_name']} {r['last_name']}", r["component"], r["kind"], r["lines"],
                 f"{r['total']:.2f}"] for r in rows.iterator())  # fmt: skip
        return _csv_response(
            data, ["member_number", "name", "bonus", "kind", "lines", "amount"], f"commissions-{period.start}.csv"
        )
    return render(
        request,
        "console/plans/report_commissions.html",
        {"period": period, "periods": CommissionPeriod.objects.order_by("-start")[:60], "member_q": number,
         **paginate(request, rows)},
    )  # fmt: skip


@console_page
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
        return _csv_response(data, header, f"ranks-{period.start if period else 'none'}.csv")
    context = paginate(request, rows)
    for r in context["page_obj"].object_list:
        r.update(rank_code=code(r["rank"]), highest_code=code(r["highest_rank"]), pv_points=Decimal(r["pv"]) / 100,
                 gv_points=Decimal(r["gv"]) / 100, earned=Decimal(r["earned_cents"]) / 100)  # fmt: skip
    by_rank = run.summary.get("members_by_rank", {}) if run else {}
    return render(
        request,
        "console/plans/report_ranks.html",
        {"period": period, "run": run, "periods": CommissionPeriod.objects.order_by("-start")[:60],
         "by_rank": [{"label": k, "values": [v]} for k, v in by_rank.items()], **context},
    )  # fmt: skip


@console_page
def report_income_disclosure(request):
    years = sorted({d.year for d in CommissionPeriod.objects.values_list("start", flat=True)}, reverse=True)
    value = request.GET.get("year", "")
    year = int(value) if value.isdigit() else (years[0] if years else timezone.localdate().year)
    statement = selectors.income_disclosure(year=year)
    if _wants_csv(request):
        data = ([r["rank"], r["members"], r["share"], r["average"], r["median"], r["top"], r["lowest"], r["total"]]
                for r in statement["rows"])  # fmt: skip
        header = ["paid_as_rank", "members", "share_percent", "average", "median", "top", "lowest", "total"]
        return _csv_response(data, header, f"income-disclosure-{year}.csv")
    chart = [{"label": r["rank"], "values": [str(r["average"]), str(r["median"])]} for r in statement["rows"]]
    return render(
        request,
        "console/plans/report_income.html",
        {"statement": statement, "year": year, "years": years, "chart": chart},
    )


# ---------------------------------------------------------------------------------------------------- back office


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
    period = get_object_or_404(CommissionPeriod, pk=pk)
    lines = selectors.ledger_lines(member=me, period=period).select_related("source_order", "source_member")
    context = paginate(request, lines)
    context["explained"] = selectors.ledger_lines_explained(context["page_obj"].object_list)
    summary = next((p for p in selectors.earnings_by_period(member=me) if p["period"] == period.pk), None)
    return render(request, "office/earnings/period.html", {"me": me, "period": period, "summary": summary, **context})
