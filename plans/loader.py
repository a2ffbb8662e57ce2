"""Build the engine's `Snapshot` of a commission period from PostgreSQL, set-based.

One binary COPY per table (members, orders, parties, previous carry-overs); ids are mapped to member indexes with one
dense lookup array. Never one query per member.

Members come ordered by sponsor depth, then id, which puts every sponsor before its recruits. A placement parent can
sit deeper in the sponsor tree than the member it holds (spillover), so when that order breaks the placement tree the
loader re-sorts with a layered topological sort (numpy, one pass per layer).
"""

from __future__ import annotations

import datetime
import threading
from typing import NamedTuple

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from core.commerce.public import VOLUME_STATUSES, ClawbackFlag, Order, Party, RefundLine
from core.company.services import company_settings_get
from core.demotion.selectors import members_commission_excluded_during
from core.members.models import Member, MemberStatus
from core.pgcopy import copy_out
from core.side_connections import connection_params, search_path, side_connection, side_transaction
from plans.engine import Plan, Snapshot
from plans.engine.calculate import JOIN_DAYS, MARGINS, ORDER_DAYS, PARTIES, PLACEMENT, snapshot_reads
from plans.engine.document import RetailProfit
from plans.models import RunMemberResult

# A member whose status is one of these may earn (the plan's active rule and the demotion policy decide the rest).
EARNING_STATUSES = (MemberStatus.ACTIVE,)
EPOCH = datetime.date(1970, 1, 1)


def load_snapshot(*, plan: Plan, start: datetime.date, end: datetime.date, carry_run_id: int | None) -> Snapshot:
    """The period [start, end] as the engine sees it. ``carry_run_id``: the run whose binary carry-over applies.

    A company of many orders (``ORDERS_BESIDE_FROM``) has them read on a second connection while this one reads
    the members: two server processes instead of one. Each statement sees what was committed when it began, as two
    statements on one connection in autocommit do. Inside a transaction (tests, a caller's atomic block) another
    connection would not see its uncommitted rows, so both are read here."""
    reads = snapshot_reads(plan)
    with connection.cursor() as cursor:
        _margins_in_base_currency(cursor, plan, start, end)
        beside = _OrdersBeside(cursor, start, end, reads) if _orders_beside(cursor) else None
        try:
            members = _members_frame(cursor, plan, reads)
            members["excluded"] = _excluded_during(members, start, end)
        except BaseException:
            if beside is not None:
                beside.wait()  # its connection closed before the error goes up
            raise
        orders = beside.result() if beside is not None else _orders_frame(cursor, start, end, reads)
        parties = _parties_frame(cursor, orders["party_id"])
        carry = _carry_frame(cursor, carry_run_id)
    return snapshot_from_frames(members=members, orders=orders, parties=parties, carry=carry)


# Orders in the company (the planner's estimate) from which they are read beside the members. Measured at stop 30:
# 10M members, 20M orders, the load 41.1 -> 32.4 s (+955 MB at the peak); 1M members, 2M orders, about 0.2 s faster
# for 140 MB more (a second thread's allocations), so not below this.
ORDERS_BESIDE_FROM = 5_000_000


