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
from core.bulk import foreign_keys_checked_by_caller, index_scan_only
from core.company.selectors import company_languages, language_pick
from core.demotion import tasks
from core.demotion.facts import EPOCH, NO_DAY, FactsWithEvidence, as_days, facts_load, int_columns, positions_of
from core.demotion.models import (
    EvaluationRun,
    MemberStage,
    Notification,
    NotificationStatus,
    StageTransition,
    TransitionKind,
)
from core.demotion.notice_text import notice_subject_fixed, render_notice
from core.demotion.policy import (
    DESTRUCTIVE_ACTIONS,
    Policy,
    Standing,
    evaluate,
)
from core.demotion.services.evidence import evidence_rows
from core.demotion.services.policies import policy_current, policy_parse
from core.members.models import Member, MemberStatus
from core.members.services.moves import (
    members_move_downlines_up,
    members_move_to_terminated_tree,
)
from core.pgcopy import copy_rows, ids_reserve
from core.progress import ProgressFn, no_progress

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
    since: np.ndarray  # datetime64[D]: the day each member entered their stored stage, NaT when none

    @property
    def changed(self) -> np.ndarray:
        return np.nonzero(self.new_holds != self.old_holds)[0]


def _masks(holds: np.ndarray) -> np.ndarray:
    """Each member's holding stages as bits (stage j: bit j), one column at a time (no member-by-stage int64
    matrix)."""
    masks = np.zeros(len(holds), dtype=np.int64)
    for j in range(holds.shape[1]):
        masks |= holds[:, j].astype(np.int64) << j
    return masks


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
    return DayOutcome(member_ids=loaded.facts.member_ids, new_holds=new, old_holds=old, facts=loaded, since=since)


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
        progress("loading facts and evaluating", 0, 3)
        outcome = _outcome(policy, day)
        progress("writing changes", 1, 3)
        changed = outcome.changed
        _write_changes(policy=policy, version=version, run=run, outcome=outcome, changed=changed, day=day)
        progress("recording the run", 2, 3)
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
    """Record the day's changes: transitions (with their evidence) and standings by COPY, flags in one UPDATE,
    notices queued (their text is rendered when sent), then the downline moves and moves to the terminated tree.
    Python touches each changed member once, with plain values: no model instance per member."""
    if not len(changed):
        return
    member_ids = outcome.member_ids[changed].tolist()
    old_masks = outcome.old_holds[changed].tolist()
    new_masks = outcome.new_holds[changed].tolist()
    since = [None if np.isnat(d) else d.item() for d in outcome.since[changed]]
    stages_of = {mask: stage_of(policy, mask) for mask in {*old_masks, *new_masks}}
    entered = []
    for old_mask, new_mask, stored in zip(old_masks, new_masks, since, strict=True):
        # ``since`` is the day the member entered their current stage (pages say "stage X since …", and the
        # pacing of the next stage counts from it): a change of lower stages alone does not move it.
        moved_stage = stages_of[new_mask][0] != stages_of[old_mask][0]
        entered.append(day if moved_stage or stored is None else stored)
    evidences = evidence_rows(policy, outcome, changed, day, new_masks, entered)
    table = StageTransition._meta.db_table
    with connection.cursor() as cursor:
        transition_ids = ids_reserve(cursor, table, len(member_ids))
    # COPY text, row by row with the parts that only depend on the (old, new) stages worked out once per pair.
    transitions, states = io.StringIO(), io.StringIO()
    notices, destructive = [], []
    pairs: dict[tuple[int, int], tuple[str, str, str, frozenset[str]]] = {}
    head = f"\t{day.isoformat()}\t{TransitionKind.EVALUATION.value}\t{run.pk}\t{version.pk}\t"
    now = timezone.now().isoformat()
    for k, member_id in enumerate(member_ids):
        old_mask, new_mask = old_masks[k], new_masks[k]
        pair = pairs.get((old_mask, new_mask))
        if pair is None:
            old_key, old_actions = stages_of[old_mask]
            new_key, new_actions = stages_of[new_mask]
            applied = frozenset(new_actions - old_actions)
            # Destructive actions are never lifted by an evaluation: only an admin's reinstatement undoes them.
            lifted = (old_actions - new_actions) - DESTRUCTIVE_ACTIONS
            in_force = new_actions | (old_actions & DESTRUCTIVE_ACTIONS)
            pair = pairs[(old_mask, new_mask)] = (
                "\t".join(
                    _copy_text(v)
                    for v in (
                        str(old_mask),
                        str(new_mask),
                        old_key,
                        new_key,
                        json.dumps(sorted(applied)),
                        json.dumps(sorted(lifted)),
                    )
                ),
                f"{new_mask}\t{_copy_text(new_key)}\t{_copy_text(json.dumps(sorted(in_force)))}",
                new_key,
                applied,
            )
        transition_id = transition_ids[k]
        evidence = _copy_text(json.dumps(evidences[k]))
        transitions.write(f"{transition_id}\t{member_id}{head}{pair[0]}\t{evidence}\t\t{now}\n")
        states.write(f"{member_id}\t{pair[1]}\t{entered[k].isoformat()}\t{evidence}\n")
        if new_mask & ~old_mask:
            notices.append((transition_id, member_id, new_mask & ~old_mask))
        if pair[3] & DESTRUCTIVE_ACTIONS:
            destructive.append((transition_id, member_id, pair[2], pair[3]))
    # The day's writes touch tens of thousands of a million members' rows: with the tables cached, the planner's
    # default price of a random page read makes a full scan of the members look cheaper than the index probes
    # (seconds instead of a fraction of one at a million members).
    with connection.cursor() as cursor, index_scan_only(cursor):
        # What these rows refer to was read in this transaction and is never deleted (members, this run, the
        # policy version, the transitions just written): their foreign keys need no check per row at the commit.
        with foreign_keys_checked_by_caller(cursor):
            _transitions_insert(transitions)
            _states_upsert(states)
            _notices_queue(policy, notices)
        _flags_apply(policy, outcome, changed)
        _destructive_apply(destructive, day=day)


