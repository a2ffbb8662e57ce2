"""The genealogy viewer's reads: members as node cards carrying the period's figures (rank, PV, GV, active status,
"new this period"), a page of one node's children, a search inside a downline with the path to each member found,
and a member's binary legs. The trees come from core.members (paths and parent indexes); the figures from commerce's
stored volumes and the period's commission run, which is why this lives in plans, above both.

Why GV is not always summed on the spot: a member's GV is the PSV of their whole sponsor subtree, and summing a leg
of hundreds of thousands of members on every branch request would break the viewer's budget (a branch in < 50 ms on
a million-member company). So GV comes from the period's run (its posted run, else its latest preview) when there is
one; without a run it is summed live for the smaller legs of a page, at most ``LIVE_GV_MAX_MEMBERS`` members in all;
larger legs say their GV comes with the next preview."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from config.tenancy import current_schema
from core.commerce.public import (
    period_end_for,
    period_start_for,
    volumes_of,
    volumes_under,
    with_period_volume,
)
from core.company.services import company_settings_get
from core.members import selectors as members
from core.members.models import Member, MemberStatus, PlacementMethod, Tree
from core.members.placement import genealogy_settings_get
from plans.engine import PlanError, plan_from_document
from plans.legs import LegsSource, LegVolumes, leg_volumes, legs_source
from plans.models import CommissionRun, PlanVersion, RunKind, RunMemberResult, RunStatus

# Without a run for the period, GV is summed live for at most this many members per page (smallest legs first): a
# few milliseconds; the cards of larger legs say their GV comes with the next preview.
LIVE_GV_MAX_MEMBERS = 1000
CHILDREN_PAGE_MAX = 100
# The binary view's slots under each leg head: this many levels (head included) by default, at most BINARY_LEVELS_MAX
# (15 cards a leg); a slot whose member has members placed below the last level returned says so ("more"), and the
# viewer asks for that member's own legs to go on ("load more").
BINARY_LEVELS = 3
BINARY_LEVELS_MAX = 4
SEARCH_LIMIT = 20
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class TreeNotInPlan(Exception):
    """The company's plan does not use the tree asked for (a placement tree on a unilevel company, a binary view
    without a binary component): the pages do not offer it and the API answers 404."""


@dataclass(frozen=True)
class GenealogyPeriod:
    """The open period the viewer shows, and which trees this company's plan uses."""

    start: datetime.date
    end: datetime.date
    run_id: int | None  # the period's posted run, else its latest finished preview
    rank_names: dict[str, str]
    placement: bool  # members are placed in a placement tree of their own (binary or matrix)
    binary: bool  # the plan in effect pays a binary component on a left/right placement tree
    zone: ZoneInfo  # the company's time zone: a join date is the company's calendar day


@dataclass(frozen=True)
class NodeCard:
    number: int
    username: str
    full_name: str
    rank: str
    rank_name: str
    status: str
    status_label: str
    active: bool
    pv: Decimal
    gv: Decimal | None
    gv_basis: str  # "run" (the period's run), "live" (summed now) or "pending" (a large leg, after the next preview)
    new_this_period: bool
    joined_on: datetime.date
    children: int
    downline: int
    position: int | None


@dataclass(frozen=True)
class ChildrenPage:
    node: NodeCard
    count: int
    page: int
    pages: int
    results: list[NodeCard]


@dataclass(frozen=True)
class SearchHit:
    card: NodeCard
    path: list[int]  # member numbers from the top of the search down to the member found


@dataclass(frozen=True)
class BinarySlot:
    """One place in a leg's first levels: the member placed there (None: an empty slot), whether members sit below
    it beyond the levels returned (open its own legs for them), and its two slots below (empty at the last level)."""

    side: str
    card: NodeCard | None
    more: bool
    slots: list[BinarySlot]
    legs: LegVolumes | None = None  # the member's own left/right volume and carry-over (plans.legs)


@dataclass(frozen=True)
class BinaryLeg:
    side: str
    head: NodeCard | None
    members: int
    carry_in: Decimal  # CV carried over from the last posted period
    volume_this_period: Decimal  # CV credited in the leg's placement subtree this period
    volume: Decimal  # carry_in + volume_this_period: what pairs this period
    carry_out: Decimal | None  # what the period's latest calculation carries to the next period, once there is one
    slots: BinarySlot  # the head's slot and ``levels`` levels of the leg, bounded (see BINARY_LEVELS_MAX)
    basis: str = "live"  # "live": the latest calculation plus orders since ("so far"); "run": the posted run's
    as_of: datetime.datetime | None = None  # when the figures' run was calculated (posted, for "run")


