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

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum
from typing import Any

import numpy as np

from plans.engine.document import (
    P2P,
    Binary,
    EnrolmentBonus,
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
    ENROLMENT = 14  # enrolment bonus: source_member = the recruit, level_raw = the recruit's period since joining


class Reason(IntEnum):
    PAID = 0
    EXCLUDED = 1  # commission exclusion (demotion policy)
    NOT_QUALIFIED = 2  # not eligible, not active, or below the component's min_rank
    DEPTH = 3  # the payee's rank does not reach this level
    PAIRING_CAP = 4
    PAYOUT_CAP = 5  # cut by the plan's payout_cap_ratio
    NO_QUALIFIER = 6  # leadership pool with nobody holding shares
    NO_RATE = 7  # the payee's rank pays 0 % there (P2P: no matching row, or a 0 % override at that level)
    OWN_PURCHASE = 8  # an override on the earner's own purchase, excluded by the plan


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
    qualified_rank: np.ndarray  # the rank whose criteria hold this period (paid-as adds the plan's grace), int16
    entry_met: np.ndarray  # the plan's one-off entry requirement is met (this period or before)
    leg_left: np.ndarray  # binary leg volumes this period (carry-in + this period), before pairing; zeros without
    leg_right: np.ndarray
    binary_flushed: np.ndarray  # carry-over volume flushed for inactivity (binary flush_inactive_after)


def half_up(basis: np.ndarray, rate_bp) -> np.ndarray:
    """The engine's one rounding rule: cents x basis points, half-up, exact."""
    return (basis.astype(np.int64) * rate_bp + 5000) // 10000


def _sum_by(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """``out[i] = sum(values[index == i])`` over ``n`` slots, exact int64.

    `np.add.at`, not `np.bincount`: with numpy 2.x `add.at` has a fast path for one-dimensional int64 and, measured on
    this engine's shapes (5M lines into 11, 1,000 and 1M slots, best of 5), took 0.10 / 0.08 / 0.24 s where
    `np.bincount(index, weights=values)` took 0.26 / 0.16 / 0.31 s — and bincount sums in float64, exact only below
    2**53. `plans/tests/test_engine_options.py` checks the sums against a plain reference, huge values included."""
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
    eligible: np.ndarray  # the snapshot's eligible flag and the plan's entry requirement met
    pv: np.ndarray

    def payee_mask(self, component) -> np.ndarray:
        """Who may be paid by this component: eligible, not excluded, active if required, at the minimum rank."""
        mask = self.eligible & ~self.snap.excluded
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


def paid_as_ranks(plan: Plan, snap: Snapshot, pv, psv, gv, active, eligible=None) -> np.ndarray:
    """Highest rank whose every criterion holds (a member need not meet lower ranks' criteria separately: all
    criteria are monotone in volume, so a higher volume never gives a lower rank). Ineligible members hold no rank.

    The max-leg rule counts at most `max_leg_share` of the rank's min_gv from any one sponsor leg (the member's own PSV
    counts in full). A rank with `gv_periods` p reads GV accumulated over this period and the p - 1 before it
    (`snap.history_gv`), its own part being that total minus the frontline's. Leg requirements ("2 legs holding
    Silver") and the classic breakaway (a leg whose head reaches the breakaway rank leaves the upline's GV) need the
    downline's ranks first, so then the ranks are computed layer by layer from the deepest.
    """
    n = snap.n_members
    eligible = snap.eligible if eligible is None else eligible
    tree = snap.sponsor_tree
    sponsor = snap.sponsor_idx
    has_sponsor = sponsor >= 0
    frontline = sponsor[has_sponsor]
    active_sponsored = np.bincount(sponsor[has_sponsor & active], minlength=n)
    rolling, own = _rolling_gv(plan, snap, psv, gv)
    breakaway = next(
        (c.breakaway_rank for c in plan.components if isinstance(c, StairstepBreakaway) and c.breakaway_leaves_gv),
        len(plan.ranks),
    )
    layered_gv = breakaway < len(plan.ranks)
    base, static = [], []  # per rank: criteria that do not depend on other members' ranks
    for rank in plan.ranks:
        ok = eligible & (pv >= rank.min_pv) & (psv >= rank.min_psv) & (active_sponsored >= rank.min_active_sponsored)
        base.append(ok)
        if rank.min_gv and not layered_gv:
            if rank.max_leg_share_bp is not None:
                cap = rank.min_gv * rank.max_leg_share_bp // 10000
                legs = _sum_by(frontline, np.minimum(rolling[rank.gv_periods][has_sponsor], cap), n)
                ok = ok & (own[rank.gv_periods] + legs >= rank.min_gv)
            else:
                ok = ok & (rolling[rank.gv_periods] >= rank.min_gv)
        static.append(ok)
    ranks = np.full(n, -1, np.int16)
    leg_ranks = sorted({leg.rank for r in plan.ranks for leg in r.legs})
    if not leg_ranks and not layered_gv:
        for k, ok in enumerate(static):
            ranks[ok] = k
        return ranks
    leg_count = {x: np.zeros(n, np.int32) for x in leg_ranks}
    best_below = np.full(n, -1, np.int16)  # highest rank anywhere in a member's subtree (itself included)
    kept = {p: np.zeros(n, np.int64) for p in rolling} if layered_gv else {}  # what the frontline passes up
    capped = {
        k: np.zeros(n, np.int64) for k, r in enumerate(plan.ranks) if layered_gv and r.min_gv and r.max_leg_share_bp
    }
    for depth in range(tree.max_depth, -1, -1):
        layer = tree.layers[depth]
        qualifying = {p: own[p][layer] + kept[p][layer] for p in rolling} if layered_gv else {}
        for k, rank in enumerate(plan.ranks):
            ok = static[k][layer]
            if layered_gv and rank.min_gv:
                p = rank.gv_periods
                volume = own[p][layer] + capped[k][layer] if k in capped else qualifying[p]
                ok = ok & (volume >= rank.min_gv)
            for leg in rank.legs:
                ok = ok & (leg_count[leg.rank][layer] >= leg.count)
            ranks[layer[ok]] = k
        best_below[layer] = np.maximum(best_below[layer], ranks[layer])
        if depth:
            parents = sponsor[layer]
            for x in leg_ranks:
                np.add.at(leg_count[x], parents, best_below[layer] >= x)
            np.maximum.at(best_below, parents, best_below[layer])
            if layered_gv:
                broken = ranks[layer] >= breakaway
                for p in rolling:
                    np.add.at(kept[p], parents, np.where(broken, 0, qualifying[p]))
                for k, total in capped.items():
                    rank = plan.ranks[k]
                    passed = np.where(broken, 0, qualifying[rank.gv_periods])
                    cap = rank.min_gv * (rank.max_leg_share_bp or 0) // 10000
                    np.add.at(total, parents, np.minimum(passed, cap))
    return ranks


def _rolling_gv(plan: Plan, snap: Snapshot, psv, gv) -> tuple[dict, dict]:
    """Per distinct `gv_periods` p: GV over p periods, and the member's own part of it (PSV when p is 1)."""
    sponsor = snap.sponsor_idx
    has_sponsor = sponsor >= 0
    rolling, own = {}, {}
    for p in sorted({r.gv_periods for r in plan.ranks if r.min_gv}):
        rolling[p] = gv + snap.history("gv", p - 1, 0).sum(axis=1) if p > 1 else gv
        frontline = _sum_by(sponsor[has_sponsor], rolling[p][has_sponsor], snap.n_members)
        own[p] = np.maximum(rolling[p] - frontline, 0) if p > 1 else psv
    return rolling, own


def _with_grace(plan: Plan, snap: Snapshot, qualified: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Paid-as rank: the highest rank qualified in this period and the `rank_grace_periods` before it (eligible
    members only), so a paid-as rank drops only after that many periods below it."""
    if not plan.rank_grace_periods:
        return qualified
    past = snap.history("rank", plan.rank_grace_periods, -1).max(axis=1, initial=-1)
    return np.where(eligible, np.maximum(qualified, past), -1).astype(np.int16)


def _entry_met(plan: Plan, snap: Snapshot) -> np.ndarray:
    """The plan's one-off entry requirement: met before this period (`snap.entry_met`) or by an own order now."""
    n = snap.n_members
    entry = plan.entry
    if entry.requirement == "none":
        return np.ones(n, bool)
    met = snap.entry_met.copy() if snap.entry_met.size else np.zeros(n, bool)
    own = snap.buyer_idx >= 0
    if entry.requirement == "initial_purchase":
        counts = own & (snap.pv >= entry.min_pv)
    else:  # enrolment_pack
        counts = own & (snap.enrolment_pack if snap.enrolment_pack.size else np.zeros(snap.n_orders, bool))
    met[snap.buyer_idx[counts]] = True
    return met


# --------------------------------------------------------------------------------------------------------------------
# The upline walk shared by unilevel, matrix, P2P overrides, fast start and matching


def _walk(ctx: _Context, ci: int, comp, rule: Rule, *, tree: Tree, origin, basis, order, member, compression: bool,
          levels: int, rate_of, fallback=None, buyer=None, differential: bool = False) -> None:  # fmt: skip
    """Pay `rate_of(payee, level)` of `basis` to each of `levels` uplines of `origin` (its parent is level 1).

    With compression, levels count payable members only (`nearest_ancestor` jumps over the rest), so an unqualified or
    excluded member's share rolls up to the next payable upline. Without it, a level held by a member who may not be
    paid is forfeited (a line in `forfeits`). `rate_of` returns (rate_bp array, within_depth bool array).

    Every share reached and not paid is a forfeit with its reason, so paid + forfeited is what the plan defines:
    - `fallback[level]`: the rate the plan pays at this level when the payee's own rate is 0 (P2P: the lowest positive
      rate any row pays there); a payable member whose rank pays 0 % uses up the level and forfeits that share
      (reason `no_rate`); unpayable members forfeit it with their refusal;
    - `buyer` (per origin row): a payee who bought the order forfeits the share (reason `own_purchase`);
    - `differential`: a payee earns their rate minus the highest rate already reached below them on the same basis
      (a forfeited share counts as taken, as in the stairstep), never less than 0.
    """
    mask = ctx.payee_mask(comp)
    parent = tree.parent
    depth = tree.depth
    jump = tree.nearest_ancestor(mask) if compression else parent
    cur = jump[origin]
    origin_depth = depth[origin]
    idx = np.arange(len(origin))
    taken = np.zeros(len(origin), np.int64) if differential else None
    for level in range(1, levels + 1):
        alive = cur >= 0
        if not alive.all():
            idx, cur = idx[alive], cur[alive]
            if taken is not None:
                taken = taken[alive]
        if not len(idx):
            break
        rate, within = rate_of(cur, level)
        b = basis[idx] if np.ndim(basis) else np.full(len(idx), basis, np.int64)
        raw = (origin_depth[idx] - depth[cur]).astype(np.int32)
        within = np.ones(len(cur), bool) if within is None else within
        reason: Reason | np.ndarray
        if fallback is None and buyer is None and taken is None:  # the plain case: no extra arrays
            positive = rate > 0
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
            continue
        rate = np.broadcast_to(np.asarray(rate, np.int64), (len(cur),))
        owed = rate if fallback is None else np.where(rate > 0, rate, int(fallback[level]))
        if taken is not None:
            pay_rate, owed = np.maximum(rate - taken, 0), np.maximum(owed - taken, 0)
            taken = np.maximum(taken, rate)
        else:
            pay_rate = rate
        pay = within & (pay_rate > 0)
        if not compression:
            payable = mask[cur]
            pay &= payable
        if buyer is not None:
            own = buyer[idx] == cur
            pay &= ~own
        lose = ~pay & (owed > 0)
        reason = Reason.NO_RATE
        if lose.any():  # the reason, most telling first: refusal, depth, own purchase, no rate
            reason = np.full(len(cur), Reason.NO_RATE, np.int8)
            if buyer is not None:
                reason[own] = Reason.OWN_PURCHASE
            reason[~within] = Reason.DEPTH
            if not compression:
                refused = np.flatnonzero(~payable)
                reason[refused] = ctx.refusal(cur[refused])
        # a paid row's rate equals what it was owed (pay_rate only differs where the payee's own rate is 0)
        _emit(ctx, ci, rule, cur, half_up(b, owed), pay, lose, reason=reason, order=_at(order, idx),
              member=_at(member, idx), level_raw=raw, level_compressed=level, rate=owed, basis=b)  # fmt: skip
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
          rate_of=rate_of, differential=comp.differential)  # fmt: skip


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
    # what the plan pays where a payee's own row pays 0 %: the lowest positive rate of any row (the first rank's)
    lowest_direct = min((r.direct_bp for r in comp.rows if r.direct_bp > 0), default=0)
    fallback = np.zeros(width + 1, np.int64)
    for level in range(1, width + 1):
        fallback[level] = min((x for x in overrides[:-1, level].tolist() if x > 0), default=0)

    sales = np.flatnonzero((snap.buyer_idx != snap.credited_idx) & (snap.cv > 0))
    seller = snap.credited_idx[sales]
    mask = ctx.payee_mask(comp)
    rate = direct[row[seller]]
    owed = np.where(rate > 0, rate, lowest_direct)
    basis = snap.cv[sales]
    ok = mask[seller] & (rate > 0)
    ctx.paid.add(seller[ok], half_up(basis[ok], rate[ok]), ci, Rule.DIRECT, order=sales[ok], member=seller[ok],
                 rate=rate[ok], basis=basis[ok])  # fmt: skip
    lost = ~ok & (owed > 0)  # not payable, or payable with no rate for their rank: the share is written as a forfeit
    reason = np.where(mask[seller[lost]], Reason.NO_RATE, ctx.refusal(seller[lost])).astype(np.int8)
    ctx.forfeit.add(seller[lost], half_up(basis[lost], owed[lost]), ci, Rule.DIRECT, reason=reason,
                    order=sales[lost], member=seller[lost], rate=owed[lost], basis=basis[lost])  # fmt: skip

    def rate_of(payee, level):
        return overrides[row[payee], level], None

    if width:
        _walk(ctx, ci, comp, Rule.OVERRIDE, tree=snap.sponsor_tree, origin=seller, basis=basis, order=sales,
              member=seller, compression=comp.compression, levels=width, rate_of=rate_of, fallback=fallback,
              buyer=None if comp.overrides_on_own_purchases else snap.buyer_idx[sales],
              differential=comp.differential)  # fmt: skip


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


def _binary(ctx: _Context, ci: int, comp: Binary):
    """Pairs the weak leg; returns (carry_left, carry_right, (leg_left, leg_right), flushed) for the Result."""
    snap = ctx.snap
    n = snap.n_members
    tree = snap.placement_tree
    volume = tree.subtree_sum(_sum_by(snap.credited_idx, snap.cv, n))
    left = snap.carry_left.copy()
    right = snap.carry_right.copy()
    placed = snap.placement_idx >= 0
    for side, acc in ((0, left), (1, right)):
        child = np.flatnonzero(placed & (snap.placement_position == side))
        acc += _sum_by(snap.placement_idx[child], volume[child], n)
    weak = np.minimum(left, right)
    strong = np.maximum(left, right)
    carry = strong - weak
    if comp.carryover_cap is not None:
        carry = np.minimum(carry, comp.carryover_cap)
    left_next = np.where(left >= right, carry, 0)
    right_next = np.where(right > left, carry, 0)
    flushed = np.zeros(n, np.int64)
    if comp.flush_inactive_after is not None:  # inactive now and in each of the N previous periods (unknown: active)
        past = snap.history("active", comp.flush_inactive_after, True)
        gone = ~ctx.active & ~past.any(axis=1)
        flushed = np.where(gone, left_next + right_next, 0)
        left_next, right_next = np.where(gone, 0, left_next), np.where(gone, 0, right_next)
    mask = ctx.payee_mask(comp)
    if comp.sponsored_per_leg:
        mask = mask & (_active_sponsored_per_leg(snap, ctx.active) >= comp.sponsored_per_leg)
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
    return left_next, right_next, (left, right), flushed


def _active_sponsored_per_leg(snap: Snapshot, active: np.ndarray) -> np.ndarray:
    """Per member, the smaller of: active personally sponsored members placed in their left leg, in their right leg.

    Set-based: a preorder numbering of the placement tree (one numpy step per layer) puts each subtree in one interval,
    so "m sits in the leg under child c" is ``start[c] <= start[m] < start[c] + size[c]``."""
    n = snap.n_members
    tree = snap.placement_tree
    parent = snap.placement_idx
    size = tree.subtree_sum(np.ones(n, np.int64))
    kids = np.flatnonzero(parent >= 0)
    kids = kids[np.lexsort((kids, snap.placement_position[kids], parent[kids]))]
    before = np.cumsum(size[kids]) - size[kids]  # sizes of the siblings before each child, across all groups...
    first = np.r_[True, parent[kids][1:] != parent[kids][:-1]] if len(kids) else np.zeros(0, bool)
    offset = np.zeros(n, np.int64)
    offset[kids] = before - before[first][np.cumsum(first) - 1]  # ...minus those of earlier parents' children
    start = np.zeros(n, np.int64)
    roots = np.flatnonzero(parent < 0)
    start[roots] = np.cumsum(size[roots]) - size[roots]
    for layer in tree.layers[1:]:
        start[layer] = start[parent[layer]] + 1 + offset[layer]
    counts = []
    for side in (0, 1):
        child = np.full(n, -1, np.int64)
        on_side = kids[snap.placement_position[kids] == side]
        child[parent[on_side]] = on_side
        m = np.flatnonzero((snap.sponsor_idx >= 0) & active)
        c = child[snap.sponsor_idx[m]]
        safe = np.maximum(c, 0)
        inside = (c >= 0) & (start[m] >= start[safe]) & (start[m] < start[safe] + size[safe])
        counts.append(_sum_by(snap.sponsor_idx[m][inside], np.ones(int(inside.sum()), np.int64), n))
    return np.minimum(counts[0], counts[1])


def _enrolment_bonus(ctx: _Context, ci: int, comp: EnrolmentBonus) -> None:
    """A flat amount to the sponsor for each personally enrolled member whose PV accumulated since joining first
    reaches `min_pv` in one of their first `periods` periods (so at most once per recruit)."""
    snap = ctx.snap
    if not snap.periods_since_join.size:  # the loader gave no ages: nobody is known to be new
        return
    age = snap.periods_since_join.astype(np.int64)
    earlier_periods = snap.history("pv", comp.periods - 1, 0)
    earlier = (earlier_periods * (np.arange(comp.periods - 1)[None, :] < age[:, None])).sum(axis=1)
    met_now = earlier + ctx.pv >= comp.min_pv
    met_before = (age > 0) & (earlier >= comp.min_pv)
    recruits = np.flatnonzero(
        (age >= 0) & (age < comp.periods) & (snap.sponsor_idx >= 0) & ctx.eligible & met_now & ~met_before
    )
    sponsor = snap.sponsor_idx[recruits]
    amount = np.full(len(recruits), comp.amount_cents, np.int64)
    ok = ctx.payee_mask(comp)[sponsor]
    _emit(ctx, ci, Rule.ENROLMENT, sponsor, amount, ok, ~ok, member=recruits, level_raw=age[recruits].astype(np.int16),
          basis=comp.amount_cents, rate=-1)  # fmt: skip


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


def _lines_for(plan: Plan, snap: Snapshot, sink: Callable[[Ledger, bool], None] | None) -> tuple[_Lines, _Lines]:
    """Where the run's paid and forfeited lines go: kept in memory, or handed to ``sink`` chunk by chunk."""
    if sink is None or not streamable(plan):
        return _Lines(), _Lines()
    return (
        _Lines(lambda chunk: sink(chunk, False), snap.n_members, len(plan.components)),
        _Lines(lambda chunk: sink(chunk, True), 0, len(plan.components)),
    )


def calculate(plan: Plan, snap: Snapshot, sink: Callable[[Ledger, bool], None] | None = None) -> Result:
    """Compute a period: volumes, activity, paid-as ranks, then each component in document order.

    ``sink(chunk, forfeited)``, for a plan that is ``streamable``: each chunk of lines (paid, or forfeited) is handed
    over as soon as it is made, so memory holds one chunk, not the run's lines. The Result's ``lines`` then hold one
    line per payee and component (their total) and ``forfeits`` one per component and reason: every total, rank and
    summary is the same, the lines themselves are the sink's."""
    pv, psv, gv = member_volumes(snap)
    entry_met = _entry_met(plan, snap)
    eligible = snap.eligible & entry_met
    active = eligible & (pv >= plan.active.min_pv) & (psv >= plan.active.min_psv)
    qualified = paid_as_ranks(plan, snap, pv, psv, gv, active, eligible)
    rank = _with_grace(plan, snap, qualified, eligible)
    paid, forfeit = _lines_for(plan, snap, sink)
    ctx = _Context(plan=plan, snap=snap, rank=rank, active=active, paid=paid, forfeit=forfeit, pool_shares={},
                   eligible=eligible, pv=pv)  # fmt: skip
    total_cv = int(snap.cv.sum())
    zeros = np.zeros(snap.n_members, np.int64)
    carry_left, carry_right, legs, flushed = zeros, zeros, (zeros, zeros), zeros
    for ci, comp in enumerate(plan.components):
        if isinstance(comp, Unilevel):
            _unilevel(ctx, ci, comp)
        elif isinstance(comp, StairstepBreakaway):
            _stairstep(ctx, ci, comp)
        elif isinstance(comp, Binary):
            carry_left, carry_right, legs, flushed = _binary(ctx, ci, comp)
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
        elif isinstance(comp, EnrolmentBonus):
            _enrolment_bonus(ctx, ci, comp)
        else:  # pragma: no cover - the document validation admits no other type
            raise TypeError(f"unknown component {comp!r}")
    lines = ctx.paid.ledger()
    if plan.payout_cap_ratio_bp is not None:
        lines = _apply_payout_cap(ctx, lines, total_cv * plan.payout_cap_ratio_bp // 10000)
    forfeits = ctx.forfeit.ledger()
    result = _result(plan, snap, pv, psv, gv, active, rank, lines, forfeits, total_cv, carry_left, carry_right)
    result.pool_shares.update(ctx.pool_shares)
    return dataclasses.replace(result, qualified_rank=qualified, entry_met=entry_met, leg_left=legs[0],
                               leg_right=legs[1], binary_flushed=flushed)  # fmt: skip


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
        qualified_rank=rank,
        entry_met=np.ones(len(rank), bool),
        leg_left=carry_left,
        leg_right=carry_right,
        binary_flushed=carry_left,
    )


def explain(result: Result, i: int, forfeited: bool = False) -> dict:
    """One ledger line as a text-free dict (codes and numbers) for the Django layer to render and store."""
    ledger = result.forfeits if forfeited else result.lines
    row: dict[str, Any] = {name: int(getattr(ledger, name)[i]) for name in COLUMNS}
    row["component"] = result.component_codes[row["component"]]
    row["rule"] = Rule(row["rule"]).name.lower()
    row["reason"] = Reason(row["reason"]).name.lower()
    return row
