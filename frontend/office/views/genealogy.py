"""The back office's genealogy: the expandable tree, the downline by level, the binary tree and a member's page.
Every read goes through selectors that keep a distributor inside their own downline."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commerce.selectors.orders import member_recent_orders
from core.company.services import company_settings_get
from core.members.models import Member, MemberStatus, Tree
from core.members.placement import genealogy_settings_get
from core.members.selectors import (
    children_with_counts,
    downline_count,
    frontline_count,
    member_by_number,
    sponsor_path_between,
    visible_or_denied,
)
from frontend.common.access import office_page
from frontend.common.csv import csv_response
from frontend.common.paging import paginate
from plans.genealogy import LEVEL_SORTS, TreeNotInPlan, binary_legs, downline_list, genealogy_period
from plans.selectors_period_figures import member_period_figures


def _tree_param(request) -> str:
    return Tree.PLACEMENT if request.GET.get("tree") == Tree.PLACEMENT else Tree.SPONSOR


def _visible_member(viewer: Member, number: int) -> Member:
    member = member_by_number(number)
    if member is None:
        raise Http404(_("No such member."))
    visible_or_denied(viewer=viewer, member=member)
    return member


def _viewer_strings() -> dict[str, str]:
    """What the tree viewer's script says, translated here (the script holds no text of its own)."""
    return {
        "open": _("Open %(n)s below"),
        "close": _("Close branch"),
        "more": _("Show %(n)s more"),
        "loading": _("Loading…"),
        "failed": _("That branch could not be loaded. Try again."),
        "rank_none": _("No rank yet"),
        "pv": _("PV"),
        "gv": _("GV"),
        "gv_pending": _("GV after the next preview"),
        "new": _("New this period"),
        "left": _("Left"),
        "right": _("Right"),
        "slot": _("Slot %(n)s"),
        "you": _("you"),
        "downline": _("%(n)s in downline"),
        "found_none": _("Nobody in your downline matches “%(q)s”."),
        "found_many": _("%(n)s members match; choose one:"),
        "found_one": _("Found %(name)s, %(n)s levels down."),
        "found_one_level": _("Found %(name)s, one level down."),
        "level": _("level %(n)s"),
    }


@office_page()
def genealogy_tree(request):
    """The graphical tree (d3): the distributor's card, branches loaded from the genealogy API as they are opened,
    search inside the downline; only the trees the company's plan uses are offered."""
    me = request.member
    period = genealogy_period()
    tree = Tree.PLACEMENT if request.GET.get("tree") == Tree.PLACEMENT and period.placement else Tree.SPONSOR
    return render(
        request,
        "office/genealogy_tree.html",
        {
            "me": me,
            "tree": tree,
            "period": period,
            "viewer_strings": _viewer_strings(),
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


def _level_filters(request, period) -> dict:
    """The level list's filters from the query string; anything unknown falls back to "everything"."""
    tree = Tree.PLACEMENT if request.GET.get("tree") == Tree.PLACEMENT and period.placement else Tree.SPONSOR
    status = request.GET.get("status", "")
    level = request.GET.get("level", "")
    sort = request.GET.get("sort", "level")
    return {
        "tree": tree,
        "query": request.GET.get("q", "").strip()[:100],
        "status": status if status in MemberStatus.values else "",
        "level": int(level) if level.isdigit() and 0 < int(level) <= 10_000 else None,
        "sort": sort if sort.removeprefix("-") in LEVEL_SORTS else "level",
    }


LEVEL_COLUMNS = (
    ("level", gettext_lazy("Level")),
    ("name", gettext_lazy("Member")),
    ("rank", gettext_lazy("Rank")),
    ("pv", gettext_lazy("PV")),
    ("gv", gettext_lazy("GV")),
    ("joined", gettext_lazy("Joined")),
)


SORT_CHOICES = (
    ("level", gettext_lazy("Level, nearest first")),
    ("-level", gettext_lazy("Level, deepest first")),
    ("name", gettext_lazy("Name")),
    ("rank", gettext_lazy("Rank")),
    ("-pv", gettext_lazy("PV, highest first")),
    ("-gv", gettext_lazy("GV, highest first")),
    ("-joined", gettext_lazy("Newest first")),
    ("joined", gettext_lazy("Oldest first")),
)


@office_page()
def genealogy_levels(request):
    """The downline as a list by level with rank and this period's volumes, filtered, sorted, 50 to a page."""
    me = request.member
    period = genealogy_period()
    filters = _level_filters(request, period)
    rows = downline_list(top=me, period=period, **filters)
    sort = filters["sort"]
    columns = [
        {
            "key": key,
            "label": label,
            "sort": f"-{key}" if sort == key else key,
            "aria_sort": "ascending" if sort == key else "descending" if sort == f"-{key}" else "",
        }
        for key, label in LEVEL_COLUMNS
    ]
    query = request.GET.copy()
    for name in ("sort", "page"):
        query.pop(name, None)
    context = {
        "me": me,
        "tree": filters["tree"],
        "q": filters["query"],
        "status": filters["status"],
        "level": filters["level"] or "",
        "statuses": MemberStatus.choices,
        "period": period,
        "columns": columns,
        "sort": sort,
        "sort_choices": SORT_CHOICES,
        "sort_query": query.urlencode(),
        "csv_query": request.GET.urlencode(),
        **paginate(request, rows),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "level-results":
        return render(request, "office/_level_results.html", context)
    return render(request, "office/genealogy_levels.html", context)


@office_page()
def genealogy_levels_csv(request):
    """The same list as the page (filters and sort), every row, streamed: one's own downline only."""
    me = request.member
    period = genealogy_period()
    filters = _level_filters(request, period)
    rows = downline_list(top=me, period=period, **filters)
    header = [_("Level"), _("Member number"), _("Name"), _("Username"), _("Rank"), _("Status"), _("PV"), _("GV"),
              _("Joined")]  # fmt: skip
    lines = (
        [
            m.level,
            m.number,
            m.full_name,
            m.username,
            m.rank_name,
            m.get_status_display(),
            m.period_pv,
            "" if m.period_gv is None else m.period_gv,
            timezone.localtime(m.joined_at).date(),  # ISO for machines, the reader's way for spreadsheets
        ]  # fmt: skip
        for m in rows.iterator(chunk_size=2000)
    )
    return csv_response(lines, f"downline-{me.number}-{period.start.isoformat()}.csv", header=header, request=request)


@office_page()
def genealogy_binary(request):
    """The binary view: the distributor's (or a downline member's) left and right legs with their volumes and
    carry-over, and three levels of slots each with its own leg volumes. A company whose plan pays no binary bonus
    gets a plain 404 page."""
    me = request.member
    top = me
    if request.GET.get("top", "").isdigit():
        top = _visible_member(me, int(request.GET["top"]))
    try:
        legs = binary_legs(member=top)
    except TreeNotInPlan as exc:
        return render(request, "office/genealogy_unavailable.html", {"reason": str(exc)}, status=404)
    return render(
        request,
        "office/genealogy_binary.html",
        {"me": me, "top": top, "legs": legs, "period": genealogy_period()},
    )


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