def genealogy_period() -> GenealogyPeriod:
    """Today's period in the company's calendar, its reference run, rank names and the trees the plan uses."""
    company = company_settings_get()
    zone = ZoneInfo(company.timezone)
    start = period_start_for(timezone.now().astimezone(zone).date(), period=company.commission_period)
    rank_names, binary_component = _plan_facts(start)
    method = genealogy_settings_get().placement_method
    return GenealogyPeriod(
        start=start,
        end=period_end_for(start, period=company.commission_period),
        zone=zone,
        run_id=_reference_run_id(start),
        rank_names=rank_names,
        placement=method != PlacementMethod.UNILEVEL,
        binary=binary_component and method == PlacementMethod.BINARY,
    )


# Activated plan versions never change (a change is a new version), so what the viewer needs from one is read once
# per process: {(schema, version id, activation time): (rank names by code, has a binary component)}.
_PLAN_FACTS: dict[tuple[str, int, datetime.datetime | None], tuple[dict[str, str], bool]] = {}


def _reference_run_id(start: datetime.date) -> int | None:
    """The run the period starting on ``start`` is judged by, as ``period_reference_run`` chooses it (the posted run,
    else the latest finished preview), in one query that loads no plan document."""
    return (
        CommissionRun.objects.filter(period__start=start)
        .filter(Q(status=RunStatus.POSTED) | Q(kind=RunKind.PREVIEW, status__in=[RunStatus.DONE, RunStatus.APPROVED]))
        .order_by(Case(When(status=RunStatus.POSTED, then=Value(0)), default=Value(1)), "-id")
        .values_list("pk", flat=True)
        .first()
    )


def _plan_facts(start: datetime.date) -> tuple[dict[str, str], bool]:
    """Rank names and whether a binary component is paid, for the plan version in effect on ``start``."""
    found = (
        PlanVersion.objects.filter(is_draft=False, effective_from__lte=start)
        .order_by("-effective_from")
        .values_list("pk", "activated_at")
        .first()
    )
    if found is None:
        return {}, False
    version_id, activated_at = found
    key = (current_schema(), version_id, activated_at)
    if key not in _PLAN_FACTS:
        try:
            plan = plan_from_document(PlanVersion.objects.get(pk=version_id).document)
        except PlanError:
            return {}, False
        _PLAN_FACTS[key] = (
            {rank.code: rank.name or rank.code for rank in plan.ranks},
            any(component.type == "binary" for component in plan.components),
        )
    return _PLAN_FACTS[key]


def _tree_in_plan(period: GenealogyPeriod, tree: str) -> None:
    if tree == Tree.PLACEMENT and not period.placement:
        raise TreeNotInPlan(_("This company places members in the sponsor tree only."))


def _points(hundredths: int) -> Decimal:
    return (Decimal(int(hundredths)) / HUNDRED).quantize(CENT)


def node_cards(*, people: list[Member], period: GenealogyPeriod, tree: str) -> list[NodeCard]:
    """Cards for a page of members: three queries whatever the page size (volumes, the run's GV, live GV of the
    small legs without one). ``child_count`` is read from the member when the selector annotated it."""
    ids = [m.pk for m in people]
    volumes = volumes_of(member_ids=ids, period_start=period.start)
    run_gv: dict[int, int] = {}
    if period.run_id is not None:
        run_gv = dict(
            RunMemberResult.objects.filter(run_id=period.run_id, member_id__in=ids).values_list("member_id", "gv")
        )
    live_ids, budget = [], LIVE_GV_MAX_MEMBERS
    for m in sorted((m for m in people if m.pk not in run_gv), key=lambda m: m.sponsor_downline_count):
        if m.sponsor_downline_count + 1 > budget:
            break
        live_ids.append(m.pk)
        budget -= m.sponsor_downline_count + 1
    live = volumes_under(head_ids=live_ids, period_start=period.start, tree=Tree.SPONSOR, few=True)
    cards = []
    for m in people:
        volume = volumes.get(m.pk)
        if m.pk in run_gv:
            gv, basis = _points(run_gv[m.pk]), "run"
        elif m.pk in live:
            gv, basis = live[m.pk].psv.quantize(CENT), "live"
        else:
            gv, basis = None, "pending"
        cards.append(
            NodeCard(
                number=m.number,
                username=m.username,
                full_name=m.full_name,
                rank=m.paid_as_rank,
                rank_name=period.rank_names.get(m.paid_as_rank, m.paid_as_rank),
                status=m.status,
                status_label=m.get_status_display(),
                active=m.status == MemberStatus.ACTIVE,
                pv=(volume.pv if volume else Decimal(0)).quantize(CENT),
                gv=gv,
                gv_basis=basis,
                new_this_period=m.joined_at.astimezone(period.zone).date() >= period.start,
                joined_on=m.joined_at.astimezone(period.zone).date(),
                children=getattr(m, "child_count", 0),
                downline=m.placement_downline_count if tree == Tree.PLACEMENT else m.sponsor_downline_count,
                position=m.placement_position if tree == Tree.PLACEMENT else None,
            )
        )
    return cards


