"""Genealogy reads: upline, downline by level, counts, legs, search, and the trees as of a past date.

A distributor may only ever read inside their own downline: every selector that takes a ``viewer`` checks it with
``downline_contains`` (one array containment test on the target's path)."""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext

from core.company.services import company_settings_get
from core.members.models import Customer, Member, MemberStatus, Tree, TreeEvent, TreeMove

TABLE = Member._meta.db_table
# Paths can hold thousands of ids on a deep chain: lists and pages never need them, so they are never loaded there.
PATH_FIELDS = ("sponsor_path", "placement_path")


def tree_columns(tree: str) -> tuple[str, str, str]:
    """A tree's parent, path and depth columns on the members table."""
    if tree == Tree.PLACEMENT:
        return "placement_parent_id", "placement_path", "placement_depth"
    return "sponsor_id", "sponsor_path", "sponsor_depth"


def member_by_number(number: int) -> Member | None:
    return Member.objects.filter(number=number).first()


def member_by_username(username: str) -> Member | None:
    return Member.objects.filter(username__iexact=username).first()


def member_for_user(*, user: Any) -> Member | None:
    """The member record of a login, whatever its role (None when it has none)."""
    return Member.objects.filter(user=user).first()


def member_search(*, query: str) -> QuerySet[Member]:
    """Staff search over the whole company by name, username, e-mail or number."""
    query = (query or "").strip()
    condition = (
        Q(first_name__icontains=query)
        | Q(last_name__icontains=query)
        | Q(username__icontains=query)
        | Q(email__icontains=query)
    )
    if query.isdigit():
        condition |= Q(number=int(query))
    return Member.objects.filter(condition).defer(*PATH_FIELDS).order_by("number")


def downline_contains(*, top: Member, member: Member, tree: str = Tree.SPONSOR) -> bool:
    """Is ``member`` ``top`` or somewhere under ``top``?"""
    path = member.placement_path if tree == Tree.PLACEMENT else member.sponsor_path
    return top.pk in path


def visible_or_denied(*, viewer: Member | None, member: Member) -> None:
    """Distributors see their own downline in either tree; staff (viewer None) see everyone."""
    if viewer is None:
        return
    if downline_contains(top=viewer, member=member) or downline_contains(
        top=viewer, member=member, tree=Tree.PLACEMENT
    ):
        return
    raise PermissionDenied(gettext("That member is not in your downline."))


def upline(*, member: Member, tree: str = Tree.SPONSOR, levels: int | None = None) -> list[Member]:
    """The member's ancestors, nearest first (one lookup by primary key of the stored path)."""
    path = list(member.placement_path if tree == Tree.PLACEMENT else member.sponsor_path)[:-1]
    path.reverse()
    if levels is not None:
        path = path[:levels]
    by_id = Member.objects.defer(*PATH_FIELDS).in_bulk(path)
    return [by_id[pk] for pk in path if pk in by_id]