def _orders_beside(cursor) -> bool:
    if connection.in_atomic_block:
        return False
    cursor.execute("SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [Order._meta.db_table])
    return cursor.fetchone()[0] >= ORDERS_BESIDE_FROM


class _OrdersBeside:
    """``_orders_frame`` on a thread and connection of its own (the run's schema and search path)."""

    def __init__(self, cursor, start: datetime.date, end: datetime.date, reads: frozenset[str]):
        self._search_path = search_path(cursor)
        self._params = connection_params()
        self._outcome: dict[str, np.ndarray] | BaseException | None = None
        self._thread = threading.Thread(target=self._read, args=(start, end, reads), name="run-orders", daemon=True)
        self._thread.start()

    def _read(self, start: datetime.date, end: datetime.date, reads: frozenset[str]) -> None:
        try:
            conn = side_connection(self._params)
            try:
                with side_transaction(conn, self._search_path) as cursor:  # it only reads
                    self._outcome = _orders_frame(cursor, start, end, reads)
            finally:
                conn.close()
        except BaseException as exc:  # handed to the caller's thread by result()
            self._outcome = exc

    def wait(self) -> None:
        self._thread.join()

    def result(self) -> dict[str, np.ndarray]:
        self.wait()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        assert self._outcome is not None
        return self._outcome


def _margins_in_base_currency(cursor, plan: Plan, start: datetime.date, end: datetime.date) -> None:
    """A retail-profit bonus pays each order's retail margin, an amount in the order's currency; the engine works in
    the company's base currency, so a period whose margins are in other currencies (orders in another market) is
    refused rather than paid euros as dollars. Volumes (PV, CV) are currency-free and never stop a run."""
    if not any(isinstance(component, RetailProfit) for component in plan.components):
        return
    counted, params = counted_orders_sql(start, end)
    cursor.execute(f"{counted} SELECT DISTINCT currency FROM counted WHERE net_retail > net_dist", params)
    base = company_settings_get().currency
    others = sorted(code for (code,) in cursor.fetchall() if code != base)
    if others:
        raise ValidationError(
            {
                "plan": _(
                    "The plan's retail-profit bonus pays order margins in %(base)s, and this period has orders in "
                    "%(others)s: margins in another currency are not converted yet, so the period cannot be "
                    "calculated with this bonus."
                )
                % {"base": base, "others": ", ".join(others)}
            }
        )


def _excluded_during(members: dict[str, np.ndarray], start: datetime.date, end: datetime.date) -> np.ndarray:
    """Excluded for the period by the demotion history of the period, not by today's flag (a period computed later
    must not lose a member excluded since). The flag counts only where no history explains it: see the selector."""
    return np.isin(members["id"], members_commission_excluded_during(start=start, end=end))


class _Column(NamedTuple):
    name: str
    sql: str
    pg_type: str
    part: str | None  # the part of the snapshot it is for (engine.calculate.SNAPSHOT_PARTS); None: every plan's
    absent: int  # its value when the plan does not read it


_MEMBER_COLUMNS = (
    _Column("id", "id", "int8", None, 0),
    _Column("sponsor_id", "COALESCE(sponsor_id, -1)", "int8", None, 0),
    _Column("placement_id", "COALESCE(placement_parent_id, -1)", "int8", PLACEMENT, -1),
    _Column("position", "COALESCE(placement_position, -1)::int2", "int2", PLACEMENT, -1),
    _Column("join_day", "((joined_at AT TIME ZONE %(tz)s)::date - DATE '1970-01-01')::int4", "int4", JOIN_DAYS, 0),
    _Column("eligible", "status = ANY(%(earning)s)", "bool", None, 0),
    _Column(
        "prev_rank",
        "(COALESCE(array_position(%(ranks)s::text[], NULLIF(highest_rank, '')), 0) - 1)::int2",
        "int2",
        None,
        0,
    ),
    _Column("sponsor_depth", "sponsor_depth", "int4", None, 0),
)


def _members_frame(cursor, plan: Plan, reads: frozenset[str]) -> dict[str, np.ndarray]:
    """Members with what the plan reads of them. Without a binary or matrix component every member is unplaced (no
    second tree to order); without a component that counts days from joining, nobody's join day is converted to the
    company's calendar (a time-zone conversion per member)."""
    tz = company_settings_get().timezone
    params = {"tz": tz, "earning": list(EARNING_STATUSES), "ranks": [r.code for r in plan.ranks] or ["-"]}
    frame = _read(cursor, f"SELECT {{columns}} FROM {Member._meta.db_table}", params, _MEMBER_COLUMNS, reads)
    # Sponsor depth, then id: every sponsor before its recruits. Sorted here, not by the server (millions of rows
    # would spill its sort to disk).
    order = np.lexsort((frame["id"], frame.pop("sponsor_depth")))
    return {name: column[order] for name, column in frame.items()}


_NUMPY_TYPES = {"int2": np.int16, "int4": np.int32, "int8": np.int64, "bool": np.bool_}


def _read(
    cursor, query: str, params: list | dict, columns: tuple[_Column, ...], reads: frozenset[str]
) -> dict[str, np.ndarray]:
    """``query`` (with ``{columns}`` where the select list goes) by binary COPY, sending only the columns the plan
    reads: the server's side of a COPY costs per column. The others are filled with their ``absent`` value."""
    sent = [column for column in columns if column.part is None or column.part in reads]
    values = copy_out(
        cursor,
        query.replace("{columns}", ", ".join(column.sql for column in sent)),
        params,
        [column.pg_type for column in sent],
    )
    frame = {column.name: array for column, array in zip(sent, values, strict=True)}
    n = len(values[0])
    return {
        column.name: frame[column.name]
        if column.name in frame
        else np.full(n, column.absent, _NUMPY_TYPES[column.pg_type])
        for column in columns
    }


# The counted orders a run loads: a fully refunded order (or one with nothing to pay on) drops out.
COUNTED_WITH_VOLUME = "net_pv > 0 OR net_cv > 0 OR net_retail > 0"


def counted_orders_sql(start: datetime.date, end: datetime.date) -> tuple[str, list]:
    """``(sql, params)`` of the period's orders *as its run counts them*: a CTE ``counted`` with the columns ``o.*``
    plus the net figures as integers, ``net_pv`` and ``net_cv`` in hundredths, ``net_retail`` and ``net_dist`` in
    cents (the order's own generated net columns, plus what a clawback flag adds back).

    An order belongs to the period its payment was assigned to (``period_start``, set at payment: a payment after the
    period closed goes to the next open period). Net of refunds made before the period closed: a refund after the
    close raised a ClawbackFlag and is clawed back when a later period posts, so it is added back here (the closed
    period's numbers no longer move, and the same refund is never both left out of the run and clawed back)."""
    flags, refund_lines = ClawbackFlag._meta.db_table, RefundLine._meta.db_table
    order_lines = RefundLine._meta.get_field("line").related_model._meta.db_table
    sql = f"""
        WITH margins AS (
            SELECT rl.refund_id, SUM(ROUND(l.unit_retail * rl.quantity, 2)) AS retail,
                   SUM(ROUND(l.unit_distributor * rl.quantity, 2)) AS dist
              FROM {refund_lines} rl JOIN {order_lines} l ON l.id = rl.line_id
             WHERE rl.refund_id IN (SELECT refund_id FROM {flags} WHERE period_start BETWEEN %s AND %s)
             GROUP BY rl.refund_id),
        flagged AS (
            SELECT f.order_id, ROUND(SUM(f.pv) * 100)::int8 AS pv, ROUND(SUM(f.cv) * 100)::int8 AS cv,
                   ROUND(COALESCE(SUM(m.retail), 0) * 100)::int8 AS retail,
                   ROUND(COALESCE(SUM(m.dist), 0) * 100)::int8 AS dist
              FROM {flags} f LEFT JOIN margins m ON m.refund_id = f.refund_id
             WHERE f.period_start BETWEEN %s AND %s
             GROUP BY f.order_id),
        counted AS (
            SELECT o.*, o.net_pv_hundredths + COALESCE(fl.pv, 0) AS net_pv,
                   o.net_cv_hundredths + COALESCE(fl.cv, 0) AS net_cv,
                   o.net_retail_cents + COALESCE(fl.retail, 0) AS net_retail,
                   o.net_distributor_cents + COALESCE(fl.dist, 0) AS net_dist
              FROM {Order._meta.db_table} o LEFT JOIN flagged fl ON fl.order_id = o.id
             WHERE o.period_start BETWEEN %s AND %s AND o.status = ANY(%s))
        """
    return sql, [start, end, start, end, start, end, list(VOLUME_STATUSES)]


_ORDER_COLUMNS = (
    _Column("id", "id", "int8", None, 0),
    _Column("buyer_id", "COALESCE(buyer_member_id, -1)", "int8", None, 0),
    _Column("credited_id", "credited_member_id", "int8", None, 0),
    _Column("day", "(paid_on - DATE '1970-01-01')::int4", "int4", ORDER_DAYS, 0),
    _Column("pv", "net_pv", "int8", None, 0),
    _Column("cv", "net_cv", "int8", None, 0),
    _Column("retail", "net_retail", "int8", MARGINS, 0),
    _Column("dist", "net_dist", "int8", MARGINS, 0),
    _Column("party_id", "COALESCE(party_id, -1)", "int8", PARTIES, -1),
)


def _orders_frame(cursor, start: datetime.date, end: datetime.date, reads: frozenset[str]) -> dict[str, np.ndarray]:
    """Orders of the period as its run counts them (counted_orders_sql; a fully refunded order drops out). Refunds
    after the period closed are clawed back when a later period posts (see services_posting.run_post).

    Only the columns the plan reads are sent (``reads``): the server's side of a COPY costs per column, and a
    unilevel plan reads five of the nine."""
    counted, params = counted_orders_sql(start, end)
    query = f"{counted} SELECT {{columns}} FROM counted WHERE {COUNTED_WITH_VOLUME}"
    frame = _read(cursor, query, params, _ORDER_COLUMNS, reads)
    n = len(frame["id"])
    if n > 1 and (np.diff(frame["id"]) < 0).any():  # by id (a scan usually returns them so)
        order = np.argsort(frame["id"], kind="stable")
        frame = {name: column[order] for name, column in frame.items()}
    return frame


def _parties_frame(cursor, party_ids: np.ndarray) -> dict[str, np.ndarray]:
    wanted = np.unique(party_ids[party_ids >= 0])
    if not len(wanted):
        empty = np.zeros(0, np.int64)
        return {"id": empty, "consultant_id": empty, "host_member_id": empty, "host_customer_id": wanted}
    columns = copy_out(
        cursor,
        f"SELECT id, consultant_id, COALESCE(host_member_id, -1), COALESCE(host_customer_id, -1)"
        f" FROM {Party._meta.db_table} WHERE id = ANY(%s) ORDER BY id",
        [wanted.tolist()],
        ["int8", "int8", "int8", "int8"],
    )
    return dict(zip(("id", "consultant_id", "host_member_id", "host_customer_id"), columns, strict=True))


def _carry_frame(cursor, run_id: int | None) -> dict[str, np.ndarray]:
    if run_id is None:
        return {"member_id": np.zeros(0, np.int64), "left": np.zeros(0, np.int64), "right": np.zeros(0, np.int64)}
    columns = copy_out(
        cursor,
        f"SELECT member_id, carry_left, carry_right FROM {RunMemberResult._meta.db_table}"
        " WHERE run_id = %s AND (carry_left > 0 OR carry_right > 0)",
        [run_id],
        ["int8", "int8", "int8"],
    )
    return dict(zip(("member_id", "left", "right"), columns, strict=True))


def topological_order(parents: list[np.ndarray]) -> np.ndarray:
    """A permutation putting every node after all of its parents (each array: parent index or -1; one parent per
    tree). Kahn's algorithm by layers: one numpy step per layer and tree, work proportional to the edges. A child has
    one parent in each tree, so a layer's children of one tree are distinct and their in-degrees drop by plain
    indexing (no ``ufunc.at``, no ``unique``); a node whose two parents are in the same layer is taken once."""
    n = len(parents[0])
    indegree = np.zeros(n, np.int32)
    trees = []
    for parent_of in parents:
        child = np.flatnonzero(parent_of >= 0)
        parent = parent_of[child]
        indegree[child] += 1
        by_parent = np.argsort(parent, kind="stable")
        trees.append((child[by_parent], np.searchsorted(parent[by_parent], np.arange(n + 1))))
    out = []
    frontier = np.flatnonzero(indegree == 0)
    while len(frontier):
        out.append(frontier)
        reached = []
        for children, starts in trees:
            lo = starts[frontier]
            counts = starts[frontier + 1] - lo
            total = int(counts.sum())
            if total:
                kids = children[np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)]
                indegree[kids] -= 1
                reached.append(kids)
        ready = []
        for kids in reached:
            free = kids[indegree[kids] == 0]
            indegree[free] = -1  # taken
            ready.append(free)
        frontier = np.sort(np.concatenate(ready)) if ready else np.zeros(0, np.int64)
    order = np.concatenate(out) if out else np.zeros(0, np.int64)
    if len(order) != n:
        raise ValueError("the sponsor and placement trees have a cycle")
    return order


