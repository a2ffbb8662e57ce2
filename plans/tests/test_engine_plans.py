"""Each plan type against a small example computed by hand (pure engine: no database).

Amounts are cents; volumes in the documents are points/currency units. Trees are drawn sponsor-first.
"""

import pytest

from plans.engine.calculate import Reason, calculate
from plans.engine.document import plan_from_document
from plans.engine.snapshot import snapshot_from_lists
from plans.tests.engine_helpers import brief, paid_by_member, rows

EXCLUDED, NOT_QUALIFIED, DEPTH, PAIRING_CAP = "excluded", "not_qualified", "depth", "pairing_cap"


# --------------------------------------------------------------------------------------------------------------------
# Unilevel
#
#   m0  bronze (GV 500 < 600 for silver)        every member has one own order of PV 100, except m2 (none)
#   └─ m1  bronze, EXCLUDED (commission exclusion)   CV: m0 10, m1 10, m3 10, m4 100, m5 100
#      └─ m2  inactive (no PV)
#         └─ m3  bronze
#            └─ m4  bronze
#               └─ m5  bronze
# rates 10 %, 5 %, 2 %; bronze reaches 2 levels, silver 3.


def _unilevel(compression: bool):
    plan = plan_from_document(
        {
            "active": {"min_pv": 50},
            "ranks": [{"code": "bronze", "min_pv": 50}, {"code": "silver", "min_pv": 50, "min_gv": 600}],
            "components": [
                {
                    "type": "unilevel",
                    "rates": ["10", "5", "2"],
                    "depth_by_rank": {"bronze": 2, "silver": 3},
                    "compression": compression,
                }
            ],
        }
    )
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 1, 2, 3, 4],
        excluded=[False, True, False, False, False, False],
        orders=[
            {"credited": 0, "pv": 100, "cv": 10},  # order 0
            {"credited": 1, "pv": 100, "cv": 10},  # order 1
            {"credited": 3, "pv": 100, "cv": 10},  # order 2
            {"credited": 4, "pv": 100, "cv": 100},  # order 3
            {"credited": 5, "pv": 100, "cv": 100},  # order 4
        ],
    )
    return calculate(plan, snap)


def test_unilevel_with_compression_skips_inactive_and_excluded_members():
    result = _unilevel(compression=True)
    assert result.rank.tolist() == [0, 0, -1, 0, 0, 0]
    # order 4 (m5, 100.00): L1 m4 10 % = 10.00; L2 m3 5 % = 5.00; L3 m0 (2 %) but bronze reaches 2 levels: forfeited
    # order 3 (m4, 100.00): L1 m3 10.00; L2 skips m2 (inactive) and m1 (excluded): m0 5 % = 5.00
    # order 2 (m3, 10.00): L1 m0 1.00;  order 1 (m1): L1 m0 1.00;  order 0 (m0): nobody above
    assert brief(result) == {(4, 1000, 4), (3, 500, 4), (3, 1000, 3), (0, 500, 3), (0, 100, 2), (0, 100, 1)}
    assert brief(result, forfeited=True) == {(0, 200, 4, DEPTH)}
    assert paid_by_member(result) == {0: 700, 3: 1500, 4: 1000}
    assert result.total_paid_cents == 3200
    assert result.totals_by_component == {"unilevel": 3200}
    assert str(result.payout_ratio) == "0.1391"  # 32.00 / 230.00 CV


def test_unilevel_level_numbers_raw_and_compressed():
    result = _unilevel(compression=True)
    lines = {(r["payee_idx"], r["source_order_idx"]): r for r in rows(result)}
    line = lines[(0, 3)]
    assert (line["level_raw"], line["level_compressed"], line["rate_bp"], line["basis_cents"]) == (4, 2, 500, 10000)
    assert line["source_member_idx"] == 4
    assert line["component"] == "unilevel" and line["rule"] == "level"


