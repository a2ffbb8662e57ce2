"""Arranging genealogy reads for display (no rules here: who may see what is decided by the selectors)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.members.models import Member, Tree
from core.members.selectors import downline_ids_by_level


@dataclass
class BinaryNode:
    member: Member | None
    level: int
    children: list[BinaryNode] = field(default_factory=list)


def binary_subtree(*, top: Member, levels: int = 3) -> BinaryNode:
    """``top`` and ``levels`` levels of its placement tree as left/right slots (empty slots included)."""
    rows = downline_ids_by_level(top=top, tree=Tree.PLACEMENT, max_levels=levels)
    by_id = Member.objects.in_bulk([pk for pk, _ in rows])
    slots = {(m.placement_parent_id, m.placement_position): m for m in by_id.values()}

    def build(member: Member | None, level: int) -> BinaryNode:
        node = BinaryNode(member=member, level=level)
        if level < levels:
            node.children = [build(slots.get((member.pk, side)) if member else None, level + 1) for side in (0, 1)]
        return node

    return build(top, 0)
