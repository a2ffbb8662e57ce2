"""The console's demotion pages: the policy editor (as a form of stages or as JSON, with each validation message
next to its field and the fairness acknowledgement), the preview ("who would change stage on date D"), the as-of
report with its CSV export and the chart of stage counts over time, and reinstatement (on the member page).
Saving, previewing and reinstating are core.demotion services; nothing here decides a rule."""

from __future__ import annotations

import contextlib
import datetime
import json
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.demotion.policy import POLICY_TEMPLATES, fairness_warnings, policy_template
from core.demotion.selectors import stage_counts_as_of, stage_series, stages_as_of
from core.demotion.services.evaluation import policy_preview
from core.demotion.services.policies import policy_current, policy_parse, policy_save
from core.members.selectors import members_by_pk, members_for_export
from frontend.common.access import console_page
from frontend.common.csv import csv_response
from frontend.common.paging import PAGE_SIZE, paginate
from frontend.console.forms import DayForm, PolicyJsonForm, PolicySettingsForm, StageFormSet

STAGE_PATH = re.compile(r"^document\.stages\[(\d+)\](?:\.(.+))?$")
CONDITION_FIELDS = ("subscription_lapsed", "subscription_unpaid_days", "psv_min", "psv_window_days", "combine")
CHART_DAYS = 90
PREVIEW_PAGE_SIZE = PAGE_SIZE  # changes per page of a preview


