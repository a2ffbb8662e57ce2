"""The console's joining settings: whether new distributors must buy an enrolment pack, and the company's terms and
policies that distributors and customers accept when they sign up (each save publishes a new version)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.company.selectors import policy_document_versions, policy_documents_latest
from core.company.services import company_settings_get, company_settings_update, policy_document_publish
from frontend.common.access import console_page
from frontend.common.forms import form_status, submit
from frontend.common.paging import paginate
from frontend.console.forms import JoiningSettingsForm, PolicyDocumentForm


@console_page("company.settings.write")
def joining(request):
    row = company_settings_get()
    form = JoiningSettingsForm(request.POST or None, initial={"enrolment_pack_required": row.enrolment_pack_required})
    if request.method == "POST" and submit(form, lambda data: company_settings_update(changes=data)):
        messages.success(request, _("Joining settings saved."))
        return redirect("console-joining")
    context = {"form": form, "documents": policy_documents_latest()}
    return render(request, "console/joining.html", context, status=form_status(form))


@console_page("company.settings.write")
def policy_document(request, key: str | None = None):
    """Write a new document, or a new version of ``key``: the form starts from the latest version's text."""
    versions = policy_document_versions(key=key) if key else None
    latest = versions.first() if versions is not None else None
    if key and latest is None:
        raise Http404(_("No such document."))
    initial = (
        {
            "key": key,
            "title": latest.title,
            "body": latest.body,
            "applies_to": latest.applies_to,
            "translations": latest.translations,
        }
        if latest
        else {}
    )
    form = PolicyDocumentForm(request.POST or None, initial=initial)
    if key:
        form.fields["key"].disabled = True  # a new version keeps its document's short name
    published = request.method == "POST" and submit(
        form,
        lambda data: policy_document_publish(
            key=key or data["key"],
            title=data["title"],
            body=data["body"],
            applies_to=data["applies_to"],
            by=request.user,
            translations=data.get("translations"),
        ),
    )
    if published:
        document = published.result
        messages.success(
            request,
            _("%(title)s version %(version)s is published.") % {"title": document.title, "version": document.version},
        )
        return redirect("console-policy", key=document.key)
    context = {"form": form, "latest": latest, **(paginate(request, versions) if versions is not None else {})}
    return render(request, "console/policy_document.html", context, status=form_status(form))
