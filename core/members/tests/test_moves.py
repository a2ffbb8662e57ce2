"""Moves: re-sponsor, re-place, frontline up; refusal of loops; history as of a date; undo."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.members.models import Customer, Member, TreeMove
from core.members.selectors import downline_as_of, parents_as_of
from core.members.services.customers import customer_transfer
from core.members.services.moves import (
    member_move_frontline_up,
    member_replace,
    member_responsor,
    members_move_downlines_up,
    tree_move_undo,
)
from core.members.tests.conftest import assert_downline_counts_exact
from tests.factories.members import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(root, enroll):
    """
    house
    ├── a
    │   ├── b
    │   │   └── c
    │   └── d
    └── e
    """
    a = enroll(root)
    b = enroll(a)
    c = enroll(b)
    d = enroll(a)
    e = enroll(root)
    return {"root": root, "a": a, "b": b, "c": c, "d": d, "e": e}


def fresh(member):
    return Member.objects.get(pk=member.pk)


def test_responsor_moves_the_whole_leg_and_records_who_and_why(tree, alpha):
    from core.accounts.models import User

    admin = User.objects.get(email=alpha.admin_email)
    move = member_responsor(member=tree["b"], new_sponsor=tree["e"], by=admin, reason="Enroller correction")
    b, c = fresh(tree["b"]), fresh(tree["c"])
    assert b.sponsor_id == tree["e"].pk and b.placement_parent_id == tree["e"].pk
    assert c.sponsor_path == [tree["root"].pk, tree["e"].pk, b.pk, c.pk] and c.sponsor_depth == 3
    assert move.moved_by == admin and move.reason == "Enroller correction"
    events = {(ev.tree, ev.member_id, ev.old_parent_id, ev.new_parent_id) for ev in move.events.all()}
    assert events == {
        ("sponsor", b.pk, tree["a"].pk, tree["e"].pk),
        ("placement", b.pk, tree["a"].pk, tree["e"].pk),
    }
    assert_downline_counts_exact()


def test_a_move_into_ones_own_downline_is_refused_and_changes_nothing(tree):
    with pytest.raises(ValidationError) as exc:
        member_responsor(member=tree["a"], new_sponsor=tree["c"], by=None, reason="loop")
    assert "loop" in exc.value.message_dict["new_parent"][0]
    assert fresh(tree["a"]).sponsor_id == tree["root"].pk
    assert not TreeMove.objects.filter(subject=tree["a"]).exists()


def test_a_move_needs_a_reason(tree):
    with pytest.raises(ValidationError) as exc:
        member_responsor(member=tree["b"], new_sponsor=tree["e"], by=None, reason=" ")
    assert "reason" in exc.value.message_dict


def test_frontline_up_moves_recruits_and_customers_to_the_sponsor(tree):
    shopper = CustomerFactory(
        distributor=tree["a"], email="shopper@example.test", first_name="Sam", last_name="S", password=None
    )
    move = member_move_frontline_up(member=tree["a"], by=None, reason="Inactive leader")
    assert fresh(tree["b"]).sponsor_id == tree["root"].pk
    assert fresh(tree["d"]).sponsor_id == tree["root"].pk
    assert fresh(tree["c"]).sponsor_path == [tree["root"].pk, tree["b"].pk, tree["c"].pk]
    assert Customer.objects.get(pk=shopper.pk).distributor_id == tree["root"].pk
    report = tree_move_undo(move=move, by=None, reason="Reinstated")
    assert sorted(report.restored) == sorted([tree["b"].number, tree["d"].number])
    assert report.skipped == []
    assert fresh(tree["b"]).sponsor_id == tree["a"].pk
    assert fresh(tree["c"]).sponsor_path == [tree["root"].pk, tree["a"].pk, tree["b"].pk, tree["c"].pk]
    assert Customer.objects.get(pk=shopper.pk).distributor_id == tree["a"].pk
    assert_downline_counts_exact()


def test_undo_leaves_members_that_moved_again_and_says_so(tree):
    move = member_move_frontline_up(member=tree["a"], by=None, reason="Inactive leader")
    member_responsor(member=tree["d"], new_sponsor=tree["e"], by=None, reason="Later deliberate move")
    report = tree_move_undo(move=move, by=None, reason="Reinstated")
    assert fresh(tree["d"]).sponsor_id == tree["e"].pk
    assert fresh(tree["b"]).sponsor_id == tree["a"].pk
    assert any(f"#{tree['d'].number} has moved again" in line for line in report.skipped)
    with pytest.raises(ValidationError):
        tree_move_undo(move=move, by=None, reason="twice")
    assert_downline_counts_exact()


def test_tree_as_of_a_date_is_rebuilt_from_events(tree):
    before = timezone.now()
    member_responsor(member=tree["b"], new_sponsor=tree["e"], by=None, reason="Correction")
    now_parents = parents_as_of(at=timezone.now() + timedelta(seconds=1))
    then_parents = parents_as_of(at=before)
    assert now_parents[tree["b"].pk] == tree["e"].pk
    assert then_parents[tree["b"].pk] == tree["a"].pk
    a_then = downline_as_of(top=tree["a"], at=before)
    a_now = downline_as_of(top=tree["a"], at=timezone.now() + timedelta(seconds=1))
    assert a_then == {tree["b"].pk: 1, tree["d"].pk: 1, tree["c"].pk: 2}
    assert a_now == {tree["d"].pk: 1}


def test_members_who_joined_later_are_not_in_an_earlier_tree(tree, enroll):
    before = timezone.now()
    late = enroll(tree["e"])
    assert late.pk not in parents_as_of(at=before)


def test_replace_in_binary_moves_the_placement_leg_only(root, enroll, placement_settings):
    placement_settings(placement_method="binary", binary_spillover="extreme_outside")
    a = enroll(root)  # root L
    b = enroll(root)  # a L
    c = enroll(root, binary_preferred_side=1)  # root R
    member_replace(member=b, new_parent=c, position=0, by=None, reason="Balance legs")
    b = fresh(b)
    assert (b.placement_parent_id, b.placement_position, b.sponsor_id) == (c.pk, 0, root.pk)
    with pytest.raises(ValidationError) as exc:
        member_replace(member=a, new_parent=c, position=0, by=None, reason="taken")
    assert "already taken" in exc.value.message_dict["position"][0]
    assert_downline_counts_exact()


def test_customer_transfer_keeps_history(tree):
    shopper = CustomerFactory(
        distributor=tree["a"], email="s2@example.test", first_name="Sue", last_name="S", password=None
    )
    transfer = customer_transfer(customer=shopper, to=tree["e"], by=None, reason="Customer asked")
    assert Customer.objects.get(pk=shopper.pk).distributor_id == tree["e"].pk
    assert (transfer.from_distributor_id, transfer.to_distributor_id) == (tree["a"].pk, tree["e"].pk)
    assert shopper.transfers.count() == 1


def test_a_days_downline_moves_in_one_batch_with_nested_members(tree):
    """a and b move on the same day (b is a's recruit): b's recruit c and a's recruit d go to the house (the
    nearest sponsor not moving), b too; a and b are left with nobody under them. Each move undoes on its own."""
    shopper = CustomerFactory(
        distributor=tree["b"], email="s@example.test", first_name="S", last_name="S", password=None
    )
    moves = members_move_downlines_up(members=[tree["a"], tree["b"]], by=None, reason="Demotion policy")
    root = tree["root"].pk
    assert {pk: target for pk, (_, target) in moves.items()} == {tree["a"].pk: root, tree["b"].pk: root}
    for name in ("b", "c", "d"):
        assert fresh(tree[name]).sponsor_id == root and fresh(tree[name]).placement_parent_id == root
    assert fresh(tree["c"]).sponsor_path == [root, tree["c"].pk] and fresh(tree["c"]).sponsor_depth == 1
    assert fresh(tree["c"]).placement_path == [root, tree["c"].pk]
    assert fresh(tree["b"]).sponsor_path == [root, tree["b"].pk]
    assert fresh(tree["a"]).sponsor_downline_count == 0 and fresh(tree["b"]).sponsor_downline_count == 0
    assert Customer.objects.get(pk=shopper.pk).distributor_id == root
    a_move, b_move = moves[tree["a"].pk][0], moves[tree["b"].pk][0]
    assert {(e.tree, e.member_id, e.old_parent_id, e.new_parent_id) for e in a_move.events.all()} == {
        (t, m, tree["a"].pk, root) for t in ("sponsor", "placement") for m in (tree["b"].pk, tree["d"].pk)
    }
    assert {(e.tree, e.member_id, e.old_parent_id) for e in b_move.events.all()} == {
        ("sponsor", tree["c"].pk, tree["b"].pk),
        ("placement", tree["c"].pk, tree["b"].pk),
    }
    assert_downline_counts_exact()
    tree_move_undo(move=b_move, by=None, reason="Reinstated")
    assert fresh(tree["c"]).sponsor_path == [root, tree["b"].pk, tree["c"].pk]
    assert Customer.objects.get(pk=shopper.pk).distributor_id == tree["b"].pk
    assert_downline_counts_exact()


def test_the_companys_root_keeps_its_line_when_it_would_move(tree):
    moves = members_move_downlines_up(members=[tree["root"], tree["a"]], by=None, reason="Demotion policy")
    assert {pk: target for pk, (_, target) in moves.items()} == {tree["a"].pk: tree["root"].pk}
    assert fresh(tree["b"]).sponsor_id == tree["root"].pk
    assert_downline_counts_exact()