def _notices_queue(policy: Policy, notices: list[tuple[int, int, int]]) -> None:
    """Queue the e-mail of every transition that enters a stage, for members with an e-mail address, in one
    statement. Only the subject is written now (the outbox listing shows it); the body is rendered by the sender
    (``render_notice``), in the member's language, when it goes out."""
    if not notices:
        return
    languages = _notice_languages([m for _, m, _ in notices])
    subjects: dict[tuple[int, str], str | None] = {}  # by the stages entered and the member's language
    for _, m, entered in notices:
        key = (entered, languages[m])
        if key not in subjects:
            with translation.override(languages[m]):
                subjects[key] = notice_subject_fixed([s for j, s in enumerate(policy.stages) if entered >> j & 1])
    rows = [(t, m, e) for t, m, e in notices if subjects[(e, languages[m])] is not None]
    personal = [(t, m, e) for t, m, e in notices if subjects[(e, languages[m])] is None]
    with connection.cursor() as cursor:
        if rows:
            cursor.execute(
                f"""
                INSERT INTO {Notification._meta.db_table} (transition_id, member_id, stage_key, to_email, subject, body,
                       status, attempts, last_error, created_at)
                SELECT n.transition_id, m.id, n.stage_key, m.email, n.subject, '', %s, 0, '', now()
                  FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[])
                       AS n(transition_id, member_id, stage_key, subject)
                  JOIN {Member._meta.db_table} m ON m.id = n.member_id
                 WHERE coalesce(m.email, '') <> ''
                 ORDER BY n.transition_id
                """,
                [
                    NotificationStatus.QUEUED,
                    [t for t, _, _ in rows],
                    [m for _, m, _ in rows],
                    [policy.stages[e.bit_length() - 1].key for _, _, e in rows],
                    [subjects[(e, languages[m])] for _, m, e in rows],
                ],
            )
    if personal:
        # A subject template that uses the member's own details is rendered per member (rare: the templates'
        # subjects are fixed words).
        transitions = StageTransition.objects.select_related("member", "policy").in_bulk([t for t, _, _ in personal])
        Notification.objects.bulk_create(
            Notification(
                transition_id=t,
                member_id=m,
                stage_key=policy.stages[e.bit_length() - 1].key,
                to_email=transitions[t].member.email,
                subject=render_notice(Notification(transition=transitions[t], member=transitions[t].member))[0],
                sent_body="",
            )
            for t, m, e in personal
            if transitions[t].member.email
        )


def _notice_languages(member_ids: list[int]) -> dict[int, str]:
    """Each notified member's language (issue 19): their own when the company enables it, else its default. One
    query for all of them (only members who get a notice), not one per member."""
    enabled = company_languages()
    own = dict(User.objects.filter(member__pk__in=member_ids).values_list("member__pk", "language"))
    return {m: language_pick(enabled=enabled, chosen=[own.get(m)]) for m in member_ids}


def _transitions_insert(rows: io.StringIO) -> None:
    """Insert the day's transitions (COPY text) with their ids reserved first (the notices and tree-move links
    refer to them): tens of thousands of rows with JSON evidence, where an ORM bulk insert spends most of its time
    building parameters."""
    rows.seek(0)
    columns = (
        "id, member_id, day, kind, run_id, policy_id, from_holds, to_holds, from_stage, to_stage, actions_applied, "
        "actions_lifted, evidence, reason, created_at"
    )
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {StageTransition._meta.db_table} ({columns}) FROM STDIN", rows)


