"""The ledger as one view (``plans_ledgerline``, the ``LedgerLine`` model): the lines written one by one
(``plans_ledgerentry``: clawbacks, adjustments, and commission lines posted before migration 0015 copied them) and,
for every run posted since, its paid lines read where the run stored them.

A posted run is one branch of the view with its own numbers written in as constants (its id, period, first ledger
id, posting time, the codes its lines index). A query on the ledger therefore reads only the runs it can match: a
filter on the period leaves out every other period's branch when the query is planned, and each branch reads one
run's partition, pruned by its constant run id, through the payee and order indexes posting builds
(``plans.runstore_posted.partitions_keep``). A view that joined the runs table instead read every run's partitions
(the open period's preview included) for each member's page.

Posting rebuilds the view in its transaction (``ledger_view_rebuild``), so the run's lines become ledger lines at the
commit that posts it, exactly once. So does importing a company (its runs come as rows)."""

from __future__ import annotations

from typing import Any

from plans.models import CommissionRun
from plans.runstore import LINES, lines_partition

ENTRY = "plans_ledgerentry"
VIEW = "plans_ledgerline"
COLUMNS = (
    "kind, period_id, run_id, payee_id, payee_customer_id, amount, component, rule, source_order_id, "
    "source_member_id, source_party_id, line_no, level_raw, level_compressed, rate, basis, explanation, reverses_id, "
    "reason, created_by_id, created_at"
)
# A line written through the view goes into the table; the view hands back the id the table gave it.
WRITE_TRIGGER = (
    f"CREATE TRIGGER {VIEW}_write INSTEAD OF INSERT ON {VIEW} FOR EACH ROW EXECUTE FUNCTION plans_ledgerline_write()"
)


def _run_branch(cursor: Any, run: dict[str, Any], *, to_customer: bool) -> str:
    """One posted run's paid lines as ledger lines: those paid to a member (the run's ``payee_id`` as stored, so a
    filter on the payee reaches its index), or a party's host reward paid to a customer (``payee_id`` 0).

    Read from the run's own partition (``run["lines"]``), not from the parent of every run's lines filtered on the
    run: the view then depends on the table, so a posted run's lines cannot be dropped (``DROP TABLE`` is refused),
    and the planner has no partitions to prune per branch (a member's ledger after 120 posted periods: 33-38 ms of
    planning instead of 42-44 ms; ``make bench NAME=ledger_history``). The run's id stays in the filter: the branch
    reads its own run's lines whatever table it is pointed at."""

    def constant(value: Any, kind: str) -> str:
        return cursor.mogrify(f"%s::{kind}", [value]).decode()

    run_id, period_id = constant(run["id"], "bigint"), constant(run["period_id"], "bigint")
    first_id, posted_at = constant(run["ledger_first_id"], "bigint"), constant(run["posted_at"], "timestamptz")
    components, rules = constant(run["components"], "varchar[]"), constant(run["rules"], "varchar[]")
    if to_customer:
        payee = "NULL::bigint"
        customer = "(SELECT p.host_customer_id FROM commerce_party p WHERE p.id = rl.source_party_id)"
        which = "rl.payee_id = 0"
    else:
        payee, customer, which = "rl.payee_id", "NULL::bigint", "rl.payee_id <> 0"
    return f"""
SELECT {first_id} + rl.line_no, 'commission'::varchar(12), {period_id}, {run_id}, {payee}, {customer},
       (rl.amount_cents / 100.0)::numeric(14, 2), ({components})[rl.component + 1]::varchar(60),
       ({rules})[rl.rule]::varchar(20), NULLIF(rl.source_order_id, 0), NULLIF(rl.source_member_id, 0),
       NULLIF(rl.source_party_id, 0), rl.line_no, rl.level_raw, rl.level_compressed,
       CASE WHEN rl.rate_bp >= 0 THEN (rl.rate_bp / 100.0)::numeric(6, 2) END, (rl.basis_cents / 100.0)::numeric(14, 2),
       '{{}}'::jsonb, NULL::bigint, ''::varchar(500), NULL::bigint, {posted_at}
  FROM {run["lines"]} rl WHERE rl.run_id = {run_id} AND rl.reason = 0 AND {which}"""


def ledger_view_rebuild(cursor: Any) -> None:
    """The view as it stands: the table, then one branch per posted run (two: member and customer payees), in the
    order the runs posted. Called in the transaction that posts (or imports), so readers see the runs at its
    commit."""
    # One rebuild at a time in a company, each reading the posted runs after the one before it committed.
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || %s))", [f".{VIEW}"])
    runs = [
        {"id": pk, "period_id": period, "ledger_first_id": first, "posted_at": at, "components": comp, "rules": rules}
        for pk, period, first, at, comp, rules in CommissionRun.objects.filter(ledger_first_id__isnull=False)
        .order_by("ledger_first_id")
        .values_list("pk", "period_id", "ledger_first_id", "posted_at", "ledger_components", "ledger_rules")
    ]
    cursor.execute(
        "SELECT name FROM unnest(%s::text[]) name WHERE to_regclass(name) IS NOT NULL",
        [[lines_partition(run["id"]) for run in runs]],
    )
    stored = {name for (name,) in cursor.fetchall()}
    for run in runs:  # a run whose lines the ORM wrote (tests) is in the default partition: read through the parent
        run["lines"] = lines_partition(run["id"]) if lines_partition(run["id"]) in stored else LINES
    branches = [f"SELECT id, {COLUMNS} FROM {ENTRY}"]
    for run in runs:
        branches.append(_run_branch(cursor, run, to_customer=False))
        branches.append(_run_branch(cursor, run, to_customer=True))
    cursor.execute(f"DROP VIEW IF EXISTS {VIEW}")  # its trigger goes with it
    cursor.execute(f"CREATE VIEW {VIEW} (id, {COLUMNS}) AS " + "\nUNION ALL\n".join(branches))
    cursor.execute(WRITE_TRIGGER)
