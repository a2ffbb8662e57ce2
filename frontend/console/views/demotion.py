"""The console's demotion pages: the policy editor (as a form of stages or as JSON, with each validation message
next to its field and the fairness acknowledgement), the preview ("who would change stage on date D"), the as-of
report with its CSV export and the chart of stage counts over time, and reinstatement (on the member page).
Saving, previewing and reinstating are core.demotion services; nothing here decides a rule."""

from __future__ import annotations

import datetime
import json
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from core.demotion.policy import POLICY_TEMPLATES, fairness_warnings, policy_template
from core.demotion.selectors import stage_counts_as_of, stage_series, stages_as_of
from core.demotion.services.evaluation import policy_preview
from core.demotion.services.policies import policy_current, policy_parse, policy_save
from core.members.selectors import member_numbers, members_by_pk, members_for_export
from frontend.common.access import console_page
from frontend.common.csv import csv_response
from frontend.common.paging import paginate
from frontend.console.forms import DayForm, PolicyJsonForm, PolicySettingsForm, StageFormSet

STAGE_PATH = re.compile(r"^document\.stages\[(\d+)\](?:\.(.+))?$")
CONDITION_FIELDS = ("subscription_lapsed", "subscription_unpaid_days", "psv_min", "psv_window_days", "combine")
CHART_DAYS = 90