def test_unilevel_without_compression_forfeits_what_unqualified_members_would_have_had():
    result = _unilevel(compression=False)
    # order 4 (m5): L1 m4 10.00, L2 m3 5.00, L3 m2 inactive -> 2.00 forfeited
    # order 3 (m4): L1 m3 10.00, L2 m2 -> 5.00 forfeited, L3 m1 excluded -> 2.00 forfeited
    # order 2 (m3): L1 m2 -> 1.00 forfeited, L2 m1 -> 0.50 forfeited, L3 m0 bronze (2 levels) -> 0.20 forfeited
    # order 1 (m1): L1 m0 1.00
    assert brief(result) == {(4, 1000, 4), (3, 500, 4), (3, 1000, 3), (0, 100, 1)}
    assert brief(result, forfeited=True) == {
        (2, 200, 4, NOT_QUALIFIED),
        (2, 500, 3, NOT_QUALIFIED),
        (1, 200, 3, EXCLUDED),
        (2, 100, 2, NOT_QUALIFIED),
        (1, 50, 2, EXCLUDED),
        (0, 20, 2, DEPTH),
    }
    assert result.total_paid_cents == 2600
    assert result.total_forfeited_cents == 1070


# --------------------------------------------------------------------------------------------------------------------
# Stairstep-breakaway: ranks by own PV — consultant 5 % (PV 10), manager 10 % (PV 500), director 15 % (PV 1000,
# breakaway); generation overrides 3 %, 2 %.
#
#   m0 director
#   └─ m1 director
#      └─ m2 manager
#         └─ m3 consultant   order: CV 100
#            └─ m4 director  order: CV 100 (a breakaway group of its own)


def _stairstep(excluded_m2: bool = False, compression: bool = True):
    plan = plan_from_document(
        {
            "active": {"min_pv": 10},
            "ranks": [
                {"code": "consultant", "min_pv": 10},
                {"code": "manager", "min_pv": 500},
                {"code": "director", "min_pv": 1000},
            ],
            "components": [
                {
                    "type": "stairstep_breakaway",
                    "rank_rates": {"consultant": "5", "manager": "10", "director": "15"},
                    "breakaway_rank": "director",
                    "generation_rates": ["3", "2"],
                    "compression": compression,
                }
            ],
        }
    )
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 1, 2, 3],
        excluded=[False, False, excluded_m2, False, False],
        orders=[
            {"credited": 0, "pv": 1000},
            {"credited": 1, "pv": 1000},
            {"credited": 2, "pv": 500},
            {"credited": 3, "pv": 100, "cv": 100},  # order 3
            {"credited": 4, "pv": 1000, "cv": 100},  # order 4
        ],
    )
    return calculate(plan, snap)


def test_stairstep_pays_differentials_then_generation_overrides():
    result = _stairstep()
    assert result.rank.tolist() == [2, 2, 1, 0, 2]
    # order 3: m3 5 % = 5.00; m2 10-5 = 5 % = 5.00; m1 15-10 = 5 % = 5.00 and breaks away; m0 generation 1: 3 % = 3.00
    # order 4: m4 15 % = 15.00 (breakaway itself); m3, m2 earn nothing on it; m1 gen 1 3.00; m0 gen 2 2 % = 2.00
    assert brief(result) == {
        (3, 500, 3),
        (2, 500, 3),
        (1, 500, 3),
        (0, 300, 3),
        (4, 1500, 4),
        (1, 300, 4),
        (0, 200, 4),
    }
    assert paid_by_member(result) == {0: 500, 1: 800, 2: 500, 3: 500, 4: 1500}
    assert result.total_paid_cents == 3800


def test_stairstep_compression_rolls_an_excluded_members_differential_up():
    result = _stairstep(excluded_m2=True)
    # order 3: m3 5.00; m2 excluded and skipped; m1 earns 15-5 = 10 % = 10.00; the total is unchanged
    assert paid_by_member(result) == {0: 500, 1: 1300, 3: 500, 4: 1500}
    assert result.total_paid_cents == 3800
    assert len(result.forfeits) == 0


def test_stairstep_without_compression_forfeits_the_excluded_differential():
    result = _stairstep(excluded_m2=True, compression=False)
    assert brief(result, forfeited=True) == {(2, 500, 3, EXCLUDED)}
    assert paid_by_member(result) == {0: 500, 1: 800, 3: 500, 4: 1500}


