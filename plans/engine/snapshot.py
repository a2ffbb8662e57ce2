"""A commission period's data as columnar numpy arrays: what `calculate` reads, nothing else.

Members are numbered 0..n-1 ("member index", not the database id) in an order where every sponsor and every placement
parent comes before its children (topological; ordering by join time or by database id usually gives it). Orders,
parties are numbered 0..m-1 / 0..p-1 the same way. Units: PV in hundredths of a point, money and CV in cents (int64),
so the engine never sees a float.

Member arrays (length n):
    member_id            int64   database id (for the loader to map lines back)
    sponsor_idx          int32   enrolling sponsor's index, -1 for a root
    placement_idx        int32   placement parent (binary / matrix tree), -1 for a root or when unused
    placement_position   int8    binary leg under the placement parent: 0 left, 1 right, -1 none
    join_date            datetime64[D]
    eligible             bool    status allows earning (e.g. not terminated, back-office subscription paid)
    excluded             bool    commission exclusion from the demotion policy: earns nothing this period
    prev_highest_rank    int16   highest rank index reached before this period, -1 none
    carry_left           int64   binary carry-over of the left leg from the previous period (CV cents)
    carry_right          int64   same for the right leg
Optional member arrays: prior periods' figures, for rules that look back (empty = not given; see `history`):
    history_gv           int64 (n, k)  GV of each of the k previous periods, most recent first (rolling GV)
    history_pv           int64 (n, k)  PV of the previous periods (enrolment bonus: PV accumulated since joining)
    history_active       bool  (n, k)  active in the previous periods (binary flush on inactivity)
    history_rank         int16 (n, k)  qualified rank of the previous periods, -1 none (paid-as grace)
    periods_since_join   int16         0 in the member's first period, 1 in the next... (enrolment bonus)
    entry_met            bool          met the plan's one-off entry requirement before this period
The loader fills them from earlier runs' member results (as it does `carry_left` from the previous run) only when the
plan needs them; a history with fewer than k columns counts the missing periods as unknown (see `history`).
Order arrays (length m; refunded orders are simply absent, clawbacks are the Django layer's business):
    order_id             int64   database id
    buyer_idx            int32   buying member, -1 when the buyer is a customer
    credited_idx         int32   distributor credited with the sale (the buyer themselves for own orders)
    is_customer_order    bool    bought by a retail/preferred customer (then buyer_idx == -1)
    order_date           datetime64[D]
    pv                   int64   point volume, hundredths
    cv                   int64   commissionable volume, cents
    retail_total         int64   cents at retail price
    distributor_total    int64   cents at distributor (wholesale/preferred) price
    party_idx            int32   party the order belongs to, -1 none
    enrolment_pack       bool    optional: the order holds an enrolment pack (the plan's entry requirement)
Party arrays (length p):
    party_id             int64   database id
    party_consultant_idx int32   consultant (member) holding the party
    party_host_idx       int32   host when the host is a member, -1 when the host is a customer
    party_host_customer_id int64 host customer's database id, -1 when the host is a member
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np


class Tree:
    """A forest given by a parent array in topological order, with per-depth layers for set-based passes.

    Every whole-tree pass (subtree sums, nearest qualifying ancestor) loops over depth *layers*, doing one numpy
    operation per layer: O(depth) Python iterations, O(n) element work in total. Depth itself comes from pointer
    jumping (log2(depth) passes).
    """

    def __init__(self, parent: np.ndarray):
        self.parent = parent
        n = len(parent)
        depth = (parent >= 0).astype(np.int32)
        jump = parent.copy()
        while n and (jump >= 0).any():
            has = jump >= 0
            target = jump[has]
            depth[has] += depth[target]
            jump[has] = jump[target]
        # pointer jumping: depth[i] ends as the number of edges to the root
        self.depth = depth
        order = np.argsort(depth, kind="stable").astype(np.int32)
        counts = np.bincount(depth, minlength=1) if n else np.zeros(1, np.int64)
        self.layers: list[np.ndarray] = np.split(order, np.cumsum(counts)[:-1]) if n else [order]

    @property
    def max_depth(self) -> int:
        return len(self.layers) - 1

    def subtree_sum(self, values: np.ndarray) -> np.ndarray:
        """values summed over each node's subtree (the node included)."""
        acc = values.astype(np.int64, copy=True)
        for layer in reversed(self.layers[1:]):
            np.add.at(acc, self.parent[layer], acc[layer])
        return acc

    def nearest_ancestor(self, mask: np.ndarray) -> np.ndarray:
        """For each node, the nearest strict ancestor where mask is true (-1 if none)."""
        out = np.full(len(self.parent), -1, dtype=np.int32)
        for layer in self.layers[1:]:
            p = self.parent[layer]
            out[layer] = np.where(mask[p], p, out[p])
        return out


