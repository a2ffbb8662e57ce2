"""Plan options of issues 18 and 20 against small examples computed by hand (pure engine: no database).

Amounts are cents; volumes in the documents are points/currency units. Trees are drawn sponsor-first.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.engine.calculate import calculate
from plans.engine.components import _active_sponsored_per_leg
from plans.engine.document import PlanError, StairstepBreakaway, plan_from_document
from plans.engine.lines import _sum_by
from plans.engine.snapshot import snapshot_from_lists
from plans.tests.engine_helpers import brief
from plans.tests.test_engine_properties import RANKS, snapshots

NO_RATE, OWN_PURCHASE, NOT_QUALIFIED, DEPTH = "no_rate", "own_purchase", "not_qualified", "depth"


def test_sum_by_is_exact_including_totals_beyond_float_precision():
    rng = np.random.default_rng(7)
    index = rng.integers(0, 50, 10_000)
    for values in (rng.integers(0, 10**6, 10_000), rng.integers(-500, 500, 10_000), np.full(10_000, 2**50)):
        expected = [0] * 60
        for i, v in zip(index.tolist(), values.tolist(), strict=True):
            expected[i] += v
        assert _sum_by(index, values, 60).tolist() == expected
    big = np.array([2**53 + 1, 1], np.int64)  # a float64 sum would lose the 1
    assert _sum_by(np.array([0, 0]), big, 1).tolist() == [2**53 + 2]
    assert _sum_by(np.zeros(0, np.int64), np.zeros(0, np.int64), 3).tolist() == [0, 0, 0]


# --------------------------------------------------------------------------------------------------------------------
# P2P: every share not paid is a forfeit with its reason; overrides on the earner's own purchases; differentials.
# Rows: seller (PSV 100) 15 % direct + override 3 %; leader (PSV 100, GV 500) 20 % + overrides 5 %, 2 %.
# No row for members below seller.
#
#   m0 leader   o2: sells 300 to a customer                        PSV 300, GV 680
#   └─ m1 seller   o1: sells 200 to m0 (its own upline)            PSV 200
#      └─ m2 (no rank)   o0: sells 80 to a customer                PSV 80
#         └─ m3 seller   o3: sells 100 to a customer               PSV 100

P2P_RATES = [
    {"rank": "seller", "direct": "15", "overrides": ["3"]},
    {"rank": "leader", "direct": "20", "overrides": ["5", "2"]},
]
P2P_RANKS = [{"code": "seller", "min_psv": 100}, {"code": "leader", "min_psv": 100, "min_gv": 500}]


def _p2p(**options):
    plan = plan_from_document({"ranks": P2P_RANKS, "components": [{"type": "p2p", "rates": P2P_RATES, **options}]})
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 1, 2],
        orders=[
            {"credited": 2, "buyer": -1, "pv": 80, "cv": 80},
            {"credited": 1, "buyer": 0, "pv": 200, "cv": 200},
            {"credited": 0, "buyer": -1, "pv": 300, "cv": 300},
            {"credited": 3, "buyer": -1, "pv": 100, "cv": 100},
        ],
    )
    return calculate(plan, snap)


def test_p2p_writes_every_unpaid_share_as_a_forfeit_with_its_reason():
    result = _p2p()
    assert result.rank.tolist() == [1, 0, -1, 0]
    keys = ("payee_idx", "amount_cents", "source_order_idx", "rule")
    # direct: o1 m1 15 % of 200 = 30.00; o2 m0 20 % of 300 = 60.00; o3 m3 15 % of 100 = 15.00
    # overrides: o0 -> m1 (L1 seller 3 %) 2.40, m0 (L2 leader 2 %) 1.60; o1 -> m0 (L1 leader 5 %) 10.00
    assert brief(result, keys=keys) == {
        (1, 3000, 1, "direct"),
        (0, 6000, 2, "direct"),
        (3, 1500, 3, "direct"),
        (1, 240, 0, "override"),
        (0, 160, 0, "override"),
        (0, 1000, 1, "override"),
    }
    # m2 has no row: its direct on o0 is forfeited at the lowest direct rate (15 % of 80 = 12.00); on o3, m2 holds
    # level 1 at 0 % (3 % of 100 = 3.00 forfeited) and m1, a seller, holds level 2 at 0 % (2 % = 2.00 forfeited)
    assert brief(result, forfeited=True, keys=keys) == {
        (2, 1200, 0, "direct", NO_RATE),
        (2, 300, 3, "override", NO_RATE),
        (1, 200, 3, "override", NO_RATE),
    }


def test_p2p_overrides_on_the_earners_own_purchases_can_be_excluded():
    result = _p2p(overrides_on_own_purchases=False)
    keys = ("payee_idx", "amount_cents", "source_order_idx", "rule")
    assert (0, 1000, 1, "override") not in brief(result, keys=keys)  # m0 bought o1 from m1
    assert (0, 1000, 1, "override", OWN_PURCHASE) in brief(result, forfeited=True, keys=keys)
    assert result.total_paid_cents == _p2p().total_paid_cents - 1000
    assert result.total_forfeited_cents == _p2p().total_forfeited_cents + 1000


def _chain(component: dict, ranks: list, psv: list[int]):
    """m0 <- m1 <- m2; each member's own order of CV 0 (PSV only), and m2 sells 100 of CV to a customer."""
    plan = plan_from_document({"ranks": ranks, "components": [component]})
    orders = [{"credited": m, "pv": v} for m, v in enumerate(psv)] + [{"credited": 2, "buyer": -1, "cv": 100}]
    return calculate(plan, snapshot_from_lists(sponsors=[-1, 0, 1], orders=orders))