def snapshot_from_frames(*, members: dict, orders: dict, parties: dict, carry: dict) -> Snapshot:
    """Map database ids to indexes and assemble the Snapshot (pure numpy; tests can call it without a database)."""
    member_id = members["id"]
    n = len(member_id)
    index_of = np.full(int(member_id.max()) + 2 if n else 1, -1, np.int64)
    index_of[member_id] = np.arange(n)

    def idx(ids: np.ndarray) -> np.ndarray:
        if not len(ids) or (ids.min() >= -1 and ids.max() < len(index_of)):
            # -1 (none) reads the last slot, one past the largest id: -1. One gather, no mask (20M orders: 0.3 s
            # instead of 1.3 s).
            return np.take(index_of, ids)
        out = np.full(len(ids), -1, np.int64)  # an id no member has: none
        known = (ids >= 0) & (ids < len(index_of))
        out[known] = index_of[ids[known]]
        return out

    sponsor, placement = idx(members["sponsor_id"]), idx(members["placement_id"])
    here = np.arange(n)
    if ((sponsor >= here) | (placement >= here)).any():
        perm = topological_order([sponsor, placement])
        members = {name: values[perm] for name, values in members.items()}
        member_id = members["id"]
        index_of[member_id] = np.arange(n)
        sponsor, placement = idx(members["sponsor_id"]), idx(members["placement_id"])
    position = np.where(placement >= 0, members["position"], -1).astype(np.int8)
    position[(position < -1) | (position > 1)] = -1  # matrix slots: the engine only needs binary legs

    carry_left = np.zeros(n, np.int64)
    carry_right = np.zeros(n, np.int64)
    at = idx(carry["member_id"])
    carry_left[at[at >= 0]] = carry["left"][at >= 0]
    carry_right[at[at >= 0]] = carry["right"][at >= 0]

    buyer = idx(orders["buyer_id"])
    credited = idx(orders["credited_id"])
    party_ids = parties["id"]
    party_idx = np.full(len(orders["party_id"]), -1, np.int64)
    if len(party_ids):
        pos = np.searchsorted(party_ids, orders["party_id"])
        pos = np.minimum(pos, len(party_ids) - 1)
        party_idx = np.where(party_ids[pos] == orders["party_id"], pos, -1)
    return Snapshot(
        member_id=member_id.astype(np.int64),
        sponsor_idx=sponsor.astype(np.int32),
        placement_idx=placement.astype(np.int32),
        placement_position=position,
        join_date=members["join_day"].astype("datetime64[D]"),
        eligible=members["eligible"].astype(bool),
        excluded=members["excluded"].astype(bool),
        prev_highest_rank=members["prev_rank"].astype(np.int16),
        carry_left=carry_left,
        carry_right=carry_right,
        order_id=orders["id"].astype(np.int64),
        buyer_idx=buyer.astype(np.int32),
        credited_idx=credited.astype(np.int32),
        is_customer_order=buyer < 0,
        order_date=orders["day"].astype("datetime64[D]"),
        pv=orders["pv"],
        cv=orders["cv"],
        retail_total=orders["retail"],
        distributor_total=orders["dist"],
        party_idx=party_idx.astype(np.int32),
        party_id=party_ids.astype(np.int64),
        party_consultant_idx=idx(parties["consultant_id"]).astype(np.int32),
        party_host_idx=idx(parties["host_member_id"]).astype(np.int32),
        party_host_customer_id=parties["host_customer_id"].astype(np.int64),
    )
