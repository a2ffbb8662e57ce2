"""Console e-mail templates (/console/emails/): the company's own words for the e-mails the product sends. Staff
read them and see a preview of the current text; admins edit, preview a draft and reset to the default. The
demotion policy's stage e-mails are edited with the policy (/console/demotion/)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.communications.emails import EMAIL_KINDS, EmailKind
from core.communications.selectors import email_preview, email_template_saved, email_templates_overview
from core.communications.services import email_template_reset, email_template_save
from frontend.common.access import console_page
from frontend.common.forms import errors_onto
from frontend.console.forms import EmailTemplateForm


@console_page()
def emails(request):
    return render(request, "console/emails.html", {"templates": email_templates_overview()})


def _kind(key: str) -> EmailKind:
    if key not in EMAIL_KINDS:
        raise Http404(_("No such e-mail."))
    return EMAIL_KINDS[key]


@console_page("content.write")
def email_edit(request, key: str):
    """GET shows the current text and its preview; POST "preview" renders the draft with sample values without
    saving, "save" stores it, "reset" goes back to the default."""
    kind = _kind(key)
    saved = email_template_saved(key=key)
    current = saved or kind
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "reset":
        email_template_reset(key=key)
        messages.success(request, _("“%(key)s” is back to the default text.") % {"key": key})
        return redirect("console-email", key=key)
    initial = {"subject": current.subject, "body": current.body}
    if saved is not None and saved.translations:
        initial["translations"] = saved.translations  # the texts in the company's other languages
    form = EmailTemplateForm(request.POST or None, initial=initial)
    preview, preview_problems = None, []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "preview":
                preview = email_preview(key=key, subject=data["subject"], body=data["body"])
            else:
                email_template_save(
                    key=key,
                    subject=data["subject"],
                    body=data["body"],
                    by=request.user,
                    translations=data.get("translations"),
                )
                messages.success(request, _("“%(key)s” saved.") % {"key": key})
                return redirect("console-email", key=key)
        except ValidationError as exc:
            errors_onto(form, exc)
    elif request.method != "POST":
        try:
            preview = email_preview(key=key, subject=current.subject, body=current.body)
        except ValidationError as exc:  # saved before a rule it now breaks: the default is sent meanwhile
            preview_problems = exc.messages
    return render(
        request,
        "console/email_edit.html",
        {"kind": kind, "saved": saved, "form": form, "preview": preview, "preview_problems": preview_problems},
        status=400 if form.errors else 200,
    )
