"""The console's content: the company's fixed pages, announcements and training material."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.communications.models import PageSlug
from core.communications.selectors import announcements_all, company_pages_overview, training_materials
from core.communications.services import (
    announcement_create,
    announcement_update,
    company_page_save,
    training_material_create,
    training_material_update,
)
from frontend.common.access import console_page
from frontend.common.forms import form_status, submit
from frontend.common.paging import paginate
from frontend.console.forms import AnnouncementForm, CompanyPageForm, TrainingMaterialForm


@console_page()
def pages(request):
    return render(request, "console/pages.html", {"pages": company_pages_overview()})


@console_page("content.write")
def page_edit(request, slug: str):
    if slug not in PageSlug.values:
        raise Http404(_("No such page."))
    existing = next(page for s, _label, page in company_pages_overview() if s == slug)
    initial = (
        {
            "title": existing.title,
            "body": existing.body,
            "published": existing.published,
            "translations": existing.translations,
        }
        if existing
        else {"title": PageSlug(slug).label}
    )
    form = CompanyPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and submit(form, lambda data: company_page_save(slug=slug, **data)):
        messages.success(request, _("“%(title)s” saved.") % {"title": form.cleaned_data["title"]})
        return redirect("console-pages")
    return render(request, "console/page_edit.html", {"form": form, "slug": slug}, status=form_status(form))


@console_page()
def announcements(request):
    return render(
        request, "console/announcements.html", {"now": timezone.now(), **paginate(request, announcements_all())}
    )


@console_page("content.write")
def announcement_edit(request, pk: int | None = None):
    announcement = get_object_or_404(announcements_all(), pk=pk) if pk else None
    initial = (
        {
            **{name: getattr(announcement, name) for name in AnnouncementForm.base_fields},
            "translations": announcement.translations,
        }
        if announcement
        else None
    )
    form = AnnouncementForm(request.POST or None, initial=initial)

    def call(data):
        if announcement is None:
            return announcement_create(**data)
        return announcement_update(announcement=announcement, changes=data)

    if request.method == "POST" and submit(form, call):
        messages.success(request, _("Announcement saved."))
        return redirect("console-announcements")
    return render(
        request,
        "console/announcement_edit.html",
        {"form": form, "announcement": announcement},
        status=form_status(form),
    )


@console_page()
def training(request):
    return render(request, "console/training.html", paginate(request, training_materials(published_only=False)))


@console_page("content.write")
def training_edit(request, pk: int | None = None):
    material = get_object_or_404(training_materials(published_only=False), pk=pk) if pk else None
    initial = (
        {
            **{name: getattr(material, name) for name in TrainingMaterialForm.base_fields},
            "translations": material.translations,
        }
        if material
        else None
    )
    form = TrainingMaterialForm(request.POST or None, initial=initial)

    def call(data):
        if material is None:
            return training_material_create(**data)
        return training_material_update(material=material, changes=data)

    if request.method == "POST" and submit(form, call):
        messages.success(request, _("Training material saved."))
        return redirect("console-training")
    return render(request, "console/training_edit.html", {"form": form, "material": material}, status=form_status(form))