# --------------------------------------------------------------------------------------------------------------------
# Binary (placement tree; everyone sponsored by m0):
#
#          m0            carry-over in: left 50
#        /    \
#     m1 (L)  m2 (R)     CV: m1 100, m2 300, m3 250
#     /
#   m3 (L)
# rate 10 %, pairing cap 25.00, carry-over cap 80


def test_binary_pays_the_weak_leg_with_pairing_cap_and_capped_carry_over():
    plan = plan_from_document(
        {
            "ranks": [],
            "components": [{"type": "binary", "rate": "10", "pairing_cap": "25.00", "carryover_cap": "80"}],
        }
    )
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 0, 0],
        placements=[-1, 0, 0, 1],
        positions=[-1, 0, 1, 0],
        carry_left=["50", 0, 0, 0],
        orders=[{"credited": m, "cv": cv, "pv": 100} for m, cv in ((1, 100), (2, 300), (3, 250))],
    )
    result = calculate(plan, snap)
    # m0: left 50 + 100 + 250 = 400, right 300 -> 10 % of 300 = 30.00, capped at 25.00 (5.00 forfeited)
    # m1: left 250, right 0 -> nothing
    assert brief(result, keys=("payee_idx", "amount_cents", "basis_cents")) == {(0, 2500, 30000)}
    assert brief(result, forfeited=True, keys=("payee_idx", "amount_cents")) == {(0, 500, PAIRING_CAP)}
    # carry: m0 strong-leg rest 100 -> capped 80 left; m1 keeps 250 -> capped 80 left
    assert result.carry_left.tolist() == [8000, 8000, 0, 0]
    assert result.carry_right.tolist() == [0, 0, 0, 0]


# --------------------------------------------------------------------------------------------------------------------
# Forced matrix 2 wide, rates 5 %, 3 % (placement tree):
#
#        m0
#       /  \
#     m1    m2        CV: m1 20, m3 100, m4 50
#    /  \
#  m3    m4


def _matrix_plan():
    return plan_from_document({"ranks": [], "components": [{"type": "matrix", "width": 2, "rates": ["5", "3"]}]})


def test_matrix_pays_per_level_of_the_placement_tree():
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 0, 0, 0],
        placements=[-1, 0, 0, 1, 1],
        orders=[{"credited": m, "cv": cv, "pv": 10} for m, cv in ((3, 100), (4, 50), (1, 20))],
    )
    result = calculate(_matrix_plan(), snap)
    # m3: m1 5.00, m0 3.00; m4: m1 2.50, m0 1.50; m1: m0 1.00
    assert brief(result) == {(1, 500, 0), (0, 300, 0), (1, 250, 1), (0, 150, 1), (0, 100, 2)}
    assert result.total_paid_cents == 1300


def test_matrix_refuses_a_placement_wider_than_the_matrix():
    snap = snapshot_from_lists(sponsors=[-1, 0, 0, 0], placements=[-1, 0, 0, 0])
    with pytest.raises(ValueError, match="width is 2"):
        calculate(_matrix_plan(), snap)


# --------------------------------------------------------------------------------------------------------------------
# P2P (seed 000): direct commission on a member's own sales to customers *and other members*, overrides on the
# downline's sales, rates by rank. Rows: anyone 10 % direct; seller (PSV 100) 15 % + override 3 %; leader
# (PSV 100, GV 500) 20 % + overrides 5 %, 2 %.
#
#   m0 leader   o2: sells 300 to a customer            PSV 300, GV 650
#   └─ m1 seller   o1: sells 200 to m2 (peer sale)     PSV 200, GV 350
#      └─ m2 seller   o0: sells 100 to a customer; o3: own purchase 50 (not a sale)   PSV 150


