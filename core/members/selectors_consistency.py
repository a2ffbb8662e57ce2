"""Whether a company's two trees are sound: the whole-tree checks ``check_trees`` runs and the tree-safety tests rely
on (paths, depths, loops, stored downline counts, binary and matrix slots), in SQL so they run on a million members."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext

from core.members.models import Member, PlacementMethod, Tree
from core.members.placement import genealogy_settings_get
from core.members.selectors import TABLE, tree_columns


def tree_problems() -> list[str]:
    """Everything wrong with this company's two trees, each problem a sentence naming the member (empty when sound).

    Checked in SQL, whole-tree, so it runs on a million members: every stored path ends with the member and
    continues its parent's path, depths match the paths, no parent chain loops, the stored downline counts equal a
    recount from the paths, and in a binary or matrix company every placed member sits in one valid slot."""
    problems: list[str] = []
    with connection.cursor() as cursor:
        for tree in (Tree.SPONSOR, Tree.PLACEMENT):
            parent, path, depth = tree_columns(tree)
            count = f"{tree}_downline_count"
            holding_tank = "m.holding_tank_until IS NOT NULL" if tree == Tree.PLACEMENT else "false"
            cursor.execute(
                f"""
                SELECT m.number, p.number,
                       CASE
                         WHEN cardinality(m.{path}) = 0 THEN
                           CASE WHEN m.{parent} IS NOT NULL THEN 'no_path'
                                WHEN NOT {holding_tank} THEN 'no_path_root' END
                         WHEN m.{path}[cardinality(m.{path})] <> m.id THEN 'not_last'
                         WHEN m.{depth} <> cardinality(m.{path}) - 1 THEN 'depth'
                         WHEN m.{parent} IS NULL AND cardinality(m.{path}) <> 1 THEN 'root_path'
                         WHEN m.{parent} IS NOT NULL AND m.{path}[1:cardinality(m.{path}) - 1] <> p.{path} THEN 'prefix'
                       END AS problem, m.{depth}, cardinality(m.{path}) - 1
                  FROM {TABLE} m LEFT JOIN {TABLE} p ON p.id = m.{parent}
                 ORDER BY m.number
                """
            )
            for number, parent_number, problem, stored_depth, path_depth in cursor.fetchall():
                if problem == "no_path":
                    problems.append(
                        gettext("%(tree)s tree: #%(number)s has a parent but no path.")
                        % {"tree": tree, "number": number}
                    )
                elif problem == "no_path_root":
                    problems.append(
                        gettext("%(tree)s tree: #%(number)s has neither a parent nor a path.")
                        % {"tree": tree, "number": number}
                    )
                elif problem == "not_last":
                    problems.append(
                        gettext("%(tree)s tree: #%(number)s's path does not end with itself.")
                        % {"tree": tree, "number": number}
                    )
                elif problem == "depth":
                    problems.append(
                        gettext(
                            "%(tree)s tree: #%(number)s stores depth %(stored_depth)s, its path says %(path_depth)s."
                        )
                        % {"tree": tree, "number": number, "stored_depth": stored_depth, "path_depth": path_depth}
                    )
                elif problem == "root_path":
                    problems.append(
                        gettext("%(tree)s tree: #%(number)s has no parent but a path through others.")
                        % {"tree": tree, "number": number}
                    )
                elif problem == "prefix":
                    problems.append(
                        gettext(
                            "%(tree)s tree: #%(number)s's path does not continue its parent #%(parent_number)s's path."
                        )
                        % {"tree": tree, "number": number, "parent_number": parent_number}
                    )
            cursor.execute(
                f"""
                WITH RECURSIVE walk(start, id, route) AS (
                    SELECT id, {parent}, ARRAY[id] FROM {TABLE} WHERE {parent} IS NOT NULL
                    UNION ALL
                    SELECT walk.start, m.{parent}, walk.route || walk.id
                      FROM walk JOIN {TABLE} m ON m.id = walk.id
                     WHERE walk.id <> walk.start AND NOT walk.id = ANY(walk.route[2:])
                )
                SELECT route || id FROM walk
                 WHERE id = start AND start = (SELECT min(x) FROM unnest(route) x)
                 ORDER BY start
                """
            )
            numbers = dict(Member.objects.values_list("id", "number"))
            for (route,) in cursor.fetchall():
                chain = " → ".join(f"#{numbers[pk]}" for pk in route)
                problems.append(
                    gettext("%(tree)s tree: #%(numbers)s is in a loop (%(chain)s).")
                    % {"tree": tree, "numbers": numbers[route[0]], "chain": chain}
                )
            cursor.execute(
                f"""
                SELECT m.number, m.{count}, coalesce(c.members, 0) FROM {TABLE} m LEFT JOIN (
                    SELECT ancestor, count(*) AS members
                      FROM {TABLE}, unnest({path}[1:cardinality({path}) - 1]) AS ancestor GROUP BY ancestor
                ) c ON c.ancestor = m.id
                 WHERE m.{count} IS DISTINCT FROM coalesce(c.members, 0)
                 ORDER BY m.number
                """
            )
            for number, stored, real in cursor.fetchall():
                problems.append(
                    gettext("%(tree)s tree: #%(number)s stores %(stored)s members under it, its downline has %(real)s.")
                    % {"tree": tree, "number": number, "stored": stored, "real": real}
                )
        settings_row = genealogy_settings_get()
        if settings_row.placement_method != PlacementMethod.UNILEVEL:
            width = 2 if settings_row.placement_method == PlacementMethod.BINARY else settings_row.matrix_width
            cursor.execute(
                f"""
                SELECT m.number, p.number, m.placement_position FROM {TABLE} m
                  JOIN {TABLE} p ON p.id = m.placement_parent_id
                 WHERE m.placement_position IS NULL OR m.placement_position NOT BETWEEN 0 AND %s
                 ORDER BY m.number
                """,
                [width - 1],
            )
            for number, parent_number, position in cursor.fetchall():
                if position is None:
                    problems.append(f"placement tree: #{number} has no position under #{parent_number}.")
                elif settings_row.placement_method == PlacementMethod.BINARY:
                    problems.append(
                        f"placement tree: #{number} sits in position {position}; "
                        "binary positions are 0 (left) and 1 (right)."
                    )
                else:
                    problems.append(
                        f"placement tree: #{number} sits in position {position}; "
                        f"the matrix has positions 0 to {width - 1}."
                    )
    return problems