def downline_ids_by_level(*, top: Member, tree: str = Tree.SPONSOR, max_levels: int = 3) -> list[tuple[int, int]]:
    """(member id, level) for the first ``max_levels`` levels under ``top``, walked through the parent index:
    a bounded walk stays fast even under a member with a million-strong downline."""
    parent, _, _ = tree_columns(tree)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE down(id, level) AS (
                SELECT id, 1 FROM {TABLE} WHERE {parent} = %s
                UNION ALL
                SELECT child.id, down.level + 1 FROM {TABLE} child JOIN down ON child.{parent} = down.id
                 WHERE down.level < %s
            )
            SELECT id, level FROM down
            """,
            [top.pk, max_levels],
        )
        return cursor.fetchall()


def downline(
    *,
    top: Member,
    tree: str = Tree.SPONSOR,
    max_levels: int | None = 3,
    status: str | None = None,
    rank: str | None = None,
    level: int | None = None,
) -> QuerySet[Member]:
    """The members under ``top`` (not ``top`` itself), nearest levels first, for pagination; with ``level``, only
    those exactly that many levels below.

    With ``max_levels`` the walk is bounded (parent index); without it the whole downline comes from the path index.
    """
    _, path, depth = tree_columns(tree)
    top_depth = top.placement_depth if tree == Tree.PLACEMENT else top.sponsor_depth
    if max_levels is None:
        queryset = Member.objects.filter(**{f"{path}__contains": [top.pk]}).exclude(pk=top.pk)
    else:
        ids = [pk for pk, _ in downline_ids_by_level(top=top, tree=tree, max_levels=max_levels)]
        queryset = Member.objects.filter(pk__in=ids)
    if status:
        queryset = queryset.filter(status=status)
    if rank:
        queryset = queryset.filter(paid_as_rank=rank)
    queryset = queryset.defer(*PATH_FIELDS).annotate(level=F(depth) - top_depth)
    if level is not None:
        queryset = queryset.filter(level=level)
    return queryset.order_by(depth, "number")


def downline_count(*, top: Member, tree: str = Tree.SPONSOR) -> int:
    """Everyone under ``top``: the count kept on the row by every enrolment and move."""
    field = "placement_downline_count" if tree == Tree.PLACEMENT else "sponsor_downline_count"
    return Member.objects.filter(pk=top.pk).values_list(field, flat=True).get()


def downline_count_exact(*, top: Member, tree: str = Tree.SPONSOR) -> int:
    """Everyone under ``top``, counted from the path index (checks the stored count)."""
    _, path, _ = tree_columns(tree)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) - 1 FROM {TABLE} WHERE {path} @> ARRAY[%s]::bigint[]", [top.pk])
        return cursor.fetchone()[0]


def downline_level_counts(*, top: Member, tree: str = Tree.SPONSOR) -> list[tuple[int, int]]:
    """(level, members) for every level under ``top``."""
    _, path, depth = tree_columns(tree)
    top_depth = top.placement_depth if tree == Tree.PLACEMENT else top.sponsor_depth
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {depth} - %s AS level, count(*) FROM {TABLE} WHERE {path} @> ARRAY[%s]::bigint[] "
            f"AND id <> %s GROUP BY 1 ORDER BY 1",
            [top_depth, top.pk, top.pk],
        )
        return cursor.fetchall()


@dataclass(frozen=True)
class Leg:
    head: Member
    members: int
    active_members: int


def leg_totals(*, top: Member, tree: str = Tree.SPONSOR) -> list[Leg]:
    """One row per frontline member of ``top``: the size of the leg it heads (itself included)."""
    parent, path, _ = tree_columns(tree)
    top_depth = top.placement_depth if tree == Tree.PLACEMENT else top.sponsor_depth
    with connection.cursor() as cursor:
        # path[top_depth + 2] (1-based) is the frontline member heading the leg each row belongs to.
        cursor.execute(
            f"SELECT {path}[%s] AS head, count(*), count(*) FILTER (WHERE status = 'active') FROM {TABLE} "
            f"WHERE {path} @> ARRAY[%s]::bigint[] AND id <> %s GROUP BY 1",
            [top_depth + 2, top.pk, top.pk],
        )
        totals = {head: (count, active) for head, count, active in cursor.fetchall()}
    heads = Member.objects.filter(**{parent.removesuffix("_id"): top}).order_by("placement_position", "number")
    return [Leg(head=h, members=totals.get(h.pk, (0, 0))[0], active_members=totals.get(h.pk, (0, 0))[1]) for h in heads]


def downline_search(*, top: Member, query: str, tree: str = Tree.SPONSOR) -> QuerySet[Member]:
    """Search by name, username or number, only inside ``top``'s downline."""
    _, path, depth = tree_columns(tree)
    query = (query or "").strip()
    condition = Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(username__icontains=query)
    if query.isdigit():
        condition |= Q(number=int(query))
    return (
        Member.objects.filter(**{f"{path}__contains": [top.pk]})
        .exclude(pk=top.pk)
        .filter(condition)
        .defer(*PATH_FIELDS)
        .order_by(depth, "number")
    )