def test_p2p_direct_sales_and_overrides_by_rank():
    plan = plan_from_document(
        {
            "ranks": [{"code": "seller", "min_psv": 100}, {"code": "leader", "min_psv": 100, "min_gv": 500}],
            "components": [
                {
                    "type": "p2p",
                    "rates": [
                        {"direct": "10"},
                        {"rank": "seller", "direct": "15", "overrides": ["3"]},
                        {"rank": "leader", "direct": "20", "overrides": ["5", "2"]},
                    ],
                }
            ],
        }
    )
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 1],
        orders=[
            {"credited": 2, "buyer": -1, "pv": 100, "cv": 100},
            {"credited": 1, "buyer": 2, "pv": 200, "cv": 200},
            {"credited": 0, "buyer": -1, "pv": 300, "cv": 300},
            {"credited": 2, "pv": 50, "cv": 50},
        ],
    )
    result = calculate(plan, snap)
    assert result.rank.tolist() == [1, 0, 0]
    assert result.pv.tolist() == [0, 0, 25000]
    assert result.psv.tolist() == [30000, 20000, 15000]
    # direct: o0 m2 15 % of 100 = 15.00; o1 m1 15 % of 200 = 30.00; o2 m0 20 % of 300 = 60.00
    # overrides: o0 -> m1 (L1, seller 3 %) 3.00, m0 (L2, leader 2 %) 2.00; o1 -> m0 (L1, leader 5 %) 10.00
    assert brief(result, keys=("payee_idx", "amount_cents", "source_order_idx", "rule")) == {
        (2, 1500, 0, "direct"),
        (1, 3000, 1, "direct"),
        (0, 6000, 2, "direct"),
        (1, 300, 0, "override"),
        (0, 200, 0, "override"),
        (0, 1000, 1, "override"),
    }
    assert paid_by_member(result) == {0: 7200, 1: 3300, 2: 1500}


# --------------------------------------------------------------------------------------------------------------------
# Party plan: consultant m1 holds party 0 (host: a customer) and party 1 (host: member m2).
# consultant 25 % of party CV; host tiers: sales 200 -> 10 %; sales 500 -> 15 % + 25.00.


def test_party_consultant_commission_and_host_rewards_by_tier():
    plan = plan_from_document(
        {
            "ranks": [],
            "components": [
                {
                    "type": "party",
                    "consultant_rate": "25",
                    "host_tiers": [
                        {"min_sales": "200", "reward": "10"},
                        {"min_sales": "500", "reward": "15", "bonus": "25"},
                    ],
                }
            ],
        }
    )
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 1],
        parties=[{"consultant": 1, "host": -1, "host_customer_id": 77}, {"consultant": 1, "host": 2}],
        orders=[
            {"credited": 1, "buyer": -1, "retail": 300, "cv": 250, "party": 0},
            {"credited": 1, "buyer": -1, "retail": 250, "cv": 200, "party": 0},
            {"credited": 1, "buyer": -1, "retail": 210, "cv": 180, "party": 1},
            {"credited": 1, "buyer": -1, "retail": 40, "cv": 40},  # not a party order
        ],
    )
    result = calculate(plan, snap)
    # consultant: 62.50 + 50.00 + 45.00; party 0 sales 550 -> 15 % = 82.50 + 25.00 = 107.50 to the customer host (-1)
    # party 1 sales 210 -> 10 % = 21.00 to m2
    assert brief(result, keys=("payee_idx", "amount_cents", "source_party_idx", "rule")) == {
        (1, 6250, 0, "consultant"),
        (1, 5000, 0, "consultant"),
        (1, 4500, 1, "consultant"),
        (-1, 10750, 0, "host"),
        (2, 2100, 1, "host"),
    }
    assert result.totals_by_rank == {"customer_host": 10750, "none": 17850}


# --------------------------------------------------------------------------------------------------------------------
# Bonuses


def test_retail_profit_is_retail_minus_distributor_price_on_customer_orders():
    plan = plan_from_document({"ranks": [], "components": [{"type": "retail_profit"}]})
    snap = snapshot_from_lists(
        sponsors=[-1, 0],
        excluded=[False, True],
        orders=[
            {"credited": 0, "buyer": -1, "retail": "59.90", "dist": "45.00"},
            {"credited": 0, "retail": "59.90", "dist": "45.00"},  # own order: no retail profit
            {"credited": 1, "buyer": -1, "retail": "20.00", "dist": "15.00"},  # excluded member
        ],
    )
    result = calculate(plan, snap)
    assert brief(result) == {(0, 1490, 0)}
    assert brief(result, forfeited=True) == {(1, 500, 2, EXCLUDED)}


