"""The pure commission calculation (data already in memory) at 10k, 100k and 1M members, against a lower bound.

Each size builds a snapshot in memory: sponsor of member i is floor(i * u ** (1/15)) for uniform u, so recent members
are preferred and the tree is a few hundred levels deep at 1M; about two orders per member (a quarter of them customer
orders), 2 % of members under a commission exclusion; the placement tree is a complete binary tree.

`commission_calc_*_s` times `calculate` with a unilevel plan with dynamic compression (5 levels, three ranks),
`commission_calc_bound_*_s` times `unilevel_bound` below: the least numpy work that computes the same payout (PV,
activity, nearest qualified ancestor, five vectorised level jumps, per-payee totals), no ledger lines. The bench checks
both give the same per-member payout. `commission_calc_hybrid_*_s` times a hybrid (unilevel + binary + retail profit
+ fast start + rank advancement + matching + leadership pool, ranks with leg requirements) for information.
Timings are the best of REPEATS runs. The first run in a process is slower (at 1M about 1.9 s instead of 0.45 s):
the kernel faults in the ~0.5 GB of fresh pages the ledger columns take; `commission_calc_1m_cold_s` reports it.
Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import gc
import resource
import time

import numpy as np

from bench.support import figure, progress, progress_bar
from plans.engine.calculate import calculate
from plans.engine.document import plan_from_document
from plans.engine.snapshot import Snapshot

SIZES = (("10k", 10_000), ("100k", 100_000), ("1m", 1_000_000))
REPEATS = 3
RATES_BP = (500, 500, 400, 300, 200)
MIN_PV = 5000  # hundredths: 50 points

RANKS = [
    {"code": "bronze", "min_pv": 50},
    {"code": "silver", "min_pv": 50, "min_gv": 1000, "max_leg_share": 60},
    {"code": "gold", "min_pv": 100, "min_gv": 5000, "max_leg_share": 50, "min_active_sponsored": 3},
]
UNILEVEL = {
    "name": "bench unilevel",
    "active": {"min_pv": 50},
    "ranks": RANKS,
    "components": [{"type": "unilevel", "rates": ["5", "5", "4", "3", "2"], "compression": True}],
}
HYBRID = {
    "name": "bench hybrid",
    "active": {"min_pv": 50},
    "ranks": [*RANKS[:2], {**RANKS[2], "legs": [{"count": 2, "rank": "silver"}]}],
    "components": [
        {
            "type": "unilevel",
            "rates": ["5", "5", "4", "3", "2"],
            "depth_by_rank": {"bronze": 3, "silver": 4, "gold": 5},
        },
        {"type": "binary", "rate": "10", "pairing_cap": "500", "carryover_cap": "5000"},
        {"type": "retail_profit"},
        {"type": "fast_start", "days": 30, "rates": ["10"]},
        {"type": "rank_advancement", "amounts": {"silver": "50", "gold": "200"}},
        {"type": "matching", "generations": ["10", "5"], "on_components": ["unilevel", "binary"]},
        {"type": "leadership_pool", "percent": "1", "shares": {"silver": 1, "gold": 3}},
    ],
}


def make_snapshot(n: int, seed: int = 7) -> Snapshot:
    rng = np.random.default_rng(seed)
    i = np.arange(n)
    sponsor = np.floor(i * rng.random(n) ** (1 / 15)).astype(np.int32)
    sponsor = np.minimum(sponsor, i - 1).astype(np.int32)
    sponsor[0] = -1
    placement = ((i - 1) // 2).astype(np.int32)
    placement[0] = -1
    position = ((i - 1) % 2).astype(np.int8)
    position[0] = -1
    join = np.datetime64("2025-01-31") - (n - 1 - i) * 3650 // max(n, 1)
    m = 2 * n
    credited = rng.integers(0, n, m).astype(np.int32)
    customer = rng.random(m) < 0.25
    buyer = np.where(customer, -1, credited).astype(np.int32)
    pv = rng.integers(20, 150, m).astype(np.int64) * 100
    cv = (pv * 8 // 10).astype(np.int64)
    retail = cv * 13 // 10
    return Snapshot(
        member_id=i.astype(np.int64) + 100001,
        sponsor_idx=sponsor,
        placement_idx=placement,
        placement_position=position,
        join_date=join.astype("datetime64[D]"),
        eligible=np.ones(n, bool),
        excluded=rng.random(n) < 0.02,
        prev_highest_rank=np.full(n, -1, np.int16),
        carry_left=np.zeros(n, np.int64),
        carry_right=np.zeros(n, np.int64),
        order_id=np.arange(m, dtype=np.int64) + 1,
        buyer_idx=buyer,
        credited_idx=credited,
        is_customer_order=customer,
        order_date=np.full(m, np.datetime64("2025-01-20"), "datetime64[D]"),
        pv=pv,
        cv=cv,
        retail_total=retail,
        distributor_total=cv,
        party_idx=np.full(m, -1, np.int32),
    )


def unilevel_bound(snap: Snapshot) -> np.ndarray:
    """Least numpy work for 5-level unilevel with dynamic compression: per-member payout in cents."""
    n = snap.n_members
    parent = snap.sponsor_idx
    own = snap.buyer_idx >= 0
    pv = np.bincount(snap.buyer_idx[own], weights=snap.pv[own], minlength=n)
    qualified = snap.eligible & ~snap.excluded & (pv >= MIN_PV)
    depth = (parent >= 0).astype(np.int32)  # pointer jumping
    jump = parent.copy()
    while (jump >= 0).any():
        has = jump >= 0
        target = jump[has]
        depth[has] += depth[target]
        jump[has] = jump[target]
    order = np.argsort(depth, kind="stable")
    bounds = np.cumsum(np.bincount(depth))
    nqa = np.full(n, -1, np.int32)  # nearest qualified strict ancestor, one numpy step per depth layer
    for d in range(1, len(bounds)):
        layer = order[bounds[d - 1] : bounds[d]]
        p = parent[layer]
        nqa[layer] = np.where(qualified[p], p, nqa[p])
    payout = np.zeros(n, np.int64)
    cv = snap.cv
    cur = nqa[snap.credited_idx]
    for rate in RATES_BP:
        alive = cur >= 0
        cur, cv = cur[alive], cv[alive]
        np.add.at(payout, cur, (cv * rate + 5000) // 10000)
        cur = nqa[cur]
    return payout


def _timed(fn, plan_or_none, snap):
    """All run times and the last output; the sponsor tree is rebuilt each time (it is part of the work)."""
    times, out = [], None
    for _ in range(REPEATS):
        del out
        out = None
        snap.__dict__.pop("sponsor_tree", None)
        gc.collect()
        started = time.perf_counter()
        out = fn(plan_or_none, snap) if plan_or_none is not None else fn(snap)
        times.append(time.perf_counter() - started)
    return times, out


def run() -> None:
    unilevel = plan_from_document(UNILEVEL)
    hybrid = plan_from_document(HYBRID)
    for step, (label, n) in enumerate(SIZES):
        progress(f"building a {n:,}-member snapshot…")
        snap = make_snapshot(n)
        tree = snap.sponsor_tree
        progress(f"{n:,} members, {snap.n_orders:,} orders, sponsor tree depth {tree.max_depth}")
        calc_times, result = _timed(calculate, unilevel, snap)
        bound_times, bound = _timed(unilevel_bound, None, snap)
        engine = np.zeros(n, np.int64)
        np.add.at(engine, result.lines.payee_idx, result.lines.amount_cents)
        if not np.array_equal(engine, bound):
            raise AssertionError(f"{label}: calculate and the lower bound disagree ({engine.sum()} vs {bound.sum()})")
        progress(f"unilevel: {len(result.lines):,} lines, paid {result.total_paid_cents / 100:,.2f}, same as bound")
        del result, engine, bound
        hybrid_times, result = _timed(calculate, hybrid, snap)
        progress(f"hybrid: {len(result.lines):,} lines, payout ratio {result.payout_ratio}")
        del result, snap
        figure(f"commission_calc_{label}_s", min(calc_times), "s", 3)
        figure(f"commission_calc_bound_{label}_s", min(bound_times), "s", 3)
        figure(f"commission_calc_hybrid_{label}_s", min(hybrid_times), "s", 3)
        if label == "1m":
            figure("commission_calc_1m_cold_s", calc_times[0], "s", 3)
        progress_bar(step + 1, len(SIZES), "sizes")
    figure("commission_calc_peak_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB", 0)


if __name__ == "__main__":
    run()
