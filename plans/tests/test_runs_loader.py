"""The loader: topological order with spillover, customer orders, refunds netted, binary carry-over between periods."""

import datetime
from decimal import Decimal

import numpy as np
import pytest

from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_mark_paid
from core.commerce.services.refunds import order_refund
from core.members.models import Member, MemberStatus
from core.members.services.enrolment import Placement
from core.members.services.profiles import genealogy_settings_update
from plans.engine import calculate, plan_from_document
from plans.loader import load_snapshot, snapshot_from_frames, topological_order
from plans.models import RunMemberResult
from plans.services import period_get_or_create, run_preview
from plans.services_periods import period_close
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.services_posting import run_approve, run_post
from plans.tests.conftest import FEB, JAN, PLAN, buy, enroll
from tests.factories.members import CustomerFactory

# Every part of the snapshot a component may read: the placement tree, the orders' days, margins and parties.
PLAN_READING_ALL = {
    **PLAN,
    "components": [
        *PLAN["components"],
        {"type": "binary", "code": "binary", "rate": "10"},
        {"type": "fast_start", "code": "fast_start", "days": 30, "rates": ["10"]},
        {
            "type": "party",
            "code": "party",
            "consultant_rate": "20",
            "host_tiers": [{"min_sales": "50", "reward": "10"}],
        },
    ],
}

BINARY = {
    "schema": 1,
    "name": "Binary",
    "ranks": [],
    "components": [{"type": "binary", "code": "binary", "rate": "10"}],
}


def test_topological_order_puts_a_spillover_placement_parent_first():
    # 3 is sponsored by 0 (sponsor depth 1) but placed under 2 (sponsor depth 2): depth order 0,1,3,2 breaks it.
    frames = {
        "id": np.array([10, 11, 13, 12]),
        "sponsor_id": np.array([-1, 10, 10, 11]),
        "placement_id": np.array([-1, 10, 12, 11]),
        "position": np.array([-1, 0, 0, 0], np.int16),
        "join_day": np.zeros(4, np.int32),
        "eligible": np.ones(4, bool),
        "excluded": np.zeros(4, bool),
        "prev_rank": np.full(4, -1, np.int16),
    }
    empty = np.zeros(0, np.int64)
    orders = dict.fromkeys(("id", "buyer_id", "credited_id", "day", "pv", "cv", "retail", "dist", "party_id"), empty)
    snap = snapshot_from_frames(
        members=frames,
        orders=orders,
        parties={"id": empty, "consultant_id": empty, "host_member_id": empty, "host_customer_id": empty},
        carry={"member_id": empty, "left": empty, "right": empty},
    )
    assert snap.member_id.tolist() == [10, 11, 12, 13]
    assert snap.sponsor_idx.tolist() == [-1, 0, 1, 0]
    assert snap.placement_idx.tolist() == [-1, 0, 1, 2]
    order = topological_order([np.array([-1, 0, 0, 1]), np.array([-1, 0, 3, 1])])
    assert order.tolist() == [0, 1, 3, 2]


def test_orders_name_their_members_by_index_and_a_customer_or_unknown_buyer_as_none():
    members = {
        "id": np.array([10, 11, 12]),
        "sponsor_id": np.array([-1, 10, 11]),
        "placement_id": np.full(3, -1),
        "position": np.full(3, -1, np.int16),
        "join_day": np.zeros(3, np.int32),
        "eligible": np.ones(3, bool),
        "excluded": np.zeros(3, bool),
        "prev_rank": np.full(3, -1, np.int16),
    }
    empty = np.zeros(0, np.int64)
    columns = ("id", "buyer_id", "credited_id", "day", "pv", "cv", "retail", "dist", "party_id")
    parties = {"id": empty, "consultant_id": empty, "host_member_id": empty, "host_customer_id": empty}
    # A member, a customer (-1), an id no member has below the largest id, then one above it (which takes the
    # general path instead of the single gather).
    for buyers, expected in (([12, -1, 5, 11], [2, -1, -1, 1]), ([12, -1, 5, 99], [2, -1, -1, -1])):
        orders = {name: np.zeros(4, np.int64) for name in columns}
        orders |= {"buyer_id": np.array(buyers), "credited_id": np.array([12, 11, 10, 12]), "party_id": np.full(4, -1)}
        snap = snapshot_from_frames(
            members=members, orders=orders, parties=parties, carry={"member_id": empty, "left": empty, "right": empty}
        )
        assert snap.buyer_idx.tolist() == expected
        assert snap.credited_idx.tolist() == [2, 1, 0, 2]
        assert snap.is_customer_order.tolist() == [index < 0 for index in expected]


def test_topological_order_takes_a_member_sponsored_and_placed_by_the_same_parent_once():
    # 3 and 4 have 1 as sponsor and placement parent (reached twice in one layer); 2 is placed under 4.
    order = topological_order([np.array([-1, 0, 0, 1, 1]), np.array([-1, 0, 4, 1, 1])])
    assert order.tolist() == [0, 1, 3, 4, 2]
    with pytest.raises(ValueError, match="cycle"):
        topological_order([np.array([-1, 2, 1]), np.array([-1, -1, -1])])


