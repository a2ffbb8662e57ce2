"""`calculate(plan, snapshot) -> Result`: a pure function from a validated plan and a period snapshot to ledger lines.

Everything is set-based numpy. Python loops run over depth *layers* of a tree (a few hundred at most), over levels or
generations of a component (a handful), over ranks — never over members or orders.

Rounding rule (the only one): a percentage line is ``(basis_cents * rate_bp + 5000) // 10000`` — exact integer
arithmetic, half-up (all bases are >= 0). Each line is rounded on its own; every total is the sum of its lines, so
the sum of lines equals the run's total exactly. The leadership pool and the global payout cap share an amount by
largest remainder (ties to the lower index) so they pay exactly the amount they split.

Two ledgers come out: `lines` (what is paid) and `forfeits` (what the plan would have paid but did not, with a
reason: the payee was excluded or not qualified and the component does not compress, the payee's rank does not reach
that level, a pairing cap, the payout cap). Together they explain every cent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum
from typing import Any

import numpy as np

from plans.engine.document import (
    P2P,
    Binary,
    FastStart,
    LeadershipPool,
    Matching,
    Matrix,
    Party,
    Plan,
    RankAdvancement,
    RetailProfit,
    StairstepBreakaway,
    Unilevel,
)
from plans.engine.snapshot import Snapshot, Tree


class Rule(IntEnum):
    """What kind of line (a component can emit several kinds)."""

    LEVEL = 1  # unilevel / matrix: level_raw, level_compressed, rate of the source order's CV
    DIFFERENTIAL = 2  # stairstep: rank percentage minus what was already paid below (rate_bp = the difference)
    GENERATION = 3  # stairstep breakaway override: level_compressed = generation number
    DIRECT = 4  # P2P: commission on the member's own sale to a customer or another member
    OVERRIDE = 5  # P2P: override on a downline member's sale
    PAIRING = 6  # binary: basis = weak-leg volume
    CONSULTANT = 7  # party: consultant commission on a party order
    HOST = 8  # party: host reward; payee -1 when the host is a customer (see party_host_customer_id)
    RETAIL = 9  # retail profit: basis = retail minus distributor price, rate_bp = -1
    FAST_START = 10  # level = level above the recruit (the buyer = source_member)
    ADVANCEMENT = 11  # level_raw = rank index reached; rate_bp = -1
    MATCH = 12  # basis = the matched member's earnings, level = generation
    POOL = 13  # basis = pool cents, level_raw = payee shares (Result.pool_shares: total), rate_bp = -1


class Reason(IntEnum):
    PAID = 0
    EXCLUDED = 1  # commission exclusion (demotion policy)
    NOT_QUALIFIED = 2  # not eligible, not active, or below the component's min_rank
    DEPTH = 3  # the payee's rank does not reach this level
    PAIRING_CAP = 4
    PAYOUT_CAP = 5  # cut by the plan's payout_cap_ratio
    NO_QUALIFIER = 6  # leadership pool with nobody holding shares


COLUMNS = {  # name -> dtype; a Ledger holds one array per column, all the same length
    "payee_idx": np.int32,
    "amount_cents": np.int64,
    "component": np.int16,  # index into Result.component_codes
    "rule": np.int8,
    "reason": np.int8,
    "source_order_idx": np.int32,
    "source_member_idx": np.int32,
    "source_party_idx": np.int32,
    "level_raw": np.int32,  # a line can be more than 32,767 sponsor levels above its order
    "level_compressed": np.int32,
    "rate_bp": np.int16,  # basis points (0..10000), -1 for fixed amounts
    "basis_cents": np.int64,
}


@dataclass(frozen=True, eq=False)
class Ledger:
    payee_idx: np.ndarray
    amount_cents: np.ndarray
    component: np.ndarray
    rule: np.ndarray
    reason: np.ndarray
    source_order_idx: np.ndarray
    source_member_idx: np.ndarray
    source_party_idx: np.ndarray
    level_raw: np.ndarray
    level_compressed: np.ndarray
    rate_bp: np.ndarray
    basis_cents: np.ndarray

    def __len__(self) -> int:
        return len(self.amount_cents)

    def total(self) -> int:
        return int(self.amount_cents.sum())


@dataclass(frozen=True, eq=False)
class Result:
    pv: np.ndarray  # per member, hundredths
    psv: np.ndarray
    gv: np.ndarray
    active: np.ndarray  # meets the plan's active rule and is eligible
    rank: np.ndarray  # paid-as rank index this period, -1 none (int16)
    highest_rank: np.ndarray  # max(previous highest, paid-as)
    lines: Ledger
    forfeits: Ledger
    component_codes: tuple[str, ...]
    rank_codes: tuple[str, ...]
    total_paid_cents: int
    total_forfeited_cents: int
    total_cv_cents: int
    totals_by_component: dict[str, int]
    totals_by_rank: dict[str, int]  # by the payee's paid-as rank code; "none", and "customer_host" for payee -1
    payout_ratio: Decimal  # paid / CV, 4 places, half-up (0 when there is no CV)
    carry_left: np.ndarray  # binary carry-over into the next period (zeros without a binary component)
    carry_right: np.ndarray
    pool_shares: dict[str, int]  # leadership pool code -> total shares held this period


def half_up(basis: np.ndarray, rate_bp) -> np.ndarray:
    """The engine's one rounding rule: cents x basis points, half-up, exact."""
    return (basis.astype(np.int64) * rate_bp + 5000) // 10000