def genealogy_children(*, parent: Member, tree: str, page: int = 1, page_size: int = 50) -> ChildrenPage:
    """A node and one page of its frontline in ``tree``, as cards. Who may look was decided before (``viewer``
    checks in the API): this reads the node it is given."""
    period = genealogy_period()
    _tree_in_plan(period, tree)
    page_size = max(1, min(page_size, CHILDREN_PAGE_MAX))
    count = members.frontline_count(parent=parent, tree=tree)
    pages = max(1, -(-count // page_size))
    page = max(1, min(page, pages))
    children = members.children_page(parent=parent, tree=tree, offset=(page - 1) * page_size, limit=page_size)
    parent.child_count = count  # type: ignore[attr-defined]
    cards = node_cards(people=[parent, *children], period=period, tree=tree)
    return ChildrenPage(node=cards[0], count=count, page=page, pages=pages, results=cards[1:])


def genealogy_search(*, top: Member, query: str, tree: str) -> list[SearchHit]:
    """Members under ``top`` in ``tree`` whose name, username or member number matches, nearest first, each with the
    path of member numbers from ``top`` down to them (what the viewer opens)."""
    period = genealogy_period()
    _tree_in_plan(period, tree)
    query = query.strip()[:100]
    if not query:
        return []
    found = list(members.downline_search(top=top, query=query, tree=tree)[:SEARCH_LIMIT])
    counts = members.frontline_counts(parent_ids=[m.pk for m in found], tree=tree)
    for member in found:
        member.child_count = counts.get(member.pk, 0)  # type: ignore[attr-defined]
    cards = node_cards(people=found, period=period, tree=tree)
    with_paths = Member.objects.in_bulk([m.pk for m in found])
    return [
        SearchHit(card=card, path=[m.number for m in members.path_between(top=top, member=with_paths[m.pk], tree=tree)])
        for m, card in zip(found, cards, strict=True)
    ]


def _leg_slots(
    *, member: Member, levels: int, period: GenealogyPeriod, source: LegsSource
) -> tuple[dict[int, BinarySlot], dict[int, Member], LegVolumes]:
    """The first ``levels`` levels of ``member``'s placement tree as slots, one per side (0 left, 1 right), each a
    bounded binary tree of at most 2**levels - 1 cards with their own leg volumes: a fixed number of queries (the
    bounded walk, the members with their frontline sizes, the cards' figures, the leg volumes) whatever the size of
    the legs. Also the leg heads by side, and ``member``'s own leg volumes."""
    rows = members.downline_ids_by_level(top=member, tree=Tree.PLACEMENT, max_levels=levels)
    level_of = dict(rows)
    people = list(Member.objects.defer(*members.PATH_FIELDS).filter(pk__in=level_of))
    counts = members.frontline_counts(parent_ids=[m.pk for m in people], tree=Tree.PLACEMENT)
    for person in people:
        person.child_count = counts.get(person.pk, 0)  # type: ignore[attr-defined]
    cards = {c.number: c for c in node_cards(people=people, period=period, tree=Tree.PLACEMENT)}
    legs = leg_volumes(member_ids=[member.pk, *(m.pk for m in people)], source=source)
    at = {(m.placement_parent_id, m.placement_position): m for m in people}

    def slot(parent_id: int, side: int, level: int) -> BinarySlot:
        placed = at.get((parent_id, side))
        label = "left" if side == 0 else "right"
        if placed is None:
            return BinarySlot(side=label, card=None, more=False, slots=[])
        card = cards[placed.number]
        if level >= levels:
            return BinarySlot(side=label, card=card, more=card.children > 0, slots=[], legs=legs[placed.pk])
        below = [slot(placed.pk, s, level + 1) for s in (0, 1)]
        return BinarySlot(side=label, card=card, more=False, slots=below, legs=legs[placed.pk])

    heads = {side: at[(member.pk, side)] for side in (0, 1) if (member.pk, side) in at}
    return {side: slot(member.pk, side, 1) for side in (0, 1)}, heads, legs[member.pk]


def binary_legs(*, member: Member, levels: int = BINARY_LEVELS) -> list[BinaryLeg]:
    """``member``'s left and right legs in the placement tree: who heads each, how many members, the CV carried in
    from the last posted period, this period's CV in the leg so far, what the period's latest calculation carries on,
    and the leg's first ``levels`` levels as slots, each with its own leg volumes (bounded: 1 to BINARY_LEVELS_MAX;
    deeper members are loaded from the legs of a member on the last level, which says ``more``). No leg is summed:
    the volumes come from the latest run plus what changed since (plans.legs)."""
    period = genealogy_period()
    if not period.binary:
        raise TreeNotInPlan(_("This company's compensation plan has no binary component."))
    levels = max(1, min(levels, BINARY_LEVELS_MAX))
    source = legs_source(period_start=period.start)
    slots, heads, own = _leg_slots(member=member, levels=levels, period=period, source=source)
    carried = (0, 0)
    if source.carried_run_id is not None:
        carried = (
            RunMemberResult.objects.filter(run_id=source.carried_run_id, member_id=member.pk)
            .values_list("carry_left", "carry_right")
            .first()
        ) or (0, 0)
    legs = []
    for side, label in ((0, "left"), (1, "right")):
        head = heads.get(side)
        carry_in = _points(carried[side])
        volume = own.left if side == 0 else own.right
        legs.append(
            BinaryLeg(
                side=label,
                head=slots[side].card,
                members=head.placement_downline_count + 1 if head is not None else 0,
                carry_in=carry_in,
                volume_this_period=volume - carry_in,
                volume=volume,
                carry_out=own.carry_left if side == 0 else own.carry_right,
                slots=slots[side],
                basis="run" if source.final else "live",
                as_of=source.as_of,
            )
        )
    return legs


def downline_with_figures(*, rows: QuerySet[Member], period: GenealogyPeriod) -> QuerySet[Member]:
    """The level list's rows with this period's PV (``period_pv``, the stored volume) and, once the period has run,
    the run's GV (``period_gv``, else null), as annotations the list sorts and pages on in SQL."""
    rows = with_period_volume(rows, period_start=period.start)
    if period.run_id is None:
        return rows.annotate(period_gv=Value(None, output_field=DecimalField(max_digits=14, decimal_places=2)))
    gv = RunMemberResult.objects.filter(run_id=period.run_id, member_id=OuterRef("pk")).values("gv")[:1]
    return rows.annotate(
        period_gv=Cast(Subquery(gv), DecimalField(max_digits=16, decimal_places=2)) / HUNDRED,
    )


# The level list's sort keys: the column, and the tie-breakers that keep pages stable.
LEVEL_SORTS = {
    "level": ("level", "number"),
    "name": ("last_name", "first_name", "number"),
    "number": ("number",),
    "rank": ("rank_name", "number"),
    "pv": ("period_pv", "number"),
    "gv": ("period_gv", "number"),
    "joined": ("joined_at", "number"),
}


def downline_list(
    *,
    top: Member,
    tree: str,
    period: GenealogyPeriod,
    query: str = "",
    status: str = "",
    level: int | None = None,
    sort: str = "level",
) -> QuerySet[Member]:
    """The level list: ``top``'s whole downline in ``tree`` (or those matching ``query``), filtered by status and
    level, with rank names, this period's PV and the run's GV, sorted by ``sort`` (a key of ``LEVEL_SORTS``, "-"
    in front for descending). A QuerySet, so the page pages it and the CSV export streams it."""
    _tree_in_plan(period, tree)
    top_depth = top.placement_depth if tree == Tree.PLACEMENT else top.sponsor_depth
    depth = "placement_depth" if tree == Tree.PLACEMENT else "sponsor_depth"
    rows: QuerySet[Member]
    if query:
        rows = members.downline_search(top=top, query=query, tree=tree).annotate(level=F(depth) - top_depth)
    else:
        rows = members.downline(top=top, tree=tree, max_levels=level, level=level)
    if status:
        rows = rows.filter(status=status)
    if level is not None:
        rows = rows.filter(**{"level": level})  # an annotation the type plugin cannot see
    names = [When(paid_as_rank=code, then=Value(name)) for code, name in period.rank_names.items()]
    rows = rows.annotate(rank_name=Case(*names, default=F("paid_as_rank"), output_field=CharField()))
    rows = downline_with_figures(rows=rows, period=period)
    key = sort.removeprefix("-")
    fields = LEVEL_SORTS.get(key, LEVEL_SORTS["level"])
    if sort.startswith("-") and key in LEVEL_SORTS:
        return rows.order_by(F(fields[0]).desc(nulls_last=True), *fields[1:])
    return rows.order_by(F(fields[0]).asc(nulls_last=True), *fields[1:])