def _day(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else datetime.date.today()
    except ValueError:
        return datetime.date.today()


def _stage_names(document: dict | None = None) -> dict[str, str]:
    """Stage key -> name, with "In good standing" for members at no stage (key ``""``); ``document``'s names (a
    draft) over the policy in force's."""
    names = {"": _("In good standing")}
    names.update({s.key: s.name for s in policy_parse(policy_current().document).stages})
    if document is not None:
        with contextlib.suppress(ValidationError):  # an invalid draft: the names in force
            names.update({s.key: s.name for s in policy_parse(document).stages})
    return names


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


def _error_summary(context: dict) -> list[dict]:
    """Every error on the page as a link to its field (``#`` + the field's id), stage by stage, for the summary at
    the top of the form."""
    summary = []

    def add_form(form, where: str, anchor: str) -> None:
        for name, reasons in form.errors.items():
            if name == "__all__":
                href, label = anchor, where
            else:
                href = f"#{form[name].auto_id}"
                label = f"{where}: {form.fields[name].label}" if where else str(form.fields[name].label)
            summary.extend({"href": href, "label": label, "message": reason} for reason in reasons)

    if "json_form" in context:
        add_form(context["json_form"], "", "#id_document")
    if "settings_form" in context:
        add_form(context["settings_form"], _("Policy"), "#policy-settings")
        for i, form in enumerate(context["formset"].forms):
            name = form.initial.get("name") or _("New stage")
            add_form(form, _("Stage %(number)s (%(name)s)") % {"number": i + 1, "name": name}, f"#stage-{i}")
    if context["preview_form"].is_bound:
        add_form(context["preview_form"], _("Preview"), "#preview-draft")
    summary.extend({"href": "#policy-form", "label": "", "message": e} for e in context.get("errors", []))
    return summary


def _render_invalid(request, context: dict):
    """The editor again with the errors: a summary at the top linking to each field, each stage with an error open."""
    context["error_summary"] = _error_summary(context)
    return render(request, "console/demotion_policy.html", context, status=400)


def _warnings_of(document: dict) -> list:
    try:
        return fairness_warnings(policy_parse(document))
    except ValidationError:
        return []


def _draft_preview(request, context: dict, document: dict):
    """The editor with a page of the draft's preview (paged by ``preview_page``), or every change as CSV."""
    preview_form = context["preview_form"]
    if not preview_form.is_valid():
        return _render_invalid(request, context)
    preview = policy_preview(day=preview_form.cleaned_data["day"], document=document)
    names = _stage_names(document)
    if request.POST.get("action") == "preview_csv":
        return _preview_csv(preview, names)
    page_obj = Paginator(preview.changes, PREVIEW_PAGE_SIZE).get_page(request.POST.get("preview_page"))
    context["preview"] = _preview_context(preview, page_obj, names, draft=True)
    return render(request, "console/demotion_policy.html", context)


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
    previewing = request.POST.get("action") in ("preview", "preview_csv") or "preview_page" in request.POST
    # The day is read (and checked) only when previewing: saving never complains about it.
    preview_form = DayForm(
        request.POST if previewing else None, prefix="preview", initial={"day": datetime.date.today()}
    )
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
                json_form.add_error(
                    "document",
                    _("Not valid JSON: %(reason)s (line %(line)s, column %(column)s).")
                    % {"reason": exc.msg, "line": exc.lineno, "column": exc.colno},
                )
    elif settings_form.is_valid() and formset.is_valid():
        document, origin = _document_from_forms(settings_form, formset)
    if document is None:
        return _render_invalid(request, context)

    context["warnings"] = _warnings_of(document)
    try:
        if previewing:
            return _draft_preview(request, context, document)
        saved = policy_save(document=document, by=request.user, acknowledge=request.POST.getlist("acknowledge"))
    except ValidationError as exc:
        if mode == "json":
            for path, reasons in exc.message_dict.items():
                if path != "acknowledge":
                    json_form.add_error("document", [f"{path.removeprefix('document.')}: {r}" for r in reasons])
        else:
            context["errors"] = _errors_onto_forms(exc, settings_form, origin)
        context["needs_acknowledgement"] = "acknowledge" in exc.message_dict
        return _render_invalid(request, context)
    if saved.acknowledged_warnings:
        note = _("Policy version %(version)s saved. Acknowledged: %(warnings)s.") % {
            "version": saved.pk,
            "warnings": ", ".join(saved.acknowledged_warnings),
        }
    else:
        note = _("Policy version %(version)s saved.") % {"version": saved.pk}
    messages.success(request, note)
    return redirect(f"{request.path}?mode=json" if mode == "json" else request.path)


# ---------------------------------------------------------------------------------------------------- preview


def _preview_context(preview, page_obj, names: dict[str, str], *, draft: bool = False) -> dict:
    """One page of the changes, each with the member's number and name and the stages by name."""
    members = members_by_pk([c.member_id for c in page_obj.object_list])
    page_obj.object_list = [
        {
            "member": members.get(c.member_id),
            "from": names.get(c.from_stage, c.from_stage),
            "to": names.get(c.to_stage, c.to_stage),
        }
        for c in page_obj.object_list
    ]
    return {
        "day": preview.day,
        "draft": draft,
        "members_evaluated": preview.members_evaluated,
        "counts": [(names.get(key, key), n) for key, n in sorted(preview.counts.items(), key=lambda kv: -kv[1])],
        "changes_total": len(preview.changes),
        "page_obj": page_obj,
    }


def _preview_csv(preview, names: dict[str, str]):
    """Every change of the preview (not one page), by member number."""
    by_member = {c.member_id: c for c in preview.changes}
    rows = (
        [
            member.number,
            member.full_name,
            names.get(by_member[member.pk].from_stage, by_member[member.pk].from_stage),
            names.get(by_member[member.pk].to_stage, by_member[member.pk].to_stage),
            preview.day.isoformat(),
        ]
        for member in members_for_export(list(by_member)).iterator(chunk_size=5000)
    )
    return csv_response(
        rows,
        f"demotion-preview-{preview.day.isoformat()}.csv",
        header=["member_number", "name", "from_stage", "to_stage", "day"],
    )


@console_page()
def policy_preview_page(request):
    """Who would change stage on a day under the policy in force (paged, or all of it as CSV); nothing is written."""
    form = DayForm(request.GET or None, initial={"day": datetime.date.today()})
    context: dict = {"form": form, "preview": None}
    if form.is_valid():
        preview = policy_preview(day=form.cleaned_data["day"])
        names = _stage_names()
        if request.GET.get("export") == "csv":
            return _preview_csv(preview, names)
        paging = paginate(request, preview.changes, per_page=PREVIEW_PAGE_SIZE)
        context["query_string"] = paging["query_string"]
        context["preview"] = _preview_context(preview, paging["page_obj"], names)
    return render(request, "console/demotion_preview.html", context)


# ---------------------------------------------------------------------------------------------------- report


@console_page()
def report(request):
    """Members at each stage on a day (from the recorded history), the list, CSV, and the counts over time."""
    day = _day(request.GET.get("day"))
    wanted = request.GET.get("stage", "")
    names = {key: name for key, name in _stage_names().items() if key}  # the stages; good standing is no stage
    stages = stages_as_of(day=day)
    ids = sorted(pk for pk, key in stages.items() if not wanted or key == wanted)
    if request.GET.get("export") == "csv":
        rows = (
            [member.number, member.full_name, member.email, stages[member.pk], day.isoformat()]
            for member in members_for_export(ids).iterator(chunk_size=5000)
        )
        return csv_response(
            rows,
            f"demotion-{day.isoformat()}.csv",
            header=["member_number", "name", "email", "stage", "day"],
            request=request,
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