def _sum_by(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, np.int64)
    np.add.at(out, index, values)
    return out


class _Lines:
    """The lines a run makes, gathered column by column. With a ``sink`` (a streamed run, see ``calculate``) each
    chunk goes to the sink as soon as it is made and only totals stay in memory: by payee and component for paid
    lines (``n_payees`` > 0), by component and reason for forfeits (``n_payees`` 0)."""

    def __init__(self, sink: Callable[[Ledger], None] | None = None, n_payees: int = 0, n_components: int = 1):
        self.chunks: list[tuple[int, dict[str, Any]]] = []  # (rows, column -> array or broadcast constant)
        self.sink = sink
        self.n_keys = (n_payees + 1 if n_payees else len(Reason)) * n_components
        self.n_components = n_components
        self.by_payee = n_payees > 0
        self.totals: np.ndarray | None = None  # streamed: cents by key (see _key)

    def add(self, payee, amount, component, rule, *, reason=0, order=-1, member=-1, party=-1,
            level_raw=0, level_compressed=0, rate=-1, basis=0) -> None:  # fmt: skip
        n = len(payee)
        if n == 0:
            return
        values = {
            "payee_idx": payee, "amount_cents": amount, "component": component, "rule": rule,
            "reason": reason, "source_order_idx": order, "source_member_idx": member, "source_party_idx": party,
            "level_raw": level_raw, "level_compressed": level_compressed, "rate_bp": rate, "basis_cents": basis,
        }  # fmt: skip
        self.chunks.append((n, values))
        if self.sink is not None:
            self._flush()

    def _materialise(self) -> Ledger:
        """One allocation per column, filled chunk by chunk (constants are broadcast, never materialised per chunk).
        Lines that round to 0 cents are dropped."""
        total = sum(n for n, _ in self.chunks)
        columns = {name: np.empty(total, dtype) for name, dtype in COLUMNS.items()}
        start = 0
        for n, values in self.chunks:
            for name, column in columns.items():
                column[start : start + n] = values[name]
            start += n
        self.chunks = []
        zero = columns["amount_cents"] == 0
        if zero.any():  # a line that rounds to nothing is not written
            columns = {name: column[~zero] for name, column in columns.items()}
        return Ledger(**columns)

    def _flush(self) -> None:
        chunk = self._materialise()
        if not len(chunk) or self.sink is None:
            return
        self.sink(chunk)
        major = chunk.payee_idx.astype(np.int64) + 1 if self.by_payee else chunk.reason.astype(np.int64)
        key = major * self.n_components + chunk.component
        by_key = np.bincount(key, weights=chunk.amount_cents, minlength=self.n_keys)  # exact below 2**53 cents
        self.totals = by_key.astype(np.int64) + (self.totals if self.totals is not None else 0)

    def ledger(self) -> Ledger:
        """Every line; streamed, one line per key holding its total (what the totals, matching and the run's summary
        read: the lines themselves went to the sink)."""
        if self.sink is None:
            return self._materialise()
        self._flush()
        totals = self.totals if self.totals is not None else np.zeros(0, np.int64)
        key = np.flatnonzero(totals)
        columns = {name: np.zeros(len(key), dtype) for name, dtype in COLUMNS.items()}
        major = key // self.n_components
        columns["payee_idx"][:] = major - 1 if self.by_payee else -1
        columns["reason"][:] = 0 if self.by_payee else major
        columns["component"][:] = key % self.n_components
        columns["amount_cents"][:] = totals[key]
        return Ledger(**columns)

    def extend(self, ledger: Ledger) -> None:
        if self.sink is None:  # streamed: the lines were stored and counted when they were made
            self.chunks.append((len(ledger), {name: getattr(ledger, name) for name in COLUMNS}))


@dataclass
class _Context:
    plan: Plan
    snap: Snapshot
    rank: np.ndarray
    active: np.ndarray
    paid: _Lines
    forfeit: _Lines
    pool_shares: dict

    def payee_mask(self, component) -> np.ndarray:
        """Who may be paid by this component: eligible, not excluded, active if required, at the minimum rank."""
        mask = self.snap.eligible & ~self.snap.excluded
        if component.require_active:
            mask = mask & self.active
        if component.min_rank >= 0:
            mask = mask & (self.rank >= component.min_rank)
        return mask

    def refusal(self, payee: np.ndarray) -> np.ndarray:
        return np.where(self.snap.excluded[payee], Reason.EXCLUDED, Reason.NOT_QUALIFIED).astype(np.int8)


# --------------------------------------------------------------------------------------------------------------------
# Volumes, activity, ranks


