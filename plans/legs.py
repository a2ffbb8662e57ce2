"""Binary leg volumes of the period for the back office, read without summing a leg.

A member's left (right) leg volume is the CV carried in plus the CV of everyone placed under their left (right)
child this period: on a million-member company a top member's leg holds hundreds of thousands of members, so summing
it on each request grows with the leg. Instead the figures come from what a commission run stored per member
(``RunMemberResult.leg_left``/``leg_right``: carry-in plus the period's CV, before pairing; ``carry_left``/
``carry_right``: what carries on) and, in an open period, the CV that changed since that run:

    leg now = the run's leg + Σ over members of the leg whose volume changed since the run (CV now − CV the run read)

The run keeps each member's own CV as it read it (``RunMemberResult.cv``) and commerce stamps each member's volume
row when an order is paid or refunded (``MemberVolume.updated_at``, indexed with the period), so the change since the
run is exact and its cost grows with the orders since the run (and an hour before it: ``CHANGES_MARGIN``), not with
the leg. The beat job recalculates the open
period every 15 minutes (a projection), so that is a quarter of an hour of orders. Before the period's first
calculation every volume row of the period counts as a change (the baseline is the carry-in alone).

Which run: the period's posted run once there is one (its figures are final: nothing is added); otherwise the newest
finished preview or projection of the period. A member moved to another leg after that run counts in the old leg
until the next calculation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q

from core.commerce.public import MemberVolume
from core.members.models import Member
from plans.models import CommissionRun, RunKind, RunMemberResult, RunStatus

# A payment stamps its member's volume row inside its transaction, which may commit after a run that started later
# has read the period: rows stamped up to this long before the run are compared too. Comparing more rows than
# changed costs a little and changes nothing (an unchanged member's difference is 0).
CHANGES_MARGIN = datetime.timedelta(hours=1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class LegsSource:
    """Where a period's leg volumes come from: ``run_id`` (None: no calculation of the period yet), ``final`` (the
    posted run: its figures as they are), ``as_of`` (when that run was calculated or posted), and the last posted
    run before the period (its carry-over is what every leg started the period with)."""

    period_start: datetime.date
    run_id: int | None
    final: bool
    as_of: datetime.datetime | None
    since: datetime.datetime | None  # volume rows stamped from then on may differ from what the run read
    carried_run_id: int | None


@dataclass(frozen=True)
class LegVolumes:
    left: Decimal  # carry-in + the period's CV in the left leg (so far, or as of the posted run)
    right: Decimal
    carry_left: Decimal | None  # what the run carries to the next period (None: no calculation of the period yet)
    carry_right: Decimal | None


def legs_source(*, period_start: datetime.date) -> LegsSource:
    """The run the period's leg volumes start from, as described in the module docstring; two small queries."""
    runs = CommissionRun.objects.filter(period__start=period_start).filter(
        Q(status=RunStatus.POSTED)
        | Q(kind__in=[RunKind.PREVIEW, RunKind.PROJECTION], status__in=[RunStatus.DONE, RunStatus.APPROVED])
    )
    newest = (F("posted_at").desc(nulls_last=True), F("finished_at").desc(nulls_last=True), "-id")
    found = runs.order_by(*newest).values("pk", "status", "created_at", "finished_at", "posted_at").first()
    carried = (
        CommissionRun.objects.filter(status=RunStatus.POSTED, period__start__lt=period_start)
        .order_by("-period__start")
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        return LegsSource(period_start, None, False, None, None, carried)
    final = found["status"] == RunStatus.POSTED
    return LegsSource(
        period_start=period_start,
        run_id=found["pk"],
        final=final,
        as_of=found["posted_at"] if final else found["finished_at"],
        since=found["created_at"] - CHANGES_MARGIN,
        carried_run_id=carried,
    )


def _points(hundredths: int) -> Decimal:
    return (Decimal(int(hundredths)) / HUNDRED).quantize(CENT)


def leg_volumes(*, member_ids: list[int], source: LegsSource) -> dict[int, LegVolumes]:
    """Left and right leg volume and carry-over of each member, from ``source``'s run plus the changes since (four
    queries at most whatever the size of the legs). Members the run did not see start from their carry-in."""
    ids = [int(i) for i in member_ids]
    if not ids:
        return {}
    stored: dict[int, tuple[int, int, int, int]] = {}
    if source.run_id is not None:
        stored = {
            row[0]: row[1:]
            for row in RunMemberResult.objects.filter(run_id=source.run_id, member_id__in=ids).values_list(
                "member_id", "leg_left", "leg_right", "carry_left", "carry_right"
            )
        }
    carried: dict[int, tuple[int, int]] = {}
    missing = [i for i in ids if i not in stored]
    if missing and source.carried_run_id is not None:
        carried = {
            row[0]: row[1:]
            for row in RunMemberResult.objects.filter(run_id=source.carried_run_id, member_id__in=missing).values_list(
                "member_id", "carry_left", "carry_right"
            )
        }
    changes = {} if source.final else _changes_since(member_ids=ids, source=source)
    out = {}
    for i in ids:
        if i in stored:
            left, right, carry_left, carry_right = stored[i]
            carry: tuple[Decimal | None, Decimal | None] = (_points(carry_left), _points(carry_right))
        else:
            left, right = carried.get(i, (0, 0))
            carry = (None, None)
        out[i] = LegVolumes(
            left=_points(left + changes.get((i, 0), 0)),
            right=_points(right + changes.get((i, 1), 0)),
            carry_left=carry[0],
            carry_right=carry[1],
        )
    return out


def _changes_since(*, member_ids: list[int], source: LegsSource) -> dict[tuple[int, int], int]:
    """{(member, side): CV hundredths changed since the run in that member's leg on that side}. Two queries: the
    members' depths, then the volume rows stamped since the run (the (period, updated_at) index) of members placed
    under one of ``member_ids``, each counted once per such ancestor on the side of the ancestor's child on its path.
    An ancestor at depth d sits at ``path[d + 1]`` and its child on the way at ``path[d + 2]``: a lookup, not a walk
    along the path, so a deep tree costs no more than a shallow one."""
    depths = dict(Member.objects.filter(pk__in=member_ids).values_list("pk", "placement_depth"))
    ids = [i for i in member_ids if i in depths]
    volume, members, results = (
        MemberVolume._meta.db_table,
        Member._meta.db_table,
        RunMemberResult._meta.db_table,
    )
    since = "AND v.updated_at >= %(since)s" if source.since is not None else ""
    # Each changed row's member is looked up by key (LATERAL ... LIMIT 1 keeps it from becoming a hash join that reads
    # every member's path, as in core.commerce.selectors.volume.volumes_under), and JIT stays off for a query this
    # small.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            f"""
            WITH changed AS (
              SELECT m.path, round(v.cv * 100)::bigint - COALESCE(r.cv, 0) AS delta
                FROM {volume} v
               CROSS JOIN LATERAL (
                 SELECT placement_path AS path FROM {members} WHERE id = v.member_id LIMIT 1
               ) m
                LEFT JOIN {results} r ON r.run_id = %(run)s AND r.member_id = v.member_id
               WHERE v.period_start = %(start)s {since}
            )
            SELECT n.id, child.placement_position, SUM(c.delta)
              FROM changed c
              JOIN unnest(%(ids)s::bigint[], %(depths)s::int[]) AS n(id, depth)
                ON c.path[n.depth + 1] = n.id AND cardinality(c.path) > n.depth + 1
              JOIN {members} child ON child.id = c.path[n.depth + 2]
             WHERE c.delta <> 0
             GROUP BY 1, 2
            """,
            {
                "ids": ids,
                "depths": [depths[i] for i in ids],
                "run": source.run_id or 0,
                "start": source.period_start,
                "since": source.since,
            },
        )
        return {(node, side): int(delta) for node, side, delta in cursor.fetchall() if side in (0, 1)}
