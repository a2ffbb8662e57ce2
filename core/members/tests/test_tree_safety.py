"""Tree safety: concurrent moves cannot make a loop, the database refuses a loop on its own, and the consistency
check finds every kind of damage.

The race test commits for real (two threads, each with its own connection), so it builds and removes its own rows."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from core.members.models import Member, Tree, TreeEvent, TreeMove
from core.members.selectors_consistency import tree_problems
from core.members.services.moves import member_responsor
from core.members.tests.conftest import assert_downline_counts_exact
from core.members.tree import paths_rebuild
from tests.committed import in_own_connection, run_concurrently
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def _member(number: int, sponsor: Member | None) -> Member:
    return Member.objects.create(
        number=number,
        username=f"race{number}",
        first_name="Race",
        last_name=str(number),
        email=f"race{number}@example.test",
        joined_at=timezone.now(),
        sponsor=sponsor,
        placement_parent=sponsor,
    )


@pytest.fixture
def committed_tree(alpha):
    """
    root
    ├── a
    └── b
    committed in company alpha (numbers 900001..900003), removed afterwards with everything the moves recorded.
    """

    def build():
        with transaction.atomic():
            root = _member(900001, None)
            a, b = _member(900002, root), _member(900003, root)
            paths_rebuild(tree=Tree.SPONSOR)
            paths_rebuild(tree=Tree.PLACEMENT)
            return {m.username: m.pk for m in (root, a, b)}

    ids = in_own_connection(alpha.schema, build)
    yield ids

    def clean():
        pks = list(ids.values())
        with transaction.atomic():
            TreeEvent.objects.filter(member_id__in=pks).delete()
            TreeMove.objects.filter(subject_id__in=pks).delete()
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {Member._meta.db_table} WHERE id = ANY(%s)", [pks])

    in_own_connection(alpha.schema, clean)


def test_two_opposite_responsors_at_once_leave_no_loop(alpha, committed_tree):
    """A under B while B moves under A: one move wins, the other is refused as a loop (it used to make both)."""
    with schema_context(alpha.schema):
        # Each thread gets its own objects, loaded before either move (as two admins' pages would have them).
        def load(key):
            return Member.objects.get(pk=committed_tree[key])

        a1, b1, a2, b2 = load("race900002"), load("race900003"), load("race900002"), load("race900003")

    def move(member: Member, new_sponsor: Member):
        def work():
            try:
                member_responsor(member=member, new_sponsor=new_sponsor, by=None, reason="race")
                return "moved"
            except ValidationError as exc:
                return "refused: " + "; ".join(exc.messages)

        return work

    outcomes = [o.result() for o in run_concurrently(alpha.schema, move(a1, b1), move(b2, a2))]
    assert sorted(o.split(":")[0] for o in outcomes) == ["moved", "refused"], outcomes
    refused = next(o for o in outcomes if o.startswith("refused"))
    assert refused.endswith("'s own downline; the move would make a loop.")

    def check():
        return tree_problems()

    assert in_own_connection(alpha.schema, check) == []


def test_the_database_refuses_a_row_that_is_its_own_ancestor(in_alpha, root, enroll):
    a = enroll(root)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Member._meta.db_table} SET sponsor_path = %s, sponsor_depth = 2 WHERE id = %s",
            [[a.pk, root.pk, a.pk], a.pk],
        )


def test_the_database_refuses_a_parent_whose_path_is_not_the_prefix(in_alpha, root, enroll):
    """Two members sponsoring each other with tidy-looking paths: only a cross-row check (at commit) sees it."""
    a, b = enroll(root), enroll(root)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        table = Member._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET sponsor_id = %s, sponsor_path = %s, sponsor_depth = 2 WHERE id = %s",
            [b.pk, [root.pk, b.pk, a.pk], a.pk],
        )
        cursor.execute(
            f"UPDATE {table} SET sponsor_id = %s, sponsor_path = %s, sponsor_depth = 2 WHERE id = %s",
            [a.pk, [root.pk, a.pk, b.pk], b.pk],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def small_tree(root, enroll):
    """root ── a ── b ── c, and root ── d"""
    a = enroll(root)
    b = enroll(a)
    c = enroll(b)
    d = enroll(root)
    return {"root": root, "a": a, "b": b, "c": c, "d": d}


def _raw(sql: str, params: list) -> None:
    """Damage the tree the way a bug (or a hand edit) would, with the database's triggers switched off for it
    (replication mode: the test database user is a superuser)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql.replace("{table}", Member._meta.db_table), params)
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_check_finds_nothing_on_a_healthy_tree(small_tree):
    assert tree_problems() == []
    assert_downline_counts_exact()