@dataclass(frozen=True, eq=False)
class Snapshot:
    member_id: np.ndarray
    sponsor_idx: np.ndarray
    placement_idx: np.ndarray
    placement_position: np.ndarray
    join_date: np.ndarray
    eligible: np.ndarray
    excluded: np.ndarray
    prev_highest_rank: np.ndarray
    carry_left: np.ndarray
    carry_right: np.ndarray
    order_id: np.ndarray
    buyer_idx: np.ndarray
    credited_idx: np.ndarray
    is_customer_order: np.ndarray
    order_date: np.ndarray
    pv: np.ndarray
    cv: np.ndarray
    retail_total: np.ndarray
    distributor_total: np.ndarray
    party_idx: np.ndarray
    party_id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    party_consultant_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    party_host_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    party_host_customer_id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    history_gv: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    history_pv: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    history_active: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))
    history_rank: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int16))
    periods_since_join: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    entry_met: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    enrolment_pack: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __post_init__(self) -> None:
        """Lengths first (the value checks below index across arrays), then values."""
        if problems := self._length_problems():
            raise ValueError("; ".join(problems))
        if problems := self._value_problems():
            raise ValueError("; ".join(problems))

    def _length_problems(self) -> list[str]:
        sizes = (
            (_MEMBER_FIELDS, len(self.member_id), "member"),
            (_ORDER_FIELDS, len(self.order_id), "order"),
            (_PARTY_FIELDS, len(self.party_id), "party"),
        )
        problems = []
        for names, size, per in sizes:
            for name in names:
                if len(getattr(self, name)) != size:
                    problems.append(f"{name} has {len(getattr(self, name))} entries, expected {size} (one per {per})")
        for name, size, per in (*((f, len(self.member_id), "member") for f in _OPTIONAL_MEMBER_FIELDS),
                                ("enrolment_pack", len(self.order_id), "order")):  # fmt: skip
            value = getattr(self, name)
            if value.size and len(value) != size:
                problems.append(f"{name} has {len(value)} rows, expected {size} (one per {per}) or none")
        return problems

    def history(self, name: str, k: int, missing) -> np.ndarray:
        """The first `k` previous periods of ``history_<name>`` as an (n, k) array, most recent first; periods the
        snapshot does not hold are `missing`."""
        n = len(self.member_id)
        out = np.full((n, k), missing, getattr(self, f"history_{name}").dtype)
        given = getattr(self, f"history_{name}")
        if given.size and k:
            have = min(k, given.shape[1])
            out[:, :have] = given[:, :have]
        return out

    def _value_problems(self) -> list[str]:
        n, p = len(self.member_id), len(self.party_id)
        problems = []
        index = np.arange(n)
        for name in ("sponsor_idx", "placement_idx"):
            parent = getattr(self, name)
            if ((parent >= index) | (parent < -1)).any():
                problems.append(f"{name} must point to an earlier member (topological order) or be -1")
        if ((self.placement_position < -1) | (self.placement_position > 1)).any():
            problems.append("placement_position must be -1, 0 (left) or 1 (right)")
        for name in ("buyer_idx", "credited_idx", "party_consultant_idx", "party_host_idx"):
            values = getattr(self, name)
            low = 0 if name in ("credited_idx", "party_consultant_idx") else -1
            if len(values) and ((values < low) | (values >= n)).any():
                problems.append(f"{name} must be a member index" + (" or -1" if low < 0 else ""))
        if len(self.party_idx) and ((self.party_idx < -1) | (self.party_idx >= p)).any():
            problems.append("party_idx must be a party index or -1")
        if (self.is_customer_order != (self.buyer_idx < 0)).any():
            problems.append("is_customer_order must be true exactly when buyer_idx is -1")
        for name in ("pv", "cv", "retail_total", "distributor_total", "carry_left", "carry_right"):
            if (getattr(self, name) < 0).any():
                problems.append(f"{name} must not be negative")
        return problems

    @property
    def n_members(self) -> int:
        return len(self.member_id)

    @property
    def n_orders(self) -> int:
        return len(self.order_id)

    @cached_property
    def sponsor_tree(self) -> Tree:
        return Tree(self.sponsor_idx)

    @cached_property
    def placement_tree(self) -> Tree:
        return Tree(self.placement_idx)


_MEMBER_FIELDS = (
    "member_id", "sponsor_idx", "placement_idx", "placement_position", "join_date", "eligible", "excluded",
    "prev_highest_rank", "carry_left", "carry_right",
)  # fmt: skip
_ORDER_FIELDS = (
    "order_id", "buyer_idx", "credited_idx", "is_customer_order", "order_date", "pv", "cv", "retail_total",
    "distributor_total", "party_idx",
)  # fmt: skip
_PARTY_FIELDS = ("party_id", "party_consultant_idx", "party_host_idx", "party_host_customer_id")
_OPTIONAL_MEMBER_FIELDS = (
    "history_gv", "history_pv", "history_active", "history_rank", "periods_since_join", "entry_met",
)  # fmt: skip


def _hundredths(value) -> int:
    scaled = Decimal(str(value)) * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value!r} has more than two decimal places")
    return int(scaled)


