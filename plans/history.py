"""Earlier periods' figures for the plan rules that look back, attached to a period's Snapshot.

Rolling GV (`gv_periods`), the binary flush on inactivity (`flush_inactive_after`), the paid-as grace
(`rank_grace_periods`) and the enrolment bonus read the previous periods. They come from the posted runs of those
periods (`RunMemberResult`: gv, pv, active, qualified_rank), the same way the binary carry-over comes from the previous
posted run: one binary COPY for all of them, mapped to member indexes with one lookup. Nothing is read when the plan
does not look back.
"""

from __future__ import annotations

import dataclasses
import datetime

import numpy as np
from django.db import connection

from core.commerce.public import VOLUME_STATUSES, Order
from core.pgcopy import copy_out
from plans.engine import Plan, Snapshot
from plans.engine.document import Binary, EnrolmentBonus
from plans.models import CommissionPeriod, CommissionRun, RunMemberResult, RunStatus


def lookback(plan: Plan) -> int:
    """How many previous periods the plan reads (0: none)."""
    needs = [r.gv_periods - 1 for r in plan.ranks]
    needs.append(plan.rank_grace_periods)
    for c in plan.components:
        if isinstance(c, Binary) and c.flush_inactive_after is not None:
            needs.append(c.flush_inactive_after)
        if isinstance(c, EnrolmentBonus):
            needs.append(c.periods - 1)
    return max(needs, default=0)


def attach_history(snap: Snapshot, plan: Plan, start: datetime.date) -> Snapshot:
    """The snapshot of the period starting `start`, with the history arrays the plan needs."""
    changes: dict[str, np.ndarray] = {}
    k = lookback(plan)
    if k:
        changes.update(_history(snap, start, k))
    if any(isinstance(c, EnrolmentBonus) for c in plan.components):
        changes["periods_since_join"] = _periods_since_join(snap, start)
    if plan.entry.requirement == "initial_purchase":
        changes["entry_met"] = _initial_purchase_before(snap, start, plan.entry.min_pv)
    return dataclasses.replace(snap, **changes) if changes else snap


def _index(snap: Snapshot, member_ids: np.ndarray) -> np.ndarray:
    """Database ids -> member indexes (-1 for a member not in the snapshot)."""
    order = np.argsort(snap.member_id, kind="stable")
    sorted_ids = snap.member_id[order]
    pos = np.minimum(np.searchsorted(sorted_ids, member_ids), max(len(sorted_ids) - 1, 0))
    found = len(sorted_ids) > 0
    hit = (sorted_ids[pos] == member_ids) if found else np.zeros(len(member_ids), bool)
    return np.where(hit, order[pos] if found else -1, -1)


def _history(snap: Snapshot, start: datetime.date, k: int) -> dict[str, np.ndarray]:
    runs = list(
        CommissionRun.objects.filter(status=RunStatus.POSTED, period__start__lt=start)
        .order_by("-period__start")
        .values_list("pk", flat=True)[:k]
    )
    n = snap.n_members
    gv = np.zeros((n, len(runs)), np.int64)
    pv = np.zeros((n, len(runs)), np.int64)
    active = np.zeros((n, len(runs)), bool)  # a member without a row in a posted run was not there: not active
    rank = np.full((n, len(runs)), -1, np.int16)
    if runs:
        with connection.cursor() as cursor:
            run_id, member_id, gv_, pv_, active_, rank_ = copy_out(
                cursor,
                f"SELECT run_id, member_id, gv, pv, active, qualified_rank FROM {RunMemberResult._meta.db_table}"
                " WHERE run_id = ANY(%s)",
                [runs],
                ["int8", "int8", "int8", "int8", "bool", "int2"],
            )
        listed = np.array(runs)  # most recent first: column j is the period j + 1 before this one
        by_id = np.argsort(listed)
        column = by_id[np.searchsorted(listed[by_id], run_id)]
        at = _index(snap, member_id)
        ok = at >= 0
        gv[at[ok], column[ok]] = gv_[ok]
        pv[at[ok], column[ok]] = pv_[ok]
        active[at[ok], column[ok]] = active_[ok]
        rank[at[ok], column[ok]] = rank_[ok]
    return {"history_gv": gv, "history_pv": pv, "history_active": active, "history_rank": rank}


def _periods_since_join(snap: Snapshot, start: datetime.date) -> np.ndarray:
    """0 in the period a member joined in, 1 in the next period, ... (by the company's periods up to this one)."""
    ends = np.array(
        sorted(CommissionPeriod.objects.filter(start__lt=start).values_list("end", flat=True)), "datetime64[D]"
    )
    first = np.searchsorted(ends, snap.join_date, side="left")  # periods that ended before the member joined
    return np.maximum(len(ends) - first, 0).astype(np.int16)


def _initial_purchase_before(snap: Snapshot, start: datetime.date, min_pv: int) -> np.ndarray:
    """Members with an own order of at least `min_pv` (hundredths) in an earlier period."""
    with connection.cursor() as cursor:
        (buyers,) = copy_out(
            cursor,
            f"SELECT DISTINCT buyer_member_id FROM {Order._meta.db_table}"
            " WHERE buyer_member_id IS NOT NULL AND period_start < %s AND status = ANY(%s)"
            " AND ROUND(pv_total * 100) >= %s",
            [start, list(VOLUME_STATUSES), min_pv],
            ["int8"],
        )
    met = np.zeros(snap.n_members, bool)
    at = _index(snap, buyers)
    met[at[at >= 0]] = True
    return met
