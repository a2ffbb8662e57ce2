"""The evidence a stage transition keeps: the facts behind it, in the order the e-mails and pages read them, and
the next stage the member is heading for with the day it applies."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from core.demotion.policy import NEVER, Policy, stage_gap

if TYPE_CHECKING:
    from core.demotion.services.evaluation import DayOutcome


def _dates(values: np.ndarray) -> list[str | None]:
    """ISO dates of a datetime64[D] column, None for NaT."""
    return [None if text == "NaT" else text for text in np.datetime_as_string(values).tolist()]


def evidence_rows(
    policy: Policy, outcome: DayOutcome, rows: np.ndarray, day: datetime.date, masks: list[int], entered: list
) -> list[dict]:
    """The evidence of each changed member (``rows`` of the outcome; ``masks``: the new holds; ``entered``: the day
    each entered their stage): the facts in the order the e-mails and pages read them. Columns are turned into
    Python values once for all the rows, not one numpy scalar at a time."""
    facts = outcome.facts
    day64 = np.datetime64(day, "D")
    last_paid = _dates(facts.last_paid[rows])
    first_failure = _dates(facts.first_failure[rows])
    no_overdue = [None] * len(rows)
    overdue = _dates(facts.overdue_since[rows]) if facts.overdue_since is not None else no_overdue
    counted_from = np.datetime_as_string(facts.counted_from[rows]).tolist()
    fee_due_from = np.datetime_as_string(facts.fee_due_from[rows]).tolist()
    days_in = (day64 - facts.counted_from[rows]).astype(int).tolist()
    days_due = (day64 - facts.fee_due_from[rows]).astype(int).tolist()
    days_paid = facts.facts.days_since_paid_subscription[rows].astype(int).tolist()
    days_lapsed = facts.facts.days_lapsed[rows].astype(int).tolist()
    windows = list(facts.psv_by_window)
    psv = {w: facts.psv_by_window[w][rows].astype(int).tolist() for w in windows}
    holding = {mask: [s.key for j, s in enumerate(policy.stages) if mask >> j & 1] for mask in set(masks)}
    gap = functools.cache(lambda low, high: stage_gap(policy, low, high))  # a few stage pairs, many members
    day_iso = day.isoformat()
    out = []
    for k, mask in enumerate(masks):
        paid = days_paid[k]
        psv_k = {w: psv[w][k] for w in windows}
        evidence = {
            "day": day_iso,
            "counted_from": counted_from[k],
            "last_paid_subscription": last_paid[k],
            "days_since_paid_subscription": None if paid >= NEVER else paid,
            "first_failed_charge": first_failure[k],
            "days_since_failed_charge": None if first_failure[k] is None else days_lapsed[k],
            "fee_overdue_since": overdue[k],
            "days_lapsed": None if days_lapsed[k] < 0 else days_lapsed[k],
            "fee_due_from": fee_due_from[k],
            "decline_grace_days": policy.decline_grace_days,
            "psv_basis": policy.psv_basis,
            "psv_by_window": {str(w): f"{psv_k[w] / 100:.2f}" for w in windows},
            "stages_holding": list(holding[mask]),
        }
        evidence["next_stage"] = _next_stage(
            policy, mask, day, paid, days_in[k], days_due[k], psv_k, entered[k], gap=gap
        )
        out.append(evidence)
    return out


def _next_stage(
    policy: Policy,
    mask: int,
    day: datetime.date,
    days_paid: int,
    days_in: int,
    days_due: int,
    psv: dict,
    entered_on: datetime.date,
    gap: Callable[[int, int], int],
) -> dict | None:
    """The next stage the member is heading for and the day it applies if nothing changes (the e-mails'
    deadline): the earliest day one of its parts holds (the fee still unpaid, or PSV already short in its window
    once the window has passed since joining), and not before the policy's spacing after the member's current
    stage (no stage is skipped). Day-count stages only; a lapsed-card stage has no fixed day. ``days_in``: days
    since counting started; ``days_due``: days since the fee was first due; ``gap``: ``stage_gap`` for the policy."""
    highest = mask.bit_length() - 1
    for j in range(highest + 1, len(policy.stages)):
        condition = policy.stages[j].condition
        waits = []
        if condition.subscription_unpaid_days is not None:
            waits.append(condition.subscription_unpaid_days - min(days_paid, days_due))
        window = condition.psv_window_days
        if (
            condition.psv_min is not None
            and window is not None
            and window in psv
            and psv[window] < int(condition.psv_min * 100)
        ):
            waits.append(window - days_in)
        if not waits:
            continue
        on = day + datetime.timedelta(days=max(min(waits), 1))
        on = max(on, entered_on + datetime.timedelta(days=gap(highest, j)))
        return {"key": policy.stages[j].key, "name": policy.stages[j].name, "on": on.isoformat()}
    return None