def test_check_names_a_wrong_stored_count(small_tree):
    _raw("UPDATE {table} SET sponsor_downline_count = 7 WHERE id = %s", [small_tree["a"].pk])
    a = small_tree["a"]
    assert tree_problems() == [f"sponsor tree: #{a.number} stores 7 members under it, its downline has 2."]


def test_check_names_a_path_that_disagrees_with_the_parent(small_tree):
    c, d = small_tree["c"], small_tree["d"]
    _raw("UPDATE {table} SET sponsor_id = %s WHERE id = %s", [d.pk, c.pk])
    assert tree_problems() == [f"sponsor tree: #{c.number}'s path does not continue its parent #{d.number}'s path."]


def test_check_names_a_loop(small_tree):
    a, b = small_tree["a"], small_tree["b"]
    _raw("UPDATE {table} SET sponsor_id = %s WHERE id = %s", [b.pk, a.pk])
    problems = tree_problems()
    assert f"sponsor tree: #{a.number} is in a loop (#{a.number} → #{b.number} → #{a.number})." in problems


def test_check_names_a_bad_binary_slot(small_tree, placement_settings):
    placement_settings(placement_method="binary")
    a = small_tree["a"]
    _raw("UPDATE {table} SET placement_position = 5 WHERE id = %s", [a.pk])
    problems = tree_problems()
    assert f"placement tree: #{a.number} sits in position 5; binary positions are 0 (left) and 1 (right)." in problems


def test_command_exits_non_zero_on_problems(alpha, small_tree):
    out = StringIO()
    call_command("check_trees", alpha.schema, stdout=out)
    assert out.getvalue().strip() == "alpha: both trees are consistent."
    _raw("UPDATE {table} SET sponsor_downline_count = 7 WHERE id = %s", [small_tree["a"].pk])
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_trees", alpha.schema, stdout=StringIO(), stderr=StringIO())
    assert exit_info.value.code == 1


def test_two_moves_into_one_binary_slot_at_once_place_one_and_refuse_the_other():
    """Binary company: root with x (left) and y (right) under it, z under x; z and y both moved into x's right slot at
    once. One lands, the other is told the slot is taken; the database's one-member-per-slot rule is never what
    answers (that would be a 500)."""
    from core.members.services.enrolment import Placement
    from core.members.services.moves import member_replace
    from core.members.services.profiles import genealogy_settings_update
    from tests.committed import throwaway_company

    with throwaway_company() as schema:

        def build():
            genealogy_settings_update(changes={"placement_method": "binary"})
            no_login = {"password": None}
            root = MemberFactory(sponsor=None, username="top", email="r@example.test", **no_login)
            x = MemberFactory(sponsor=root, username="xxx", placement=Placement(parent=root, position=0), **no_login)
            y = MemberFactory(sponsor=root, username="yyy", placement=Placement(parent=root, position=1), **no_login)
            z = MemberFactory(sponsor=x, username="zzz", placement=Placement(parent=x, position=0), **no_login)
            return x.pk, y.pk, z.pk

        x_id, y_id, z_id = in_own_connection(schema, build)

        def move(member_id: int):
            def work():
                member, x = Member.objects.get(pk=member_id), Member.objects.get(pk=x_id)
                try:
                    member_replace(member=member, new_parent=x, position=1, by=None, reason="race")
                    return "moved"
                except ValidationError as exc:
                    return "refused: " + "; ".join(exc.messages)

            return work

        outcomes = [o.result() for o in run_concurrently(schema, move(z_id), move(y_id))]
        assert sorted(o.split(":")[0] for o in outcomes) == ["moved", "refused"], outcomes
        x_number = in_own_connection(schema, lambda: Member.objects.get(pk=x_id).number)
        assert f"refused: That position under #{x_number} is already taken." in outcomes
        assert in_own_connection(schema, tree_problems) == []