def test_fast_start_pays_on_a_recruits_first_orders_within_the_window():
    plan = plan_from_document(
        {"ranks": [], "components": [{"type": "fast_start", "days": 30, "rates": ["20", "5"], "require_active": False}]}
    )
    # m0 joined long ago; m1 (sponsor m0) joined 2025-01-10; m2 (sponsor m1) joined 2025-01-01
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 1],
        join_dates=["2020-01-01", "2025-01-10", "2025-01-01"],
        orders=[
            {"credited": 1, "cv": 100, "date": "2025-01-20"},  # day 10 of m1: L1 m0 20 % = 20.00
            {"credited": 1, "cv": 100, "date": "2025-02-15"},  # day 36: outside the window
            {"credited": 2, "cv": 50, "date": "2025-01-05"},  # m2 day 4: m1 10.00, m0 2.50
            {"credited": 0, "cv": 70, "date": "2025-01-05"},  # m0 is no new recruit
        ],
    )
    result = calculate(plan, snap)
    assert brief(result) == {(0, 2000, 0), (1, 1000, 2), (0, 250, 2)}


def test_rank_advancement_pays_once_per_rank_reached_for_the_first_time():
    plan = plan_from_document(
        {
            "ranks": [
                {"code": "bronze", "min_pv": 10},
                {"code": "silver", "min_pv": 20},
                {"code": "gold", "min_pv": 30},
            ],
            "components": [{"type": "rank_advancement", "amounts": {"bronze": "10", "silver": "50", "gold": "100"}}],
        }
    )
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 0],
        prev_highest_rank=[-1, 1, 2],
        orders=[{"credited": 0, "pv": 30}, {"credited": 1, "pv": 30}, {"credited": 2, "pv": 10}],
    )
    result = calculate(plan, snap)
    # m0 jumps from nothing to gold: 10 + 50 + 100; m1 silver -> gold: 100; m2 was gold, is bronze: nothing
    assert brief(result, keys=("payee_idx", "amount_cents", "level_raw")) == {
        (0, 1000, 0),
        (0, 5000, 1),
        (0, 10000, 2),
        (1, 10000, 2),
    }
    assert result.highest_rank.tolist() == [2, 2, 2]
    assert result.rank.tolist() == [2, 2, 0]


def test_matching_bonus_pays_a_share_of_the_downlines_earnings_by_generation():
    plan = plan_from_document(
        {
            "ranks": [],
            "components": [
                {"type": "unilevel", "rates": ["10"], "require_active": False},
                {"type": "retail_profit"},
                {"type": "matching", "generations": ["50", "10"], "on_components": ["unilevel"],
                 "require_active": False},
            ],
        }
    )  # fmt: skip
    #   m0 ─ m1 ─ m2 ─ m3 (orders: m3 CV 100, m2 CV 20, and a retail profit of 5.00 for m1 that is not matched)
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 1, 2],
        orders=[
            {"credited": 3, "cv": 100},
            {"credited": 2, "cv": 20},
            {"credited": 1, "buyer": -1, "retail": 25, "dist": 20},
        ],
    )
    result = calculate(plan, snap)
    # unilevel: m2 earns 10.00 (m3's order), m1 earns 2.00 (m2's order)
    # matching on unilevel only: m2's 10.00 -> m1 50 % = 5.00, m0 10 % = 1.00; m1's 2.00 -> m0 50 % = 1.00
    assert brief(result, keys=("payee_idx", "amount_cents", "source_member_idx", "component")) == {
        (2, 1000, 3, "unilevel"),
        (1, 200, 2, "unilevel"),
        (1, 500, 1, "retail_profit"),
        (1, 500, 2, "matching"),
        (0, 100, 2, "matching"),
        (0, 100, 1, "matching"),
    }


