"""A generated company (in memory) for what-if simulations before a company has data of its own."""

from __future__ import annotations

import numpy as np

from plans.engine import Snapshot

MAX_MEMBERS = 2_000_000


def generated_snapshot(*, members: int, orders_per_member: float = 2.0, seed: int = 1, day: str = "2025-01-01"):
    """Members sponsored preferentially by recent members (a few hundred levels at 1M), a complete binary placement
    tree, ~orders_per_member orders each (a quarter from customers), PV 20-120 points, CV 80 % of PV."""
    rng = np.random.default_rng(seed)
    n = int(members)
    index = np.arange(n)
    sponsor = np.floor(index * rng.random(n) ** (1 / 15)).astype(np.int32)
    sponsor[0] = -1
    placement = ((index - 1) // 2).astype(np.int32)
    placement[0] = -1
    position = np.where(index > 0, (index - 1) % 2, -1).astype(np.int8)
    m = int(n * orders_per_member)
    credited = rng.integers(0, n, m).astype(np.int32)
    customer = rng.random(m) < 0.25
    pv = rng.integers(20, 121, m).astype(np.int64) * 100
    cv = pv * 80 // 100
    retail = cv * 125 // 100
    start = np.datetime64(day, "D")
    return Snapshot(
        member_id=index.astype(np.int64) + 1,
        sponsor_idx=sponsor,
        placement_idx=placement,
        placement_position=position,
        join_date=start - rng.integers(0, 720, n).astype("timedelta64[D]"),
        eligible=rng.random(n) < 0.97,
        excluded=rng.random(n) < 0.02,
        prev_highest_rank=np.full(n, -1, np.int16),
        carry_left=np.zeros(n, np.int64),
        carry_right=np.zeros(n, np.int64),
        order_id=np.arange(m, dtype=np.int64) + 1,
        buyer_idx=np.where(customer, -1, credited).astype(np.int32),
        credited_idx=credited,
        is_customer_order=customer,
        order_date=start + rng.integers(0, 28, m).astype("timedelta64[D]"),
        pv=pv,
        cv=cv,
        retail_total=np.where(customer, retail, cv),
        distributor_total=cv,
        party_idx=np.full(m, -1, np.int32),
    )
