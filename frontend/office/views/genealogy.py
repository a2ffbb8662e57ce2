"""The back office's genealogy: the expandable tree, the downline by level, the binary tree and a member's page.
Every read goes through selectors that keep a distributor inside their own downline."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from core.commerce.selectors.orders import member_recent_orders
from core.company.services import company_settings_get
from core.members.models import Member, MemberStatus, PlacementMethod, Tree
from core.members.placement import genealogy_settings_get
from core.members.selectors import (
    binary_subtree,
    children_with_counts,
    downline,
    downline_count,
    downline_search,
    frontline_count,
    member_by_number,
    sponsor_path_between,
    visible_or_denied,
)
from frontend.common.access import office_page
from frontend.common.paging import paginate
from plans.selectors import member_period_figures


def _tree_param(request) -> str:
    return Tree.PLACEMENT if request.GET.get("tree") == Tree.PLACEMENT else Tree.SPONSOR


def _visible_member(viewer: Member, number: int) -> Member:
    member = member_by_number(number)
    if member is None:
        raise Http404("No such member.")
    visible_or_denied(viewer=viewer, member=member)
    return member


@office_page()
def genealogy_tree(request):
    """The expandable tree: the distributor and their frontline; deeper levels load on demand (htmx)."""
    me = request.member
    tree = _tree_param(request)
    return render(
        request,
        "office/genealogy_tree.html",
        {
            "me": me,
            "tree": tree,
            "children": children_with_counts(parent=me, tree=tree),
            "binary": genealogy_settings_get().placement_method != PlacementMethod.UNILEVEL,
            "placement_method": genealogy_settings_get().placement_method,
        },
    )


@office_page()
def genealogy_children(request, number: int):
    """One member's frontline, as list items for the expandable tree (or a full page without htmx)."""
    tree = _tree_param(request)
    parent = _visible_member(request.member, number)
    context = {
        "parent": parent,
        "children": children_with_counts(parent=parent, tree=tree),
        "tree": tree,
        "placement_method": genealogy_settings_get().placement_method,
    }
    if request.headers.get("HX-Request"):
        return render(request, "office/_tree_children.html", context)
    return render(request, "office/genealogy_children.html", context)


@office_page()
def genealogy_levels(request):
    """The downline as a list by level, filtered by level, status and a search, 50 to a page."""
    me = request.member
    tree = _tree_param(request)
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status in MemberStatus.values else ""
    level = request.GET.get("level", "")
    level = int(level) if level.isdigit() and int(level) > 0 else None
    if query:
        members = downline_search(top=me, query=query, tree=tree)
        top_depth = me.placement_depth if tree == Tree.PLACEMENT else me.sponsor_depth
        members = [(m, (m.placement_depth if tree == Tree.PLACEMENT else m.sponsor_depth) - top_depth) for m in members]
        if status:
            members = [(m, lv) for m, lv in members if m.status == status]
        if level:
            members = [(m, lv) for m, lv in members if lv == level]
    else:
        members = downline(top=me, tree=tree, max_levels=level, status=status or None, level=level)
    context = {
        "me": me,
        "tree": tree,
        "q": query,
        "status": status,
        "level": level or "",
        "statuses": MemberStatus.choices,
        "searching": bool(query),
        **paginate(request, members),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "level-results":
        return render(request, "office/_level_results.html", context)
    return render(request, "office/genealogy_levels.html", context)


@office_page()
def genealogy_binary(request):
    """The placement tree as left/right slots, three levels from the distributor (or from a member under them)."""
    if genealogy_settings_get().placement_method != PlacementMethod.BINARY:
        raise Http404("This company does not place members in a binary tree.")
    me = request.member
    top = me
    if request.GET.get("top", "").isdigit():
        top = _visible_member(me, int(request.GET["top"]))
    return render(request, "office/genealogy_binary.html", {"me": me, "top": top, "root": binary_subtree(top=top)})


@office_page()
def member_detail(request, number: int):
    """A downline member as their upline sees them: this period's figures (the same selector as the dashboard), their
    own latest orders (amounts only), the contact actions the company allows and where they sit under the viewer."""
    me = request.member
    member = _visible_member(me, number)
    company = company_settings_get()
    return render(
        request,
        "office/member_detail.html",
        {
            "me": me,
            "member": member,
            "sponsor": member.sponsor,
            "level": member.sponsor_depth - me.sponsor_depth,
            "frontline": frontline_count(parent=member),
            "downline_total": downline_count(top=member),
            "figures": member_period_figures(member=member),
            "orders": member_recent_orders(member=member),
            "path": sponsor_path_between(top=me, member=member),
            "contact_email": company.office_contact_email and bool(member.email),
            "contact_phone": company.office_contact_phone and bool(member.phone),
        },
    )
