"""Evaluating a day: every member's stage from the policy's conditions (numpy over the whole company), the transitions
and flags it changes, the run recorded once per day, and the preview of a policy version on a day."""

from __future__ import annotations

import datetime
import io
import json
import time
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.utils import timezone, translation

from core.accounts.models import User
from core.company.selectors import company_languages, language_pick
from core.demotion import tasks
from core.demotion.facts import EPOCH, NO_DAY, FactsWithEvidence, as_days, facts_load, int_columns, positions_of
from core.demotion.models import (
    EvaluationRun,
    MemberStage,
    Notification,
    NotificationStatus,
    StageTransition,
)
from core.demotion.policy import (
    DESTRUCTIVE_ACTIONS,
    NEVER,
    Policy,
    Standing,
    evaluate,
    stage_gap,
    stage_text,
)
from core.demotion.services.notices import notice_context, notice_render_with, notice_shared_context
from core.demotion.services.policies import policy_current, policy_parse
from core.members.models import Member, MemberStatus
from core.members.services.moves import (
    members_move_downlines_up,
    members_move_to_terminated_tree,
)
from core.pgcopy import copy_rows, ids_reserve
from core.progress import ProgressFn, no_progress

SUBJECT_LENGTH = Notification._meta.get_field("subject").max_length

FLAG_ACTIONS = {
    "access_demotion": "access_restricted",
    "commission_exclusion": "commission_excluded",
    "preferred_pricing_loss": "preferred_pricing_suspended",
}


@dataclass
class DayOutcome:
    member_ids: np.ndarray
    new_holds: np.ndarray  # int64 mask per member
    old_holds: np.ndarray
    facts: FactsWithEvidence

    @property
    def changed(self) -> np.ndarray:
        return np.nonzero(self.new_holds != self.old_holds)[0]


def _masks(holds: np.ndarray) -> np.ndarray:
    weights = (np.int64(1) << np.arange(holds.shape[1], dtype=np.int64)) if holds.shape[1] else np.zeros(0, np.int64)
    return (holds.astype(np.int64) * weights).sum(axis=1) if holds.shape[1] else np.zeros(len(holds), np.int64)


def _outcome(policy: Policy, day: datetime.date, paced: bool = True) -> DayOutcome:
    """The day's stages for every member against their stored standing. ``paced=False`` (benchmarks building a
    baseline) skips the no-skipped-stages rule."""
    loaded = facts_load(policy=policy, day=day)
    old, since = _stored_standing(loaded.facts.member_ids)
    day64 = np.datetime64(day, "D")
    standing = Standing(
        stage_index=(np.frexp(old.astype(np.float64))[1] - 1).astype(np.int16),  # the highest holding bit, -1: none
        days_in_stage=np.where(np.isnat(since), 0, (day64 - since).astype(np.int64)).astype(np.int32),
    )
    evaluation = evaluate(policy, loaded.facts, standing if paced else None)
    new = _masks(evaluation.holds) if policy.enabled else np.zeros(len(loaded.facts), dtype=np.int64)
    return DayOutcome(member_ids=loaded.facts.member_ids, new_holds=new, old_holds=old, facts=loaded)


