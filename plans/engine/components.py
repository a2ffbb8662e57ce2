"""The plan's components, one function each: what it pays, to whom, and what it forfeits with which reason. Each
writes its lines through the context (plans.engine.lines)."""

from __future__ import annotations

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
    RankAdvancement,
    RetailProfit,
    StairstepBreakaway,
    Unilevel,
)
from plans.engine.lines import Ledger, Reason, Rule, _Context, _emit, _level_rates, _sum_by, _walk, half_up
from plans.engine.snapshot import Snapshot

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
