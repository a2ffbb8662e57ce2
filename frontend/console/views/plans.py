"""Compensation plan versions in the console (/console/plans/): the list, the JSON editor (check, save as a draft,
what-if simulation of the unsaved draft) and a version's page (activate, simulate). plans.services writes,
plans.selectors reads; a service's ValidationError is shown next to the field it names."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import plans.engine
from core.accounts.permissions import has_capability
from core.commerce.selectors.periods import period_end_for, period_start_for
from frontend.common.access import console_page
from frontend.common.forms import errors_onto
from frontend.common.paging import paginate
from frontend.console.forms import ActivateForm, GeneratedSimulateForm, PlanDocumentForm, SimulateForm, WhatIfForm
from frontend.console.plan_json import annotate, pretty_with_lines
from frontend.console.views.plan_builder import start_from
from plans import selectors, services, services_plan_versions
from plans.models import CommissionRun
from plans.whatif import whatif_request

EXAMPLES = Path(plans.engine.__file__).parent / "examples"


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.json"))


# ---------------------------------------------------------------------------------------------------- plan versions


@console_page()
def plan_versions(request):
    current = selectors.plan_version_for(timezone.localdate())
    return render(
        request,
        "console/plans/versions.html",
        {
            "current": current,
            "examples": example_names(),
            "can_edit": has_capability(request.user, "plans.write"),
            **paginate(request, selectors.plan_versions_list(), 20),
        },
    )


def _starting_document(source: str) -> tuple[dict, str, str]:
    """(document, name, where it came from) for the editor's ``?from=example:<type>`` / ``version:<number>``."""
    kind, _sep, value = source.partition(":")
    if kind == "example" and value in example_names():
        return (
            json.loads((EXAMPLES / f"{value}.json").read_text()),
            "",
            _("the %(name)s example") % {"name": value.replace("_", " ")},
        )
    if kind == "version" and value.isdigit():
        version = get_object_or_404(selectors.plan_versions_list(), number=int(value))
        return version.document, version.name, _("version %(number)s") % {"number": version.number}
    current = selectors.plan_version_for(timezone.localdate())
    if current is not None:
        return current.document, current.name, _("the current version (%(number)s)") % {"number": current.number}
    return json.loads((EXAMPLES / "unilevel.json").read_text()), "", _("the %(name)s example") % {"name": "unilevel"}


@console_page("plans.write")
def plan_editor(request):
    """Edit a plan document as JSON: Check lists every problem next to its line; Save stores a new draft version;
    Simulate runs the unsaved draft against a past period (what-if)."""
    problems, rows, source, document = [], [], "", None
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
                message = _("%(error)s (column %(column)s)") % {"error": exc.msg, "column": exc.colno}
                problems = [{"path": _("(JSON syntax)"), "line": exc.lineno, "message": message}]
                rows = [{"no": no, "text": line, "problems": [p for p in problems if p["line"] == no]}
                        for no, line in enumerate(text.split("\n"), 1)]  # fmt: skip
            if document is not None:
                try:
                    plan = services_plan_versions.plan_document_check(document=document)
                except ValidationError as exc:
                    errors = {key.removeprefix("document.").removeprefix("document"): msgs
                              for key, msgs in exc.message_dict.items()}  # fmt: skip
                    pretty, problems, rows = annotate(document, errors)
                    form = PlanDocumentForm({"name": form.cleaned_data["name"], "document": pretty})
                    form.is_valid()
                else:
                    response = _act(request, form, document, plan, action, simulate_form, generated_form)
                    if response is not None:
                        return response
            if problems:
                form.add_error(
                    "document",
                    ngettext(
                        "%(n)s problem in the plan document, each listed above the editor with its line.",
                        "%(n)s problems in the plan document, each listed above the editor with its line.",
                        len(problems),
                    )
                    % {"n": len(problems)},
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
         "generated_form": generated_form, "examples": example_names(),
         "start_from": start_from(document if isinstance(document, dict) else {})},
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


def _act(request, form, document, plan, action, simulate_form, generated_form) -> HttpResponse | None:
    """What the editor's button asks of a valid document: a redirect after save or simulate; None when the page is
    shown again (a Check, or a simulation form with errors)."""
    if action == "save":
        version = services_plan_versions.plan_version_create(
            document=document, name=form.cleaned_data["name"], by=request.user
        )
        messages.success(request, _("Saved as draft version %(number)s.") % {"number": version.number})
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
        messages.success(request, _("What-if simulation queued for the unsaved draft."))
        return redirect("console-run", pk=run.pk)
    if action == "simulate_generated":
        run = _simulate_generated(request, generated_form, document=document)
        if run is None:
            return None
        members = generated_form.cleaned_data["members"]
        messages.success(request, _("What-if simulation of the unsaved draft on a generated company of %(members)s "
                                    "members queued.") % {"members": f"{members:,}"})  # fmt: skip
        return redirect("console-run", pk=run.pk)
    messages.success(
        request,
        ngettext(
            "The document is valid: %(n)s rank (%(ranks)s), components: %(components)s.",
            "The document is valid: %(n)s ranks (%(ranks)s), components: %(components)s.",
            len(plan.ranks),
        )
        % {
            "n": len(plan.ranks),
            "ranks": ", ".join(r.code for r in plan.ranks) or _("none"),
            "components": ", ".join(c.code for c in plan.components),
        },
    )
    return None


@console_page("plans.write")
def plan_version(request, number: int):
    version = get_object_or_404(selectors.plan_versions_list(), number=number)
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
                    services_plan_versions.plan_version_activate(
                        version=version, effective_from=activate_form.cleaned_data["effective_from"], by=request.user
                    )
                except ValidationError as exc:
                    errors_onto(activate_form, exc)
                else:
                    messages.success(request, _("Version %(number)s takes effect from %(day)s.") % {
                        "number": version.number, "day": activate_form.cleaned_data["effective_from"]})  # fmt: skip
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
                    messages.success(
                        request, _("What-if simulation of version %(number)s queued.") % {"number": version.number}
                    )
                    return redirect("console-run", pk=run.pk)
        elif action == "simulate_generated":
            generated_form = GeneratedSimulateForm(request.POST, prefix="gen")
            run = _simulate_generated(request, generated_form, version=version)
            if run is not None:
                members = generated_form.cleaned_data["members"]
                messages.success(request, _("What-if simulation of version %(number)s on a generated company of "
                                            "%(members)s members queued.") % {
                    "number": version.number, "members": f"{members:,}"})  # fmt: skip
                return redirect("console-run", pk=run.pk)
        else:
            raise Http404(_("No such action."))
        status = 400
    return render(
        request,
        "console/plans/version.html",
        {"version": version, "document_text": pretty_with_lines(version.document)[0], "activate_form": activate_form,
         "simulate_form": simulate_form, "generated_form": generated_form,
         "runs": selectors.plan_version_runs(version=version)[:10]},
        status=status,
    )  # fmt: skip


def _next_period_start() -> datetime.date:
    return period_end_for(period_start_for(timezone.localdate())) + datetime.timedelta(days=1)


@console_page("plans.write")
def plan_whatif(request):
    """Try one option of the plan document on a copy of the plan in effect: the plan and the copy are calculated on a
    period's real data (two what-if simulations, queued) and the run's page leads to the comparison."""
    form = WhatIfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = whatif_request(
                period=form.cleaned_data["period"], option=form.cleaned_data["option"], by=request.user
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("What-if queued: the plan and the copy with the option are being calculated."))
            return redirect("console-run", pk=run.pk)
    return render(request, "console/plans/whatif.html", {"form": form}, status=400 if form.errors else 200)
