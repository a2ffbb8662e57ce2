"""Low-level tree mechanics: attach a member, move a subtree, keep the materialised paths right.

Callers (core.members.services) hold the placement lock and record the events; this module only keeps the
``<tree>_parent`` / ``<tree>_path`` / ``<tree>_depth`` columns consistent, set-based: moving a 500k-member leg is one
UPDATE of the rows under it, whatever the depth of the tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext

from core.bulk import index_scan_only
from core.members.models import Member, Tree

TABLE = Member._meta.db_table


@dataclass(frozen=True)
class TreeColumns:
    parent: str
    path: str
    depth: str
    position: str | None
    count: str


# Keyed by the tree's value: callers pass a Tree or its string ("sponsor", "placement").
COLUMNS: dict[str, TreeColumns] = {
    Tree.SPONSOR: TreeColumns("sponsor_id", "sponsor_path", "sponsor_depth", None, "sponsor_downline_count"),
    Tree.PLACEMENT: TreeColumns(
        "placement_parent_id", "placement_path", "placement_depth", "placement_position", "placement_downline_count"
    ),
}


def _ancestors_adjust(cursor, cols: TreeColumns, ancestor_ids: list[int], delta: int) -> None:
    if ancestor_ids and delta:
        cursor.execute(
            f"UPDATE {TABLE} SET {cols.count} = {cols.count} + %s WHERE id = ANY(%s::bigint[])", [delta, ancestor_ids]
        )


def placement_lock() -> None:
    """Serialise placements within this company: two people joining at once must not get the same slot.

    The key is derived from the schema name so companies never wait for each other."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':placement'))")


def parent_of(member: Member, tree: str) -> int | None:
    return member.sponsor_id if tree == Tree.SPONSOR else member.placement_parent_id


def path_of(member: Member, tree: str) -> list[int]:
    return list(member.sponsor_path if tree == Tree.SPONSOR else member.placement_path)


def members_refresh(*members: Member | None) -> None:
    """Re-read members a caller loaded before taking the placement lock: a move decided on a path read before the
    lock can be undone by a move committed while waiting for it (two opposite re-sponsors made a loop that way)."""
    for member in members:
        if member is not None:
            member.refresh_from_db()


def refuse_cycle(*, member: Member, new_parent: Member | None, tree: str) -> None:
    """Refuse a move of ``member`` under a member of its own downline. Reads the new parent's path from the
    database (under the placement lock), never from the object the caller passed in."""
    if new_parent is None:
        return
    cols = COLUMNS[tree]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s = ANY({cols.path}) FROM {TABLE} WHERE id = %s", [member.pk, new_parent.pk])
        in_downline = cursor.fetchone()[0]
    if new_parent.pk == member.pk or in_downline:
        raise ValidationError(
            {
                "new_parent": [
                    gettext("#%(number)s is in #%(number2)s's own downline; the move would make a loop.")
                    % {"number": new_parent.number, "number2": member.number}
                ]
            }
        )


def subtree_reattach(*, member: Member, tree: str, new_parent: Member | None, position: int | None) -> None:
    """Give ``member`` a new parent in ``tree`` and rewrite the path and depth of every member under it.

    ``new_parent=None`` detaches the member (the holding tank, placement tree only): its path becomes empty until
    it is placed. A detached member never has children, so only its own row changes."""
    cols = COLUMNS[tree]
    member.refresh_from_db()
    old_path = path_of(member, tree)
    moved = 1 + getattr(member, cols.count)  # the member and everyone under it
    if new_parent is not None:
        new_parent.refresh_from_db(fields=[cols.path, cols.depth])
    with connection.cursor() as cursor:
        _ancestors_adjust(cursor, cols, old_path[:-1], -moved)
        if new_parent is not None:
            _ancestors_adjust(cursor, cols, path_of(new_parent, tree), moved)
        if new_parent is None:
            assignments = [f"{cols.parent} = NULL", f"{cols.path} = ARRAY[]::bigint[]", f"{cols.depth} = 0"]
            params: list = []
            if cols.position:
                assignments.append(f"{cols.position} = NULL")
            cursor.execute(f"UPDATE {TABLE} SET {', '.join(assignments)} WHERE id = %s", [*params, member.pk])
        elif not old_path:
            new_path = [*path_of(new_parent, tree), member.pk]
            sets = f"{cols.parent} = %s, {cols.path} = %s, {cols.depth} = %s"
            params = [new_parent.pk, new_path, len(new_path) - 1]
            if cols.position:
                sets += f", {cols.position} = %s"
                params.append(position)
            cursor.execute(f"UPDATE {TABLE} SET {sets} WHERE id = %s", [*params, member.pk])
        else:
            old_depth = len(old_path) - 1
            prefix = path_of(new_parent, tree)
            # path[old_depth+1:] (1-based) is the member itself and everything below it.
            cursor.execute(
                f"UPDATE {TABLE} SET {cols.path} = %s::bigint[] || {cols.path}[%s:], "
                f"{cols.depth} = {cols.depth} - %s + %s WHERE {cols.path} @> ARRAY[%s]::bigint[]",
                [prefix, old_depth + 1, old_depth, len(prefix), member.pk],
            )
            sets = f"{cols.parent} = %s"
            params = [new_parent.pk]
            if cols.position:
                sets += f", {cols.position} = %s"
                params.append(position)
            cursor.execute(f"UPDATE {TABLE} SET {sets} WHERE id = %s", [*params, member.pk])
    member.refresh_from_db()