# ---------------------------------------------------------------------------------------------------- as of a date


def parents_as_of(*, at: datetime, tree: str = Tree.SPONSOR) -> dict[int, int | None]:
    """{member id: parent id} as the tree stood at ``at``: today's parents with every later event undone."""
    parent, _, _ = tree_columns(tree)
    parents = dict(Member.objects.filter(joined_at__lte=at).values_list("id", parent))
    later = TreeEvent.objects.filter(tree=tree, happened_at__gt=at).order_by("-happened_at", "-id")
    for member_id, old_parent_id in later.values_list("member_id", "old_parent_id"):
        if member_id in parents:
            parents[member_id] = old_parent_id
    return parents


def downline_as_of(*, top: Member, at: datetime, tree: str = Tree.SPONSOR) -> dict[int, int]:
    """{member id: level} of ``top``'s downline as it stood at ``at``."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for member_id, parent_id in parents_as_of(at=at, tree=tree).items():
        children[parent_id].append(member_id)
    levels: dict[int, int] = {}
    frontier, level = [top.pk], 0
    while frontier:
        level += 1
        frontier = [child for pk in frontier for child in children.get(pk, [])]
        levels.update(dict.fromkeys(frontier, level))
    return levels


# ---------------------------------------------------------------------------------------------------- web pages


# A replicated site is served only while its owner may sell; otherwise visitors see the company's main site.
SITE_HIDDEN_STATUSES = (MemberStatus.TERMINATED, MemberStatus.SUSPENDED)


def replicated_site_owner(*, username: str) -> Member | None:
    """The distributor whose replicated site lives at /<username>/, or None (unknown, terminated or suspended)."""
    member = member_by_username(username)
    if member is None or member.status in SITE_HIDDEN_STATUSES:
        return None
    return member


def children_with_counts(*, parent: Member, tree: str = Tree.SPONSOR) -> QuerySet[Member]:
    """``parent``'s frontline in ``tree``, each with ``child_count`` (its own frontline size), for expandable trees."""
    column, _, _ = tree_columns(tree)
    related = "placement_children" if tree == Tree.PLACEMENT else "recruits"
    return (
        Member.objects.filter(**{column: parent.pk})
        .annotate(child_count=Count(related))
        .order_by("placement_position", "number")
    )


def children_page(*, parent: Member, tree: str = Tree.SPONSOR, offset: int = 0, limit: int = 50) -> list[Member]:
    """One page of ``parent``'s frontline in ``tree`` (slot, then number), each with ``child_count``: a correlated
    count, so only the rows of the page are counted however wide the node is. Paths are not loaded."""
    column, _, _ = tree_columns(tree)
    frontline = (
        Member.objects.filter(**{column: OuterRef("pk")}).order_by().values(column).annotate(n=Count("pk")).values("n")
    )
    return list(
        Member.objects.filter(**{column: parent.pk})
        .defer(*PATH_FIELDS)
        .annotate(child_count=Coalesce(Subquery(frontline, output_field=IntegerField()), 0))
        .order_by("placement_position", "number")[offset : offset + limit]
    )


def path_between(*, top: Member, member: Member, tree: str = Tree.SPONSOR) -> list[Member]:
    """The members from ``top`` down to ``member`` (both included) in ``tree``; empty when ``member`` is not under
    ``top``. One lookup by primary key of the stored path."""
    path = list(member.placement_path if tree == Tree.PLACEMENT else member.sponsor_path)
    if top.pk not in path:
        return []
    ids = path[path.index(top.pk) :]
    by_id = Member.objects.defer(*PATH_FIELDS).in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def frontline_counts(*, parent_ids: list[int], tree: str = Tree.SPONSOR) -> dict[int, int]:
    """``{member id: frontline size}`` for a few members (one grouped query on the parent index)."""
    column, _, _ = tree_columns(tree)
    rows = Member.objects.filter(**{f"{column}__in": parent_ids}).values(column).annotate(n=Count("pk"))
    return {row[column]: row["n"] for row in rows.order_by()}