def _day(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else datetime.date.today()
    except ValueError:
        return datetime.date.today()


def _stage_names() -> dict[str, str]:
    return {s.key: s.name for s in policy_parse(policy_current().document).stages}


# ---------------------------------------------------------------------------------------------------- editor


def _stage_initial(stage: dict) -> dict:
    condition = stage.get("condition") or {}
    return {
        "key": stage.get("key", ""),
        "name": stage.get("name", ""),
        **{name: condition.get(name) for name in CONDITION_FIELDS},
        "combine": condition.get("combine", "any"),
        "actions": stage.get("actions", []),
        "email_subject": stage.get("email_subject", ""),
        "email_body": stage.get("email_body", ""),
    }


def _forms_from_document(document: dict, data=None):
    settings_form = PolicySettingsForm(
        data,
        prefix="policy",
        initial={
            "enabled": document.get("enabled", True),
            "psv_basis": document.get("psv_basis", "psv"),
            "decline_grace_days": document.get("decline_grace_days", 7),
        },
    )
    formset = StageFormSet(data, prefix="stages", initial=[_stage_initial(s) for s in document.get("stages", [])])
    return settings_form, formset


def _document_from_forms(settings_form, formset) -> tuple[dict, list]:
    """The policy document the forms describe, and which form each of its stages came from (for the errors)."""
    stages, origin = [], []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or (form in formset.extra_forms and not form.has_changed()):
            continue
        condition = {"combine": data["combine"]}
        if data["subscription_lapsed"]:
            condition["subscription_lapsed"] = True
        for name in ("subscription_unpaid_days", "psv_window_days"):
            if data[name] is not None:
                condition[name] = data[name]
        if data["psv_min"] is not None:
            condition["psv_min"] = str(data["psv_min"])
        stages.append(
            {
                "key": data["key"].strip(),
                "name": data["name"].strip(),
                "condition": condition,
                "actions": list(data["actions"]),
                "email_subject": data["email_subject"],
                "email_body": data["email_body"],
            }
        )
        origin.append(form)
    settings = settings_form.cleaned_data
    document = {
        "version": 1,
        "enabled": settings["enabled"],
        "psv_basis": settings["psv_basis"],
        "decline_grace_days": settings["decline_grace_days"],
        "stages": stages,
    }
    return document, origin


def _errors_onto_forms(exc: ValidationError, settings_form, origin: list) -> list[str]:
    """Put each ``document.…`` error next to its field; return what belongs to no field (e.g. ``acknowledge``)."""
    rest = []
    for path, reasons in exc.message_dict.items():
        match = STAGE_PATH.match(path)
        if match and int(match.group(1)) < len(origin):
            form = origin[int(match.group(1))]
            tail = (match.group(2) or "").split(".")[-1]
            name = re.sub(r"\[\d+\]$", "", tail)
            form.add_error(name if name in form.fields else None, reasons)
        elif path.startswith("document.") and path[len("document.") :] in settings_form.fields:
            settings_form.add_error(path[len("document.") :], reasons)
        elif path == "acknowledge":
            continue
        else:
            rest.extend(f"{path}: {reason}" for reason in reasons)
    return rest


def _warnings_of(document: dict) -> list:
    try:
        return fairness_warnings(policy_parse(document))
    except ValidationError:
        return []


@console_page("demotion.policy.write")
def policy_edit(request):
    """Edit the policy as stage forms (default) or as JSON (?mode=json). "Preview" runs the draft for a day without
    saving; "Save" stores a new version, asking for the fairness acknowledgement when the draft needs one."""
    version = policy_current()
    mode = "json" if request.GET.get("mode") == "json" else "form"
    # "Start from" a template fills the editor with it; nothing is saved until "Save".
    template_key = request.GET.get("template", "")
    starting = policy_template(template_key) or version.document
    context = {
        "version": version,
        "mode": mode,
        "warnings": _warnings_of(starting),
        "errors": [],
        "templates": [(key, title) for key, (_, title) in POLICY_TEMPLATES.items()],
        "template_key": template_key if template_key in POLICY_TEMPLATES else "",
    }
    preview_form = DayForm(request.POST or None, prefix="preview", initial={"day": datetime.date.today()})
    if mode == "json":
        json_form = PolicyJsonForm(request.POST or None, initial={"document": json.dumps(starting, indent=2)})
        context["json_form"] = json_form
    else:
        settings_form, formset = _forms_from_document(starting, request.POST or None)
        context.update(settings_form=settings_form, formset=formset)
    context["preview_form"] = preview_form
    if request.method != "POST":
        return render(request, "console/demotion_policy.html", context)

    document, origin = None, []
    if mode == "json":
        if json_form.is_valid():
            try:
                document = json.loads(json_form.cleaned_data["document"])
            except json.JSONDecodeError as exc:
                json_form.add_error("document", f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
    elif settings_form.is_valid() and formset.is_valid():
        document, origin = _document_from_forms(settings_form, formset)
    if document is None:
        return render(request, "console/demotion_policy.html", context, status=400)

    context["warnings"] = _warnings_of(document)
    try:
        if request.POST.get("action") == "preview":
            if not preview_form.is_valid():
                return render(request, "console/demotion_policy.html", context, status=400)
            context["preview"] = _preview_context(
                policy_preview(day=preview_form.cleaned_data["day"], document=document)
            )
            return render(request, "console/demotion_policy.html", context)
        saved = policy_save(document=document, by=request.user, acknowledge=request.POST.getlist("acknowledge"))
    except ValidationError as exc:
        if mode == "json":
            for path, reasons in exc.message_dict.items():
                if path != "acknowledge":
                    json_form.add_error("document", [f"{path.removeprefix('document.')}: {r}" for r in reasons])
        else:
            context["errors"] = _errors_onto_forms(exc, settings_form, origin)
        context["needs_acknowledgement"] = "acknowledge" in exc.message_dict
        return render(request, "console/demotion_policy.html", context, status=400)
    note = f" Acknowledged: {', '.join(saved.acknowledged_warnings)}." if saved.acknowledged_warnings else ""
    messages.success(request, f"Policy version {saved.pk} saved.{note}")
    return redirect(f"{request.path}?mode=json" if mode == "json" else request.path)


# ---------------------------------------------------------------------------------------------------- preview


def _preview_context(preview) -> dict:
    names = _stage_names()
    shown = preview.changes[:500]
    numbers = member_numbers([c.member_id for c in shown])
    return {
        "day": preview.day,
        "members_evaluated": preview.members_evaluated,
        "counts": sorted(preview.counts.items(), key=lambda kv: -kv[1]),
        "changes_total": len(preview.changes),
        "changes": [
            {
                "number": numbers.get(c.member_id),
                "from": names.get(c.from_stage, c.from_stage) or "good standing",
                "to": names.get(c.to_stage, c.to_stage) or "good standing",
            }
            for c in shown
        ],
    }


@console_page()
def policy_preview_page(request):
    """Who would change stage on a day under the policy in force; nothing is written."""
    form = DayForm(request.GET or None, initial={"day": datetime.date.today()})
    preview = None
    if form.is_valid():
        preview = _preview_context(policy_preview(day=form.cleaned_data["day"]))
    return render(request, "console/demotion_preview.html", {"form": form, "preview": preview})


# ---------------------------------------------------------------------------------------------------- report


@console_page()
def report(request):
    """Members at each stage on a day (from the recorded history), the list, CSV, and the counts over time."""
    day = _day(request.GET.get("day"))
    wanted = request.GET.get("stage", "")
    names = _stage_names()
    stages = stages_as_of(day=day)
    ids = sorted(pk for pk, key in stages.items() if not wanted or key == wanted)
    if request.GET.get("export") == "csv":
        rows = (
            [member.number, member.full_name, member.email, stages[member.pk], day.isoformat()]
            for member in members_for_export(ids).iterator(chunk_size=5000)
        )
        return csv_response(
            rows, f"demotion-{day.isoformat()}.csv", header=["member_number", "name", "email", "stage", "day"]
        )
    context = paginate(request, ids)
    page = context["page_obj"]
    by_pk = members_by_pk(list(page.object_list))
    page.object_list = [(by_pk[pk], names.get(stages[pk], stages[pk])) for pk in page.object_list if pk in by_pk]
    counts = stage_counts_as_of(day=day)
    series = stage_series(start=day - datetime.timedelta(days=CHART_DAYS), end=day)
    return render(
        request,
        "console/demotion_report.html",
        {
            "day": day,
            "stage": wanted,
            "names": names,
            "counts": [(key, name, counts.get(key, 0)) for key, name in names.items()],
            "chart": {
                "days": series["days"],
                "stages": [{"label": names.get(k, k), "data": v} for k, v in series["stages"].items()],
            },
            **context,
        },
    )