def member_volumes(snap: Snapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PV (orders the member bought), PSV (orders credited to the member: own, customers', peer sales), GV (PSV over
    the member's whole sponsor subtree: every order counts exactly once, at its credited member)."""
    n = snap.n_members
    own = snap.buyer_idx >= 0
    pv = _sum_by(snap.buyer_idx[own], snap.pv[own], n)
    psv = _sum_by(snap.credited_idx, snap.pv, n)
    gv = snap.sponsor_tree.subtree_sum(psv)
    return pv, psv, gv


def paid_as_ranks(plan: Plan, snap: Snapshot, pv, psv, gv, active) -> np.ndarray:
    """Highest rank whose every criterion holds (a member need not meet lower ranks' criteria separately: all
    criteria are monotone in volume, so a higher volume never gives a lower rank). Ineligible members hold no rank.

    The max-leg rule counts at most `max_leg_share` of the rank's min_gv from any one sponsor leg (the member's own PSV
    counts in full). Leg requirements ("2 legs holding Silver") need the downline's ranks first, so when any rank has
    them the ranks are computed layer by layer from the deepest.
    """
    n = snap.n_members
    tree = snap.sponsor_tree
    sponsor = snap.sponsor_idx
    has_sponsor = sponsor >= 0
    active_sponsored = np.bincount(sponsor[has_sponsor & active], minlength=n)
    static = []  # per rank: criteria that do not depend on other members' ranks
    for rank in plan.ranks:
        ok = (
            snap.eligible
            & (pv >= rank.min_pv)
            & (psv >= rank.min_psv)
            & (active_sponsored >= rank.min_active_sponsored)
        )
        if rank.min_gv:
            if rank.max_leg_share_bp is not None:
                cap = rank.min_gv * rank.max_leg_share_bp // 10000
                legs = _sum_by(sponsor[has_sponsor], np.minimum(gv[has_sponsor], cap), n)
                ok &= psv + legs >= rank.min_gv
            else:
                ok &= gv >= rank.min_gv
        static.append(ok)
    ranks = np.full(n, -1, np.int16)
    leg_ranks = sorted({leg.rank for r in plan.ranks for leg in r.legs})
    if not leg_ranks:
        for k, ok in enumerate(static):
            ranks[ok] = k
        return ranks
    leg_count = {x: np.zeros(n, np.int32) for x in leg_ranks}
    best_below = np.full(n, -1, np.int16)  # highest rank anywhere in a member's subtree (itself included)
    for depth in range(tree.max_depth, -1, -1):
        layer = tree.layers[depth]
        for k, rank in enumerate(plan.ranks):
            ok = static[k][layer]
            for leg in rank.legs:
                ok = ok & (leg_count[leg.rank][layer] >= leg.count)
            ranks[layer[ok]] = k
        best_below[layer] = np.maximum(best_below[layer], ranks[layer])
        if depth:
            parents = sponsor[layer]
            for x in leg_ranks:
                np.add.at(leg_count[x], parents, best_below[layer] >= x)
            np.maximum.at(best_below, parents, best_below[layer])
    return ranks


# --------------------------------------------------------------------------------------------------------------------
# The upline walk shared by unilevel, matrix, P2P overrides, fast start and matching


def _walk(ctx: _Context, ci: int, comp, rule: Rule, *, tree: Tree, origin, basis, order, member, compression: bool,
          levels: int, rate_of) -> None:  # fmt: skip
    """Pay `rate_of(payee, level)` of `basis` to each of `levels` uplines of `origin` (its parent is level 1).

    With compression, levels count payable members only (`nearest_ancestor` jumps over the rest), so an unqualified or
    excluded member's share rolls up to the next payable upline. Without it, a level held by a member who may not be
    paid is forfeited (a line in `forfeits`). `rate_of` returns (rate_bp array, within_depth bool array).
    """
    mask = ctx.payee_mask(comp)
    parent = tree.parent
    depth = tree.depth
    jump = tree.nearest_ancestor(mask) if compression else parent
    cur = jump[origin]
    origin_depth = depth[origin]
    idx = np.arange(len(origin))
    for level in range(1, levels + 1):
        alive = cur >= 0
        if not alive.all():
            idx, cur = idx[alive], cur[alive]
        if not len(idx):
            break
        rate, within = rate_of(cur, level)
        b = basis[idx] if np.ndim(basis) else np.full(len(idx), basis, np.int64)
        raw = (origin_depth[idx] - depth[cur]).astype(np.int32)
        positive = rate > 0
        within = np.ones(len(cur), bool) if within is None else within
        reason: Reason | np.ndarray
        if compression:  # everyone reached is payable; only the rank's depth can stop a line
            pay, lose, reason = within & positive, ~within & positive, Reason.DEPTH
        else:
            payable = mask[cur]
            pay = payable & within & positive
            lose = ~pay & positive
            reason = np.where(payable, Reason.DEPTH, ctx.refusal(cur)).astype(np.int8)
        _emit(ctx, ci, rule, cur, half_up(b, rate), pay, lose, reason=reason, order=_at(order, idx),
              member=_at(member, idx), level_raw=raw, level_compressed=level, rate=rate, basis=b)  # fmt: skip
        cur = jump[cur]


def _at(values, idx):
    return values[idx] if np.ndim(values) else values


def _emit(ctx: _Context, ci: int, rule: Rule, payee, amount, pay, lose, reason=None, **columns) -> None:
    """Add the `pay` rows as paid lines and the `lose` rows as forfeits (`reason`, default excluded / not qualified).
    When every row is paid (the common case) the arrays are passed on without a copy."""
    for sel, target in ((pay, ctx.paid), (lose, ctx.forfeit)):
        if np.ndim(sel) == 0:
            sel = np.full(len(payee), bool(sel))
        rows: slice | np.ndarray
        if sel.all():
            rows = slice(None)
        else:
            rows = np.flatnonzero(sel)
            if not len(rows):
                continue
        picked = {k: (v[rows] if np.ndim(v) else v) for k, v in columns.items()}
        if target is ctx.forfeit:
            if reason is None:
                picked["reason"] = ctx.refusal(payee[rows])
            else:
                picked["reason"] = reason[rows] if np.ndim(reason) else reason
        target.add(payee[rows], amount[rows], ci, rule, **picked)


def _level_rates(rates_bp: tuple[int, ...]):
    table = np.array((0, *rates_bp), np.int64)
    return table


# --------------------------------------------------------------------------------------------------------------------
# Components


def _unilevel(ctx: _Context, ci: int, comp: Unilevel) -> None:
    snap = ctx.snap
    table = _level_rates(comp.rates_bp)
    if comp.depth_by_rank:
        depth_of_rank = np.zeros(len(ctx.plan.ranks) + 1, np.int32)  # shifted by one: slot 0 is "no rank"
        for rank, levels in comp.depth_by_rank:
            depth_of_rank[rank + 1 :] = levels
        allowed = depth_of_rank[ctx.rank + 1]
    else:
        allowed = None

    def rate_of(payee, level):
        return int(table[level]), (allowed[payee] >= level if allowed is not None else None)

    orders = np.flatnonzero(snap.cv > 0)
    _walk(ctx, ci, comp, Rule.LEVEL, tree=snap.sponsor_tree, origin=snap.credited_idx[orders], basis=snap.cv[orders],
          order=orders, member=snap.credited_idx[orders], compression=comp.compression, levels=len(comp.rates_bp),
          rate_of=rate_of)  # fmt: skip


def _matrix(ctx: _Context, ci: int, comp: Matrix) -> None:
    snap = ctx.snap
    placed = snap.placement_idx[snap.placement_idx >= 0]
    if len(placed) and np.bincount(placed).max() > comp.width:
        worst = int(np.bincount(placed).argmax())
        raise ValueError(
            f"matrix {comp.code!r}: member index {worst} has {np.bincount(placed).max()} placement children, "
            f"width is {comp.width}"
        )
    table = _level_rates(comp.rates_bp)

    def rate_of(payee, level):
        return int(table[level]), None

    orders = np.flatnonzero(snap.cv > 0)
    _walk(ctx, ci, comp, Rule.LEVEL, tree=snap.placement_tree, origin=snap.credited_idx[orders],
          basis=snap.cv[orders], order=orders, member=snap.credited_idx[orders], compression=comp.compression,
          levels=len(comp.rates_bp), rate_of=rate_of)  # fmt: skip


def _fast_start(ctx: _Context, ci: int, comp: FastStart) -> None:
    snap = ctx.snap
    buyer = snap.buyer_idx
    mine = buyer >= 0
    age = np.zeros(snap.n_orders, np.int64)
    age[mine] = (snap.order_date[mine] - snap.join_date[buyer[mine]]).astype(np.int64)
    orders = np.flatnonzero(mine & (age >= 0) & (age < comp.days) & (snap.cv > 0))
    table = _level_rates(comp.rates_bp)

    def rate_of(payee, level):
        return int(table[level]), None

    _walk(ctx, ci, comp, Rule.FAST_START, tree=snap.sponsor_tree, origin=buyer[orders], basis=snap.cv[orders],
          order=orders, member=buyer[orders], compression=comp.compression, levels=len(comp.rates_bp),
          rate_of=rate_of)  # fmt: skip


def _p2p(ctx: _Context, ci: int, comp: P2P) -> None:
    snap = ctx.snap
    ranks = ctx.plan.ranks
    row_of_rank = np.full(len(ranks) + 1, -1, np.int32)  # slot 0 = no rank
    for r, row in enumerate(comp.rows):
        row_of_rank[row.rank + 1 :] = r
    row = row_of_rank[ctx.rank + 1]
    direct = np.array([r.direct_bp for r in comp.rows] + [0], np.int64)  # row -1 -> last slot, 0 %
    width = max((len(r.overrides_bp) for r in comp.rows), default=0)
    overrides = np.zeros((len(comp.rows) + 1, width + 1), np.int64)
    for r, spec in enumerate(comp.rows):
        overrides[r, 1 : len(spec.overrides_bp) + 1] = spec.overrides_bp

    sales = np.flatnonzero((snap.buyer_idx != snap.credited_idx) & (snap.cv > 0))
    seller = snap.credited_idx[sales]
    mask = ctx.payee_mask(comp)
    rate = direct[row[seller]]
    amount = half_up(snap.cv[sales], rate)
    ok = mask[seller] & (rate > 0)
    ctx.paid.add(seller[ok], amount[ok], ci, Rule.DIRECT, order=sales[ok], member=seller[ok], rate=rate[ok],
                 basis=snap.cv[sales][ok])  # fmt: skip
    lost = ~mask[seller] & (rate > 0)
    ctx.forfeit.add(seller[lost], amount[lost], ci, Rule.DIRECT, reason=ctx.refusal(seller[lost]), order=sales[lost],
                    member=seller[lost], rate=rate[lost], basis=snap.cv[sales][lost])  # fmt: skip

    def rate_of(payee, level):
        return overrides[row[payee], level], None

    if width:
        _walk(ctx, ci, comp, Rule.OVERRIDE, tree=snap.sponsor_tree, origin=seller, basis=snap.cv[sales], order=sales,
              member=seller, compression=comp.compression, levels=width, rate_of=rate_of)  # fmt: skip


def _stairstep(ctx: _Context, ci: int, comp: StairstepBreakaway) -> None:
    """Differentials up to the first breakaway, then generation overrides among breakaway-rank uplines.

    Per order, walking up from the credited member (who earns their own percentage on their own sales): a member earns
    their rank percentage minus the highest percentage already paid below them. A member at the breakaway rank (or
    higher) ends the differential walk; above them only breakaway-rank members earn, generation by generation.
    Jumps go straight to the next member who can matter (a higher percentage, or a breakaway rank), one pointer array
    per distinct percentage, so each order takes about (rank steps + generations) vectorised iterations.
    """
    snap = ctx.snap
    tree = snap.sponsor_tree
    mask = ctx.payee_mask(comp)
    rank_rate = np.array((0, *comp.rank_rates_bp), np.int64)  # slot 0 = no rank
    rate = rank_rate[ctx.rank + 1]
    breaks = ctx.rank >= comp.breakaway_rank
    visible = mask if comp.compression else np.ones(snap.n_members, bool)
    thresholds = sorted(set(rank_rate.tolist()))
    pointers = {t: tree.nearest_ancestor(visible & ((rate > t) | breaks)) for t in thresholds}
    next_breakaway = tree.nearest_ancestor(visible & breaks)
    gens = np.array((0, *comp.generation_rates_bp), np.int64)

    orders = np.flatnonzero(snap.cv > 0)
    origin = snap.credited_idx[orders]
    cv = snap.cv[orders]
    cur = origin.copy()
    paid_rate = np.zeros(len(orders), np.int64)
    gen = np.zeros(len(orders), np.int64)  # 0: differential phase; g >= 1: the next breakaway member is generation g
    idx = np.arange(len(orders))
    first = True
    while len(idx):
        # at `cur`: the origin on the first pass, afterwards a member a pointer jumped to
        in_diff = gen == 0
        node_ok = mask[cur]
        if in_diff.any():
            d = np.flatnonzero(in_diff)
            node = cur[d]
            seen = visible[node] if first else np.ones(len(d), bool)
            diff = np.where(seen, rate[node] - paid_rate[d], 0)
            has = diff > 0
            pay = has & node_ok[d]
            lose = has & ~node_ok[d]
            amount = half_up(cv[idx[d]], diff)
            raw = (tree.depth[origin[idx[d]]] - tree.depth[node]).astype(np.int32)
            rows = idx[d]
            _emit(ctx, ci, Rule.DIFFERENTIAL, node, amount, pay, lose, order=orders[rows], member=origin[rows],
                  level_raw=raw, rate=diff, basis=cv[rows])  # fmt: skip
            paid_rate[d] = np.where(seen & (has | node_ok[d]), np.maximum(paid_rate[d], rate[node]), paid_rate[d])
            gen[d] = np.where(seen & breaks[node], 1, 0)
        if (~in_diff).any():
            g = np.flatnonzero(~in_diff)
            node = cur[g]
            level = gen[g]
            rate_g = gens[np.minimum(level, len(gens) - 1)]
            amount = half_up(cv[idx[g]], rate_g)
            raw = (tree.depth[origin[idx[g]]] - tree.depth[node]).astype(np.int32)
            rows = idx[g]
            _emit(ctx, ci, Rule.GENERATION, node, amount, node_ok[g] & (rate_g > 0), ~node_ok[g] & (rate_g > 0),
                  order=orders[rows], member=origin[rows], level_raw=raw, level_compressed=level, rate=rate_g,
                  basis=cv[rows])  # fmt: skip
            gen[g] = level + 1
        first = False
        # advance: differential phase jumps to the next higher percentage or breakaway, generation phase to the next
        # breakaway member; stop after the last generation, or when no higher percentage is left and no generations
        nxt = np.full(len(idx), -1, np.int32)
        in_diff = gen == 0
        for t in thresholds:
            sel = in_diff & (paid_rate == t)
            if sel.any():
                nxt[sel] = pointers[t][cur[sel]]
        in_gen = ~in_diff & (gen < len(gens))
        nxt[in_gen] = next_breakaway[cur[in_gen]]
        keep = nxt >= 0
        idx, cur, paid_rate, gen = idx[keep], nxt[keep], paid_rate[keep], gen[keep]


def _binary(ctx: _Context, ci: int, comp: Binary) -> tuple[np.ndarray, np.ndarray]:
    snap = ctx.snap
    n = snap.n_members
    tree = snap.placement_tree
    volume = tree.subtree_sum(_sum_by(snap.credited_idx, snap.cv, n))
    left = snap.carry_left.copy()
    right = snap.carry_right.copy()
    placed = snap.placement_idx >= 0
    for side, acc in ((0, left), (1, right)):
        child = np.flatnonzero(placed & (snap.placement_position == side))
        np.add.at(acc, snap.placement_idx[child], volume[child])
    weak = np.minimum(left, right)
    strong = np.maximum(left, right)
    carry = strong - weak
    if comp.carryover_cap is not None:
        carry = np.minimum(carry, comp.carryover_cap)
    left_next = np.where(left >= right, carry, 0)
    right_next = np.where(right > left, carry, 0)
    mask = ctx.payee_mask(comp)
    amount = half_up(weak, comp.rate_bp)
    capped = np.minimum(amount, comp.pairing_cap_cents) if comp.pairing_cap_cents is not None else amount
    who = np.flatnonzero(amount > 0)
    ok = who[mask[who]]
    ctx.paid.add(ok, capped[ok], ci, Rule.PAIRING, member=ok, rate=comp.rate_bp, basis=weak[ok])
    cut = ok[capped[ok] < amount[ok]]
    ctx.forfeit.add(cut, amount[cut] - capped[cut], ci, Rule.PAIRING, reason=Reason.PAIRING_CAP, member=cut,
                    rate=comp.rate_bp, basis=weak[cut])  # fmt: skip
    no = who[~mask[who]]
    ctx.forfeit.add(no, amount[no], ci, Rule.PAIRING, reason=ctx.refusal(no), member=no, rate=comp.rate_bp,
                    basis=weak[no])  # fmt: skip
    return left_next, right_next


def _party(ctx: _Context, ci: int, comp: Party) -> None:
    snap = ctx.snap
    mask = ctx.payee_mask(comp)
    orders = np.flatnonzero(snap.party_idx >= 0)
    party = snap.party_idx[orders]
    consultant = snap.party_consultant_idx[party]
    amount = half_up(snap.cv[orders], comp.consultant_rate_bp)
    has = amount > 0
    ok = has & mask[consultant]
    ctx.paid.add(consultant[ok], amount[ok], ci, Rule.CONSULTANT, order=orders[ok], member=consultant[ok],
                 party=party[ok], rate=comp.consultant_rate_bp, basis=snap.cv[orders][ok])  # fmt: skip
    lost = has & ~mask[consultant]
    ctx.forfeit.add(consultant[lost], amount[lost], ci, Rule.CONSULTANT, reason=ctx.refusal(consultant[lost]),
                    order=orders[lost], member=consultant[lost], party=party[lost], rate=comp.consultant_rate_bp,
                    basis=snap.cv[orders][lost])  # fmt: skip
    if not comp.host_tiers or not len(snap.party_id):
        return
    sales = _sum_by(party, snap.retail_total[orders], len(snap.party_id))
    lows = np.array([t.min_sales_cents for t in comp.host_tiers], np.int64)
    tier = np.searchsorted(lows, sales, side="right") - 1
    parties = np.flatnonzero(tier >= 0)
    tier = tier[parties]
    reward_bp = np.array([t.reward_bp for t in comp.host_tiers], np.int64)[tier]
    bonus = np.array([t.bonus_cents for t in comp.host_tiers], np.int64)[tier]
    reward = half_up(sales[parties], reward_bp) + bonus
    host = snap.party_host_idx[parties]
    member_host = host >= 0
    can = ~member_host | ctx.payee_mask(comp)[np.maximum(host, 0)]
    ok = (reward > 0) & can
    ctx.paid.add(host[ok], reward[ok], ci, Rule.HOST, member=host[ok], party=parties[ok], rate=reward_bp[ok],
                 basis=sales[parties][ok])  # fmt: skip
    lost = (reward > 0) & ~can
    ctx.forfeit.add(host[lost], reward[lost], ci, Rule.HOST, reason=ctx.refusal(host[lost]), member=host[lost],
                    party=parties[lost], rate=reward_bp[lost], basis=sales[parties][lost])  # fmt: skip


def _retail_profit(ctx: _Context, ci: int, comp: RetailProfit) -> None:
    snap = ctx.snap
    orders = np.flatnonzero(snap.is_customer_order & (snap.retail_total > snap.distributor_total))
    payee = snap.credited_idx[orders]
    profit = snap.retail_total[orders] - snap.distributor_total[orders]
    mask = ctx.payee_mask(comp)
    ok = mask[payee]
    ctx.paid.add(payee[ok], profit[ok], ci, Rule.RETAIL, order=orders[ok], member=payee[ok], basis=profit[ok])
    ctx.forfeit.add(payee[~ok], profit[~ok], ci, Rule.RETAIL, reason=ctx.refusal(payee[~ok]), order=orders[~ok],
                    member=payee[~ok], basis=profit[~ok])  # fmt: skip


def _advancement(ctx: _Context, ci: int, comp: RankAdvancement) -> None:
    """One fixed amount per rank reached for the first time (above the previous highest rank). With
    pay_skipped_ranks, jumping two ranks pays both amounts. A rank reached while the bonus may not be paid (excluded,
    inactive) is forfeited for good: the highest rank moves on."""
    mask = ctx.payee_mask(ctx.plan.components[ci])
    prev = ctx.snap.prev_highest_rank
    for k, cents in enumerate(comp.amounts_cents):
        if not cents:
            continue
        reached = (ctx.rank >= k) if comp.pay_skipped_ranks else (ctx.rank == k)
        who = np.flatnonzero(reached & (prev < k))
        ok = who[mask[who]]
        ctx.paid.add(ok, np.full(len(ok), cents), ci, Rule.ADVANCEMENT, member=ok, level_raw=k, basis=cents)
        no = who[~mask[who]]
        ctx.forfeit.add(no, np.full(len(no), cents), ci, Rule.ADVANCEMENT, reason=ctx.refusal(no), member=no,
                        level_raw=k, basis=cents)  # fmt: skip


def _matching(ctx: _Context, ci: int, comp: Matching, ledger_so_far: Ledger) -> None:
    snap = ctx.snap
    earned_by = np.isin(ledger_so_far.component, comp.on_components) & (ledger_so_far.payee_idx >= 0)
    earnings = _sum_by(ledger_so_far.payee_idx[earned_by], ledger_so_far.amount_cents[earned_by], snap.n_members)
    earners = np.flatnonzero(earnings > 0)
    table = _level_rates(comp.generations_bp)

    def rate_of(payee, level):
        return int(table[level]), None

    _walk(ctx, ci, comp, Rule.MATCH, tree=snap.sponsor_tree, origin=earners, basis=earnings[earners], order=-1,
          member=earners, compression=comp.compression, levels=len(comp.generations_bp), rate_of=rate_of)  # fmt: skip


def _share_exactly(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` cents in proportion to integer `weights`, exactly: floors, then the leftover cents one each to the
    largest remainders (ties: lower index first)."""
    weights = weights.astype(np.int64)
    whole = weights.sum()
    if whole == 0:
        return np.zeros(len(weights), np.int64)
    product = [int(w) * total for w in weights] if total * int(weights.max()) >= 2**62 else None
    if product is None:
        base, rem = np.divmod(weights * total, whole)
    else:  # exact big-int fallback (only for absurd totals)
        base = np.array([p // int(whole) for p in product], np.int64)
        rem = np.array([p % int(whole) for p in product], np.int64)
    left = total - int(base.sum())
    if left:
        order = np.lexsort((np.arange(len(rem)), -rem))
        base[order[:left]] += 1
    return base


def _pool(ctx: _Context, ci: int, comp: LeadershipPool, total_cv: int) -> None:
    pool = int(half_up(np.array([total_cv]), comp.percent_bp)[0])
    if not pool:
        return
    shares_of_rank = np.zeros(len(ctx.plan.ranks) + 1, np.int64)  # slot 0 = no rank
    listed = dict(comp.shares_by_rank)
    for rank in range(len(ctx.plan.ranks)):  # a member holds the shares of the highest listed rank at or below theirs
        shares_of_rank[rank + 1] = listed.get(rank, shares_of_rank[rank])
    shares = shares_of_rank[ctx.rank + 1] * ctx.payee_mask(comp)
    holders = np.flatnonzero(shares > 0)
    if not len(holders):
        ctx.forfeit.add(np.array([-1]), np.array([pool]), ci, Rule.POOL, reason=Reason.NO_QUALIFIER, basis=pool)
        return
    amounts = _share_exactly(pool, shares[holders])
    ctx.pool_shares[comp.code] = int(shares[holders].sum())
    ctx.paid.add(holders, amounts, ci, Rule.POOL, member=holders, level_raw=shares[holders], basis=pool)


# --------------------------------------------------------------------------------------------------------------------


def streamable(plan: Plan) -> bool:
    """Whether ``calculate`` can hand lines to a sink as it makes them: not with a payout cap (it scales every line
    of the run once all are known)."""
    return plan.payout_cap_ratio_bp is None


def calculate(plan: Plan, snap: Snapshot, sink: Callable[[Ledger, bool], None] | None = None) -> Result:
    """Compute a period: volumes, activity, paid-as ranks, then each component in document order.

    ``sink(chunk, forfeited)``, for a plan that is ``streamable``: each chunk of lines (paid, or forfeited) is handed
    over as soon as it is made, so memory holds one chunk, not the run's lines. The Result's ``lines`` then hold one
    line per payee and component (their total) and ``forfeits`` one per component and reason: every total, rank and
    summary is the same, the lines themselves are the sink's."""
    pv, psv, gv = member_volumes(snap)
    active = snap.eligible & (pv >= plan.active.min_pv) & (psv >= plan.active.min_psv)
    rank = paid_as_ranks(plan, snap, pv, psv, gv, active)
    paid, forfeit = _Lines(), _Lines()
    if sink is not None and streamable(plan):
        paid = _Lines(lambda chunk: sink(chunk, False), snap.n_members, len(plan.components))
        forfeit = _Lines(lambda chunk: sink(chunk, True), 0, len(plan.components))
    ctx = _Context(plan=plan, snap=snap, rank=rank, active=active, paid=paid, forfeit=forfeit, pool_shares={})
    total_cv = int(snap.cv.sum())
    carry_left = np.zeros(snap.n_members, np.int64)
    carry_right = np.zeros(snap.n_members, np.int64)
    for ci, comp in enumerate(plan.components):
        if isinstance(comp, Unilevel):
            _unilevel(ctx, ci, comp)
        elif isinstance(comp, StairstepBreakaway):
            _stairstep(ctx, ci, comp)
        elif isinstance(comp, Binary):
            carry_left, carry_right = _binary(ctx, ci, comp)
        elif isinstance(comp, Matrix):
            _matrix(ctx, ci, comp)
        elif isinstance(comp, P2P):
            _p2p(ctx, ci, comp)
        elif isinstance(comp, Party):
            _party(ctx, ci, comp)
        elif isinstance(comp, RetailProfit):
            _retail_profit(ctx, ci, comp)
        elif isinstance(comp, FastStart):
            _fast_start(ctx, ci, comp)
        elif isinstance(comp, RankAdvancement):
            _advancement(ctx, ci, comp)
        elif isinstance(comp, Matching):
            so_far = ctx.paid.ledger()
            ctx.paid.extend(so_far)
            _matching(ctx, ci, comp, so_far)
        elif isinstance(comp, LeadershipPool):
            _pool(ctx, ci, comp, total_cv)
        else:  # pragma: no cover - the document validation admits no other type
            raise TypeError(f"unknown component {comp!r}")
    lines = ctx.paid.ledger()
    if plan.payout_cap_ratio_bp is not None:
        lines = _apply_payout_cap(ctx, lines, total_cv * plan.payout_cap_ratio_bp // 10000)
    forfeits = ctx.forfeit.ledger()
    result = _result(plan, snap, pv, psv, gv, active, rank, lines, forfeits, total_cv, carry_left, carry_right)
    result.pool_shares.update(ctx.pool_shares)
    return result


def _apply_payout_cap(ctx: _Context, lines: Ledger, allowed: int) -> Ledger:
    """Scale every line down in proportion when the run pays more than payout_cap_ratio x CV (cut cents forfeited)."""
    total = lines.total()
    if total <= allowed:
        return lines
    scaled = _share_exactly(allowed, lines.amount_cents)
    cut = lines.amount_cents - scaled
    sel = np.flatnonzero(cut > 0)
    ctx.forfeit.add(lines.payee_idx[sel], cut[sel], lines.component[sel], lines.rule[sel], reason=Reason.PAYOUT_CAP,
                    order=lines.source_order_idx[sel], member=lines.source_member_idx[sel],
                    party=lines.source_party_idx[sel], level_raw=lines.level_raw[sel],
                    level_compressed=lines.level_compressed[sel], rate=lines.rate_bp[sel],
                    basis=lines.basis_cents[sel])  # fmt: skip
    columns = {name: getattr(lines, name) for name in COLUMNS}
    columns["amount_cents"] = scaled
    kept = scaled > 0  # a line cut to nothing was forfeited whole above: it is not paid as 0.00
    return Ledger(**{name: column[kept] for name, column in columns.items()})


def _result(plan, snap, pv, psv, gv, active, rank, lines, forfeits, total_cv, carry_left, carry_right) -> Result:
    codes = tuple(c.code for c in plan.components)
    by_component = _sum_by(lines.component.astype(np.int64), lines.amount_cents, len(codes))
    payee_rank = np.where(lines.payee_idx >= 0, rank[np.maximum(lines.payee_idx, 0)], -2).astype(np.int64)
    by_rank_arr = _sum_by(payee_rank + 2, lines.amount_cents, len(plan.ranks) + 2)
    rank_names = ("customer_host", "none", *(r.code for r in plan.ranks))
    totals_by_rank = {name: int(v) for name, v in zip(rank_names, by_rank_arr, strict=True) if v}
    paid = lines.total()
    ratio = (Decimal(paid) / Decimal(total_cv)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if total_cv else Decimal(0)
    prev = snap.prev_highest_rank.astype(np.int16)
    return Result(
        pv=pv,
        psv=psv,
        gv=gv,
        active=active,
        rank=rank,
        highest_rank=np.maximum(prev, rank),
        lines=lines,
        forfeits=forfeits,
        component_codes=codes,
        rank_codes=tuple(r.code for r in plan.ranks),
        total_paid_cents=paid,
        total_forfeited_cents=forfeits.total(),
        total_cv_cents=total_cv,
        totals_by_component={code: int(v) for code, v in zip(codes, by_component, strict=True)},
        totals_by_rank=totals_by_rank,
        payout_ratio=ratio,
        carry_left=carry_left,
        carry_right=carry_right,
        pool_shares={},
    )


def explain(result: Result, i: int, forfeited: bool = False) -> dict:
    """One ledger line as a text-free dict (codes and numbers) for the Django layer to render and store."""
    ledger = result.forfeits if forfeited else result.lines
    row: dict[str, Any] = {name: int(getattr(ledger, name)[i]) for name in COLUMNS}
    row["component"] = result.component_codes[row["component"]]
    row["rule"] = Rule(row["rule"]).name.lower()
    row["reason"] = Reason(row["reason"]).name.lower()
    return row