def test_p2p_differential_overrides_pay_a_leader_their_rate_minus_what_a_lower_rank_took():
    rates = [
        {"rank": "seller", "direct": "10", "overrides": ["3", "3"]},
        {"rank": "leader", "direct": "10", "overrides": ["6", "6"]},
    ]
    ranks = [{"code": "seller", "min_psv": 100}, {"code": "leader", "min_psv": 300}]
    keys = ("payee_idx", "amount_cents", "rate_bp", "rule")
    plain = _chain({"type": "p2p", "rates": rates}, ranks, [300, 100, 0])
    # m2 has no rank: direct forfeited (10 % = 10.00); L1 m1 seller 3 % = 3.00; L2 m0 leader 6 % = 6.00
    assert brief(plain, keys=keys) == {(1, 300, 300, "override"), (0, 600, 600, "override")}
    diff = _chain({"type": "p2p", "rates": rates, "differential": True}, ranks, [300, 100, 0])
    # differential: m0 earns 6 % - 3 % already taken by m1 = 3.00
    assert brief(diff, keys=keys) == {(1, 300, 300, "override"), (0, 300, 300, "override")}
    assert brief(diff, forfeited=True, keys=keys) == {(2, 1000, 1000, "direct", NO_RATE)}


def test_unilevel_differential_pays_only_the_rise_over_what_was_taken_below():
    component = {"type": "unilevel", "rates": ["2", "5"], "differential": True, "require_active": False}
    result = _chain(component, [], [0, 0, 0])
    # L1 m1 2 % = 2.00; L2 m0 5 % - 2 % = 3 % = 3.00 (without the option: 5.00)
    assert brief(result, keys=("payee_idx", "amount_cents", "rate_bp")) == {(1, 200, 200), (0, 300, 300)}
    plain = _chain({**component, "differential": False}, [], [0, 0, 0])
    assert brief(plain, keys=("payee_idx", "amount_cents", "rate_bp")) == {(1, 200, 200), (0, 500, 500)}


# --------------------------------------------------------------------------------------------------------------------
# Issue 20.1: a rank missing from a stairstep's rank_rates earns the percentage of the highest listed rank below it.

STAIR_RANKS = [
    {"code": "consultant", "min_psv": 10},
    {"code": "silver", "min_psv": 20},
    {"code": "gold", "min_psv": 30},
]


