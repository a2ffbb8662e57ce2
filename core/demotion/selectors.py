"""Reads of the demotion history: who was at which stage on any date (rebuilt from the recorded transitions), counts
over time for the chart, and a member's own explanation of where they stand and what lifts it."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import QuerySet

from core.demotion.models import DemotionPolicyVersion, EvaluationRun, MemberStage, Notification, StageTransition
from core.demotion.policy import Policy
from core.demotion.services.notices import evidence_text
from core.demotion.services.policies import policy_current, policy_parse
from core.members.models import Member


def stages_as_of(*, day: datetime.date) -> dict[int, str]:
    """{member id: stage key} for every member at a stage on ``day`` (members in good standing are absent)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT member_id, to_stage FROM (
                SELECT DISTINCT ON (member_id) member_id, to_stage FROM {StageTransition._meta.db_table}
                 WHERE day <= %s ORDER BY member_id, day DESC, id DESC
            ) latest WHERE to_stage <> ''
            """,
            [day],
        )
        return dict(cursor.fetchall())


def stage_counts_as_of(*, day: datetime.date) -> dict[str, int]:
    return dict(Counter(stages_as_of(day=day).values()))


def stage_series(*, start: datetime.date, end: datetime.date) -> dict:
    """Members per stage on each day from ``start`` to ``end``: the state at ``start`` plus each later transition."""
    if end < start:
        start, end = end, start
    current = stages_as_of(day=start)
    changes = (
        StageTransition.objects.filter(day__gt=start, day__lte=end)
        .order_by("day", "id")
        .values_list("day", "member_id", "to_stage")
    )
    by_day: dict[datetime.date, list[tuple[int, str]]] = {}
    for day, member_id, to_stage in changes:
        by_day.setdefault(day, []).append((member_id, to_stage))
    days, counts_by_day = [], []
    day = start
    while day <= end:
        for member_id, to_stage in by_day.get(day, []):
            if to_stage:
                current[member_id] = to_stage
            else:
                current.pop(member_id, None)
        days.append(day.isoformat())
        counts_by_day.append(Counter(current.values()))
        day += datetime.timedelta(days=1)
    keys = [s.key for s in policy_parse(policy_current().document).stages]
    return {"days": days, "stages": {key: [c.get(key, 0) for c in counts_by_day] for key in keys}}


@dataclass
class MemberStanding:
    member: Member
    stage_key: str
    stage_name: str
    since: datetime.date | None
    actions: list[str]
    why: list[str]
    lifts: list[str]
    next_stage: dict | None


def _lifts(policy: Policy, holding: list[str], evidence: dict) -> list[str]:
    """What the member can do so the stages that hold stop holding, in words."""
    lifts: list[str] = []
    for stage in policy.stages:
        if stage.key not in holding:
            continue
        condition = stage.condition
        steps = []
        if condition.subscription_unpaid_days is not None or condition.subscription_lapsed:
            steps.append("pay your back-office subscription")
        if condition.psv_min is not None:
            window = str(condition.psv_window_days)
            have = evidence.get("psv_by_window", {}).get(window, "0.00")
            steps.append(f"reach {condition.psv_min} PSV within {window} days (you have {have})")
        if steps:
            text = (" or " if condition.combine == "all" else " and ").join(steps)
            line = f"{stage.name}: {text}."
            if line not in lifts:
                lifts.append(line)
    if any(
        a in ("move_downline", "move_to_terminated_tree") for s in policy.stages if s.key in holding for a in s.actions
    ):
        lifts.append("Moves of your downline are undone only by the company (ask for a reinstatement).")
    return lifts


def member_standing(*, member: Member) -> MemberStanding:
    policy = policy_parse(policy_current().document)
    state = MemberStage.objects.filter(member=member).first()
    if state is None or not state.stage_key:
        return MemberStanding(member, "", "In good standing", state.since if state else None, [], [], [], None)
    names = {s.key: s for s in policy.stages}
    holding = state.evidence.get("stages_holding", [state.stage_key])
    why = [f"{names[key].name}: {evidence_text(state.evidence, names[key])}." for key in holding if key in names]
    return MemberStanding(
        member=member,
        stage_key=state.stage_key,
        stage_name=names[state.stage_key].name if state.stage_key in names else state.stage_key,
        since=state.since,
        actions=list(state.actions),
        why=why,
        lifts=_lifts(policy, holding, state.evidence),
        next_stage=state.evidence.get("next_stage"),
    )


def members_commission_excluded_during(*, start: datetime.date, end: datetime.date) -> np.ndarray:
    """Ids (sorted int64 array) of the members excluded from commissions for the period [start, end]: those the
    recorded transitions hold at a stage with the ``commission_exclusion`` action on any day of it (docs/plans.md,
    "Commission exclusion"). One query, whatever the number of members.

    A member's current ``commission_excluded`` flag counts only where the history does not explain it: set by hand
    or by an import on a member the policy has not moved since (in a company without a demotion history, every
    flag). Such a flag carries no date, so it applies to every period, as it did before there was a history."""
    policy_ids, masks = [], []
    for version_id, document in DemotionPolicyVersion.objects.values_list("id", "document"):
        policy_ids.append(version_id)
        stages = policy_parse(document).stages
        masks.append(sum(1 << i for i, stage in enumerate(stages) if "commission_exclusion" in stage.actions))
    transitions, members = StageTransition._meta.db_table, Member._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH exclusion(policy_id, mask) AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[])),
            in_force_at_start AS (
                SELECT DISTINCT ON (member_id) member_id, policy_id, to_holds FROM {transitions}
                 WHERE day < %s ORDER BY member_id, day DESC, id DESC
            ),
            during AS (SELECT member_id, policy_id, to_holds FROM {transitions} WHERE day BETWEEN %s AND %s)
            SELECT COALESCE(array_agg(DISTINCT member_id ORDER BY member_id), '{{}}') FROM (
                SELECT t.member_id FROM (SELECT * FROM in_force_at_start UNION ALL SELECT * FROM during) t
                  JOIN exclusion e ON e.policy_id = t.policy_id
                 WHERE (t.to_holds & e.mask) <> 0
                UNION ALL
                -- flagged members whose latest transition (head: one index probe each) holds no exclusion
                SELECT m.id FROM {members} m
                  LEFT JOIN LATERAL (
                      SELECT policy_id, to_holds FROM {transitions} t
                       WHERE t.member_id = m.id ORDER BY t.day DESC, t.id DESC LIMIT 1
                  ) head ON true
                  LEFT JOIN exclusion e ON e.policy_id = head.policy_id
                 WHERE m.commission_excluded AND (head.to_holds IS NULL OR (head.to_holds & COALESCE(e.mask, 0)) = 0)
            ) excluded
            """,
            [policy_ids, masks, start, start, end],
        )
        return np.asarray(cursor.fetchone()[0], dtype=np.int64)


def stage_history(*, member: Member):
    """The member's stage transitions, newest first."""
    return StageTransition.objects.filter(member=member).order_by("-day", "-id")


def evaluation_runs_list() -> QuerySet[EvaluationRun]:
    """Every evaluation run, the latest day first."""
    return EvaluationRun.objects.all()


def notifications_list() -> QuerySet[Notification]:
    """Every stage notice sent or queued, newest first, with its member."""
    return Notification.objects.select_related("member")


def transitions_on(*, day: datetime.date) -> int:
    """How many stage changes (daily evaluation and reinstatements) were recorded for ``day``."""
    return StageTransition.objects.filter(day=day).count()
