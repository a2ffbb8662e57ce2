"""Approving and posting a run: the one way an approved preview becomes immutable ledger lines, exactly once per
period, with every check made before anything is written."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import User
from core.commerce.public import Party
from core.members.models import Member
from plans import tasks
from plans.audit import audit_record, expected_check
from plans.engine import Rule
from plans.ledger_view import ENTRY as LEDGER_TABLE
from plans.ledger_view import ledger_view_rebuild
from plans.models import (
    CommissionPeriod,
    CommissionRun,
    MoneyAction,
    PeriodStatus,
    RunKind,
    RunLine,
    RunMemberResult,
    RunStatus,
    RunWork,
)
from plans.runstore_posted import partitions_keep, partitions_lost
from plans.selectors_freshness import period_fingerprint
from plans.services import _run_period, cents, run_task_send
from plans.services_clawbacks import clawbacks_post
from plans.services_periods import period_open_refusal
from plans.services_rates import run_rates_required

RULE_NAMES = [Rule(v).name.lower() for v in range(1, max(Rule) + 1)]  # index rule - 1


def _lines_expected(run: CommissionRun) -> bool:
    """Whether the run stored lines at all (a period with no volume pays and forfeits nothing)."""
    return run.line_count > 0 or run.total_forfeited > 0


def _check_fresh(run: CommissionRun) -> None:
    if run.summary.get("fingerprint") != period_fingerprint(_run_period(run)):
        raise ValidationError(
            {
                "run": [
                    gettext("The period's orders or members changed since this preview was calculated; preview again.")
                ]
            }
        )


def _paid_members(run: CommissionRun) -> int:
    return int(run.summary.get("paid_members", 0))


@transaction.atomic
def run_approve(
    *, run: CommissionRun, by: User | None = None, expected_total: Decimal | str | None = None
) -> CommissionRun:
    """Approve the latest preview. ``expected_total``: the total the admin confirmed (a different one is refused)."""
    period = _run_period(run, lock=True)
    run = CommissionRun.objects.select_for_update().get(pk=run.pk)
    if run.kind != RunKind.PREVIEW or run.status != RunStatus.DONE:
        raise ValidationError(
            {
                "run": [
                    gettext("Only the period's latest finished preview can be approved (run is %(status)s).")
                    % {"status": run.status}
                ]
            }
        )
    if period.status != PeriodStatus.PREVIEWED:
        raise ValidationError(
            {
                "period": [
                    gettext("The period is %(status)s; it must be previewed to approve.") % {"status": period.status}
                ]
            }
        )
    _check_fresh(run)
    expected_check(expected=expected_total, actual=run.total_paid, payees=_paid_members(run))
    run.status = RunStatus.APPROVED
    run.approved_at = timezone.now()
    run.approved_by = by
    run.save(update_fields=["status", "approved_at", "approved_by"])
    period.status = PeriodStatus.APPROVED
    period.save(update_fields=["status"])
    audit_record(
        action=MoneyAction.RUN_APPROVE, by=by, period=period, run=run, amount=run.total_paid,
        payees=_paid_members(run), detail={"total_cv": str(run.total_cv), "lines": run.line_count},
    )  # fmt: skip
    return run


def _post_check(period: CommissionPeriod, run: CommissionRun) -> None:
    if period.status in (PeriodStatus.POSTED, PeriodStatus.PAID) or run.status == RunStatus.POSTED:
        raise ValidationError(
            {
                "run": [
                    gettext("The period starting %(start)s is already posted; it posts once.") % {"start": period.start}
                ]
            }
        )
    if run.status != RunStatus.APPROVED or period.status != PeriodStatus.APPROVED:
        raise ValidationError(
            {"run": [gettext("Only an approved run can be posted (run is %(status)s).") % {"status": run.status}]}
        )
    refusal = period_open_refusal(period)
    if refusal:
        raise ValidationError({"period": [refusal]})


@transaction.atomic
def run_post_request(
    *, run: CommissionRun, by: User | None = None, expected_total: Decimal | str | None = None
) -> CommissionRun:
    """Check now (a clear refusal for the admin), post in a Celery task (a large run writes millions of lines).
    ``expected_total``: the total the admin confirmed (a different one is refused)."""
    period = _run_period(run, lock=True)
    run = CommissionRun.objects.select_for_update().get(pk=run.pk)
    _post_check(period, run)
    _check_fresh(run)
    expected_check(expected=expected_total, actual=run.total_paid, payees=_paid_members(run))
    _payees_check(run)
    run_rates_required(run=run)
    CommissionRun.objects.filter(pk=run.pk).update(progress_note="queued for posting")
    run_task_send(run=run, work=RunWork.POST, by_id=by.pk if by else None)
    run.refresh_from_db()
    return run


@transaction.atomic
def run_post(*, run: CommissionRun, by: User | None = None) -> CommissionRun:
    """Exactly once per period: the approved run's paid lines become ledger lines, members' ranks are updated,
    refunds flagged against earlier posted periods become clawback lines in this period, and the period closes."""
    period = _run_period(run, lock=True)
    run = CommissionRun.objects.select_for_update().get(pk=run.pk)
    _post_check(period, run)
    _check_fresh(run)
    _payees_check(run)
    run_rates_required(run=run)  # from here the run's rates are fixed: it is posted under this row lock
    now = timezone.now()
    run.kind = RunKind.FINAL
    run.status = RunStatus.POSTED
    run.posted_at = now
    run.posted_by = by
    run.save(update_fields=["kind", "status", "posted_at", "posted_by"])  # the unique constraint backs "once"
    written = _ledger_from_run(run)
    _member_ranks_update(run)
    clawed = clawbacks_post(run=run, period=period, now=now, by=by)
    run.summary = {**run.summary, "ledger_lines": written, "clawback_lines": clawed}
    run.save(update_fields=["summary"])
    with connection.cursor() as cursor:
        ledger_view_rebuild(cursor)  # last: the view's lock is held until the commit that posts the run
    period.status = PeriodStatus.POSTED
    period.plan_version = run.plan_version
    period.posted_at = now
    period.save(update_fields=["status", "plan_version", "posted_at"])
    # The period was closed for new volume (commerce's close) by period_close; _post_check refused it otherwise.
    audit_record(
        action=MoneyAction.RUN_POST, by=by, period=period, run=run, amount=run.total_paid,
        payees=_paid_members(run), detail={"ledger_lines": written, "clawback_lines": clawed},
    )  # fmt: skip
    transaction.on_commit(lambda: tasks.commissions_posted_notify.delay(period.pk))  # the "commissions posted" e-mail
    transaction.on_commit(lambda: tasks.posted_run_analyze.delay(run.pk))  # its lines' statistics, for the planner
    return run


def _payees_check(run: CommissionRun) -> None:
    """Every paid line must have a payee: a member (payee_id), or for a party host reward the party's host customer.
    A host reward for a party whose host is neither (a guest named only) would post money to no one: refuse, naming
    the lines and parties, before anything is written (the ledger's CHECK constraint is the last guard)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT rl.line_no, rl.source_party_id, p.name, rl.amount_cents
              FROM {RunLine._meta.db_table} rl
              LEFT JOIN {Party._meta.db_table} p ON p.id = rl.source_party_id
             WHERE rl.run_id = %s AND rl.reason = 0 AND rl.payee_id = 0 AND p.host_customer_id IS NULL
             ORDER BY rl.line_no
            """,
            [run.pk],
        )
        orphans = cursor.fetchall()
    if not orphans:
        return
    named = "; ".join(
        f"line {line_no} ({cents(amount)}" + (f', party {party_id} "{name}")' if party_id else ")")
        for line_no, party_id, name, amount in orphans[:10]
    )
    more = f" and {len(orphans) - 10} more" if len(orphans) > 10 else ""
    raise ValidationError(
        {
            "run": [
                gettext(
                    "Run %(pk)s cannot be posted: %(count)s line(s) have no payee: %(named)s%(more)s. "
                    "Give each party a host who is a member or a customer, then run the period again."
                )
                % {"pk": run.pk, "count": len(orphans), "named": named, "more": more}
            ]
        }
    )


def _references_check(cursor, run: CommissionRun) -> None:
    """What the ledger's foreign keys would check row by row, for the whole run at once, on distinct ids: every
    member a line names (payee, source) is one of the run's members, so the run's member results (one row per
    member, in id order) are checked against the members table; the parties named are checked once each. Orders
    are covered by the fingerprint (_check_fresh: a missing order changes the period's count)."""
    cursor.execute(
        f"""
        SELECT (SELECT count(*) FROM {RunMemberResult._meta.db_table} r
                 WHERE r.run_id = %s AND NOT EXISTS (SELECT 1 FROM {Member._meta.db_table} m WHERE m.id = r.member_id)),
               (SELECT count(*) FROM (SELECT DISTINCT source_party_id FROM {RunLine._meta.db_table}
                                       WHERE run_id = %s AND reason = 0 AND source_party_id <> 0) p
                 WHERE NOT EXISTS (SELECT 1 FROM {Party._meta.db_table} x WHERE x.id = p.source_party_id))
        """,
        [run.pk, run.pk],
    )
    members, parties = cursor.fetchone()
    if members or parties:
        raise ValidationError(
            {
                "run": [
                    gettext(
                        "Run %(pk)s names %(members)s member(s) and %(parties)s part(ies) that no longer "
                        "exist; preview again."
                    )
                    % {"pk": run.pk, "members": members, "parties": parties}
                ]
            }
        )


def _ledger_from_run(run: CommissionRun) -> int:
    """The run's paid lines become ledger lines without being copied: the ledger (the ``LedgerLine`` view) reads a
    posted run's lines from its own stored lines (``plans.ledger_view``). Posting indexes them by payee and by order
    (``partitions_keep``) and gives them ids:
    a block of the ledger's id sequence as long as the run's line numbers, taken while no other line is being
    written (a lock on the ledger's table), so a run's ids follow every line written before and precede every line
    after, as a copied line's id did. Returns the number of paid lines.

    What the ledger's foreign keys checked row by row is checked for the whole run at once (_references_check):
    members, orders and parties are never deleted (every other reference to them is PROTECT), so the check made in
    this transaction holds at its commit."""
    with connection.cursor() as cursor:
        if _lines_expected(run) and partitions_lost(cursor, run.pk):
            raise ValidationError(
                {"run": [gettext("Run %(pk)s lost its lines in a database restart; preview again.") % {"pk": run.pk}]}
            )
        _references_check(cursor, run)
        partitions_keep(cursor, run.pk)  # its lines, forfeits and member results are history from now on
        numbered = _lines_numbered(cursor, run)
        cursor.execute(f"LOCK TABLE {LEDGER_TABLE} IN SHARE ROW EXCLUSIVE MODE")  # no line written meanwhile
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [LEDGER_TABLE])
        first = cursor.fetchone()[0]
        if numbered > 1:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [LEDGER_TABLE, first + numbered - 1])
    run.ledger_first_id = first
    run.ledger_components = list(run.summary["component_codes"])
    run.ledger_rules = RULE_NAMES
    run.save(update_fields=["ledger_first_id", "ledger_components", "ledger_rules"])
    return run.line_count