def test_leadership_pool_splits_a_share_of_company_cv_by_shares_exactly():
    plan = plan_from_document(
        {
            "ranks": [{"code": "silver", "min_pv": 20}, {"code": "gold", "min_pv": 30}],
            "components": [{"type": "leadership_pool", "percent": "1", "shares": {"silver": 1, "gold": 2}}],
        }
    )
    # company CV 1 000.00 -> pool 10.00; m0 gold (2 shares) excluded; m1 gold 2, m2 silver 1, m3 silver 1 (4 shares)
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 0, 0, 0],
        excluded=[True, False, False, False, False],
        orders=[{"credited": m, "pv": pv, "cv": 200} for m, pv in ((0, 30), (1, 30), (2, 20), (3, 20), (4, 0))],
    )
    result = calculate(plan, snap)
    assert brief(result) == {(1, 500, -1), (2, 250, -1), (3, 250, -1)}
    assert result.pool_shares == {"leadership_pool": 4}


def test_leadership_pool_gives_leftover_cents_to_the_largest_remainders():
    plan = plan_from_document(
        {
            "ranks": [{"code": "silver"}],
            "components": [{"type": "leadership_pool", "percent": "1", "shares": {"silver": 1}}],
        }
    )
    snap = snapshot_from_lists(sponsors=[-1, 0, 0], orders=[{"credited": 0, "cv": 1000}])  # pool 10.00, 3 shares
    result = calculate(plan, snap)
    assert brief(result) == {(0, 334, -1), (1, 333, -1), (2, 333, -1)}
    assert result.total_paid_cents == 1000


# --------------------------------------------------------------------------------------------------------------------
# Hybrid: unilevel + binary + retail profit + fast start + matching in one plan
#
#   m0 (root; binary: m1 left, m2 right)
#   ├─ m1   joined 2025-01-02, own order CV 100 on 2025-01-05, customer order retail 50 / dist 40 / CV 40
#   └─ m2   own order CV 60


def test_hybrid_plan_combines_components_and_totals_each():
    plan = plan_from_document(
        {
            "active": {"min_pv": 10},
            "ranks": [],
            "components": [
                {"type": "unilevel", "rates": ["5"]},
                {"type": "binary", "rate": "10"},
                {"type": "retail_profit"},
                {"type": "fast_start", "days": 30, "rates": ["10"]},
                {"type": "matching", "generations": ["10"]},
            ],
        }
    )
    snap = snapshot_from_lists(
        sponsors=[-1, 0, 0],
        placements=[-1, 0, 0],
        positions=[-1, 0, 1],
        join_dates=["2020-01-01", "2025-01-02", "2020-01-01"],
        orders=[
            {"credited": 0, "pv": 10, "cv": 10, "date": "2025-01-05"},
            {"credited": 1, "pv": 100, "cv": 100, "date": "2025-01-05"},
            {"credited": 1, "buyer": -1, "pv": 40, "cv": 40, "retail": 50, "dist": 40, "date": "2025-01-05"},
            {"credited": 2, "pv": 60, "cv": 60, "date": "2025-01-05"},
        ],
    )
    result = calculate(plan, snap)
    # unilevel 5 %: m1 100 -> 5.00, m1's customer 40 -> 2.00, m2 60 -> 3.00 (all to m0)
    # binary: m0 left 140, right 60 -> 10 % of 60 = 6.00
    # retail profit: m1 10.00;  fast start: m1's own order (day 3) 10 % = 10.00 to m0
    # matching 10 % of m1's earnings (10.00 retail) -> m0 1.00
    assert result.totals_by_component == {
        "unilevel": 1000,
        "binary": 600,
        "retail_profit": 1000,
        "fast_start": 1000,
        "matching": 100,
    }
    assert paid_by_member(result) == {0: 2700, 1: 1000}
    assert result.total_paid_cents == 3700
    assert str(result.payout_ratio) == "0.1762"  # 37.00 / 210.00 CV


def test_payout_cap_scales_every_line_down_to_the_cap_exactly():
    plan = plan_from_document(
        {"ranks": [], "payout_cap_ratio": "0.1", "components": [{"type": "unilevel", "rates": ["20", "20"]}]}
    )
    snap = snapshot_from_lists(sponsors=[-1, 0, 1], orders=[{"credited": 2, "cv": 100}])  # 40.00 asked, 10.00 allowed
    result = calculate(plan, snap)
    assert brief(result) == {(1, 500, 0), (0, 500, 0)}
    assert result.total_forfeited_cents == 3000
    assert {r[3] for r in brief(result, forfeited=True)} == {Reason.PAYOUT_CAP.name.lower()}
