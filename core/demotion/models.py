"""The demotion policy's stored state: policy versions, each member's current stage, every transition with its
evidence, the daily evaluation runs and the notices sent. Transitions are history: never edited, never deleted."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from core.demotion.notice_text import render_notice
from core.members.models import Member, TreeMove


class DemotionPolicyVersion(models.Model):
    """A saved policy document. The newest version is the one in force; older ones explain older transitions."""

    document = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    warnings = models.JSONField(default=list, help_text="Fairness warnings the document raised when it was saved.")
    acknowledged_warnings = models.JSONField(default=list)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Demotion policy v{self.pk} ({self.created_at:%Y-%m-%d})"


class MemberStage(models.Model):
    """Where a member stands today. ``holds`` is a bit mask of the policy's stages whose condition holds (bit i =
    stage i); the member's stage is the highest one, and the actions in force are those of every holding stage."""

    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="demotion_stage")
    holds = models.BigIntegerField(default=0)
    stage_key = models.CharField(max_length=60, blank=True)
    actions = models.JSONField(default=list)
    since = models.DateField(null=True)
    evidence = models.JSONField(default=dict)
    reinstated_on = models.DateField(
        null=True, blank=True, help_text="Inactivity is counted from here after a reinstatement."
    )

    def __str__(self) -> str:
        return f"#{self.member_id}: {self.stage_key or 'in good standing'}"


class EvaluationRun(models.Model):
    """One evaluated day. A day is evaluated once: a second run for the same day changes nothing and sends nothing."""

    day = models.DateField(unique=True)
    policy = models.ForeignKey(DemotionPolicyVersion, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=10, default="running")
    members_evaluated = models.IntegerField(default=0)
    transitions = models.IntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="Members per stage after the run.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    seconds = models.FloatField(null=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Demotion evaluation {self.day} ({self.status})"


class TransitionKind(models.TextChoices):
    EVALUATION = "evaluation", gettext_lazy("Daily evaluation")
    REINSTATEMENT = "reinstatement", gettext_lazy("Reinstated by an admin")


class StageTransition(models.Model):
    """A change of the stages holding for one member, with the facts that caused it."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="demotion_transitions")
    day = models.DateField()
    kind = models.CharField(max_length=14, choices=TransitionKind.choices, default=TransitionKind.EVALUATION)
    run = models.ForeignKey(EvaluationRun, null=True, on_delete=models.PROTECT, related_name="transition_rows")
    policy = models.ForeignKey(DemotionPolicyVersion, null=True, on_delete=models.PROTECT, related_name="+")
    from_holds = models.BigIntegerField()
    to_holds = models.BigIntegerField()
    from_stage = models.CharField(max_length=60, blank=True)
    to_stage = models.CharField(max_length=60, blank=True)
    actions_applied = models.JSONField(default=list)
    actions_lifted = models.JSONField(default=list)
    evidence = models.JSONField(default=dict)
    tree_moves = models.ManyToManyField(TreeMove, blank=True, related_name="demotion_transitions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "id"]
        indexes = [
            models.Index(fields=["member", "day"], name="transition_member_day_idx"),
            models.Index(fields=["day"], name="transition_day_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.member_id} {self.day}: {self.from_stage or '—'} → {self.to_stage or '—'}"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Queued")
    SENDING = "sending", gettext_lazy("Sending")
    SENT = "sent", gettext_lazy("Sent")
    FAILED = "failed", gettext_lazy("Failed (will be retried)")
    GAVE_UP = "gave_up", gettext_lazy("Gave up")
    UNCONFIRMED = (
        "unconfirmed",
        gettext_lazy("Maybe sent: the sender stopped before confirming (not resent automatically)"),
    )


class Notification(models.Model):
    """The one e-mail a transition sends, kept as an outbox row: queued → sending (committed before the e-mail
    leaves) → sent (confirmed after). A row left in "sending" by a killed worker is never sent again automatically:
    after a while it is marked unconfirmed for an admin to look at, because e-mail cannot be un-sent."""

    transition = models.OneToOneField(StageTransition, on_delete=models.PROTECT, related_name="notification")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="demotion_notifications")
    stage_key = models.CharField(max_length=60)
    to_email = models.EmailField()
    subject = models.CharField(max_length=300)
    # The body as sent: empty while queued (the evaluation stores the transition, not the text), written by the
    # sender when it renders the e-mail. ``body`` reads the text the e-mail has or will have.
    sent_body = models.TextField(blank=True, db_column="body")
    status = models.CharField(max_length=12, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    attempts = models.IntegerField(default=0)
    sending_at = models.DateTimeField(null=True, blank=True, help_text="When the current attempt was claimed.")
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="notification_status_idx")]

    def __str__(self) -> str:
        return f"{self.stage_key} to {self.to_email} ({self.status})"

    @property
    def body(self) -> str:
        """The e-mail's body: as sent, or for a notice still queued, as the sender will render it."""
        return self.sent_body or render_notice(self)[1]

    @body.setter
    def body(self, value: str) -> None:
        self.sent_body = value
