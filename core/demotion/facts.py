"""The facts the policy is evaluated on, for every member at once, as of one day: three queries, whatever the size.

* members not terminated who had joined by the day, with the day inactivity is counted from: the latest of joining,
  the last reinstatement, being imported from another system, and the policy being switched on after a time off
  (the back-office fee also counts only from the day it was switched on). Nobody is demoted for a time before an
  obligation existed;
* back-office subscription history up to the day: the last paid attempt, and the first failed attempt since then
  (the start of a decline's grace period);
* PSV (or personal purchases, as the policy says) in every window the policy uses, in one scan of the orders.

When the company charges no back-office subscription, subscription conditions cannot hold: nobody is demoted for not
paying a fee that does not exist.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.utils import timezone

from core.commerce.public import (
    VOLUME_STATUSES,
    AttemptOutcome,
    BackOfficeSubscription,
    Order,
    SubscriptionAttempt,
    commerce_settings_get,
)
from core.demotion.models import DemotionPolicyVersion, MemberStage
from core.demotion.policy import NEVER, MemberFacts, Policy
from core.members.models import Member, MemberStatus
from core.pgcopy import copy_out


@dataclass
class FactsWithEvidence:
    facts: MemberFacts
    last_paid: np.ndarray  # datetime64[D], NaT when never paid
    first_failure: np.ndarray  # datetime64[D], NaT when in good standing
    counted_from: np.ndarray  # datetime64[D]: join, reinstatement, import or the policy switched on
    fee_due_from: np.ndarray  # datetime64[D]: counted_from, or the day the fee was switched on if later
    psv_by_window: dict[int, np.ndarray]  # window -> int64 cents
    # datetime64[D]: the first day a fee was overdue with no charge attempted for it, NaT when none
    overdue_since: np.ndarray | None = None


def facts_load(*, policy: Policy, day: datetime.date) -> FactsWithEvidence:
    member_ids, counted_from = _members(day, policy_switched_on(day))
    n = len(member_ids)
    day64 = np.datetime64(day, "D")

    commerce = commerce_settings_get()
    fee_due_from = counted_from
    if commerce.subscription_enabled_on is not None and commerce.subscription_enabled_on <= day:
        fee_due_from = np.maximum(counted_from, np.datetime64(commerce.subscription_enabled_on, "D"))
    days_since_fee_due = (day64 - fee_due_from).astype(np.int32)
    last_paid = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    first_failure = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    overdue_since = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if commerce.subscription_enabled:
        history_ids, paid_days, failed_days = _subscription_history(day)
        rows, found = positions_of(member_ids, history_ids)
        last_paid[rows] = as_days(paid_days[found])
        first_failure[rows] = as_days(failed_days[found])
        overdue_ids, overdue_days = _fees_overdue_without_attempt(day)
        rows, found = positions_of(member_ids, overdue_ids)
        overdue_since[rows] = as_days(overdue_days[found])
        # A fee unpaid past its due date with no charge attempt at all (a cancelled subscription, no scheduled
        # charge) lapses like a declined one. Neither counts from before the fee was owed.
        lapsed_from = np.fmin(first_failure, overdue_since)
        first_failure = np.where(np.isnat(first_failure), first_failure, np.maximum(first_failure, fee_due_from))
        overdue_since = np.where(np.isnat(overdue_since), overdue_since, np.maximum(overdue_since, fee_due_from))
        lapsed_from = np.where(np.isnat(lapsed_from), lapsed_from, np.maximum(lapsed_from, fee_due_from))
        days_since_join = (day64 - counted_from).astype(np.int32)
        days_since_paid = np.where(
            np.isnat(last_paid), NEVER, (day64 - np.maximum(last_paid, fee_due_from)).astype(np.int64)
        ).astype(np.int32)
        days_lapsed = np.where(np.isnat(lapsed_from), -1, (day64 - lapsed_from).astype(np.int64)).astype(np.int32)
    else:
        days_since_join = (day64 - counted_from).astype(np.int32)
        days_since_paid = np.zeros(n, dtype=np.int32)
        days_lapsed = np.full(n, -1, dtype=np.int32)

    windows = policy.psv_windows  # the policy parser keeps psv_min and psv_window_days together
    psv = {w: np.zeros(n, dtype=np.int64) for w in windows}
    if windows:
        sums = _psv_windows(day, windows, personal_only=policy.psv_basis == "personal_purchases")
        rows, found = positions_of(member_ids, sums[:, 0])
        for k, w in enumerate(windows):
            psv[w][rows] = sums[found, k + 1]
    facts = MemberFacts(
        member_ids=member_ids,
        days_since_join=days_since_join,
        days_since_paid_subscription=days_since_paid,
        days_lapsed=days_lapsed,
        psv_cents_by_window=psv,
        days_since_fee_due=days_since_fee_due,
    )
    return FactsWithEvidence(
        facts=facts,
        last_paid=last_paid,
        first_failure=first_failure,
        counted_from=counted_from,
        fee_due_from=fee_due_from,
        psv_by_window=psv,
        overdue_since=overdue_since,
    )


def policy_switched_on(day: datetime.date) -> datetime.date | None:
    """The day the policy in force was switched back on after being off (every version since then enabled), if that
    happened by ``day``. A company whose policy was never off counts from joining."""
    versions = list(DemotionPolicyVersion.objects.order_by("-id").values_list("document", "created_at"))
    switched_on = None
    for (document, created_at), older in zip(versions, versions[1:], strict=False):
        if not document.get("enabled", True):
            break
        if not older[0].get("enabled", True):
            switched_on = timezone.localdate(created_at)
            break
    return switched_on if switched_on is not None and switched_on <= day else None


NO_DAY = -(2**31)  # a NULL day in the COPY columns (days since 1970-01-01 otherwise)
EPOCH = "DATE '1970-01-01'"


def int_columns(query: str, params: list, count: int) -> list[np.ndarray]:
    """``count`` bigint columns of ``query`` as numpy arrays, by binary COPY (no Python object per row: the facts of
    a million members arrive in well under a second)."""
    with connection.cursor() as cursor:
        return copy_out(cursor.cursor, query, params, ["int8"] * count)


def as_days(values: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (``NO_DAY`` for none) as datetime64[D] (NaT for none)."""
    return np.where(values == NO_DAY, np.datetime64("NaT"), values.astype("datetime64[D]"))


