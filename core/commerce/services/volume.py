"""Member volume per commission period, rebuilt from orders (never incremented, so it cannot drift), and the two
hand-offs with the plan engine: a period's close (later refunds are flagged for clawback) and a flag's resolution.
The plan engine reaches these through core.commerce.public."""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.commerce.models import VOLUME_STATUSES, ZERO, ClawbackFlag, CommissionPeriodClose, MemberVolume, Order


def _volume_aggregates() -> dict[str, Coalesce]:
    personal = Q(buyer_member_id=F("credited_member_id"))
    net_pv = F("pv_total") - F("refunded_pv")
    return {
        "pv": Coalesce(Sum(net_pv, filter=personal), ZERO),
        "psv": Coalesce(Sum(net_pv), ZERO),
        "cv": Coalesce(Sum(F("cv_total") - F("refunded_cv")), ZERO),
    }


@transaction.atomic
def volume_recompute(*, member_id: int, period_start: datetime.date) -> MemberVolume:
    """Rebuild one member-period from its orders (never incremented: it cannot drift from the orders)."""
    totals = Order.objects.filter(
        credited_member_id=member_id, period_start=period_start, status__in=VOLUME_STATUSES
    ).aggregate(**_volume_aggregates())
    volume, _ = MemberVolume.objects.update_or_create(member_id=member_id, period_start=period_start, defaults=totals)
    return volume


@transaction.atomic
def volume_recompute_period(*, period_start: datetime.date) -> int:
    """Rebuild every member's row of a period in one statement (after an import, or a change of period length)."""
    statuses = list(VOLUME_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {MemberVolume._meta.db_table} (member_id, period_start, pv, psv, cv, updated_at)
            SELECT credited_member_id, period_start,
                   COALESCE(SUM(pv_total - refunded_pv) FILTER (WHERE buyer_member_id = credited_member_id), 0),
                   SUM(pv_total - refunded_pv), SUM(cv_total - refunded_cv), now()
              FROM {Order._meta.db_table}
             WHERE period_start = %s AND status = ANY(%s)
             GROUP BY credited_member_id, period_start
            ON CONFLICT (member_id, period_start)
            DO UPDATE SET pv = EXCLUDED.pv, psv = EXCLUDED.psv, cv = EXCLUDED.cv, updated_at = EXCLUDED.updated_at
            """,
            [period_start, statuses],
        )
        written = cursor.rowcount
        cursor.execute(
            f"""
            UPDATE {MemberVolume._meta.db_table} v SET pv = 0, psv = 0, cv = 0, updated_at = now()
             WHERE v.period_start = %s AND NOT EXISTS (
                   SELECT 1 FROM {Order._meta.db_table} o WHERE o.credited_member_id = v.member_id
                      AND o.period_start = v.period_start AND o.status = ANY(%s))
            """,
            [period_start, statuses],
        )
    return written


@transaction.atomic
def commission_period_close(*, period_start: datetime.date, note: str = "") -> CommissionPeriodClose:
    """Called by the plan engine when it closes a period: orders paid from now on count in the next open period
    (core.commerce.selectors.periods.open_period_start_for) and later refunds of its orders are flagged for
    clawback. The EXCLUSIVE lock on orders waits for every payment in flight (they hold their order's row lock) and
    holds new ones until this commits, so no payment decides its period on a stale view of the closes."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Order._meta.db_table} IN EXCLUSIVE MODE")
    close, _ = CommissionPeriodClose.objects.get_or_create(
        period_start=period_start, defaults={"closed_at": timezone.now(), "note": note}
    )
    return close


@transaction.atomic
def clawback_flag_resolve(*, flag: ClawbackFlag, resolution: str) -> ClawbackFlag:
    flag.resolved_at = timezone.now()
    flag.resolution = resolution
    flag.save(update_fields=["resolved_at", "resolution"])
    return flag