def frontline_count(*, parent: Member, tree: str = Tree.SPONSOR) -> int:
    """How many members sit directly under ``parent`` in ``tree``."""
    column, _, _ = tree_columns(tree)
    return Member.objects.filter(**{column: parent.pk}).count()


def customers_count(*, distributor: Member) -> int:
    """How many customers are credited to ``distributor`` now."""
    return Customer.objects.filter(distributor=distributor).count()


def customers_of(*, distributor: Member) -> QuerySet[Customer]:
    """The customers credited to ``distributor`` now, newest first."""
    return Customer.objects.filter(distributor=distributor).order_by("-joined_at", "-number")


def member_moves(*, member: Member) -> QuerySet[TreeMove]:
    """Every move that changed ``member``'s parents or had them as its subject, newest first, with its events."""
    return (
        TreeMove.objects.filter(Q(subject=member) | Q(events__member=member))
        .distinct()
        .select_related("subject", "moved_by", "undoes")
        .prefetch_related("events__member", "events__old_parent", "events__new_parent", "undone_by")
        .order_by("-moved_at", "-id")
    )


# ---------------------------------------------------------------------------------------------------- pages' reads


def member_counts() -> dict[str, int]:
    """How many members the company has, and how many of them are active."""
    return {"members": Member.objects.count(), "active": Member.objects.filter(status=MemberStatus.ACTIVE).count()}


def member_list(*, query: str = "") -> QuerySet[Member]:
    """The console's member list: a search, or everyone by number; each with their sponsor."""
    found = member_search(query=query) if query else Member.objects.order_by("number")
    return found.select_related("sponsor")


def members_visible_search(*, viewer: Member | None, query: str = "", status: str = "") -> QuerySet[Member]:
    """The API's member list: ``viewer``'s downline (everyone for staff, ``viewer`` None), matching ``query``, in
    ``status``; each with their sponsor."""
    if viewer is not None:
        members = downline_search(top=viewer, query=query)
    elif query:
        members = member_search(query=query)
    else:
        members = Member.objects.all()
    if status:
        members = members.filter(status=status)
    return members.select_related("sponsor")


def customers_visible_to(*, viewer: Member | None) -> QuerySet[Customer]:
    """Every customer for staff (``viewer`` None); a distributor's own personal customers otherwise."""
    customers = Customer.objects.select_related("distributor")
    return customers if viewer is None else customers.filter(distributor=viewer)


def tree_moves_list() -> QuerySet[TreeMove]:
    """Every tree move, newest first."""
    return TreeMove.objects.select_related("subject", "moved_by")


def tree_moves_changing(*, member: Member) -> QuerySet[TreeMove]:
    """The moves that changed ``member``'s sponsor or placement (an event of theirs), newest first."""
    move_ids = TreeEvent.objects.filter(member=member).values("move_id")
    return TreeMove.objects.filter(pk__in=move_ids).select_related("subject", "moved_by")


def tree_move_by_id(move_id: int) -> TreeMove | None:
    return TreeMove.objects.filter(pk=move_id).first()


def members_by_pk(ids: list[int]) -> dict[int, Member]:
    return Member.objects.in_bulk(ids)


def member_numbers(ids: list[int]) -> dict[int, int]:
    """``{member pk: member number}`` of ``ids``."""
    return dict(Member.objects.filter(pk__in=ids).values_list("pk", "number"))


