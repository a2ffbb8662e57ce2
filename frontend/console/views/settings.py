"""The console's company settings: how the genealogy places new members, and the branding of the company's site."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.accounts.permissions import has_capability
from core.company.selectors import company_languages
from core.company.services import company_languages_set, company_settings_get, company_settings_update
from core.members.placement import genealogy_settings_get
from core.members.services.profiles import genealogy_settings_update
from frontend.common.access import console_page
from frontend.common.forms import form_status, submit
from frontend.console.forms import BrandingForm, GenealogySettingsForm, LanguagesForm


@console_page("genealogy.settings.write")
def genealogy_settings(request):
    row = genealogy_settings_get()
    initial = {name: getattr(row, name) for name in GenealogySettingsForm.base_fields}
    form = GenealogySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and submit(form, lambda data: genealogy_settings_update(changes=data)):
        messages.success(request, _("Genealogy settings saved. Members already placed stay where they are."))
        return redirect("console-genealogy")
    return render(request, "console/genealogy_settings.html", {"form": form}, status=form_status(form))


@console_page("company.settings.write")
def branding(request):
    row = company_settings_get()
    form = BrandingForm(
        request.POST or None,
        request.FILES or None,
        initial={**{name: getattr(row, name) for name in BrandingForm.base_fields}, "translations": row.translations},
    )
    if not has_capability(request.user, "company.settings.write"):
        del form.fields["require_two_factor_for_admins"]  # staff read the branding; the sign-in rule is not theirs
    if request.method == "POST" and submit(form, lambda data: company_settings_update(changes=_branding_changes(data))):
        messages.success(request, _("Branding saved."))
        return redirect("console-branding")
    return render(request, "console/branding.html", {"form": form, "row": row}, status=form_status(form))


def _branding_changes(data: dict) -> dict:
    """The form's answer as settings changes: a picture not uploaded again stays, a cleared one goes."""
    changes = dict(data)
    if not changes.get("secondary_color"):
        changes.pop("secondary_color", None)  # an older form without it keeps the colour
    for name in ("logo", "hero_image"):
        if changes.get(name) is None:
            changes.pop(name, None)
        elif changes[name] is False:
            changes[name] = ""
    return changes


@console_page("company.settings.write")
def languages(request):
    """The languages the company's people may use and its default (issue 19)."""
    enabled = company_languages()
    form = LanguagesForm(request.POST or None, initial={"languages": enabled, "default_language": enabled[0]})
    if request.method == "POST" and submit(
        form, lambda data: company_languages_set(languages=data["languages"], default=data["default_language"])
    ):
        messages.success(request, _("Languages saved."))
        return redirect("console-languages")
    return render(request, "console/languages.html", {"form": form}, status=form_status(form))
