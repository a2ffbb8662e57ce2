"""The company admin console (/console/). Staff read every page; only company admins change anything
(frontend.access.console_page). Each form posts to one service; its errors are shown next to the field."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core.communications.models import Announcement, PageSlug, TrainingMaterial
from core.communications.selectors import announcements_all, company_pages_overview, training_materials
from core.communications.services import (
    announcement_create,
    announcement_update,
    company_page_save,
    training_material_create,
    training_material_update,
)
from core.company.services import company_settings_get, company_settings_update
from core.demotion.selectors import member_standing
from core.demotion.services import member_reinstate
from core.members.importing import members_export_rows, rows_to_csv
from core.members.models import Member, MemberStatus, PlacementMethod, TreeMove
from core.members.placement import genealogy_settings_get
from core.members.selectors import (
    downline_count,
    member_by_number,
    member_moves,
    member_search,
)
from core.members.services import (
    genealogy_settings_update,
    member_move_frontline_up,
    member_profile_update,
    member_replace,
    member_responsor,
    member_status_set,
    tree_move_undo,
)
from frontend.access import console_page
from frontend.forms import (
    AnnouncementForm,
    BrandingForm,
    CompanyPageForm,
    GenealogySettingsForm,
    MemberEditForm,
    ReasonForm,
    ReplaceForm,
    ResponsorForm,
    StatusForm,
    TrainingMaterialForm,
    errors_onto,
)
from frontend.paging import paginate


def _member_or_404(number: int) -> Member:
    member = member_by_number(number)
    if member is None:
        raise Http404("No such member.")
    return member


def _saved(form, call) -> bool:
    """Run a service call for a valid form; put its ValidationError on the form. True when it went through."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        errors_onto(form, exc)
        return False
    return True


@console_page
def home(request):
    return render(
        request,
        "console/home.html",
        {"members": Member.objects.count(), "active": Member.objects.filter(status=MemberStatus.ACTIVE).count()},
    )


# ---------------------------------------------------------------------------------------------------- members


@console_page
def members(request):
    query = request.GET.get("q", "").strip()
    found = member_search(query=query) if query else Member.objects.order_by("number")
    return render(request, "console/members.html", {"q": query, **paginate(request, found.select_related("sponsor"))})