def positions_of(member_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in the sorted ``member_ids`` of each of ``ids`` that is there, and which of ``ids`` were found
    (members terminated or not yet joined on the day have history but no row)."""
    if not len(member_ids) or not len(ids):
        return np.zeros(0, dtype=np.int64), np.zeros(len(ids), dtype=bool)
    rows = np.minimum(np.searchsorted(member_ids, ids), len(member_ids) - 1)
    found = member_ids[rows] == ids
    return rows[found], found


def _members(day: datetime.date, policy_on: datetime.date | None) -> tuple[np.ndarray, np.ndarray]:
    ids, starts = int_columns(
        f"""
        SELECT m.id, (GREATEST(
                   (m.joined_at AT TIME ZONE 'UTC')::date,
                   s.reinstated_on,
                   CASE WHEN (m.imported_at AT TIME ZONE 'UTC')::date <= %s
                        THEN (m.imported_at AT TIME ZONE 'UTC')::date END,
                   %s::date) - {EPOCH})::bigint
          FROM {Member._meta.db_table} m LEFT JOIN {MemberStage._meta.db_table} s ON s.member_id = m.id
         WHERE m.status <> %s AND (m.joined_at AT TIME ZONE 'UTC')::date <= %s
         ORDER BY m.id
        """,
        [day, policy_on, MemberStatus.TERMINATED, day],
        2,
    )
    return ids, starts.astype("datetime64[D]")


US_PER_DAY = 86_400_000_000


def _subscription_history(day: datetime.date) -> list[np.ndarray]:
    """(member ids, last paid day, first failed day since then), days as in ``_days``, from attempts made up to
    ``day`` (UTC days). The attempts (a million and more at a million members) arrive by binary COPY and are
    grouped in numpy, which is several times faster than PostgreSQL's grouping of them."""
    table = SubscriptionAttempt._meta.db_table
    ids, at_us, outcome = int_columns(
        f"""
        SELECT member_id::bigint, (EXTRACT(EPOCH FROM attempted_at) * 1000000)::bigint,
               CASE outcome WHEN %s THEN 1 WHEN %s THEN 2 ELSE 0 END::bigint
          FROM {table} WHERE (attempted_at AT TIME ZONE 'UTC')::date <= %s
        """,
        [AttemptOutcome.PAID, AttemptOutcome.IN_FLIGHT, day],
        3,
    )
    members, member_of = np.unique(ids, return_inverse=True)
    never, none_failed = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    last_paid = np.full(len(members), never, dtype=np.int64)
    paid = outcome == 1
    np.maximum.at(last_paid, member_of[paid], at_us[paid])
    # A failure (neither paid nor still in flight) counts from after the member's last paid attempt.
    failed = (outcome == 0) & (at_us > last_paid[member_of])
    first_failed = np.full(len(members), none_failed, dtype=np.int64)
    np.minimum.at(first_failed, member_of[failed], at_us[failed])
    paid_days = np.where(last_paid == never, NO_DAY, last_paid // US_PER_DAY)
    failed_days = np.where(first_failed == none_failed, NO_DAY, first_failed // US_PER_DAY)
    return [members, paid_days, failed_days]


def _fees_overdue_without_attempt(day: datetime.date) -> list[np.ndarray]:
    """(member ids, first overdue day) for subscriptions whose fee fell due before ``day`` with no charge attempted
    for that due date or a later one by ``day``."""
    subscriptions = BackOfficeSubscription._meta.db_table
    attempts = SubscriptionAttempt._meta.db_table
    return int_columns(
        f"""
        SELECT s.member_id::bigint, (s.next_due_on + 1 - {EPOCH})::bigint FROM {subscriptions} s
         WHERE s.next_due_on < %s
           AND NOT EXISTS (
               SELECT 1 FROM {attempts} a
                WHERE a.member_id = s.member_id AND a.due_on >= s.next_due_on
                  AND (a.attempted_at AT TIME ZONE 'UTC')::date <= %s)
        """,
        [day, day],
        2,
    )


def _psv_windows(day: datetime.date, windows: list[int], personal_only: bool) -> np.ndarray:
    """One row per credited member: its id, then its net PSV in cents for each window ending on ``day`` (window w =
    the w days up to and including ``day``), from one scan of the orders of the longest window: each order's
    credited member, age in days and net PSV in cents (exact: volumes have two decimals) arrive by binary COPY and
    the windows are summed in numpy, rather than one SQL aggregate per window over numerics."""
    table = Order._meta.db_table
    personal = "AND buyer_member_id = credited_member_id" if personal_only else ""
    ids, ages, cents = int_columns(
        f"""
        SELECT credited_member_id::bigint, (%s::date - paid_on)::bigint, ((pv_total - refunded_pv) * 100)::bigint
          FROM {table}
         WHERE status = ANY(%s) AND paid_on > %s::date - %s AND paid_on <= %s {personal}
        """,
        [day, list(VOLUME_STATUSES), day, max(windows), day],
        3,
    )
    members, member_of = np.unique(ids, return_inverse=True)
    sums = np.zeros((len(members), 1 + len(windows)), dtype=np.int64)
    sums[:, 0] = members
    for k, w in enumerate(windows):
        inside = ages < w  # paid_on > day - w
        # Float sums of whole cents are exact below 2**53 cents.
        sums[:, k + 1] = np.rint(np.bincount(member_of[inside], weights=cents[inside], minlength=len(members)))
    return sums