def paths_rebuild(*, tree: str) -> int:
    """Recompute every path and depth of ``tree`` from the parent links, in one statement (used after a bulk
    import). Members not reachable from a root (the holding tank) get an empty path. Returns the rows updated."""
    cols = COLUMNS[tree]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE walk(id, path) AS (
                SELECT id, ARRAY[id] FROM {TABLE} WHERE {cols.parent} IS NULL
                   {"AND holding_tank_until IS NULL" if tree == Tree.PLACEMENT else ""}
                UNION ALL
                SELECT child.id, walk.path || child.id FROM {TABLE} child JOIN walk ON child.{cols.parent} = walk.id
            )
            UPDATE {TABLE} AS m SET {cols.path} = walk.path, {cols.depth} = cardinality(walk.path) - 1
              FROM walk WHERE m.id = walk.id
            """
        )
        updated = cursor.rowcount
        downline_counts_rebuild(cursor, cols)
        return updated


def downline_counts_rebuild(cursor, cols: TreeColumns) -> None:
    """Recount every member's downline from the paths (each path names all its ancestors once)."""
    cursor.execute(
        f"""
        UPDATE {TABLE} AS m SET {cols.count} = coalesce(c.members, 0)
          FROM {TABLE} AS t
          LEFT JOIN (
              SELECT ancestor, count(*) AS members
                FROM {TABLE}, unnest({cols.path}[1:cardinality({cols.path}) - 1]) AS ancestor
               GROUP BY ancestor
          ) c ON c.ancestor = t.id
         WHERE m.id = t.id AND m.{cols.count} IS DISTINCT FROM coalesce(c.members, 0)
        """
    )


def children_reattach_to_ancestor(*, member: Member, tree: str, ancestor: Member) -> list[int]:
    """Move everyone directly under ``member`` (with their downlines) up to ``ancestor``, which must be above
    ``member`` in ``tree``: three statements whatever the number of recruits (the demotion policy's downline move).
    Returns the ids of the members who changed parent."""
    cols = COLUMNS[tree]
    member.refresh_from_db()
    ancestor.refresh_from_db()
    path, prefix = path_of(member, tree), path_of(ancestor, tree)
    if path[: len(prefix)] != prefix or ancestor.pk == member.pk:
        raise ValueError(f"#{ancestor.number} is not above #{member.number} in the {tree} tree")
    depth = len(path) - 1
    moved = getattr(member, cols.count)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {TABLE} WHERE {cols.parent} = %s ORDER BY id", [member.pk])
        children = [row[0] for row in cursor.fetchall()]
        if not children:
            return []
        # path[depth+2:] (1-based) is a member below ``member`` and everything under it.
        cursor.execute(
            f"UPDATE {TABLE} SET {cols.path} = %s::bigint[] || {cols.path}[%s:], "
            f"{cols.depth} = {cols.depth} - %s + %s WHERE {cols.path} @> ARRAY[%s]::bigint[] AND id <> %s",
            [prefix, depth + 2, depth + 1, len(prefix), member.pk, member.pk],
        )
        cursor.execute(f"UPDATE {TABLE} SET {cols.parent} = %s WHERE {cols.parent} = %s", [ancestor.pk, member.pk])
        # Everyone from just below the ancestor down to ``member`` no longer has these members under them.
        _ancestors_adjust(cursor, cols, path[len(prefix) :], -moved)
    return children