@pytest.mark.django_db
def test_snapshot_from_the_database(chain, product, in_alpha):
    reading_all = plan_from_document(PLAN_READING_ALL)
    customer = CustomerFactory(
        distributor=chain["b"], email="cust@example.test", first_name="C", last_name="Ust", password=None
    )
    bought = order_place(lines=[LineRequest(sku="KIT", quantity=2)], placed_by="customer", buyer_customer=customer)
    order_mark_paid(order=bought, paid_at=datetime.datetime(2026, 1, 5, 12, tzinfo=datetime.UTC))
    own = buy(chain["c"], quantity=3)
    order_refund(order=own, lines={own.lines.get().pk: 1}, reason="one back")
    buy(chain["a"], day=datetime.date(2026, 2, 2))  # another period
    Member.objects.filter(pk=chain["a"].pk).update(commission_excluded=True, highest_rank="silver")
    Member.objects.filter(pk=chain["root"].pk).update(status=MemberStatus.TERMINATED)

    snap = load_snapshot(plan=reading_all, start=JAN, end=datetime.date(2026, 1, 31), carry_run_id=None)
    ids = [chain[k].pk for k in ("root", "a", "b", "c")]
    assert snap.member_id.tolist() == ids
    assert snap.sponsor_idx.tolist() == [-1, 0, 1, 2]
    assert snap.eligible.tolist() == [False, True, True, True]
    assert snap.excluded.tolist() == [False, True, False, False]
    assert snap.prev_highest_rank.tolist() == [-1, 1, -1, -1]
    assert snap.order_id.tolist() == sorted([bought.pk, own.pk])
    by_order = dict(zip(snap.order_id.tolist(), range(2), strict=True))
    i, j = by_order[bought.pk], by_order[own.pk]
    assert (snap.buyer_idx[i], snap.credited_idx[i], bool(snap.is_customer_order[i])) == (-1, 2, True)
    assert (snap.pv[i], snap.cv[i], snap.retail_total[i], snap.distributor_total[i]) == (20000, 20000, 25000, 20000)
    assert (snap.buyer_idx[j], snap.credited_idx[j]) == (3, 3)
    assert (snap.pv[j], snap.cv[j]) == (20000, 20000)  # 3 kits, one refunded
    assert snap.order_date[j] == np.datetime64("2026-01-10")


@pytest.mark.django_db
def test_binary_carry_over_comes_from_the_previous_posted_run(in_alpha, admin, product):
    genealogy_settings_update(changes={"placement_method": "binary"})
    root = enroll(None)
    left = enroll(root, placement=Placement(parent=root, position=0))
    right = enroll(root, placement=Placement(parent=root, position=1))
    version = plan_version_create(document=BINARY, by=admin)
    plan_version_activate(version=version, effective_from=JAN, by=admin)
    buy(left, quantity=3)
    buy(right)
    january = period_get_or_create(day=JAN)
    run = run_preview(period=january, by=admin)
    run_approve(run=run, by=admin)
    period_close(period=january, by=admin)
    run_post(run=run, by=admin)
    assert run.total_paid == Decimal("10.00")  # 10 % of the weak leg's 100
    carry = RunMemberResult.objects.get(run=run, member=root)
    assert (carry.carry_left, carry.carry_right) == (20000, 0)

    buy(right, quantity=2, day=datetime.date(2026, 2, 10))
    february = run_preview(period=period_get_or_create(day=FEB), by=admin)
    assert february.total_paid == Decimal("20.00")  # left 200 carried, right 200 new
    assert february.summary["by_component"] == {"binary": "20.00"}


@pytest.mark.django_db
def test_a_plan_is_loaded_with_only_what_its_components_read_and_pays_the_same(in_alpha, product):
    """A unilevel plan walks no placement tree and reads no join day, order's day, margin or party: they are not
    loaded (the server's work of a COPY is per column), and every line is what a load of everything gives."""
    genealogy_settings_update(changes={"placement_method": "binary"})
    root = enroll(None)
    left = enroll(root, placement=Placement(parent=root, position=0))
    spill = enroll(root, placement=Placement(parent=left, position=0))  # sponsored by root, placed under left
    buy(root)
    buy(left, quantity=3)
    buy(spill, quantity=2)
    customer = CustomerFactory(distributor=spill, email="c@example.test", first_name="C", last_name="U", password=None)
    bought = order_place(lines=[LineRequest(sku="KIT", quantity=1)], placed_by="customer", buyer_customer=customer)
    order_mark_paid(order=bought, paid_at=datetime.datetime(2026, 1, 6, 12, tzinfo=datetime.UTC))
    unilevel, reading_all = plan_from_document(PLAN), plan_from_document(PLAN_READING_ALL)
    january = {"start": JAN, "end": datetime.date(2026, 1, 31), "carry_run_id": None}

    trimmed = load_snapshot(plan=unilevel, **january)
    whole = load_snapshot(plan=reading_all, **january)

    assert trimmed.placement_idx.tolist() == [-1, -1, -1]
    assert whole.placement_idx.tolist() == [-1, 0, 1]  # spill under left
    assert trimmed.join_date.astype(str).tolist() == ["1970-01-01"] * 3  # not converted to the company's calendar
    assert whole.join_date.astype(str).tolist() == ["2025-06-01"] * 3
    assert (trimmed.order_id.tolist(), trimmed.cv.tolist()) == (whole.order_id.tolist(), whole.cv.tolist())
    paid_trimmed, paid_whole = calculate(unilevel, trimmed).lines, calculate(unilevel, whole).lines
    assert trimmed.retail_total.tolist() == [0, 0, 0, 0] and trimmed.party_idx.tolist() == [-1, -1, -1, -1]
    assert whole.retail_total.tolist() == [12500, 37500, 25000, 12500]  # root's, left's, spill's, the customer's
    # root earns 10 % on left's 300, spill's 200 and the customer's 100 credited to spill: the same either way
    assert paid_trimmed.amount_cents.tolist() == paid_whole.amount_cents.tolist() == [3000, 2000, 1000]
    assert trimmed.member_id[paid_trimmed.payee_idx].tolist() == [root.pk] * 3