def test_a_rank_missing_from_rank_rates_earns_the_highest_listed_rank_below_it():
    plan = plan_from_document(
        {"ranks": STAIR_RANKS, "components": [{"type": "stairstep_breakaway", "rank_rates": {"consultant": "5",
                                                                                              "gold": "12"}}]}
    )  # fmt: skip
    stair = plan.components[0]
    assert isinstance(stair, StairstepBreakaway)
    assert stair.rank_rates_bp == (500, 500, 1200)
    # m0 gold <- m1 silver <- m2 consultant; m2's order CV 100: m2 5.00; m1 (silver, unlisted: 5 %) 0; m0 12-5 = 7.00
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 1],
        orders=[{"credited": 0, "pv": 30}, {"credited": 1, "pv": 20}, {"credited": 2, "pv": 10, "cv": 100}],
    )
    result = calculate(plan, snap)
    assert result.rank.tolist() == [2, 1, 0]
    assert brief(result, keys=("payee_idx", "amount_cents", "rate_bp")) == {(2, 500, 500), (0, 700, 700)}


def test_a_rank_rates_table_that_drops_is_rejected_with_the_rate_it_drops_below():
    with pytest.raises(PlanError) as caught:
        plan_from_document(
            {"ranks": STAIR_RANKS, "components": [{"type": "stairstep_breakaway", "rank_rates": {"consultant": "5",
                                                                                                  "silver": "0"}}]}
        )  # fmt: skip
    assert caught.value.errors == {
        "components[0].rank_rates.silver": [
            "must not be lower than consultant's 5 % (a higher rank never earns a lower percentage; a rank left out "
            "earns the percentage of the rank below it)"
        ]
    }


@settings(max_examples=60, deadline=None)
@given(snapshots(max_members=12), st.lists(st.sampled_from(["0", "2", "4", "6", "9"]), min_size=3, max_size=3),
       st.lists(st.booleans(), min_size=3, max_size=3))  # fmt: skip
def test_leaving_a_rank_out_of_rank_rates_is_listing_it_at_the_rate_below(spec, rates, listed):
    rates = sorted(rates)
    codes = [r["code"] for r in RANKS]
    full = dict(zip(codes, rates, strict=True))
    carried, below = {}, "0"
    for code, rate, keep in zip(codes, rates, listed, strict=True):
        if keep:
            carried[code], below = rate, rate
        full[code] = below
    snap = snapshot_from_lists(**spec)

    def run(table):
        doc = {"active": {"min_pv": 50}, "ranks": RANKS, "components": [{"type": "stairstep_breakaway",
                                                                         "rank_rates": table}]}  # fmt: skip
        return calculate(plan_from_document(doc), snap)

    left_out, written = run(carried), run(full)
    assert brief(left_out) == brief(written)
    assert brief(left_out, forfeited=True) == brief(written, forfeited=True)


# --------------------------------------------------------------------------------------------------------------------
# Issue 20.7: rank requirements on GV accumulated over the last N periods (rolling GV).


def _rolling(rank: dict, gv_history: list[list]):
    plan = plan_from_document({"ranks": [{"code": "silver", "min_gv": 300, **rank}],
                               "components": [{"type": "retail_profit"}]})  # fmt: skip
    # m0 <- m1: m0 PSV 50, m1 PSV 100 this period (m0's GV 150)
    snap = snapshot_from_lists(
        sponsors=[-1, 0], orders=[{"credited": 0, "pv": 50}, {"credited": 1, "pv": 100}], history_gv=gv_history
    )
    return calculate(plan, snap)


def test_rank_on_gv_accumulated_over_the_last_periods():
    history = [[100, 150], [50, 50]]  # m0's GV one and two periods ago, then m1's
    assert _rolling({}, history).rank.tolist() == [-1, -1]  # this period only: 150 < 300
    assert _rolling({"gv_periods": 2}, history).rank.tolist() == [-1, -1]  # 150 + 100 = 250
    assert _rolling({"gv_periods": 3}, history).rank.tolist() == [0, -1]  # 150 + 100 + 150 = 400; m1: 200
    # at most 50 % of 300 = 150 from one leg: m0's own part over 3 periods = 400 - m1's 200 = 200, m1's leg counts 150
    assert _rolling({"gv_periods": 3, "max_leg_share": 50}, history).rank.tolist() == [0, -1]
    assert _rolling({"gv_periods": 3, "max_leg_share": 50}, [[100, 150], [150, 150]]).rank.tolist() == [-1, 0]
    # m0: 400 in all; m1 brings 100 + 300 = 400 of it (m1 is silver on its own), of which 150 count for m0, whose
    # own part is 0: 150 < 300