def _stored_standing(member_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each member's stored holds mask (0: in good standing) and the day they entered their stage (NaT: none), in
    the order of ``member_ids`` (sorted), read by binary COPY."""
    old = np.zeros(len(member_ids), dtype=np.int64)
    since = np.full(len(member_ids), np.datetime64("NaT"), dtype="datetime64[D]")
    ids, holds, days = int_columns(
        f"SELECT member_id::bigint, holds::bigint, COALESCE(since - {EPOCH}, {NO_DAY})::bigint "
        f"FROM {MemberStage._meta.db_table}",
        [],
        3,
    )
    rows, found = positions_of(member_ids, ids)
    old[rows] = holds[found]
    since[rows] = as_days(days[found])
    return old, since


def stage_of(policy: Policy, mask: int) -> tuple[str, set[str]]:
    """(key of the member's stage, actions in force) for a mask of holding stages."""
    key, actions = "", set[str]()
    for i, stage in enumerate(policy.stages):
        if mask >> i & 1:
            key = stage.key
            actions.update(stage.actions)
    return key, actions


def _evidence(
    policy: Policy, outcome: DayOutcome, i: int, day: datetime.date, mask: int, entered_on: datetime.date
) -> dict:
    facts = outcome.facts
    last_paid = facts.last_paid[i]
    first_failure = facts.first_failure[i]
    overdue = facts.overdue_since[i] if facts.overdue_since is not None else np.datetime64("NaT")
    days_paid = int(facts.facts.days_since_paid_subscription[i])
    evidence = {
        "day": day.isoformat(),
        "counted_from": str(facts.counted_from[i]),
        "last_paid_subscription": None if np.isnat(last_paid) else str(last_paid),
        "days_since_paid_subscription": None if days_paid >= NEVER else days_paid,
        "first_failed_charge": None if np.isnat(first_failure) else str(first_failure),
        "days_since_failed_charge": None if np.isnat(first_failure) else int(facts.facts.days_lapsed[i]),
        "fee_overdue_since": None if np.isnat(overdue) else str(overdue),
        "days_lapsed": None if int(facts.facts.days_lapsed[i]) < 0 else int(facts.facts.days_lapsed[i]),
        "fee_due_from": str(facts.fee_due_from[i]),
        "decline_grace_days": policy.decline_grace_days,
        "psv_basis": policy.psv_basis,
        "psv_by_window": {str(w): f"{facts.psv_by_window[w][i] / 100:.2f}" for w in facts.psv_by_window},
        "stages_holding": [s.key for j, s in enumerate(policy.stages) if mask >> j & 1],
    }
    psv = {w: int(facts.psv_by_window[w][i]) for w in facts.psv_by_window}
    evidence["next_stage"] = _next_stage(
        policy, mask, day, days_paid, facts.counted_from[i], facts.fee_due_from[i], psv, entered_on
    )
    return evidence


def _next_stage(
    policy: Policy,
    mask: int,
    day: datetime.date,
    days_paid: int,
    counted_from,
    fee_due_from,
    psv: dict,
    entered_on: datetime.date,
) -> dict | None:
    """The next stage the member is heading for and the day it applies if nothing changes (the e-mails'
    deadline): the earliest day one of its parts holds (the fee still unpaid, or PSV already short in its window
    once the window has passed since joining), and not before the policy's spacing after the member's current
    stage (no stage is skipped). Day-count stages only; a lapsed-card stage has no fixed day."""
    highest = mask.bit_length() - 1
    days_in = int((np.datetime64(day, "D") - counted_from).astype(int))
    days_due = int((np.datetime64(day, "D") - fee_due_from).astype(int))
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
        on = max(on, entered_on + datetime.timedelta(days=stage_gap(policy, highest, j)))
        return {"key": policy.stages[j].key, "name": policy.stages[j].name, "on": on.isoformat()}
    return None


def evaluate_day(*, day: datetime.date, progress: ProgressFn | None = None, send_notices: bool = True) -> EvaluationRun:
    """Evaluate every member for ``day`` and apply what changed. Idempotent: a finished day is not run again.

    Two evaluations of one day at once (the daily job and an admin's "run now") serialise on the day's run row:
    the second waits for the first to commit, then finds the day done and returns it untouched (it used to
    overwrite the run with its own empty result, leaving "0 transitions")."""
    progress = progress or no_progress
    existing = EvaluationRun.objects.filter(day=day, status="done").first()
    if existing is not None:
        return existing
    started = time.perf_counter()
    with transaction.atomic():
        version = policy_current()
        policy = policy_parse(version.document)
        # INSERT … ON CONFLICT DO NOTHING waits for a concurrent insert of the same day to commit or roll back.
        EvaluationRun.objects.bulk_create(
            [EvaluationRun(day=day, policy=version, status="running")], ignore_conflicts=True
        )
        run = EvaluationRun.objects.select_for_update().get(day=day)
        if run.status == "done":
            return run
        run.policy = version
        progress("loading facts", 0, 3)
        outcome = _outcome(policy, day)
        progress("evaluating", 1, 3)
        changed = outcome.changed
        _write_changes(policy=policy, version=version, run=run, outcome=outcome, changed=changed, day=day)
        progress("writing changes", 2, 3)
        run.members_evaluated = len(outcome.member_ids)
        # Counted from the table rather than this evaluation's own list, so the run always says what it recorded.
        run.transitions = StageTransition.objects.filter(run=run).count()
        run.counts = _stage_counts(policy, outcome.new_holds)
        run.status = "done"
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - started, 3)
        run.save()
        if send_notices and len(changed):
            transaction.on_commit(lambda: tasks.notifications_send.delay())
    progress("done", 3, 3)
    return run


def _stage_counts(policy: Policy, masks: np.ndarray) -> dict[str, int]:
    counts: dict[str, int] = {}
    highest = np.full(len(masks), -1, dtype=np.int64)
    for j in range(len(policy.stages)):
        highest = np.where((masks >> j) & 1 == 1, j, highest)
    values, tallies = np.unique(highest, return_counts=True)
    for value, tally in zip(values.tolist(), tallies.tolist(), strict=True):
        counts[policy.stages[value].key if value >= 0 else ""] = tally
    return counts


def _write_changes(*, policy, version, run, outcome: DayOutcome, changed: np.ndarray, day: datetime.date) -> None:
    if not len(changed):
        return
    ids = outcome.member_ids[changed].tolist()
    members = Member.objects.in_bulk(ids)
    states = {s.member_id: s for s in MemberStage.objects.filter(member_id__in=ids)}
    transitions, new_states, notices, destructive = [], [], [], []
    for row in changed.tolist():
        member_id = int(outcome.member_ids[row])
        old_mask, new_mask = int(outcome.old_holds[row]), int(outcome.new_holds[row])
        old_key, old_actions = stage_of(policy, old_mask)
        new_key, new_actions = stage_of(policy, new_mask)
        state = states.get(member_id) or MemberStage(member_id=member_id)
        # ``since`` is the day the member entered their current stage (pages say "stage X since …", and the
        # pacing of the next stage counts from it): a change of lower stages alone does not move it.
        entered_on = day if new_key != old_key or state.since is None else state.since
        evidence = _evidence(policy, outcome, row, day, new_mask, entered_on)
        transition = StageTransition(
            member_id=member_id,
            day=day,
            run=run,
            policy=version,
            from_holds=old_mask,
            to_holds=new_mask,
            from_stage=old_key,
            to_stage=new_key,
            actions_applied=sorted(new_actions - old_actions),
            # Destructive actions are never lifted by an evaluation: only an admin's reinstatement undoes them.
            actions_lifted=sorted((old_actions - new_actions) - DESTRUCTIVE_ACTIONS),
            evidence=evidence,
        )
        transitions.append(transition)
        state.holds, state.stage_key, state.since, state.evidence = new_mask, new_key, entered_on, evidence
        state.actions = sorted(new_actions | (old_actions & DESTRUCTIVE_ACTIONS))
        new_states.append(state)
        entered = new_mask & ~old_mask
        if entered:
            stages = [stage for j, stage in enumerate(policy.stages) if entered >> j & 1]
            notices.append((transition, stages, members[member_id], evidence))
        if (new_actions - old_actions) & DESTRUCTIVE_ACTIONS:
            destructive.append((transition, new_actions - old_actions))
    _transitions_insert(transitions)
    _states_upsert(new_states)
    _flags_apply(policy, outcome, changed)
    shared = notice_shared_context()
    now = timezone.now()
    languages = _notice_languages([member for _t, _s, member, _e in notices])
    with connection.cursor() as cursor:
        copy_rows(
            cursor.cursor,
            Notification._meta.db_table,
            [
                "transition_id",
                "member_id",
                "stage_key",
                "to_email",
                "subject",
                "body",
                "status",
                "attempts",
                "last_error",
                "created_at",
            ],
            (
                (
                    transition.pk,
                    member.pk,
                    stages[-1].key,
                    member.email,
                    *_notice_text(stages, member, evidence, shared, languages[member.pk]),
                    NotificationStatus.QUEUED,
                    0,
                    "",
                    now,
                )
                for transition, stages, member, evidence in notices
                if member.email
            ),
        )
    _destructive_apply(destructive)


def _notice_languages(members: list[Member]) -> dict[int, str]:
    """Each notified member's language (issue 19): their own when the company enables it, else its default. One
    query for all of them (only members who get a notice), not one per member."""
    enabled = company_languages()
    own = dict(
        User.objects.filter(member__pk__in=[member.pk for member in members]).values_list("member__pk", "language")
    )
    return {member.pk: language_pick(enabled=enabled, chosen=[own.get(member.pk)]) for member in members}


def _notice_text(stages: list, member: Member, evidence: dict, shared: dict, language: str) -> tuple[str, str]:
    """The subject and body of the one e-mail a transition sends, for every stage it enters (two start on one day,
    or a first evaluation or a catch-up skips some): each stage's own subject and text, in stage order, so no
    consequence goes untold. One message rather than one per stage keeps the outbox's one row per transition, hence
    its send-once guarantee. Each stage's words are worked out once for its subject and body."""
    subjects, bodies = [], []
    with translation.override(language):  # the words worked out (evidence, remedy) in the member's language
        for stage in stages:
            context = notice_context(member, stage, evidence, shared)
            subjects.append(notice_render_with(stage_text("email_subject", stage.email_subject), context).strip())
            bodies.append(notice_render_with(stage_text("email_body", stage.email_body), context))
    return "; ".join(subjects)[:SUBJECT_LENGTH], "\n".join(bodies)


def _transitions_insert(transitions: list[StageTransition]) -> None:
    """Insert the day's transitions by COPY with ids reserved first (the notices and tree-move links refer to
    them): tens of thousands of rows with JSON evidence, where an ORM bulk insert spends most of its time building
    parameters."""
    table = StageTransition._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        for transition, pk in zip(transitions, ids_reserve(cursor, table, len(transitions)), strict=True):
            transition.pk = pk
        copy_rows(
            cursor.cursor,
            table,
            [
                "id",
                "member_id",
                "day",
                "kind",
                "run_id",
                "policy_id",
                "from_holds",
                "to_holds",
                "from_stage",
                "to_stage",
                "actions_applied",
                "actions_lifted",
                "evidence",
                "reason",
                "created_at",
            ],
            (
                (
                    t.pk,
                    t.member_id,
                    t.day,
                    t.kind,
                    t.run_id,
                    t.policy_id,
                    t.from_holds,
                    t.to_holds,
                    t.from_stage,
                    t.to_stage,
                    t.actions_applied,
                    t.actions_lifted,
                    t.evidence,
                    t.reason,
                    now,
                )
                for t in transitions
            ),
        )


def _states_upsert(states: list[MemberStage]) -> None:
    """Write the changed members' standing in one COPY and one INSERT … ON CONFLICT (an ORM bulk update of tens of
    thousands of rows builds a CASE per row and is many times slower)."""
    buffer = io.StringIO()
    for state in states:
        cells = [
            str(state.member_id),
            str(state.holds),
            _copy_text(state.stage_key),
            _copy_text(json.dumps(state.actions)),
            state.since.isoformat() if state.since else r"\N",
            _copy_text(json.dumps(state.evidence, default=str)),
        ]
        buffer.write("\t".join(cells) + "\n")
    buffer.seek(0)
    table = MemberStage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE demotion_states (member_id bigint, holds bigint, stage_key text, actions jsonb, "
            "since date, evidence jsonb) ON COMMIT DROP"
        )
        cursor.cursor.copy_expert("COPY demotion_states FROM STDIN", buffer)
        cursor.execute(
            f"""
            INSERT INTO {table} (member_id, holds, stage_key, actions, since, evidence)
            SELECT member_id, holds, stage_key, actions, since, evidence FROM demotion_states
            ON CONFLICT (member_id) DO UPDATE SET holds = EXCLUDED.holds, stage_key = EXCLUDED.stage_key,
                actions = EXCLUDED.actions, since = EXCLUDED.since, evidence = EXCLUDED.evidence
            """
        )
        cursor.execute("DROP TABLE demotion_states")


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _flags_apply(policy: Policy, outcome: DayOutcome, changed: np.ndarray) -> None:
    """Set the members' flags (and logins) from the actions in force, for the changed members, in one statement."""
    stage_actions = [set(s.actions) for s in policy.stages]
    buffer = io.StringIO()

    def in_force(mask: int) -> set[str]:
        return set().union(*(stage_actions[j] for j in range(len(stage_actions)) if mask >> j & 1))

    for row in changed.tolist():
        actions = in_force(int(outcome.new_holds[row]))
        flags = ["t" if action in actions else "f" for action in (*FLAG_ACTIONS, "login_deactivation")]
        flags.append("t" if "login_deactivation" in in_force(int(outcome.old_holds[row])) else "f")
        buffer.write(f"{int(outcome.member_ids[row])}\t" + "\t".join(flags) + "\n")
    buffer.seek(0)
    member_table = Member._meta.db_table
    user_table = User._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE demotion_flags (member_id bigint PRIMARY KEY, access boolean, excluded boolean, "
            "pricing boolean, login_off boolean, was_off boolean) ON COMMIT DROP"
        )
        cursor.cursor.copy_expert("COPY demotion_flags FROM STDIN", buffer)
        cursor.execute(
            f"""
            UPDATE {member_table} m
               SET access_restricted = f.access, commission_excluded = f.excluded,
                   preferred_pricing_suspended = f.pricing
              FROM demotion_flags f WHERE m.id = f.member_id
            """
        )
        cursor.execute(
            f"""
            UPDATE {user_table} u SET is_active = NOT f.login_off
              FROM {member_table} m JOIN demotion_flags f ON f.member_id = m.id
             WHERE u.id = m.user_id AND f.login_off <> f.was_off AND m.status <> %s
            """,
            [MemberStatus.TERMINATED],
        )
        cursor.execute(
            f"""
            UPDATE {member_table} m SET status = CASE WHEN f.login_off THEN %s ELSE %s END, status_changed_at = now()
              FROM demotion_flags f
             WHERE m.id = f.member_id AND m.status IN (%s, %s) AND f.login_off <> f.was_off
            """,
            [MemberStatus.INACTIVE, MemberStatus.ACTIVE, MemberStatus.ACTIVE, MemberStatus.INACTIVE],
        )
        cursor.execute("DROP TABLE demotion_flags")


def _destructive_apply(destructive: list[tuple[StageTransition, set[str]]]) -> None:
    """Downline moves one member at a time (each a few set-based statements), then every move to the terminated
    tree of the day in one batch. Each move is linked to its transition so a reinstatement can undo it."""
    links = []
    terminated = [transition for transition, actions in destructive if "move_to_terminated_tree" in actions]
    lifting = [transition for transition, actions in destructive if "move_downline" in actions]
    if lifting:
        reason = f"Demotion policy: {lifting[0].to_stage} on {lifting[0].day}"
        moves = members_move_downlines_up(
            members=list(Member.objects.filter(pk__in=[t.member_id for t in lifting])), by=None, reason=reason
        )
        numbers = dict(Member.objects.filter(pk__in={t for _, t in moves.values()}).values_list("pk", "number"))
        for transition in lifting:
            if transition.member_id in moves:
                move, target = moves[transition.member_id]
                links.append((transition, move))
                transition.evidence["downline_moved_to"] = numbers[target]
        StageTransition.objects.bulk_update(lifting, ["evidence"], batch_size=2000)
    if terminated:
        reason = f"Demotion policy: moved to the terminated tree on {terminated[0].day}"
        to_terminated = members_move_to_terminated_tree(
            members=list(Member.objects.filter(pk__in=[t.member_id for t in terminated])), by=None, reason=reason
        )
        links.extend((t, to_terminated[t.member_id]) for t in terminated if t.member_id in to_terminated)
    Through = StageTransition.tree_moves.through
    Through.objects.bulk_create([Through(stagetransition_id=t.pk, treemove_id=m.pk) for t, m in links], batch_size=5000)


def evaluate_through(*, day: datetime.date, progress: ProgressFn | None = None) -> list[EvaluationRun]:
    """Evaluate every day from the day after the last finished run up to ``day`` (catching up missed days in
    order, so each stage's notice goes out on its own day). The first evaluation of a company is ``day`` alone."""
    last = EvaluationRun.objects.filter(status="done").order_by("-day").values_list("day", flat=True).first()
    start = day if last is None else last + datetime.timedelta(days=1)
    runs = []
    current = start
    while current <= day:
        runs.append(evaluate_day(day=current, progress=progress))
        current += datetime.timedelta(days=1)
    return runs


@dataclass
class PreviewChange:
    member_id: int
    from_stage: str
    to_stage: str


@dataclass
class Preview:
    day: datetime.date
    members_evaluated: int
    counts: dict[str, int]
    changes: list[PreviewChange]


def policy_preview(*, day: datetime.date, document: dict | None = None) -> Preview:
    """Who would change stage on ``day`` under ``document`` (default: the policy in force), touching nothing."""
    policy = policy_parse(document if document is not None else policy_current().document)
    outcome = _outcome(policy, day)
    current_policy = policy_parse(policy_current().document)
    changes = [
        PreviewChange(
            member_id=int(outcome.member_ids[row]),
            from_stage=stage_of(current_policy, int(outcome.old_holds[row]))[0],
            to_stage=stage_of(policy, int(outcome.new_holds[row]))[0],
        )
        for row in outcome.changed.tolist()
    ]
    return Preview(
        day=day,
        members_evaluated=len(outcome.member_ids),
        counts=_stage_counts(policy, outcome.new_holds),
        changes=changes,
    )


def evaluation_enqueue(*, day: datetime.date) -> str:
    """Evaluate up to `day` in the background (missed days are caught up in order), once the caller's transaction
    commits. Returns the day queued (ISO)."""
    day_iso = day.isoformat()
    transaction.on_commit(lambda: tasks.evaluate_through.delay(day_iso))
    return day_iso
