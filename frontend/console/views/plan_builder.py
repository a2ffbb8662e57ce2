"""The plan builder (/console/plans/build/): the plan document as a form — ranks as an ordered table, each component
as a card — with every problem in plain words at its field and a worked example computed by the engine, refreshed
(htmx) as the form changes. "Advanced" is the JSON editor (views/plans.py), reached with the same document both ways.

The form's values map to the document by frontend.console.plan_form; plans.services_plan_versions.plan_document_check
validates; plans.worked_example runs the engine on a seven-member sample team.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.common.access import console_page
from frontend.console.forms import GeneratedSimulateForm, PlanDocumentForm, SimulateForm
from frontend.console.plan_builder import EXAMPLES, apply_action, builder, data_for, example_names, matching_example
from frontend.console.plan_form import document_from_data, representable
from frontend.console.plan_json import pretty_with_lines
from frontend.console.plan_labels import EngineMessage
from plans import selectors, services_plan_versions
from plans.worked_example import worked_example

MAX_VALUE = 2000  # characters in one input of the builder
WHY_NOT_PAID = {  # plans.engine.Reason, for the worked example's forfeited lines
    "excluded": gettext_lazy("excluded by the demotion policy"),
    "not_qualified": gettext_lazy("not qualified: inactive, or below the lowest rank paid"),
    "depth": gettext_lazy("their rank is not paid this deep"),
    "pairing_cap": gettext_lazy("over the pairing cap"),
    "payout_cap": gettext_lazy("cut by the payout cap"),
    "no_qualifier": gettext_lazy("nobody holds shares"),
}


def start_from(document: dict) -> str:
    """The example "Start over from" offers first: the kind of the company's current plan (else of ``document``)."""
    current = selectors.plan_version_for(timezone.localdate())
    return matching_example(current.document if current is not None else document)


def starting_document(source: str) -> tuple[dict, str]:
    """(document, where it came from) for ``?from=example:<name>`` / ``version:<number>`` / the current version."""
    kind, _sep, value = source.partition(":")
    if kind == "example" and value in example_names():
        return json.loads((EXAMPLES / f"{value}.json").read_text()), _("the %(name)s example") % {
            "name": value.replace("_", " ")
        }
    if kind == "version" and value.isdigit():
        version = get_object_or_404(selectors.plan_versions_list(), number=int(value))
        return version.document, _("version %(number)s") % {"number": version.number}
    current = selectors.plan_version_for(timezone.localdate())
    if current is not None:
        return current.document, _("the current version (%(number)s)") % {"number": current.number}
    return json.loads((EXAMPLES / "unilevel.json").read_text()), _("the unilevel example")


def _posted(request) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The posted values, and problems with the values themselves (too long, NUL bytes) by document path."""
    data, problems = {}, {}
    for key, value in request.POST.items():
        if key in ("csrfmiddlewaretoken", "action", "new_type", "version_name"):
            continue
        if len(value) > MAX_VALUE or "\x00" in value or len(key) > 200:
            problems[key.split("@")[0].split("#")[0]] = [
                _("Too long (at most %(n)s characters), or holds characters that can't be used") % {"n": MAX_VALUE}
            ]
            value = ""
        data[key] = value
    return data, problems


def _check(document: dict) -> tuple[object | None, dict[str, list[str]]]:
    """The plan, or its errors by path: each message in the reader's language, carrying its English original (the
    builder recognises the engine's messages by it to say them in plain words)."""
    try:
        return services_plan_versions.plan_document_check(document=document), {}
    except ValidationError as exc:
        translated = exc.message_dict
    with translation.override("en"):
        try:
            services_plan_versions.plan_document_check(document=document)
            english: dict[str, list[str]] = {}
        except ValidationError as exc:
            english = exc.message_dict
    return None, {
        key.removeprefix("document.").removeprefix("document"): [
            EngineMessage(text, original) for text, original in zip(msgs, english.get(key, msgs), strict=False)
        ]
        for key, msgs in translated.items()
    }


