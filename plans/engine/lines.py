"""The ledger machinery every component writes through: line rules and forfeit reasons, the columnar Ledger, the
Result of a period, the line buffers (kept or streamed to a sink), the calculation's context, and the upline walk
shared by unilevel, matrix, P2P overrides, fast start and matching. Rounding: see plans.engine.calculate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import Any

import numpy as np

from plans.engine.document import (
    Plan,
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
