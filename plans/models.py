"""Plan versions, commission periods and runs, the ledger, wallets and payouts (stored in each company's schema).

Two kinds of line storage, on purpose:

* ``RunLine`` / ``RunMemberResult`` hold what a run *computed* (preview, simulation or the run that gets posted).
  They are written by binary COPY straight from the engine's numpy columns (integers in cents / hundredths, no
  foreign-key checks, a composite primary key as the only index) because a 1M-member preview writes ~10M lines and
  must store them in seconds. A re-run preview replaces its own rows; once a run is posted, its paid lines are
  ledger lines (below) and its rows are history, never dropped.
* ``LedgerLine`` is the money of record: Decimal amounts, the explanation as JSON, never updated or deleted (the
  queryset refuses it, and the database has no way to). It is a view (migration 0015) over two stores: the lines
  written one by one (clawbacks, adjustments, commission lines posted before the view: the table
  ``plans_ledgerentry``, with its foreign keys), and the paid lines of every run posted since, read from the run's own
  stored lines. Posting a run copies nothing: it makes the run's lines durable and gives them ledger ids, a block
  of the ledger's id sequence (``CommissionRun.ledger_first_id`` + line number), so a 1M-member period posts in
  seconds instead of the minutes 10M inserted rows took. Writing a line (``create``, ``bulk_create``) goes through
  the view into ``plans_ledgerentry`` (an INSTEAD OF trigger). A migration that changes a column the view reads
  drops the view first and rebuilds it after (``plans.ledger_view.ledger_view_rebuild``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, **kwargs)


class PlanVersion(models.Model):
    """One version of the company's plan document. Drafts can be edited by creating a new version; an activated
    version takes effect from ``effective_from`` (a period start) until the next activated one."""

    number = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    document = models.JSONField()
    is_draft = models.BooleanField(default=True)
    effective_from = models.DateField(null=True, blank=True, help_text="Start of the first period it applies to.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["effective_from"], condition=models.Q(is_draft=False), name="plan_one_version_per_start"
            ),
            models.CheckConstraint(
                condition=models.Q(is_draft=True) | models.Q(effective_from__isnull=False),
                name="plan_active_version_has_start",
            ),
        ]

    def __str__(self) -> str:
        state = "draft" if self.is_draft else f"from {self.effective_from}"
        return f"Plan v{self.number} {self.name} ({state})"


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PREVIEWED = "previewed", _("Previewed")
    APPROVED = "approved", _("Approved")
    POSTED = "posted", _("Posted")
    PAID = "paid", _("Paid")


class CommissionPeriod(models.Model):
    start = models.DateField(unique=True)
    end = models.DateField(help_text="Last day, inclusive.")
    length = models.CharField(max_length=10, help_text="monthly or weekly, from the company settings at creation.")
    status = models.CharField(max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    plan_version = models.ForeignKey(
        PlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="periods",
        help_text="The version the posted run used (kept for good once posted).",
    )  # fmt: skip
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="Closed for new volume: orders paid from now on count in the next open period."
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="period_end_ok")]

    def __str__(self) -> str:
        return f"Period {self.start}..{self.end} ({self.status})"


class RunKind(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    SIMULATION = "simulation", _("What-if simulation")
    FINAL = "final", _("Final (posted)")
    # The open period calculated as if it closed now, refreshed by a beat job; only the latest is kept. Distributors
    # read their projected commissions and rank from it; it is never approved or posted.
    PROJECTION = "projection", _("Projection of the open period")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    SUPERSEDED = "superseded", _("Superseded by a newer preview")
    APPROVED = "approved", _("Approved")
    POSTED = "posted", _("Posted")


class CommissionRun(models.Model):
    period = models.ForeignKey(CommissionPeriod, null=True, blank=True, on_delete=models.PROTECT, related_name="runs")
    plan_version = models.ForeignKey(PlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="runs")
    plan_document = models.JSONField(help_text="The document calculated (a draft's content for simulations).")
    kind = models.CharField(max_length=12, choices=RunKind.choices)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    progress_note = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    generated = models.JSONField(null=True, blank=True, help_text="Simulation on a generated company: its settings.")
    baseline = models.JSONField(
        null=True,
        blank=True,
        help_text="Simulation on a generated company: the plan in effect when it ran, calculated by the run's task on "
        "the same generated members (totals; plan_version null when none was in effect). Null: not computed.",
    )

    total_paid = money_field()
    total_forfeited = money_field()
    total_cv = money_field()
    payout_ratio = models.DecimalField(max_digits=8, decimal_places=4, default=Decimal("0"))
    member_count = models.PositiveIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, help_text="Totals by component and rank, top earners, timings.")

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the run posts: its paid lines are then ledger lines (the LedgerLine view), line n with ledger id
    # ledger_first_id + n, named with these codes (a line stores indexes into them).
    ledger_first_id = models.BigIntegerField(
        null=True, blank=True, help_text="Posted: the ledger id of line 0; the run's ids run to it + its lines."
    )
    ledger_components = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    ledger_rules = ArrayField(models.CharField(max_length=20), default=list, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Exactly once: a period has at most one posted run, whatever the services do.
            models.UniqueConstraint(
                fields=["period"], condition=models.Q(status="posted"), name="run_one_posted_per_period"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="posted") | models.Q(kind="final"), name="run_only_final_is_posted"
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} {self.kind} {self.status}"


class RunWork(models.TextChoices):
    EXECUTE = "execute", _("Calculating")
    POST = "post", _("Posting to the ledger")


class RunLease(models.Model):
    """Who is working on a run right now, and their last sign of life (plans.leases).

    Kept beside the run rather than on it: posting holds the run row locked in one long transaction, so a
    heartbeat written to the run row would wait for the post it is meant to vouch for."""

    run = models.OneToOneField(CommissionRun, primary_key=True, on_delete=models.CASCADE, related_name="lease")
    work = models.CharField(max_length=10, choices=RunWork.choices)
    owner = models.CharField(max_length=100, blank=True, help_text="host:pid of the worker holding it; empty: free.")
    attempt = models.PositiveSmallIntegerField(default=0, help_text="How many times a worker has taken it.")
    queued_at = models.DateTimeField(help_text="When the task was last sent.")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    requeued_at = models.DateTimeField(null=True, blank=True, help_text="Last time a stalled run was sent again.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who asked for the work (a requeued post is still posted in their name).",
    )

    class Meta:
        indexes = [models.Index(fields=["heartbeat_at"], name="run_lease_heartbeat_idx")]

    def __str__(self) -> str:
        return f"Run {self.run_id} {self.work} by {self.owner or 'nobody'}"


class RunMemberResult(models.Model):
    """Per member of a run. Integers: volumes in hundredths of a point, money in cents (see the module docstring)."""

    pk = models.CompositePrimaryKey("run_id", "member_id")
    run = models.ForeignKey(CommissionRun, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    pv = models.BigIntegerField()
    psv = models.BigIntegerField()
    gv = models.BigIntegerField()
    active = models.BooleanField()
    rank = models.SmallIntegerField(help_text="Paid-as rank index in the run's plan, -1 none.")
    highest_rank = models.SmallIntegerField()
    earned_cents = models.BigIntegerField()
    carry_left = models.BigIntegerField(help_text="Binary carry-over into the next period, CV cents.")
    carry_right = models.BigIntegerField()
    leg_left = models.BigIntegerField(
        db_default=0, help_text="Binary left leg volume of the period (carry-in + this period), before pairing."
    )
    leg_right = models.BigIntegerField(db_default=0)
    binary_flushed = models.BigIntegerField(db_default=0, help_text="Carry-over flushed for inactivity, CV cents.")
    cv = models.BigIntegerField(
        db_default=0,
        help_text="The member's own CV of the period as the run read it: the back office adds what changed since.",
    )
    qualified_rank = models.SmallIntegerField(
        db_default=-1, help_text="Rank whose criteria held this period (paid-as adds the plan's grace), -1 none."
    )

    def __str__(self) -> str:
        return f"Run {self.run_id} member {self.member_id}"


class RunLine(models.Model):
    """One computed line of a run (paid, or forfeited with a reason). Integers straight from the engine."""

    pk = models.CompositePrimaryKey("run_id", "line_no")
    run = models.ForeignKey(CommissionRun, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    line_no = models.IntegerField()
    payee_id = models.BigIntegerField(help_text="Member id; 0 when the payee is a party's host customer.")
    amount_cents = models.BigIntegerField()
    component = models.SmallIntegerField(help_text="Index into the run's plan components.")
    rule = models.SmallIntegerField()
    reason = models.SmallIntegerField(help_text="0 paid; otherwise why it was forfeited.")
    source_order_id = models.BigIntegerField(help_text="0 none")
    source_member_id = models.BigIntegerField(help_text="0 none")
    source_party_id = models.BigIntegerField(help_text="0 none")
    level_raw = models.IntegerField(help_text="Sponsor levels between the source and the payee (can pass 32,767).")
    level_compressed = models.IntegerField()
    rate_bp = models.SmallIntegerField(help_text="Basis points, -1 for fixed amounts.")
    basis_cents = models.BigIntegerField()

    def __str__(self) -> str:
        return f"Run {self.run_id} line {self.line_no}"


class LedgerKind(models.TextChoices):
    COMMISSION = "commission", _("Commission")
    CLAWBACK = "clawback", _("Clawback of a refunded order")
    ADJUSTMENT = "adjustment", _("Manual adjustment")


class LedgerLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ledger lines are immutable: write an adjusting line instead.")

    def delete(self):
        raise TypeError("Ledger lines are never deleted: write an adjusting line instead.")


class LedgerLine(models.Model):
    """Posted money. Written once; corrections are new lines (clawback, adjustment).

    A view (see the module's docstring): the indexes and constraints below are those of ``plans_ledgerentry``,
    where the lines written one by one are stored; a posted run's lines are indexed by its own partition."""

    kind = models.CharField(max_length=12, choices=LedgerKind.choices)
    period = models.ForeignKey(CommissionPeriod, on_delete=models.PROTECT, related_name="ledger_lines")
    run = models.ForeignKey(
        CommissionRun, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger", db_index=False
    )  # ledger_run_line_idx
    payee = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_lines", db_index=False
    )  # ledger_payee_period_idx
    payee_customer = models.ForeignKey(
        "members.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_lines",
        help_text="A party host who is a customer.", db_index=False,
    )  # fmt: skip
    amount = money_field()
    component = models.CharField(max_length=60, blank=True, help_text="Component / bonus code of the plan.")
    rule = models.CharField(max_length=20, blank=True)
    source_order = models.ForeignKey(
        "commerce.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_lines", db_index=False
    )  # ledger_source_order_idx
    source_member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # no index: no page looks lines up by it, and keeping one cost a 10M-line post a quarter of its time
    source_party = models.ForeignKey(
        "commerce.Party", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    line_no = models.IntegerField(
        null=True, blank=True, help_text="A commission line posted from a run: its line number in the run's lines."
    )
    level_raw = models.IntegerField(default=0)
    level_compressed = models.IntegerField(default=0)
    rate = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True, help_text="Percent.")
    basis = money_field()
    explanation = models.JSONField(default=dict)
    # No database foreign key: the line taken back may be a posted run's line, not a row of plans_ledgerentry.
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by",
        help_text="For a clawback: the commission line it takes back.", db_index=False, db_constraint=False,
    )  # fmt: skip
    reason = models.CharField(max_length=500, blank=True, help_text="Why (adjustments, clawbacks).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField()

    objects = LedgerLineQuerySet.as_manager()

    class Meta:
        managed = False  # the view plans_ledgerline and its table plans_ledgerentry: migration 0015
        ordering = ["id"]
        indexes = [
            models.Index(fields=["payee", "period"], name="ledger_payee_period_idx"),
            # A run's lines are inserted in line order: this index grows at its end (ledger_run_line_idx).
            models.Index(fields=["run", "line_no"], name="ledger_run_line_idx"),
            # Lines posted from a run's stored lines are found by order through the run's own partition (indexed by
            # order when it posts: plans.selectors_commission_lines.commission_lines_of_orders); the ledger indexes the
            # rest. Keeping a ledger-wide order index row by row was 40 % of a 10M-line post.
            models.Index(
                fields=["source_order"], name="ledger_source_order_idx", condition=models.Q(line_no__isnull=True)
            ),
            # Columns that are null on commission lines: only their non-null rows are indexed, so posting millions
            # of lines does not maintain them (one index per foreign key, as Django would make, costs a post ~2x).
            *(
                models.Index(fields=[name], name=f"ledger_{name}_idx", condition=models.Q(**{f"{name}__isnull": False}))
                for name in ("payee_customer", "source_party", "reverses", "created_by")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="adjustment") | ~models.Q(reason=""), name="ledger_adjustment_has_reason"
            ),
            # Money is always paid to someone: a member or (a party's host) a customer, exactly one.
            models.CheckConstraint(
                condition=models.Q(payee__isnull=False) ^ models.Q(payee_customer__isnull=False),
                name="ledger_line_one_payee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} to {self.payee_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Ledger lines are immutable: write an adjusting line instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger lines are never deleted: write an adjusting line instead.")


class PayoutStatus(models.TextChoices):
    OPEN = "open", _("Open (exported, not yet confirmed)")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class PayoutBatch(models.Model):
    """Pays out, for each member, the unpaid part of their ledger lines in periods up to and including ``period``
    (when that part is at or above the threshold); the CSV goes to the company's payment provider."""

    period = models.ForeignKey(
        CommissionPeriod, null=True, blank=True, on_delete=models.PROTECT, related_name="payout_batches",
        help_text="Pays balances of ledger lines in periods up to and including this one (null: batches made "
        "before batches were scoped, which paid every period).",
    )  # fmt: skip
    threshold = money_field()
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.OPEN)
    total = money_field()
    item_count = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Payout batch {self.pk}: {self.total} {self.currency}"