def _lines_numbered(cursor, run: CommissionRun) -> int:
    """How many line numbers the run used (paid and forfeited lines are numbered together): its preview counted
    them; a run stored another way (tests write lines with the ORM) is asked."""
    numbered = run.summary.get("timings", {}).get("lines_copied")
    if numbered is not None:
        return int(numbered)
    cursor.execute(f"SELECT coalesce(max(line_no) + 1, 0) FROM {RunLine._meta.db_table} WHERE run_id = %s", [run.pk])
    return int(cursor.fetchone()[0])


def _member_ranks_update(run: CommissionRun) -> None:
    codes = run.summary["rank_codes"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Member._meta.db_table} m
               SET paid_as_rank = COALESCE((%s::text[])[r.rank + 1], ''),
                   highest_rank = COALESCE((%s::text[])[r.highest_rank + 1], m.highest_rank)
              FROM {RunMemberResult._meta.db_table} r
             WHERE r.run_id = %s AND r.member_id = m.id
               AND (m.paid_as_rank IS DISTINCT FROM COALESCE((%s::text[])[r.rank + 1], '')
                    OR m.highest_rank IS DISTINCT FROM COALESCE((%s::text[])[r.highest_rank + 1], m.highest_rank))
            """,
            [codes or ["-"], codes or ["-"], run.pk, codes or ["-"], codes or ["-"]],
        )
