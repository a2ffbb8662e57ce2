"""Volumes, activity and ranks of a period: PV/PSV/GV per member, paid-as ranks (with rolling GV, the paid-as grace
and classic breakaway), and the plan's one-off entry requirement."""

from __future__ import annotations

import numpy as np

from plans.engine.document import (
    Plan,
    StairstepBreakaway,
)
from plans.engine.lines import _sum_by
from plans.engine.snapshot import Snapshot


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