@console_page
def members_export(request):
    response = StreamingHttpResponse(rows_to_csv(members_export_rows()), content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
    return response


def _member_page(request, member: Member, **forms) -> dict:
    settings_row = genealogy_settings_get()
    context = {
        "member": member,
        "sponsor": member.sponsor,
        "placement_parent": member.placement_parent,
        "downline_total": downline_count(top=member),
        "moves": member_moves(member=member)[:50],
        "placement_method": settings_row.placement_method,
        "can_replace": settings_row.placement_method != PlacementMethod.UNILEVEL,
        "responsor_form": ResponsorForm(prefix="responsor"),
        "replace_form": ReplaceForm(prefix="replace"),
        "frontline_form": ReasonForm(prefix="frontline"),
        "status_form": StatusForm(prefix="status", initial={"status": member.status}),
        "undo_form": ReasonForm(prefix="undo"),
        "reinstate_form": ReasonForm(prefix="reinstate"),
        "standing": member_standing(member=member),
    }
    context.update(forms)
    return context


@console_page
def member_detail(request, number: int):
    return render(request, "console/member_detail.html", _member_page(request, _member_or_404(number)))


@console_page
def member_edit(request, number: int):
    member = _member_or_404(number)
    form = MemberEditForm(
        request.POST or None, initial={name: getattr(member, name) for name in MemberEditForm.base_fields}
    )
    if request.method == "POST" and _saved(form, lambda data: member_profile_update(member=member, changes=data)):
        messages.success(request, f"#{member.number}'s profile is saved.")
        return redirect("console-member", number=member.number)
    return render(request, "console/member_edit.html", {"member": member, "form": form})


@console_page
def member_action(request, number: int, action: str):
    """The move and status forms of the member page, each posted here and answered with that page."""
    member = _member_or_404(number)
    if request.method != "POST":
        return redirect("console-member", number=number)
    by = request.user
    if action == "responsor":
        form = ResponsorForm(request.POST, prefix="responsor")

        def call(data):
            new_sponsor = member_by_number(data["new_sponsor"])
            if new_sponsor is None:
                raise ValidationError({"new_sponsor": [f"No member has the number {data['new_sponsor']}."]})
            member_responsor(member=member, new_sponsor=new_sponsor, by=by, reason=data["reason"])

        done = f"#{member.number} has a new sponsor."
    elif action == "replace":
        form = ReplaceForm(request.POST, prefix="replace")

        def call(data):
            new_parent = member_by_number(data["new_parent"])
            if new_parent is None:
                raise ValidationError({"new_parent": [f"No member has the number {data['new_parent']}."]})
            member_replace(
                member=member, new_parent=new_parent, position=data["position"], by=by, reason=data["reason"]
            )

        done = f"#{member.number} is re-placed."
    elif action == "frontline":
        form = ReasonForm(request.POST, prefix="frontline")

        def call(data):
            member_move_frontline_up(member=member, by=by, reason=data["reason"])

        done = f"#{member.number}'s frontline moved up to their sponsor."
    elif action == "status":
        form = StatusForm(request.POST, prefix="status")

        def call(data):
            member_status_set(member=member, status=data["status"], by=by)

        done = f"#{member.number}'s status is saved."
    elif action == "reinstate":
        form = ReasonForm(request.POST, prefix="reinstate")
        report = {}

        def call(data):
            report["r"] = member_reinstate(member=member, by=by, reason=data["reason"])

        done = f"#{member.number} is reinstated."
    else:
        raise Http404("No such action.")
    if _saved(form, call):
        messages.success(request, done)
        if action == "reinstate":
            restored = ", ".join(f"#{n}" for n in report["r"].restored)
            if restored:
                messages.success(request, f"Sponsor links restored for {restored}.")
            for skipped in report["r"].skipped:
                messages.warning(request, skipped)
        return redirect("console-member", number=member.number)
    member.refresh_from_db()
    return render(
        request, "console/member_detail.html", _member_page(request, member, **{f"{action}_form": form}), status=400
    )


@console_page
def move_undo(request, number: int, move_id: int):
    member = _member_or_404(number)
    move = get_object_or_404(TreeMove, pk=move_id)
    if request.method != "POST":
        return redirect("console-member", number=number)
    form = ReasonForm(request.POST, prefix="undo")
    report = {}

    def call(data):
        report["r"] = tree_move_undo(move=move, by=request.user, reason=data["reason"])

    if _saved(form, call):
        result = report["r"]
        restored = ", ".join(f"#{n}" for n in result.restored) or "nobody"
        messages.success(request, f"Move #{move.pk} undone: restored {restored}.")
        for skipped in result.skipped:
            messages.warning(request, skipped)
        return redirect("console-member", number=member.number)
    context = _member_page(request, member, undo_form=form)
    context["undo_move_id"] = move.pk
    return render(request, "console/member_detail.html", context, status=400)


# ---------------------------------------------------------------------------------------------------- settings


@console_page
def genealogy_settings(request):
    row = genealogy_settings_get()
    initial = {name: getattr(row, name) for name in GenealogySettingsForm.base_fields}
    form = GenealogySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and _saved(form, lambda data: genealogy_settings_update(changes=data)):
        messages.success(request, "Genealogy settings saved. Members already placed stay where they are.")
        return redirect("console-genealogy")
    return render(request, "console/genealogy_settings.html", {"form": form}, status=400 if form.errors else 200)


@console_page
def branding(request):
    row = company_settings_get()
    form = BrandingForm(request.POST or None, initial={name: getattr(row, name) for name in BrandingForm.base_fields})
    if request.method == "POST" and _saved(form, lambda data: company_settings_update(changes=data)):
        messages.success(request, "Branding saved.")
        return redirect("console-branding")
    return render(request, "console/branding.html", {"form": form}, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------------------------------- content


@console_page
def pages(request):
    return render(request, "console/pages.html", {"pages": company_pages_overview()})


@console_page
def page_edit(request, slug: str):
    if slug not in PageSlug.values:
        raise Http404("No such page.")
    existing = next(page for s, _, page in company_pages_overview() if s == slug)
    initial = (
        {"title": existing.title, "body": existing.body, "published": existing.published}
        if existing
        else {"title": PageSlug(slug).label}
    )
    form = CompanyPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and _saved(form, lambda data: company_page_save(slug=slug, **data)):
        messages.success(request, f"“{form.cleaned_data['title']}” saved.")
        return redirect("console-pages")
    return render(request, "console/page_edit.html", {"form": form, "slug": slug}, status=400 if form.errors else 200)


@console_page
def announcements(request):
    return render(
        request, "console/announcements.html", {"now": timezone.now(), **paginate(request, announcements_all())}
    )


@console_page
def announcement_edit(request, pk: int | None = None):
    announcement = get_object_or_404(Announcement, pk=pk) if pk else None
    initial = {name: getattr(announcement, name) for name in AnnouncementForm.base_fields} if announcement else None
    form = AnnouncementForm(request.POST or None, initial=initial)

    def call(data):
        if announcement is None:
            announcement_create(**data)
        else:
            announcement_update(announcement=announcement, changes=data)

    if request.method == "POST" and _saved(form, call):
        messages.success(request, "Announcement saved.")
        return redirect("console-announcements")
    return render(
        request,
        "console/announcement_edit.html",
        {"form": form, "announcement": announcement},
        status=400 if form.errors else 200,
    )


@console_page
def training(request):
    return render(request, "console/training.html", paginate(request, training_materials(published_only=False)))


@console_page
def training_edit(request, pk: int | None = None):
    material = get_object_or_404(TrainingMaterial, pk=pk) if pk else None
    initial = {name: getattr(material, name) for name in TrainingMaterialForm.base_fields} if material else None
    form = TrainingMaterialForm(request.POST or None, initial=initial)

    def call(data):
        if material is None:
            training_material_create(**data)
        else:
            training_material_update(material=material, changes=data)

    if request.method == "POST" and _saved(form, call):
        messages.success(request, "Training material saved.")
        return redirect("console-training")
    return render(
        request, "console/training_edit.html", {"form": form, "material": material}, status=400 if form.errors else 200
    )
