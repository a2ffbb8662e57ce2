"""Volume reads for the compensation plan and demotion (through core.commerce.public): PV, PSV and CV per member for
orders paid in a window, net of refunds, and the orders the plan engine pays on. Each set-based read is one query."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from core.commerce.models import VOLUME_STATUSES, ZERO, MemberVolume, Order
from core.members.models import Member, Tree


@dataclass(frozen=True)
class Volume:
    pv: Decimal
    psv: Decimal
    cv: Decimal


def _paid_between(start_date: datetime.date, end_date: datetime.date) -> QuerySet[Order]:
    return Order.objects.filter(status__in=VOLUME_STATUSES, paid_on__gte=start_date, paid_on__lte=end_date)


def volume_by_member(period_start: datetime.date, period_end: datetime.date) -> dict[int, Volume]:
    """PV, PSV and CV per credited member for orders paid from period_start to period_end (both inclusive),
    net of refunds. Members without orders are absent (read a missing key as zero)."""
    personal = Q(buyer_member_id=F("credited_member_id"))
    rows = (
        _paid_between(period_start, period_end)
        .values("credited_member_id")
        .annotate(
            pv=Coalesce(Sum(F("pv_total") - F("refunded_pv"), filter=personal), ZERO),
            psv=Sum(F("pv_total") - F("refunded_pv")),
            cv=Sum(F("cv_total") - F("refunded_cv")),
        )
    )
    return {r["credited_member_id"]: Volume(pv=r["pv"], psv=r["psv"], cv=r["cv"]) for r in rows}


def psv_by_member_between(start_date: datetime.date, end_date: datetime.date) -> dict[int, Decimal]:
    """Net PSV per credited member for orders paid in [start_date, end_date]; one query."""
    rows = (
        _paid_between(start_date, end_date)
        .values("credited_member_id")
        .annotate(psv=Sum(F("pv_total") - F("refunded_pv")))
    )
    return {r["credited_member_id"]: r["psv"] for r in rows}


def pv_by_member_between(start_date: datetime.date, end_date: datetime.date) -> dict[int, Decimal]:
    """Net PV (own purchases only) per member, for policies whose PSV basis is personal purchases; one query."""
    rows = (
        _paid_between(start_date, end_date)
        .filter(buyer_member_id=F("credited_member_id"))
        .values("credited_member_id")
        .annotate(pv=Sum(F("pv_total") - F("refunded_pv")))
    )
    return {r["credited_member_id"]: r["pv"] for r in rows}


def volumes_of(*, member_ids: list[int], period_start: datetime.date) -> dict[int, Volume]:
    """PV, PSV and CV of a page of members in one period, from their stored rows (one indexed query); members without
    a row are absent (read as zero)."""
    # No ordering: the model's default orders by member, which would join the members table for their numbers.
    rows = MemberVolume.objects.filter(member_id__in=member_ids, period_start=period_start).order_by()
    return {
        member: Volume(pv=pv, psv=psv, cv=cv)
        for member, pv, psv, cv in rows.values_list("member_id", "pv", "psv", "cv")
    }


def volumes_under(
    *, head_ids: list[int], period_start: datetime.date, tree: str = Tree.SPONSOR, few: bool = False
) -> dict[int, Volume]:
    """For each head: PSV and CV summed over the head and everyone under them in ``tree`` for one period (GV is the
    PSV sum over the sponsor subtree; a binary leg's volume is the CV sum over the placement subtree). One query,
    each head's subtree found through the path index: its cost grows with the subtrees, so callers bound them.

    ``few``: the subtrees together hold at most a few thousand members (the genealogy viewer's cards), so each
    member's row is looked up by its key (member, period) instead of the planner's hash join over the whole period's
    volumes, which reads every row of the period (a third of a million on a million-member company) to sum a few
    hundred."""
    if not head_ids:
        return {}
    path = "placement_path" if tree == Tree.PLACEMENT else "sponsor_path"
    volume = MemberVolume._meta.db_table
    if few:
        # LIMIT 1 keeps the lateral subquery from being flattened into a join: one index lookup per member.
        rows = f"""
              LEFT JOIN LATERAL (
                SELECT pv, psv, cv FROM {volume} WHERE member_id = m.id AND period_start = %s LIMIT 1
              ) v ON true"""
    else:
        rows = f"JOIN {volume} v ON v.member_id = m.id AND v.period_start = %s"
    # The planner over-estimates the path index's rows per head (thousands for a few), so on a million-member company
    # the estimate passes jit_above_cost and compiling the query costs ~16 ms for well under 1 ms of work: off here.
    with transaction.atomic(), connection.cursor() as cursor:
        if few:
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            f"""
            SELECT h.id, COALESCE(SUM(v.pv), 0), COALESCE(SUM(v.psv), 0), COALESCE(SUM(v.cv), 0)
              FROM unnest(%s::bigint[]) AS h(id)
              JOIN {Member._meta.db_table} m ON m.{path} @> ARRAY[h.id]
              {rows}
             GROUP BY h.id
            """,
            [list(head_ids), period_start],
        )
        found = {head: Volume(pv=pv, psv=psv, cv=cv) for head, pv, psv, cv in cursor.fetchall()}
    return {head: found.get(head, Volume(pv=ZERO, psv=ZERO, cv=ZERO)) for head in head_ids}


def with_period_volume(members: QuerySet[Member], *, period_start: datetime.date) -> QuerySet[Member]:
    """``members`` annotated with ``period_pv`` and ``period_psv`` of one period (zero without a row), so a list can
    sort and page on them in SQL."""
    row = MemberVolume.objects.filter(member_id=OuterRef("pk"), period_start=period_start)
    decimal = DecimalField(max_digits=14, decimal_places=2)
    return members.annotate(
        period_pv=Coalesce(Subquery(row.values("pv")[:1], output_field=decimal), ZERO, output_field=decimal),
        period_psv=Coalesce(Subquery(row.values("psv")[:1], output_field=decimal), ZERO, output_field=decimal),
    )


def member_volumes(*, member_id: int, limit: int = 24) -> QuerySet[MemberVolume]:
    return MemberVolume.objects.filter(member_id=member_id).order_by("-period_start")[:limit]


def member_volumes_all(*, member_id: int) -> QuerySet[MemberVolume]:
    """Every period's volumes of a member, newest first (the API pages them)."""
    return MemberVolume.objects.filter(member_id=member_id).order_by("-period_start")


def orders_for_commissions(start_date: datetime.date, end_date: datetime.date) -> list[Mapping[str, Any]]:
    """One row per order paid in the window, net of refunds, with what the plan engine needs (retail profit =
    net retail - net distributor on customers' orders)."""
    return list(
        _paid_between(start_date, end_date)
        .order_by("id")
        .values(
            "id",
            "number",
            "credited_member_id",
            "buyer_member_id",
            "buyer_customer_id",
            "placed_by",
            "price_tier",
            "paid_on",
            "period_start",
            "party_id",
        )
        .annotate(
            net_pv=F("pv_total") - F("refunded_pv"),
            net_cv=F("cv_total") - F("refunded_cv"),
            net_retail=F("retail_total") - F("refunded_retail"),
            net_distributor=F("distributor_total") - F("refunded_distributor"),
            net_subtotal=F("subtotal") - F("discount"),
        )
    )