def snapshot_from_lists(
    *,
    sponsors: list[int],
    orders: Sequence[dict] = (),
    parties: Sequence[dict] = (),
    placements: list[int] | None = None,
    positions: list[int] | None = None,
    join_dates: list[str | date] | None = None,
    eligible: list[bool] | None = None,
    excluded: list[bool] | None = None,
    prev_highest_rank: list[int] | None = None,
    carry_left: list | None = None,
    carry_right: list | None = None,
    member_ids: list[int] | None = None,
    history_gv: list[list] | None = None,
    history_pv: list[list] | None = None,
    history_active: list[list[bool]] | None = None,
    history_rank: list[list[int]] | None = None,
    periods_since_join: list[int] | None = None,
    entry_met: list[bool] | None = None,
) -> Snapshot:
    """Build a small snapshot by hand (tests, docs). Volumes and money are given in units ("40.00", 50), not cents.

    Each order is a dict: ``credited`` (member index, required), ``buyer`` (member index, -1 for a customer; defaults
    to ``credited``), ``pv``, ``cv``, ``retail``, ``dist`` (default 0), ``date`` ("2025-01-15", default 2000-01-01),
    ``party`` (party index, default -1), ``id`` (default 1000 + position), ``pack`` (an enrolment pack, default no).
    Histories are one list per member, most recent period first, volumes in units.
    Each party is a dict: ``consultant`` (member index), ``host`` (member index or -1), ``host_customer_id``, ``id``.
    """
    n = len(sponsors)
    members_default: dict[str, list[Any]] = {
        "placements": [-1] * n,
        "positions": [-1] * n,
        "join_dates": ["2000-01-01"] * n,
        "eligible": [True] * n,
        "excluded": [False] * n,
        "prev_highest_rank": [-1] * n,
        "carry_left": [0] * n,
        "carry_right": [0] * n,
    }
    orders = list(orders)
    parties = list(parties)
    return Snapshot(
        member_id=np.array(member_ids if member_ids is not None else [100001 + i for i in range(n)], np.int64),
        sponsor_idx=np.array(sponsors, np.int32),
        placement_idx=np.array(placements if placements is not None else members_default["placements"], np.int32),
        placement_position=np.array(positions if positions is not None else members_default["positions"], np.int8),
        join_date=np.array(join_dates or members_default["join_dates"], "datetime64[D]"),
        eligible=np.array(eligible if eligible is not None else members_default["eligible"], bool),
        excluded=np.array(excluded if excluded is not None else members_default["excluded"], bool),
        prev_highest_rank=np.array(
            prev_highest_rank if prev_highest_rank is not None else members_default["prev_highest_rank"], np.int16
        ),
        carry_left=np.array([_hundredths(v) for v in (carry_left or members_default["carry_left"])], np.int64),
        carry_right=np.array([_hundredths(v) for v in (carry_right or members_default["carry_right"])], np.int64),
        order_id=np.array([o.get("id", 1000 + i) for i, o in enumerate(orders)], np.int64),
        buyer_idx=np.array([o.get("buyer", o["credited"]) for o in orders], np.int32),
        credited_idx=np.array([o["credited"] for o in orders], np.int32),
        is_customer_order=np.array([o.get("buyer", o["credited"]) < 0 for o in orders], bool),
        order_date=np.array([o.get("date", "2000-01-01") for o in orders], "datetime64[D]"),
        pv=np.array([_hundredths(o.get("pv", 0)) for o in orders], np.int64),
        cv=np.array([_hundredths(o.get("cv", 0)) for o in orders], np.int64),
        retail_total=np.array([_hundredths(o.get("retail", 0)) for o in orders], np.int64),
        distributor_total=np.array([_hundredths(o.get("dist", 0)) for o in orders], np.int64),
        party_idx=np.array([o.get("party", -1) for o in orders], np.int32),
        party_id=np.array([p.get("id", 500 + i) for i, p in enumerate(parties)], np.int64),
        party_consultant_idx=np.array([p["consultant"] for p in parties], np.int32),
        party_host_idx=np.array([p.get("host", -1) for p in parties], np.int32),
        party_host_customer_id=np.array(
            [p.get("host_customer_id", -1 if p.get("host", -1) >= 0 else 9000 + i) for i, p in enumerate(parties)],
            np.int64,
        ),
        history_gv=_matrix(history_gv, np.int64, _hundredths),
        history_pv=_matrix(history_pv, np.int64, _hundredths),
        history_active=_matrix(history_active, bool, bool),
        history_rank=_matrix(history_rank, np.int16, int),
        periods_since_join=np.array(periods_since_join or [], np.int16),
        entry_met=np.array(entry_met or [], bool),
        enrolment_pack=np.array([bool(o.get("pack", False)) for o in orders], bool) if orders else np.zeros(0, bool),
    )


def _matrix(rows: list[list] | None, dtype, convert) -> np.ndarray:
    if not rows:
        return np.zeros((0, 0), dtype)
    return np.array([[convert(v) for v in row] for row in rows], dtype).reshape(len(rows), -1)
