"""Placement rules on small hand-drawn trees."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.members.models import Member, Side
from core.members.services.enrolment import Placement, holding_tank_expire, member_place_from_tank
from core.members.tests.conftest import assert_downline_counts_exact

pytestmark = pytest.mark.django_db


def slot(member):
    member.refresh_from_db()
    return (member.placement_parent.username if member.placement_parent else None, member.placement_position)


def test_first_member_is_the_root_of_both_trees(root):
    assert root.sponsor_id is None and root.sponsor_path == [root.pk] and root.placement_path == [root.pk]


def test_member_numbers_start_at_the_company_setting_and_follow_the_sequence(in_alpha, enroll):
    """Sequences are not rolled back with the test transaction, so the setting is raised above any earlier test."""
    from core.company.services import company_settings_update

    company_settings_update(changes={"first_member_number": 700001})
    root = enroll(None, username="house")
    a = enroll(root)
    assert (root.number, a.number) == (700001, 700002)


def test_unilevel_places_under_the_sponsor(root, enroll):
    a = enroll(root)
    b = enroll(a)
    assert b.sponsor_id == a.pk and b.placement_parent_id == a.pk
    assert b.sponsor_path == [root.pk, a.pk, b.pk] and b.sponsor_depth == 2 and b.placement_depth == 2


def test_binary_extreme_outside_fills_down_the_chosen_edge(root, enroll, placement_settings):
    placement_settings(placement_method="binary", binary_spillover="extreme_outside")
    #        root
    #       /    \
    #      a      d (right, picked side)
    #     /
    #    b
    #   /
    #  c
    a, b, c = enroll(root), enroll(root), enroll(root)
    d = enroll(root, binary_preferred_side=Side.RIGHT)
    assert [slot(m) for m in (a, b, c, d)] == [
        ("house", 0),
        (a.username, 0),
        (b.username, 0),
        ("house", 1),
    ]
    assert all(m.sponsor_id == root.pk for m in (a, b, c, d))


def test_binary_weaker_leg_goes_to_the_smaller_leg(root, enroll, placement_settings):
    placement_settings(placement_method="binary", binary_spillover="weaker_leg")
    a = enroll(root)  # left (tie -> left)
    b = enroll(root)  # right is empty -> right
    c = enroll(a)  # under a, left leg now 2
    d = enroll(root)  # right leg (1) weaker than left (2): outside edge of right leg -> under b, right
    assert slot(a) == ("house", 0)
    assert slot(b) == ("house", 1)
    assert slot(c) == (a.username, 0)
    assert slot(d) == (b.username, 1)
    assert_downline_counts_exact()


def test_binary_sponsor_picks_a_free_position_in_own_downline(root, enroll, placement_settings):
    placement_settings(placement_method="binary", binary_spillover="sponsor_picks")
    a = enroll(root)
    b = enroll(root, placement=Placement(parent=a, position=Side.RIGHT))
    assert slot(b) == (a.username, 1)
    with pytest.raises(ValidationError) as taken:
        enroll(root, placement=Placement(parent=a, position=Side.RIGHT))
    assert "already taken" in str(taken.value.message_dict["placement_position"])
    outsider_sponsor = enroll(root)
    with pytest.raises(ValidationError) as outside:
        enroll(outsider_sponsor, placement=Placement(parent=a, position=Side.LEFT))
    assert "not in the sponsor's placement downline" in str(outside.value.message_dict["placement_parent"])


def test_matrix_fills_breadth_first_left_to_right(root, enroll, placement_settings):
    placement_settings(placement_method="matrix", matrix_width=2)
    # width 2: root's two slots, then a's two slots, then b's
    members = [enroll(root) for _ in range(6)]
    a, b = members[0], members[1]
    assert [slot(m) for m in members] == [
        ("house", 0),
        ("house", 1),
        (a.username, 0),
        (a.username, 1),
        (b.username, 0),
        (b.username, 1),
    ]
    assert all(m.sponsor_id == root.pk for m in members)
    assert_downline_counts_exact()


def test_holding_tank_waits_then_sponsor_places(root, enroll, placement_settings):
    placement_settings(placement_method="binary", binary_spillover="sponsor_picks", holding_tank_days=7)
    a = enroll(root)  # in the tank
    assert a.in_holding_tank and a.placement_path == []
    b = enroll(root)
    member_place_from_tank(member=b, parent=root, position=Side.RIGHT, by=None)
    member_place_from_tank(member=a, parent=b, position=Side.LEFT, by=None)
    assert slot(a) == (b.username, 0) and slot(b) == ("house", 1)
    a.refresh_from_db()
    assert a.placement_path == [root.pk, b.pk, a.pk] and not a.in_holding_tank
    assert_downline_counts_exact()


def test_holding_tank_deadline_places_by_company_rule(root, enroll, placement_settings):
    placement_settings(placement_method="binary", binary_spillover="sponsor_picks", holding_tank_days=3)
    a = enroll(root)
    assert holding_tank_expire(now=timezone.now() + timedelta(days=2)) == 0
    assert holding_tank_expire(now=timezone.now() + timedelta(days=3, minutes=1)) == 1
    assert slot(a) == ("house", 0)
    assert a.tree_events.get().move.reason.startswith("Holding-tank deadline passed")


def test_sponsor_must_be_active(root, enroll):
    from core.members.services.profiles import member_status_set

    a = enroll(root)
    member_status_set(member=a, status="terminated")
    with pytest.raises(ValidationError) as exc:
        enroll(a)
    assert "cannot sponsor" in exc.value.message_dict["sponsor"][0]


@pytest.mark.parametrize(
    ("username", "reason"),
    [("ab", "3 to 32"), ("Bad Name", "3 to 32"), ("admin", "reserved"), ("-abc", "3 to 32")],
    ids=["too-short", "spaces", "reserved", "leading-hyphen"],
)
def test_username_rules(root, enroll, username, reason):
    with pytest.raises(ValidationError) as exc:
        enroll(root, username=username)
    assert reason in " ".join(exc.value.message_dict["username"])


def test_usernames_unique_ignoring_case(root, enroll):
    enroll(root, username="janedoe")
    with pytest.raises(ValidationError) as exc:
        enroll(root, username="JaneDoe", email="other@example.test")
    assert "taken" in exc.value.message_dict["username"][0]
    assert Member.objects.count() == 2


def test_three_thousand_level_chain_stays_correct(root, in_alpha):
    """Real recruiting chains run thousands deep; ltree+GiST breaks near 1,000. Build 3,000 levels in bulk, rebuild
    the paths the way an import does, then read and move through the chain."""
    from core.members.selectors import downline_count, upline
    from core.members.services.moves import member_responsor
    from core.members.tree import paths_rebuild

    now = timezone.now()
    chain = Member.objects.bulk_create(
        Member(number=900000 + i, username=f"chain{i}", joined_at=now, first_name="C", last_name=str(i))
        for i in range(3000)
    )
    parents = [root, *chain[:-1]]
    for member, parent in zip(chain, parents, strict=True):
        member.sponsor = member.placement_parent = parent
    Member.objects.bulk_update(chain, ["sponsor", "placement_parent"], batch_size=1000)
    paths_rebuild(tree="sponsor")
    paths_rebuild(tree="placement")
    deepest = chain[-1]
    deepest.refresh_from_db()
    assert deepest.sponsor_depth == 3000 and len(deepest.sponsor_path) == 3001
    assert deepest.placement_path == deepest.sponsor_path
    assert downline_count(top=chain[0]) == 2999
    assert [m.pk for m in upline(member=deepest, levels=3)] == [chain[-2].pk, chain[-3].pk, chain[-4].pk]
    # Move the bottom half of the chain up under the root: 1,500 paths rewritten in one statement.
    member_responsor(member=chain[1500], new_sponsor=root, by=None, reason="test")
    deepest.refresh_from_db()
    assert deepest.sponsor_depth == 1500 and deepest.sponsor_path[:2] == [root.pk, chain[1500].pk]
    assert deepest.placement_depth == 1500
    assert downline_count(top=chain[0]) == 1499
    assert_downline_counts_exact()