class PayoutItem(models.Model):
    """One payee of a batch: ``amount`` = ``earned_through`` (their ledger lines up to the batch's period, ids up to
    ``last_line``) minus ``paid_before`` (earlier batches not cancelled), capped at their whole balance; all in the
    company's base currency. The member is paid ``paid_amount`` in ``currency``: ``amount`` × ``rate`` rounded half-up
    to the currency's minor unit, the one conversion of the money (docs/currencies.md); base-currency payees have
    rate 1 and ``paid_amount`` = ``amount``. Written once, never updated."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="items")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="payout_items")
    amount = money_field()
    earned_through = money_field(help_text="Sum of the member's ledger lines the batch settles.")
    paid_before = money_field(help_text="What earlier batches (not cancelled) had paid the member.")
    last_line = models.ForeignKey(
        LedgerLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False,
        help_text="The newest ledger line settled: the batch settles the member's lines up to the period with ids "
        "up to this one.",
    )  # fmt: skip
    currency = models.CharField(max_length=3, help_text="What the member is paid in: their market's currency.")
    rate = models.DecimalField(
        max_digits=20, decimal_places=10, default=Decimal(1),
        help_text="Units of ``currency`` per unit of the base currency (1 when they are the same).",
    )  # fmt: skip
    paid_amount = models.DecimalField(
        max_digits=18, decimal_places=4, default=Decimal(0),
        help_text="amount × rate, rounded half-up to the currency's minor unit: what the member receives.",
    )  # fmt: skip

    class Meta:
        ordering = ["batch", "member"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "member"], name="payout_one_item_per_member"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="payout_item_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.member_id}"


class RateSource(models.TextChoices):
    ENTERED = "entered", _("Entered")
    FILE = "file", _("Imported from a file")


class RunExchangeRate(models.Model):
    """The exchange rate a run pays one market currency at (issue 19, docs/currencies.md): 1 unit of the company's
    base currency = ``rate`` units of ``currency``. Entered by an admin or imported from a file, never fetched.
    Editable while the run is not posted (a new preview of the period starts with the rates of the one it replaces);
    fixed for good once the run is posted (plans.services_rates refuses, holding the run's row lock as posting
    does). Payouts through the run's period convert at it."""

    run = models.ForeignKey(CommissionRun, on_delete=models.PROTECT, related_name="exchange_rates")
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    source = models.CharField(max_length=10, choices=RateSource.choices, default=RateSource.ENTERED)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["run", "currency"], name="run_rate_one_per_currency"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="run_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id}: 1 base = {self.rate} {self.currency}"


# The money audit log and the statement e-mails' outbox: records of what was done, in a module of their own.
from plans.models_audit import (  # noqa: E402, F401
    MoneyAction,
    MoneyAuditEntry,
    MoneyAuditQuerySet,
    StatementNotice,
    StatementNoticeStatus,
)