def _states_upsert(rows: io.StringIO) -> None:
    """Write the changed members' standing (COPY text: member id, holds, stage key, actions, since, evidence) in
    one COPY and one INSERT … ON CONFLICT (an ORM bulk update of tens of thousands of rows builds a CASE per row and
    is many times slower)."""
    rows.seek(0)
    table = MemberStage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE demotion_states (member_id bigint, holds bigint, stage_key text, actions jsonb, "
            "since date, evidence jsonb) ON COMMIT DROP"
        )
        cursor.cursor.copy_expert("COPY demotion_states FROM STDIN", rows)
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
    """Set the members' flags, status and logins from the actions in force, for the changed members: the flags
    and status in one UPDATE that skips members whose row would not change (each row written costs a new version
    of it in every index of the members table, the two path GIN indexes included), logins in another."""

    def in_force(action: str, masks: np.ndarray) -> list[bool]:
        stages = sum(1 << j for j, s in enumerate(policy.stages) if action in s.actions)
        return ((masks & stages) != 0).tolist()

    new, old = outcome.new_holds[changed], outcome.old_holds[changed]
    flags = [in_force(action, new) for action in FLAG_ACTIONS]
    login_off, was_off = in_force("login_deactivation", new), in_force("login_deactivation", old)
    member_table = Member._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE demotion_flags (member_id bigint PRIMARY KEY, access boolean, excluded boolean, "
            "pricing boolean, login_off boolean, was_off boolean) ON COMMIT DROP"
        )
        copy_rows(
            cursor.cursor,
            "demotion_flags",
            ["member_id", "access", "excluded", "pricing", "login_off", "was_off"],
            zip(outcome.member_ids[changed].tolist(), *flags, login_off, was_off, strict=True),
        )
        cursor.execute(
            f"""
            UPDATE {User._meta.db_table} u SET is_active = NOT f.login_off
              FROM {member_table} m JOIN demotion_flags f ON f.member_id = m.id
             WHERE u.id = m.user_id AND f.login_off <> f.was_off AND m.status <> %(terminated)s
            """,
            {"terminated": MemberStatus.TERMINATED},
        )
        status_changes = "f.login_off <> f.was_off AND m.status IN (%(active)s, %(inactive)s)"
        cursor.execute(
            f"""
            UPDATE {member_table} m
               SET access_restricted = f.access, commission_excluded = f.excluded,
                   preferred_pricing_suspended = f.pricing,
                   status = CASE WHEN {status_changes}
                                 THEN CASE WHEN f.login_off THEN %(inactive)s ELSE %(active)s END
                                 ELSE m.status END,
                   status_changed_at = CASE WHEN {status_changes} THEN now() ELSE m.status_changed_at END
              FROM demotion_flags f
             WHERE m.id = f.member_id
               AND ((m.access_restricted, m.commission_excluded, m.preferred_pricing_suspended)
                    IS DISTINCT FROM (f.access, f.excluded, f.pricing) OR {status_changes})
            """,
            {"active": MemberStatus.ACTIVE, "inactive": MemberStatus.INACTIVE},
        )
        cursor.execute("DROP TABLE demotion_flags")


def _destructive_apply(destructive: list[tuple[int, int, str, frozenset[str]]], *, day: datetime.date) -> None:
    """The day's downline moves (one batch), then every move to the terminated tree of the day (one batch). Each
    move is linked to its transition so a reinstatement can undo it, and a downline move's transition says whose
    line the downline moved to. Rows are (transition id, member id, stage key, actions applied)."""
    links: list[tuple[int, int]] = []
    lifting = [(t, m, key) for t, m, key, actions in destructive if "move_downline" in actions]
    terminated = [(t, m) for t, m, _, actions in destructive if "move_to_terminated_tree" in actions]
    if lifting:
        reason = f"Demotion policy: {lifting[0][2]} on {day}"
        moves = members_move_downlines_up(
            members=list(Member.objects.filter(pk__in=[m for _, m, _ in lifting])), by=None, reason=reason
        )
        numbers = dict(Member.objects.filter(pk__in={t for _, t in moves.values()}).values_list("pk", "number"))
        moved_to = [(t, numbers[moves[m][1]]) for t, m, _ in lifting if m in moves]
        links.extend((t, moves[m][0].pk) for t, m, _ in lifting if m in moves)
        if moved_to:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    UPDATE {StageTransition._meta.db_table} t
                       SET evidence = t.evidence || jsonb_build_object('downline_moved_to', u.number)
                      FROM unnest(%s::bigint[], %s::bigint[]) AS u(id, number)
                     WHERE t.id = u.id
                    """,
                    [[t for t, _ in moved_to], [n for _, n in moved_to]],
                )
    if terminated:
        reason = f"Demotion policy: moved to the terminated tree on {day}"
        to_terminated = members_move_to_terminated_tree(
            members=list(Member.objects.filter(pk__in=[m for _, m in terminated])), by=None, reason=reason
        )
        links.extend((t, to_terminated[m].pk) for t, m in terminated if m in to_terminated)
    if links:
        Through = StageTransition.tree_moves.through
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Through._meta.db_table} (stagetransition_id, treemove_id) "
                "SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
                [[t for t, _ in links], [m for _, m in links]],
            )


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