@settings(max_examples=60, deadline=None)
@given(snapshots(max_members=15), st.data())
def test_more_past_volume_never_lowers_a_rank_and_no_past_is_this_period_alone(spec, data):
    n = len(spec["sponsors"])
    ranks = [{**r, "gv_periods": 3} for r in RANKS]
    plan = plan_from_document({"active": {"min_pv": 50}, "ranks": ranks, "components": [{"type": "retail_profit"}]})
    single = plan_from_document({"active": {"min_pv": 50}, "ranks": RANKS, "components": [{"type": "retail_profit"}]})
    zero = calculate(plan, snapshot_from_lists(**spec, history_gv=[[0, 0]] * n))
    assert zero.rank.tolist() == calculate(single, snapshot_from_lists(**spec)).rank.tolist()
    history = [[data.draw(st.integers(0, 400)) for _ in range(2)] for _ in range(n)]
    base = calculate(plan, snapshot_from_lists(**spec, history_gv=history)).rank
    member = data.draw(st.integers(0, n - 1))
    history[member][data.draw(st.integers(0, 1))] += data.draw(st.integers(1, 300))
    more = calculate(plan, snapshot_from_lists(**spec, history_gv=history)).rank
    assert more[member] >= base[member]


# --------------------------------------------------------------------------------------------------------------------
# Binary: qualification by leg (20.2), flush on inactivity (20.3), leg volumes in the result (20.8).
#
#   placement: m0 ─┬─ left  m1 ── left m3
#                  └─ right m2
#   everyone personally sponsored by m0; active = PV 50. CV: m1 100, m2 100, m3 50 (m3 has PV 0: inactive)


def _binary(options: dict, **snapshot):
    plan = plan_from_document({"active": {"min_pv": 50}, "ranks": [],
                               "components": [{"type": "binary", "rate": "10", **options}]})  # fmt: skip
    spec = {
        "sponsors": [-1, 0, 0, 0],
        "placements": [-1, 0, 0, 1],
        "positions": [-1, 0, 1, 0],
        "orders": [
            {"credited": 0, "pv": 50},
            {"credited": 1, "pv": 50, "cv": 100},
            {"credited": 2, "pv": 50, "cv": 100},
            {"credited": 3, "pv": 0, "cv": 50},
        ],
    }
    return calculate(plan, snapshot_from_lists(**{**spec, **snapshot}))


def test_binary_leg_volumes_are_in_the_result():
    result = _binary({})
    assert result.leg_left.tolist() == [15000, 5000, 0, 0]  # m0: m1's 100 + m3's 50; m1: m3's 50
    assert result.leg_right.tolist() == [10000, 0, 0, 0]
    assert brief(result) == {(0, 1000, -1)}  # weak leg 100.00 x 10 %
    assert result.carry_left.tolist() == [5000, 5000, 0, 0]


def test_binary_qualification_by_active_sponsored_members_in_each_leg():
    assert brief(_binary({"sponsored_per_leg": 1})) == {(0, 1000, -1)}  # m1 left, m2 right: both active
    two = _binary({"sponsored_per_leg": 2})  # the left leg holds m1 and m3, but m3 is inactive
    assert len(two.lines) == 0
    assert brief(two, forfeited=True) == {(0, 1000, -1, NOT_QUALIFIED)}
    active_m3 = _binary({"sponsored_per_leg": 2}, orders=[
        {"credited": 0, "pv": 50}, {"credited": 1, "pv": 50, "cv": 100}, {"credited": 2, "pv": 50, "cv": 100},
        {"credited": 3, "pv": 50, "cv": 50}])  # fmt: skip
    assert len(active_m3.lines) == 0  # two in the left leg, one in the right: still not qualified


