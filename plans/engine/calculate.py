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
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from plans.engine.components import (
    _advancement,
    _binary,
    _enrolment_bonus,
    _fast_start,
    _matching,
    _matrix,
    _p2p,
    _party,
    _pool,
    _retail_profit,
    _share_exactly,
    _stairstep,
    _unilevel,
)
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
from plans.engine.lines import COLUMNS, Ledger, Reason, Result, Rule, _Context, _Lines, _sum_by
from plans.engine.ranks import _entry_met, _with_grace, member_volumes, paid_as_ranks
from plans.engine.snapshot import Snapshot

__all__ = ["COLUMNS", "Ledger", "Reason", "Result", "Rule", "calculate", "explain", "snapshot_reads", "streamable"]

# What a snapshot holds beyond what every plan reads (members' sponsor tree, join day, status and highest rank; orders'
# buyer, credited member and volumes), and which component types read it. A loader may leave out what a plan's
# components do not read (``snapshot_reads``): the placement tree (-1 everywhere), the members' join days and the
# orders' days (0), the orders' retail and distributor totals (0), their parties (-1).
PLACEMENT, JOIN_DAYS, ORDER_DAYS, MARGINS, PARTIES = "placement", "join_days", "order_days", "margins", "parties"
SNAPSHOT_PARTS = frozenset({PLACEMENT, JOIN_DAYS, ORDER_DAYS, MARGINS, PARTIES})
_COMPONENT_READS: dict[type, frozenset[str]] = {
    Unilevel: frozenset(),
    StairstepBreakaway: frozenset(),
    P2P: frozenset(),
    RankAdvancement: frozenset(),
    Matching: frozenset(),
    LeadershipPool: frozenset(),
    EnrolmentBonus: frozenset({JOIN_DAYS}),  # periods since joining
    Binary: frozenset({PLACEMENT}),
    Matrix: frozenset({PLACEMENT}),
    FastStart: frozenset({JOIN_DAYS, ORDER_DAYS}),  # days from joining to each order
    RetailProfit: frozenset({MARGINS}),
    Party: frozenset({PARTIES, MARGINS}),  # the host's reward is on the party's retail sales
}


def snapshot_reads(plan: Plan) -> frozenset[str]:
    """The parts of ``SNAPSHOT_PARTS`` the plan's components read; a component type not listed reads them all."""
    reads: set[str] = set()
    for component in plan.components:
        reads |= _COMPONENT_READS.get(type(component), SNAPSHOT_PARTS)
    return frozenset(reads)


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
