"""A commission run's exchange rates in the console (/console/commissions/runs/<id>/rates/): the currencies its
payees are paid in besides the base one, a form per currency and a ``currency,rate`` file upload (issue 19,
docs/currencies.md). plans.services_rates writes, plans.selectors_rates reads."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from frontend.common.access import console_page
from frontend.common.formatting import rate
from frontend.common.forms import errors_onto
from frontend.console.forms import ExchangeRateForm, ExchangeRatesFileForm
from plans import selectors
from plans.models import RunKind, RunStatus
from plans.selectors_rates import base_currency, run_rates_overview
from plans.services_rates import EDITABLE, run_rate_set, run_rates_import

MAX_FILE_BYTES = 64 * 1024  # a rates file is one short row per currency


def _rate_form(row: dict, data=None) -> ExchangeRateForm:
    rate = row["rate"]
    initial = {"currency": row["currency"], "rate": f"{rate.rate.normalize():f}" if rate else ""}
    form = ExchangeRateForm(data, prefix=f"rate-{row['currency'].lower()}", initial=initial)
    form.fields["rate"].label = _("Rate for %(currency)s") % {"currency": row["currency"]}
    return form


@console_page("commissions.approve")
def run_rates(request, pk: int):
    """GET: the currencies and their rates; POST ``form=rate`` one currency's rate, ``form=file`` a rates file."""
    run = get_object_or_404(selectors.commission_runs(), pk=pk)
    rows = run_rates_overview(run=run)
    posted_form = request.POST.get("form") if request.method == "POST" else None
    file_form = ExchangeRatesFileForm(request.POST or None, request.FILES or None) if posted_form == "file" else None
    forms = {row["currency"]: _rate_form(row) for row in rows}
    if posted_form == "rate":
        code = request.POST.get("currency", "")
        row = next((r for r in rows if r["currency"] == code), {"currency": code[:3].upper(), "rate": None})
        form = forms[row["currency"]] = _rate_form(row, request.POST)
        if form.is_valid():
            try:
                saved = run_rate_set(run=run, currency=form.cleaned_data["currency"], rate=form.cleaned_data["rate"],
                                     by=request.user)  # fmt: skip
            except ValidationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("1 %(base)s = %(rate)s %(currency)s recorded with run #%(run)d.") % {
                    "base": base_currency(), "rate": rate(saved.rate), "currency": saved.currency,
                    "run": run.pk})  # fmt: skip
                return redirect("console-run-rates", pk=run.pk)
    elif file_form is not None and file_form.is_valid():
        upload = file_form.cleaned_data["file"]
        try:
            if upload.size > MAX_FILE_BYTES:
                raise ValidationError({"file": [_("The file is larger than 64 KB.")]})
            saved_rates = run_rates_import(run=run, content=upload.read(), by=request.user)
        except ValidationError as exc:
            errors_onto(file_form, exc)
        else:
            messages.success(request, _("%(count)d rates recorded from the file.") % {"count": len(saved_rates)})
            return redirect("console-run-rates", pk=run.pk)
    elif request.method == "POST" and file_form is None:
        messages.error(request, _("Nothing was sent: choose a rate or a file."))
    failed = any(f.errors for f in forms.values()) or bool(file_form is not None and file_form.errors)
    return render(
        request,
        "console/plans/rates.html",
        {
            "run": run,
            "base": base_currency(),
            "rows": [{**row, "form": forms[row["currency"]]} for row in rows],
            "file_form": file_form or ExchangeRatesFileForm(),
            "editable": run.kind == RunKind.PREVIEW and run.status in EDITABLE and run.period_id is not None,
            "fixed": run.status == RunStatus.POSTED,
        },
        status=400 if failed else 200,
    )