def test_binary_flushes_the_carry_over_of_members_inactive_for_n_periods():
    # m1 is inactive (PV 0) with 500 carried on its left; its left leg (m3) brings 50 more this period
    orders = [{"credited": 0, "pv": 50}, {"credited": 1, "pv": 0, "cv": 100}, {"credited": 2, "pv": 50, "cv": 100},
              {"credited": 3, "pv": 0, "cv": 50}]  # fmt: skip
    carry = {"carry_left": [0, 500, 0, 0], "orders": orders}
    kept = _binary({}, **carry)
    assert kept.carry_left.tolist()[1] == 55000 and kept.binary_flushed.tolist() == [0, 0, 0, 0]
    at_once = _binary({"flush_inactive_after": 0}, **carry)
    assert at_once.carry_left.tolist() == [5000, 0, 0, 0]  # m1 flushed; m3 (inactive) carried nothing anyway
    assert at_once.binary_flushed.tolist() == [0, 55000, 0, 0]
    history = [[True], [False], [True], [False]]  # active last period?
    after_one = _binary({"flush_inactive_after": 1}, history_active=history, **carry)
    assert after_one.binary_flushed.tolist() == [0, 55000, 0, 0]  # inactive now and last period
    history[1] = [True]
    assert _binary({"flush_inactive_after": 1}, history_active=history, **carry).binary_flushed.tolist()[1] == 0
    # with no history at all, earlier periods are unknown: nothing is flushed after one period
    assert _binary({"flush_inactive_after": 1}, **carry).binary_flushed.tolist()[1] == 0


def _per_leg_by_walking(snap, active) -> list[int]:
    counts = [[0, 0] for _ in range(snap.n_members)]
    for m in range(snap.n_members):
        s = int(snap.sponsor_idx[m])
        if s < 0 or not active[m]:
            continue
        node = m  # walk up the placement tree to the sponsor: the side of the child we arrive from is the leg
        while node >= 0 and int(snap.placement_idx[node]) != s:
            node = int(snap.placement_idx[node])
        if node >= 0 and snap.placement_position[node] >= 0:
            counts[s][int(snap.placement_position[node])] += 1
    return [min(c) for c in counts]


@settings(max_examples=50, deadline=None)
@given(snapshots(max_members=20), st.integers(1, 2), st.data())
def test_sponsored_per_leg_counts_match_a_walk_up_the_placement_tree(spec, need, data):
    n = len(spec["sponsors"])
    # any binary placement: each member takes a free left or right slot under an earlier member
    free, spec["placements"], spec["positions"] = [(0, 0), (0, 1)], [-1], [-1]
    for i in range(1, n):
        parent, side = free.pop(data.draw(st.integers(0, len(free) - 1)))
        spec["placements"].append(parent)
        spec["positions"].append(side)
        free += [(i, 0), (i, 1)]
    snap = snapshot_from_lists(**spec)
    active = np.array([i % 3 != 1 for i in range(n)])
    assert _active_sponsored_per_leg(snap, active).tolist() == _per_leg_by_walking(snap, active)
    binary = {"type": "binary", "rate": "10", "sponsored_per_leg": need}
    plan = plan_from_document({"active": {"min_pv": 50}, "ranks": [], "components": [binary]})
    result = calculate(plan, snap)
    per_leg = _per_leg_by_walking(snap, result.active)
    assert all(per_leg[m] >= need for m in result.lines.payee_idx.tolist())
    forfeited = set(result.forfeits.payee_idx.tolist())
    # Every member short of the legs' requirement forfeits the pairing, when 10 % of the weak leg is at least a cent
    # (a line that rounds to 0 cents is not written, paid or forfeited).
    weak = np.minimum(result.leg_left, result.leg_right)
    assert all(m in forfeited for m in range(n) if per_leg[m] < need and weak[m] >= 5)