def members_for_export(ids: list[int]) -> QuerySet[Member]:
    """The members of ``ids`` by number, with only what an export row shows (iterate it in chunks)."""
    return Member.objects.filter(pk__in=ids).order_by("number").only("pk", "number", "first_name", "last_name", "email")


# ------------------------------------------------------------------------------------------ the company storefront

DIRECTORY_QUERY_MAX = 100  # characters of a "find a distributor" search; longer input is cut, never an error


def distributor_directory(*, query: str = "") -> QuerySet[Member]:
    """ "Find a distributor" on the company site: members who opted in (``listed_in_directory``) and whose site is
    up, by name or city. Only what the public may see is loaded (name, city, username for the site link); the
    partial index ``member_directory_idx`` keeps the scan to listed members, and the page is paged by the caller."""
    found = Member.objects.filter(listed_in_directory=True).exclude(status__in=SITE_HIDDEN_STATUSES)
    for word in (query or "").strip()[:DIRECTORY_QUERY_MAX].split()[:5]:
        found = found.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(city__icontains=word))
    return found.only("pk", "username", "first_name", "last_name", "city", "region", "country").order_by(
        "last_name", "first_name", "number"
    )


def house_member() -> Member | None:
    """The company's house account: the member its settings name (``house_member_number``), else the root of the
    sponsor tree (the company's first member). Never the terminated tree's root, which only holds moved members."""
    number = company_settings_get().house_member_number
    if number:
        named = Member.objects.filter(number=number).exclude(status__in=SITE_HIDDEN_STATUSES).first()
        if named is not None:
            return named
    return (
        Member.objects.filter(sponsor__isnull=True)
        .exclude(status__in=SITE_HIDDEN_STATUSES)
        .defer(*PATH_FIELDS)
        .order_by("number")
        .first()
    )


class AttributionSource:
    PICKED = "picked"
    REFERRAL = "referral"
    HOUSE = "house"


@dataclass(frozen=True)
class Attribution:
    """Whom a purchase on the company site is credited to, and why."""

    member: Member | None
    source: str


def shop_attribution(*, picked: str = "", referred_by: str = "") -> Attribution:
    """Credit for a company-site visitor, in this order: the distributor they picked, else the one whose replicated
    site they came from (the referral cookie), else the house account. A username whose site is down (unknown,
    terminated, suspended) counts as no choice."""
    for username, source in ((picked, AttributionSource.PICKED), (referred_by, AttributionSource.REFERRAL)):
        member = replicated_site_owner(username=username[:32]) if username else None
        if member is not None:
            return Attribution(member=member, source=source)
    return Attribution(member=house_member(), source=AttributionSource.HOUSE)


def sponsor_path_between(*, top: Member, member: Member) -> list[Member]:
    """The sponsor line from ``top`` down to ``member`` (both included), for "where this member sits under you";
    empty when ``member`` is not in ``top``'s downline. One lookup by primary key."""
    path = list(member.sponsor_path)
    if top.pk not in path:
        return []
    ids = path[path.index(top.pk) :]
    by_id = Member.objects.defer(*PATH_FIELDS).in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def enrolments_by_day(*, start: _dt.date, end: _dt.date) -> dict[_dt.date, int]:
    """Members who joined on each day from ``start`` to ``end`` (inclusive), days in the company's time zone; days
    with nobody are left out."""
    zone = ZoneInfo(company_settings_get().timezone)
    begins = datetime.combine(start, time.min, tzinfo=zone)
    ends = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    rows = (
        Member.objects.filter(joined_at__gte=begins, joined_at__lt=ends)
        .annotate(joined_on=TruncDate("joined_at", tzinfo=zone))
        .values("joined_on")
        .annotate(n=Count("id"))
    )
    return {row["joined_on"]: row["n"] for row in rows}


def customer_by_number(*, number: int) -> Customer | None:
    """A customer with their distributor and market (the console's customer page)."""
    return Customer.objects.select_related("distributor", "market").filter(number=number).first()
