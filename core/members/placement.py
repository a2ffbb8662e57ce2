"""Where a new member goes in the placement tree, by the company's rule (core.members.models.GenealogySettings).

Each function answers (parent, position) without writing; the service that calls them holds the placement lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext

from core.members.models import BinarySpillover, GenealogySettings, Member, PlacementMethod, Side

TABLE = Member._meta.db_table


@dataclass(frozen=True)
class Slot:
    parent: Member
    position: int | None


def genealogy_settings_get() -> GenealogySettings:
    settings_row = GenealogySettings.objects.order_by("id").first()
    return settings_row or GenealogySettings.objects.create()


def binary_extreme_outside(*, top: Member, side: int) -> Slot:
    """Follow the ``side`` edge down from ``top`` to its last member; the new member goes under it on that side."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE edge(id, step) AS (
                SELECT %s::bigint, 0
                UNION ALL
                SELECT child.id, edge.step + 1 FROM {TABLE} child JOIN edge ON child.placement_parent_id = edge.id
                 WHERE child.placement_position = %s
            )
            SELECT id FROM edge ORDER BY step DESC LIMIT 1
            """,
            [top.pk, side],
        )
        bottom_id = cursor.fetchone()[0]
    return Slot(parent=Member.objects.get(pk=bottom_id), position=side)


def binary_leg_sizes(*, top: Member) -> dict[int, int]:
    """Members in the left and right legs under ``top`` (the whole leg, not only the frontline)."""
    sizes: dict[int, int] = {Side.LEFT: 0, Side.RIGHT: 0}
    legs = Member.objects.filter(placement_parent=top).values_list("placement_position", "placement_downline_count")
    for position, below in legs:
        if position is not None:  # a child without a slot heads no leg
            sizes[position] = below + 1  # the leg's head and everyone under it
    return sizes


def binary_weaker_leg(*, top: Member) -> Slot:
    """The leg with fewer members (left on a tie), then its outside edge: the usual "weaker leg" spillover."""
    sizes = binary_leg_sizes(top=top)
    side = Side.LEFT if sizes[Side.LEFT] <= sizes[Side.RIGHT] else Side.RIGHT
    return binary_extreme_outside(top=top, side=side)


def matrix_breadth_first(*, top: Member, width: int) -> Slot:
    """The first open slot under ``top`` in breadth-first, left-to-right order: one query per level of the matrix."""
    frontier = [top.pk]
    while frontier:
        taken: dict[int, set[int]] = {pk: set() for pk in frontier}
        children: dict[int, list[tuple[int, int]]] = {pk: [] for pk in frontier}
        rows = Member.objects.filter(placement_parent_id__in=frontier).values_list(
            "placement_parent_id", "placement_position", "id"
        )
        for parent_id, position, child_id in rows:
            if position is not None:  # a child without a slot takes none
                taken[parent_id].add(position)
            children[parent_id].append((position if position is not None else width, child_id))
        for pk in frontier:
            free = [slot for slot in range(width) if slot not in taken[pk]]
            if free:
                return Slot(parent=Member.objects.get(pk=pk), position=free[0])
        frontier = [child_id for pk in frontier for _, child_id in sorted(children[pk])]
    raise ValidationError(
        {"placement": [gettext("No open position was found in the matrix.")]}
    )  # unreachable: leaves are open


def slot_is_free(*, parent: Member, position: int | None) -> bool:
    return not Member.objects.filter(placement_parent=parent, placement_position=position).exists()


def automatic_slot(*, sponsor: Member, settings_row: GenealogySettings, preferred_side: int | None = None) -> Slot:
    """The company's default rule, used at enrolment and when a holding-tank deadline passes."""
    method = settings_row.placement_method
    if method == PlacementMethod.UNILEVEL:
        return Slot(parent=sponsor, position=None)
    if method == PlacementMethod.MATRIX:
        return matrix_breadth_first(top=sponsor, width=settings_row.matrix_width)
    if settings_row.binary_spillover == BinarySpillover.WEAKER_LEG:
        return binary_weaker_leg(top=sponsor)
    side = sponsor.binary_preferred_side if preferred_side is None else preferred_side
    return binary_extreme_outside(top=sponsor, side=side)


def chosen_slot_check(
    *, sponsor: Member, parent: Member, position: int | None, settings_row: GenealogySettings
) -> Slot:
    """A position the sponsor picked: inside the sponsor's own placement downline, free, and valid for the method."""
    errors: dict[str, list[str]] = {}
    method = settings_row.placement_method
    if parent.pk != sponsor.pk and sponsor.pk not in parent.placement_path:
        errors["placement_parent"] = [
            gettext("#%(number)s is not in the sponsor's placement downline.") % {"number": parent.number}
        ]
    if not parent.placement_path:
        errors["placement_parent"] = [gettext("#%(number)s is not placed yet.") % {"number": parent.number}]
    if method == PlacementMethod.BINARY and position not in (Side.LEFT, Side.RIGHT):
        errors["placement_position"] = [gettext("Choose 0 (left) or 1 (right).")]
    elif method == PlacementMethod.MATRIX and (position is None or not 0 <= position < settings_row.matrix_width):
        errors["placement_position"] = [
            gettext("Choose a position from 0 to %(matrix_width)s.") % {"matrix_width": settings_row.matrix_width - 1}
        ]
    elif method == PlacementMethod.UNILEVEL:
        position = None
    if not errors and position is not None and not slot_is_free(parent=parent, position=position):
        errors["placement_position"] = [
            gettext("That position under #%(number)s is already taken.") % {"number": parent.number}
        ]
    if errors:
        raise ValidationError(errors)
    return Slot(parent=parent, position=position)
