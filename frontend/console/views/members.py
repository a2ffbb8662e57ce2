"""The console's members: the list and its CSV export, a member's page with the tree moves, status changes and
reinstatement (each form posts to one members or demotion service), the profile form and undoing a move."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.commerce.selectors.periods import company_date
from core.company.selectors import market_by_code
from core.demotion.selectors import member_standing
from core.demotion.services.reinstatement import member_reinstate
from core.members.importing.export import members_export_rows
from core.members.models import Member, PlacementMethod
from core.members.placement import genealogy_settings_get
from core.members.selectors import (
    downline_count,
    member_by_number,
    member_list,
    member_moves,
    tree_move_by_id,
)
from core.members.services.markets import member_market_set
from core.members.services.moves import member_move_frontline_up, member_replace, member_responsor, tree_move_undo
from core.members.services.profiles import member_profile_update, member_status_set
from frontend.common.access import console_page
from frontend.common.csv import csv_response
from frontend.common.forms import submit
from frontend.common.paging import paginate
from frontend.console.forms import MemberEditForm, ReasonForm, ReplaceForm, ResponsorForm, StatusForm
from frontend.console.market_forms import PersonMarketForm
from plans.selectors_day import company_day_summary


def _member_or_404(number: int) -> Member:
    member = member_by_number(number)
    if member is None:
        raise Http404(_("No such member."))
    return member


def _number_or_error(field: str, number: int) -> Member:
    """The member a form names by number; a missing one is an error on that field."""
    member = member_by_number(number)
    if member is None:
        raise ValidationError({field: [_("No member has the number %(number)s.") % {"number": number}]})
    return member


@console_page()
def home(request):
    """The company's day at a glance: every figure from plans.selectors_day, each linked to its page."""
    return render(request, "console/home.html", {"summary": company_day_summary(today=company_date(timezone.now()))})


@console_page()
def members(request):
    query = request.GET.get("q", "").strip()
    return render(request, "console/members.html", {"q": query, **paginate(request, member_list(query=query))})


@console_page()
def members_export(request):
    return csv_response(members_export_rows(), f"members-{timezone.now():%Y%m%d}.csv", request=request)


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
        "market_form": PersonMarketForm(prefix="market", initial={"market": getattr(member.market, "code", "")}),
        "market_changes": member.market_changes.select_related("old_market", "new_market", "changed_by")[:20],
        "standing": member_standing(member=member),
    }
    context.update(forms)
    return context


@console_page()
def member_detail(request, number: int):
    return render(request, "console/member_detail.html", _member_page(request, _member_or_404(number)))


@console_page("members.profile.write")
def member_edit(request, number: int):
    member = _member_or_404(number)
    form = MemberEditForm(
        request.POST or None, initial={name: getattr(member, name) for name in MemberEditForm.base_fields}
    )
    if request.method == "POST" and submit(form, lambda data: member_profile_update(member=member, changes=data)):
        messages.success(request, _("#%(number)s’s profile is saved.") % {"number": member.number})
        return redirect("console-member", number=member.number)
    return render(request, "console/member_edit.html", {"member": member, "form": form})


def _member_form_and_call(request, member: Member, action: str):
    """The form of one of the member page's actions, the service call it posts to and what to say when done."""
    by = request.user
    if action == "responsor":
        return (
            ResponsorForm(request.POST, prefix="responsor"),
            lambda data: member_responsor(
                member=member,
                new_sponsor=_number_or_error("new_sponsor", data["new_sponsor"]),
                by=by,
                reason=data["reason"],
            ),
            _("#%(number)s has a new sponsor.") % {"number": member.number},
        )
    if action == "replace":
        return (
            ReplaceForm(request.POST, prefix="replace"),
            lambda data: member_replace(
                member=member,
                new_parent=_number_or_error("new_parent", data["new_parent"]),
                position=data["position"],
                by=by,
                reason=data["reason"],
            ),
            _("#%(number)s is re-placed.") % {"number": member.number},
        )
    if action == "frontline":
        return (
            ReasonForm(request.POST, prefix="frontline"),
            lambda data: member_move_frontline_up(member=member, by=by, reason=data["reason"]),
            _("#%(number)s’s frontline moved up to their sponsor.") % {"number": member.number},
        )
    if action == "status":
        return (
            StatusForm(request.POST, prefix="status"),
            lambda data: member_status_set(member=member, status=data["status"], by=by),
            _("#%(number)s’s status is saved.") % {"number": member.number},
        )
    if action == "reinstate":
        return (
            ReasonForm(request.POST, prefix="reinstate"),
            lambda data: member_reinstate(member=member, by=by, reason=data["reason"]),
            _("#%(number)s is reinstated.") % {"number": member.number},
        )
    if action == "market":
        return (
            PersonMarketForm(request.POST, prefix="market"),
            lambda data: member_market_set(
                member=member,
                market=market_by_code(code=data["market"]) if data["market"] else None,
                by=by,
                reason=data["reason"],
            ),
            _("#%(number)s's market is saved; orders already placed keep theirs.") % {"number": member.number},
        )
    raise Http404(_("No such action."))


# The capability each of the member page's actions needs (core.accounts.permissions; the API's are the same).
MEMBER_ACTIONS = {
    "responsor": "genealogy.write",
    "replace": "genealogy.write",
    "frontline": "genealogy.write",
    "status": "members.status.write",
    "reinstate": "members.status.write",
    "market": "markets.assign",
}


@console_page(MEMBER_ACTIONS)
def member_action(request, number: int, action: str):
    """The move and status forms of the member page, each posted here and answered with that page."""
    member = _member_or_404(number)
    if request.method != "POST":
        return redirect("console-member", number=number)
    form, call, done = _member_form_and_call(request, member, action)
    submission = submit(form, call)
    if submission:
        messages.success(request, done)
        if action == "reinstate":
            restored = ", ".join(f"#{n}" for n in submission.result.restored)
            if restored:
                messages.success(request, _("Sponsor links restored for %(members)s.") % {"members": restored})
            for skipped in submission.result.skipped:
                messages.warning(request, skipped)
        return redirect("console-member", number=member.number)
    member.refresh_from_db()
    return render(
        request, "console/member_detail.html", _member_page(request, member, **{f"{action}_form": form}), status=400
    )


@console_page("genealogy.write")
def move_undo(request, number: int, move_id: int):
    member = _member_or_404(number)
    move = tree_move_by_id(move_id)
    if move is None:
        raise Http404(_("No such move."))
    if request.method != "POST":
        return redirect("console-member", number=number)
    form = ReasonForm(request.POST, prefix="undo")
    submission = submit(form, lambda data: tree_move_undo(move=move, by=request.user, reason=data["reason"]))
    if submission:
        restored = ", ".join(f"#{n}" for n in submission.result.restored) or _("nobody")
        messages.success(
            request, _("Move #%(move)s undone: restored %(members)s.") % {"move": move.pk, "members": restored}
        )
        for skipped in submission.result.skipped:
            messages.warning(request, skipped)
        return redirect("console-member", number=member.number)
    context = _member_page(request, member, undo_form=form)
    context["undo_move_id"] = move.pk
    return render(request, "console/member_detail.html", context, status=400)
