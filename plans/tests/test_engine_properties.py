"""Properties of the engine on random trees (hypothesis; pure, no database)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.engine.calculate import COLUMNS, Reason, calculate
from plans.engine.document import plan_from_document
from plans.engine.snapshot import snapshot_from_lists

RANKS = [
    {"code": "bronze", "min_pv": 50},
    {"code": "silver", "min_pv": 50, "min_gv": 300, "max_leg_share": 60, "min_active_sponsored": 1},
    {"code": "gold", "min_pv": 100, "min_gv": 800, "max_leg_share": 50, "legs": [{"count": 2, "rank": "silver"}]},
]
HYBRID = plan_from_document(
    {
        "active": {"min_pv": 50},
        "ranks": RANKS,
        "components": [
            {"type": "unilevel", "rates": ["5", "4", "3"], "depth_by_rank": {"bronze": 2, "gold": 3}},
            {"type": "stairstep_breakaway", "rank_rates": {"bronze": "3", "silver": "6", "gold": "9"},
             "breakaway_rank": "gold", "generation_rates": ["2", "1"]},
            {"type": "binary", "rate": "10", "pairing_cap": "30", "carryover_cap": "100"},
            {"type": "p2p", "rates": [{"direct": "5"}, {"rank": "silver", "direct": "8", "overrides": ["2", "1"]}]},
            {"type": "retail_profit"},
            {"type": "fast_start", "days": 30, "rates": ["10", "3"]},
            {"type": "rank_advancement", "amounts": {"silver": "20", "gold": "75"}},
            {"type": "matching", "generations": ["10", "5"]},
            {"type": "leadership_pool", "percent": "2", "shares": {"silver": 1, "gold": 3}},
        ],
        "payout_cap_ratio": "0.6",
    }
)  # fmt: skip


def _unilevel(compression: bool):
    return plan_from_document(
        {
            "active": {"min_pv": 50},
            "ranks": [],
            "components": [{"type": "unilevel", "rates": ["7", "5", "3", "1"], "compression": compression}],
        }
    )


@st.composite
def snapshots(draw, max_members: int = 25):
    n = draw(st.integers(1, max_members))
    sponsors = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    orders = []
    for _ in range(draw(st.integers(0, 3 * n))):
        credited = draw(st.integers(0, n - 1))
        kind = draw(st.sampled_from(["own", "customer", "peer"]))
        buyer = {"own": credited, "customer": -1, "peer": draw(st.integers(0, n - 1))}[kind]
        cv = draw(st.integers(0, 20000))
        orders.append(
            {
                "credited": credited,
                "buyer": buyer,
                "pv": draw(st.integers(0, 200)),
                "cv": f"{cv / 100:.2f}",
                "retail": f"{cv * 13 // 10 / 100:.2f}",
                "dist": f"{cv / 100:.2f}",
                "date": f"2025-01-{draw(st.integers(1, 28)):02d}",
            }
        )
    return {
        "sponsors": sponsors,
        "placements": [-1] + [(i - 1) // 2 for i in range(1, n)],
        "positions": [-1] + [(i - 1) % 2 for i in range(1, n)],
        "join_dates": [f"2024-12-{draw(st.integers(1, 31)):02d}" for _ in range(n)],
        "excluded": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        "eligible": draw(st.lists(st.sampled_from([True, True, True, False]), min_size=n, max_size=n)),
        "prev_highest_rank": draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n)),
        "orders": orders,
    }


def _per_member(result, n: int) -> list[int]:
    out = np.zeros(n, np.int64)
    np.add.at(out, result.lines.payee_idx, result.lines.amount_cents)
    return out.tolist()


@settings(max_examples=150, deadline=None)
@given(snapshots())
def test_sum_of_lines_equals_every_total(spec):
    result = calculate(HYBRID, snapshot_from_lists(**spec))
    assert int(result.lines.amount_cents.sum()) == result.total_paid_cents
    assert sum(result.totals_by_component.values()) == result.total_paid_cents
    assert sum(result.totals_by_rank.values()) == result.total_paid_cents
    assert (result.lines.amount_cents > 0).all()
    assert (result.lines.reason == Reason.PAID).all()
    assert result.total_paid_cents <= result.total_cv_cents * 6 // 10  # the payout cap holds


@settings(max_examples=150, deadline=None)
@given(snapshots())
def test_excluded_and_ineligible_members_receive_nothing(spec):
    result = calculate(HYBRID, snapshot_from_lists(**spec))
    barred = {i for i, (ex, ok) in enumerate(zip(spec["excluded"], spec["eligible"], strict=True)) if ex or not ok}
    assert barred.isdisjoint(result.lines.payee_idx.tolist())


@settings(max_examples=150, deadline=None)
@given(snapshots())
def test_compression_loses_no_volume(spec):
    """Compression is the same as splicing every unqualified member out of the tree.

    Re-sponsor every member to its nearest *qualified* ancestor; in that tree every upline is qualified, so the
    uncompressed plan forfeits nothing — and it must pay each member exactly what the compressed plan pays on the
    original tree. (Qualification — eligible, not excluded, active by own PV — does not depend on the tree.)
    """
    snap = snapshot_from_lists(**spec)
    compressed = calculate(_unilevel(True), snap)
    qualified = compressed.active & ~snap.excluded
    nqa = snap.sponsor_tree.nearest_ancestor(qualified)
    spliced = calculate(_unilevel(False), snapshot_from_lists(**{**spec, "sponsors": nqa.tolist()}))
    n = len(spec["sponsors"])
    assert spliced.total_forfeited_cents == 0
    assert _per_member(compressed, n) == _per_member(spliced, n)
    # and without compression, what is paid plus what is forfeited is what a fully qualified tree would pay
    uncompressed = calculate(_unilevel(False), snap)
    everyone = {**spec, "excluded": [False] * n, "eligible": [True] * n}
    everyone["orders"] = [*spec["orders"], *({"credited": i, "pv": 50} for i in range(n))]
    full = calculate(_unilevel(False), snapshot_from_lists(**everyone))
    assert uncompressed.total_paid_cents + uncompressed.total_forfeited_cents == full.total_paid_cents
    assert compressed.total_paid_cents >= uncompressed.total_paid_cents


@settings(max_examples=150, deadline=None)
@given(snapshots(), st.data())
def test_raising_a_members_volume_never_lowers_any_rank(spec, data):
    n = len(spec["sponsors"])
    member = data.draw(st.integers(0, n - 1))
    extra = data.draw(st.integers(1, 500))
    before = calculate(HYBRID, snapshot_from_lists(**spec))
    more = {**spec, "orders": [*spec["orders"], {"credited": member, "pv": extra, "cv": "1.00"}]}
    after = calculate(HYBRID, snapshot_from_lists(**more))
    assert (after.rank >= before.rank).all()
    assert after.rank[member] >= before.rank[member]


@settings(max_examples=50, deadline=None)
@given(snapshots())
def test_calculate_is_deterministic(spec):
    first = calculate(HYBRID, snapshot_from_lists(**spec))
    second = calculate(HYBRID, snapshot_from_lists(**spec))
    for name in COLUMNS:
        assert np.array_equal(getattr(first.lines, name), getattr(second.lines, name))
        assert np.array_equal(getattr(first.forfeits, name), getattr(second.forfeits, name))
    assert first.totals_by_component == second.totals_by_component
    assert np.array_equal(first.rank, second.rank)
    assert np.array_equal(first.carry_left, second.carry_left)


def test_a_line_the_payout_cap_cuts_to_nothing_is_forfeited_whole_not_paid_as_zero():
    """Found by the property above: two members, a sponsor promoted to silver (a 20.00 advancement bonus) in a period
    with no CV, so the payout cap (60% of CV) allows nothing. The whole 20.00 is forfeited to the cap and no 0.00 line
    is paid."""
    spec = {
        "sponsors": [-1, 0],
        "placements": [-1, 0],
        "positions": [-1, 0],
        "join_dates": ["2024-12-01", "2024-12-01"],
        "prev_highest_rank": [-1, -1],
        "orders": [
            {"credited": 0, "pv": 120, "cv": "0.00", "date": "2025-01-10"},
            {"credited": 1, "pv": 180, "cv": "0.00", "date": "2025-01-10"},
        ],
    }
    result = calculate(HYBRID, snapshot_from_lists(**spec))
    assert len(result.lines) == 0
    assert result.total_paid_cents == 0
    capped = result.forfeits.reason == Reason.PAYOUT_CAP
    assert result.forfeits.amount_cents[capped].tolist() == [2000]
