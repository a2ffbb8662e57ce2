"""Reads of the demotion history: who was at which stage on any date (rebuilt from the recorded transitions), counts
over time for the chart, and a member's own explanation of where they stand and what lifts it."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

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


def commission_excluded_during(*, start: datetime.date, end: datetime.date) -> set[int]:
    """Members excluded from commissions on any day of [start, end]. A lifted exclusion pays again from the next
    period (seed 003), so a member excluded for part of a period earns nothing for it."""
    exclusion_bits: dict[int | None, int] = {}
    for version_id, document in DemotionPolicyVersion.objects.values_list("id", "document"):
        policy = policy_parse(document)
        exclusion_bits[version_id] = sum(
            1 << i for i, stage in enumerate(policy.stages) if "commission_exclusion" in stage.actions
        )
    table = StageTransition._meta.db_table
    excluded: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT member_id, policy_id, to_holds FROM (
                SELECT DISTINCT ON (member_id) member_id, policy_id, to_holds FROM {table}
                 WHERE day < %s ORDER BY member_id, day DESC, id DESC
            ) before_start
            UNION ALL
            SELECT member_id, policy_id, to_holds FROM {table} WHERE day BETWEEN %s AND %s
            """,
            [start, start, end],
        )
        for member_id, policy_id, holds in cursor.fetchall():
            if holds & exclusion_bits.get(policy_id, 0):
                excluded.add(member_id)
    return excluded


def stage_history(*, member: Member):
    """The member's stage transitions, newest first."""
    return StageTransition.objects.filter(member=member).order_by("-day", "-id")


def evaluation_runs_list() -> QuerySet[EvaluationRun]:
    """Every evaluation run, the latest day first."""
    return EvaluationRun.objects.all()


def notifications_list() -> QuerySet[Notification]:
    """Every stage notice sent or queued, newest first, with its member."""
    return Notification.objects.select_related("member")