def leaves_reattach_under(*, members: list[Member], root: Member) -> None:
    """Put members with nobody under them directly under ``root`` in both trees, for the whole list at once:
    their old ancestors each lose one per member, ``root`` and its ancestors gain them."""
    ids = [m.pk for m in members]
    root.refresh_from_db()
    with connection.cursor() as cursor:
        for tree, cols in COLUMNS.items():
            cursor.execute(
                f"""
                UPDATE {TABLE} AS m SET {cols.count} = m.{cols.count} - c.members
                  FROM (SELECT ancestor, count(*) AS members
                          FROM {TABLE}, unnest({cols.path}[1:cardinality({cols.path}) - 1]) AS ancestor
                         WHERE id = ANY(%s::bigint[]) GROUP BY ancestor) c
                 WHERE m.id = c.ancestor
                """,
                [ids],
            )
            prefix = path_of(root, tree)
            _ancestors_adjust(cursor, cols, prefix, len(ids))
            position = f", {cols.position} = NULL" if cols.position else ""
            cursor.execute(
                f"UPDATE {TABLE} SET {cols.parent} = %s, {cols.path} = %s::bigint[] || id, {cols.depth} = %s"
                f"{position} WHERE id = ANY(%s::bigint[])",
                [root.pk, prefix, len(prefix), ids],
            )


def members_lift_out(*, member_ids: list[int]) -> list[tuple[int, int, int]]:
    """Take every member in ``member_ids`` out of the lines above their downlines, in both trees at once (a company
    whose placement tree is the sponsor tree): each member under one of them moves up to the nearest member above
    it who is not in the list, and the listed members are left with nobody under them. A set-based rewrite of the
    paths that contain a listed member, whatever their number: the demotion policy's daily downline moves.

    Two statements: the rows to rewrite (the listed members and everyone under them), found level by level down
    the parent links by index, then the rewrite of those rows by id. A ``path && ids`` test instead made the planner
    scan the whole table, comparing every path element with every listed id (a minute for a million members and
    2,500 moves), and even by the path's GIN index it compares each entry of the index's pending list (rows
    written since its last clean-up: the day's flag updates) with every listed id. Each row's new path is worked
    out once, with a hashed lookup of the listed ids.

    Counts need no change above the listed members (everyone under an ancestor stays under it); the listed members'
    own counts become 0. Returns (member id, old parent, new parent) for every member whose parent changed."""
    if not member_ids:
        return []
    sponsor, placement = COLUMNS[Tree.SPONSOR], COLUMNS[Tree.PLACEMENT]
    with connection.cursor() as cursor:
        with index_scan_only(cursor):
            cursor.execute(
                f"""
                WITH RECURSIVE under(id) AS (
                    SELECT unnest(%s::bigint[])
                    UNION
                    SELECT m.id FROM {TABLE} m JOIN under ON m.{sponsor.parent} = under.id
                )
                SELECT id FROM under
                """,
                [member_ids],
            )
            rows = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"""
            UPDATE {TABLE} t
               SET {sponsor.path} = moved.new_path, {placement.path} = moved.new_path,
                   {sponsor.depth} = cardinality(moved.new_path) - 1,
                   {placement.depth} = cardinality(moved.new_path) - 1,
                   {sponsor.parent} = moved.new_path[cardinality(moved.new_path) - 1],
                   {placement.parent} = moved.new_path[cardinality(moved.new_path) - 1],
                   {sponsor.count} = CASE WHEN moved.listed THEN 0 ELSE t.{sponsor.count} END,
                   {placement.count} = CASE WHEN moved.listed THEN 0 ELSE t.{placement.count} END
              FROM (
                SELECT m.id, m.{sponsor.parent} AS old_parent, m.{sponsor.path} AS old_path,
                       ARRAY(SELECT e FROM unnest(m.{sponsor.path}) WITH ORDINALITY AS p(e, i)
                              WHERE e <> ALL(%(ids)s::bigint[]) OR e = m.id ORDER BY i) AS new_path,
                       m.id = ANY(%(ids)s::bigint[]) AS listed
                  FROM {TABLE} m
                 WHERE m.id = ANY(%(rows)s::bigint[])
              ) moved
             WHERE t.id = moved.id AND t.id = ANY(%(rows)s::bigint[])
               AND (moved.new_path IS DISTINCT FROM moved.old_path OR moved.listed)
            RETURNING t.id, moved.old_parent, t.{sponsor.parent}
            """,
            {"ids": member_ids, "rows": rows},
        )
        return [(member, old, new) for member, old, new in cursor.fetchall() if old != new]