def _example(plan) -> dict | None:
    if plan is None:
        return None
    example = worked_example(plan)
    cents = Decimal("0.01")
    return {
        "order_cv": example.order_cv,
        "levels_down": example.levels_down,
        "you": example.you_from_order_cents * cents,
        "lines": [{"payee": line.payee, "component": line.component, "level": line.level,
                   "rate": Decimal(line.rate_bp) / 100 if line.rate_bp >= 0 else None,
                   "amount": line.amount_cents * cents, "reason": line.reason,
                   "why": str(WHY_NOT_PAID.get(line.reason, line.reason))} for line in example.order_lines],
        "members": [{"name": m.name, "rank": m.rank, "pv": m.pv, "gv": m.gv, "paid": m.paid_cents * cents}
                    for m in example.members],
        "total_paid": example.total_paid_cents * cents,
        "total_cv": example.total_cv_cents * cents,
        "ratio": example.payout_ratio * 100,
    }  # fmt: skip


def builder_page(
    request, document: dict, *, source: str = "", status: int = 200, problems=None, version_name: str = ""
) -> HttpResponse:
    """The builder showing ``document`` (checked, with its worked example)."""
    data = data_for(document)
    plan, errors = _check(document)
    errors.update(problems or {})
    return _render(request, data, errors, plan, source=source, status=status, fits=representable(document),
                   version_name=version_name)  # fmt: skip


def _render(request, data, errors, plan, *, source="", status=200, fits=True, version_name="") -> HttpResponse:
    page = builder(data, errors)
    document = document_from_data(data)
    return render(
        request,
        "console/plans/builder.html",
        {"page": page, "example": _example(plan), "source": source, "fits": fits, "version_name": version_name,
         "examples": example_names(), "start_from": start_from(document),
         "valid": plan is not None},
        status=status,
    )  # fmt: skip


def json_page(request, document: dict, name: str = "") -> HttpResponse:
    """The JSON editor ("Advanced") showing ``document`` exactly as the form made it."""
    form = PlanDocumentForm(initial={"name": name, "document": pretty_with_lines(document)[0]})
    return render(
        request,
        "console/plans/editor.html",
        {"form": form, "problems": [], "rows": [], "source": _("the form"), "simulate_form": SimulateForm(prefix="sim"),
         "generated_form": GeneratedSimulateForm(prefix="gen"), "examples": example_names(),
         "start_from": start_from(document)},
    )  # fmt: skip


@console_page("plans.write", read="plans.write")
def plan_builder(request):
    """GET: the builder from ``?from=``. POST: a button (``action``) or an htmx refresh of the whole builder."""
    if request.method != "POST":
        document, source = starting_document(request.GET.get("from", ""))
        return builder_page(request, document, source=source)
    action = request.POST.get("action", "check")
    if request.headers.get("HX-Trigger") == "plan-form":
        # a refresh as the form changes: htmx may still carry the last button clicked (add, save…); only check
        action = "check"
    if action == "from_json":  # the JSON editor's "Open in the form"
        try:
            document = json.loads(request.POST.get("document", "")[:500_000])
        except ValueError:
            messages.error(request, _("The JSON is not valid: fix it in the JSON view, then open it in the form."))
            return json_page(request, {})
        if not isinstance(document, dict):
            document = {}
        name = request.POST.get("name", "")[:200].replace("\x00", "")
        return builder_page(request, document, source=_("the JSON view"), version_name=name)
    data, problems = _posted(request)
    document = document_from_data(data)
    version_name = request.POST.get("version_name", "")[:200].replace("\x00", "")
    if action == "to_json":
        return json_page(request, document, version_name)
    if action not in ("check", "save"):
        document = apply_action(document, action, request.POST.get("new_type", ""))
        data = data_for(document)
    plan, errors = _check(document)
    errors.update(problems)
    if action == "save" and plan is not None and not problems:
        version = services_plan_versions.plan_version_create(document=document, name=version_name, by=request.user)
        messages.success(request, _("Saved as draft version %(number)s.") % {"number": version.number})
        target = reverse("console-plan-version", args=[version.number])
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": target})
        return redirect(target)
    # htmx swaps only a 2xx; a plain Check or Save of a plan with problems is a 400 naming them
    status = 400 if errors and action in ("check", "save") and not request.headers.get("HX-Request") else 200
    return _render(request, data, errors, plan, status=status, version_name=version_name)