# --------------------------------------------------------------------------------------------------------------------
# Issue 20.5: paid-as rank with a grace period; title (highest) rank; advancement bonuses once per title.

GRACE_RANKS = [{"code": "bronze", "min_pv": 10}, {"code": "silver", "min_pv": 20}, {"code": "gold", "min_pv": 30}]


def _grace(grace: int, pvs: list[int], history: list[list[int]], prev_highest: list[int]):
    bonus = {"type": "rank_advancement", "amounts": {"silver": "50", "gold": "100"}, "require_active": False}
    plan = plan_from_document({"ranks": GRACE_RANKS, "rank_grace_periods": grace, "components": [bonus]})
    snap = snapshot_from_lists(
        sponsors=[-1] + [0] * (len(pvs) - 1),
        orders=[{"credited": m, "pv": pv} for m, pv in enumerate(pvs)],
        history_rank=history,
        prev_highest_rank=prev_highest,
    )
    return calculate(plan, snap)


def test_paid_as_rank_keeps_a_higher_rank_for_the_grace_periods():
    # m0 qualifies bronze now, was gold last period; m1 bronze now, gold two periods ago; m2 gold now
    history = [[2, 2], [0, 2], [0, 0]]
    none = _grace(0, [10, 10, 30], history, [2, 2, 0])
    assert none.rank.tolist() == [0, 0, 2]
    one = _grace(1, [10, 10, 30], history, [2, 2, 0])
    assert one.qualified_rank.tolist() == [0, 0, 2]
    assert one.rank.tolist() == [2, 0, 2]  # m0 kept gold for one period; m1 dropped (gold was 2 periods ago)
    two = _grace(2, [10, 10, 30], history, [2, 2, 0])
    assert two.rank.tolist() == [2, 2, 2]
    assert two.highest_rank.tolist() == [2, 2, 2]  # title rank: the highest ever reached
    # advancement: only m2 reaches new titles (silver and gold, above its bronze title): paid once per title
    assert brief(two, keys=("payee_idx", "amount_cents", "level_raw")) == {(2, 5000, 1), (2, 10000, 2)}


def test_an_advancement_bonus_is_not_paid_again_when_a_title_is_requalified():
    first = _grace(1, [10, 20], [[-1], [-1]], [-1, -1])
    assert brief(first, keys=("payee_idx", "amount_cents")) == {(1, 5000)}
    # next period m1 falls to bronze (grace keeps silver), the period after it is silver again: nothing more
    second = _grace(1, [10, 10], [[-1], [1]], first.highest_rank.tolist())
    third = _grace(1, [10, 20], [[-1], [second.qualified_rank.tolist()[1]]], second.highest_rank.tolist())
    assert second.rank.tolist()[1] == 1 and len(second.lines) == 0
    assert third.rank.tolist()[1] == 1 and len(third.lines) == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3), st.lists(st.integers(-1, 2), min_size=1, max_size=6))
def test_a_paid_as_rank_drops_only_after_the_grace_periods(grace, qualified_by_period):
    """Over a run of periods, paid-as = the highest rank qualified in the period and the `grace` before it, and the
    advancement bonus of each rank is paid at most once in all."""
    pvs = {-1: 0, 0: 10, 1: 20, 2: 30}
    history: list[int] = []
    highest, paid = -1, []
    for period, q in enumerate(qualified_by_period):
        result = _grace(grace, [0, pvs[q]], [[-1] * 3, (history + [-1] * 3)[:3]], [-1, highest])
        window = qualified_by_period[max(0, period - grace) : period + 1]
        assert result.rank.tolist()[1] == max(window)
        assert result.qualified_rank.tolist()[1] == q
        paid += [level for payee, level in zip(result.lines.payee_idx.tolist(), result.lines.level_raw.tolist(),
                                                strict=True) if payee == 1]  # fmt: skip
        highest = result.highest_rank.tolist()[1]
        history = [q, *history]
    assert sorted(paid) == sorted(set(paid))
    assert set(paid) == {k for k in (1, 2) if max(qualified_by_period, default=-1) >= k}
