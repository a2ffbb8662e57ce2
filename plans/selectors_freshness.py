"""Whether a preview still describes its period: the figures a run's result depends on besides the plan.

Taken when a preview is calculated (from the orders it loaded) and read again from the database before approval and
posting (``plans.services_posting``), which refuse a run whose period changed since."""

from __future__ import annotations

import hashlib

import numpy as np
from django.db import connection

from core.demotion.selectors import members_commission_excluded_during
from core.members.models import Member
from plans.engine import Snapshot
from plans.loader import COUNTED_WITH_VOLUME, EARNING_STATUSES, counted_orders_sql
from plans.models import CommissionPeriod


def _hundredths_text(total: int) -> str:
    """An integer number of hundredths as PostgreSQL prints ``numeric`` with two decimals ("-12.34", "0.00")."""
    units, hundredths = divmod(abs(int(total)), 100)
    return f"{'-' if total < 0 else ''}{units}.{hundredths:02d}"


def period_fingerprint(period: CommissionPeriod, snap: Snapshot | None = None) -> list:
    """What a run's result depends on besides the plan; approval and posting refuse a run whose data changed.
    Taken from the loaded snapshot when there is one (the very rows the run calculated, without reading the period's
    orders, every member and the demotion history a second time): how many orders the run counts, their CV and PV,
    the highest id; how many members and how many of them may earn; who is excluded for the period."""
    if snap is not None:
        n = snap.n_orders
        orders = [n, _hundredths_text(snap.cv.sum()) if n else "0", _hundredths_text(snap.pv.sum()) if n else "0",
                  int(snap.order_id.max()) if n else 0]  # fmt: skip
        members = [snap.n_members, int(snap.eligible.sum())]  # the loader's eligible: status in EARNING_STATUSES
        excluded = np.sort(snap.member_id[snap.excluded]).astype(np.int64)
    else:
        with connection.cursor() as cursor:
            counted, params = counted_orders_sql(period.start, period.end)
            cursor.execute(
                f"""{counted}
                    SELECT count(*), COALESCE((sum(net_cv) * 0.01)::text, '0'),
                           COALESCE((sum(net_pv) * 0.01)::text, '0'), COALESCE(max(id), 0)
                      FROM counted
                     WHERE {COUNTED_WITH_VOLUME}""",
                params,
            )
            orders = list(cursor.fetchone())
            cursor.execute(
                f"SELECT count(*), count(*) FILTER (WHERE status = ANY(%s)) FROM {Member._meta.db_table}",
                [list(EARNING_STATUSES)],
            )
            members = list(cursor.fetchone())
        # Who is excluded *for this period* (its demotion history), not today's flags: an exclusion that starts after
        # the period must not make its preview stale.
        excluded = members_commission_excluded_during(start=period.start, end=period.end)
    return [*orders, *members, len(excluded), hashlib.sha256(excluded.tobytes()).hexdigest()[:16]]
