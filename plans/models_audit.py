"""What was done with a company's money, kept for good: the money audit log (one entry per money action, append-only)
and the outbox of the "commissions posted" e-mails (one per member and period, never sent twice). Re-exported by
``plans.models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MoneyAction(models.TextChoices):
    PERIOD_CLOSE = "period_close", _("Period closed")
    RATE_SET = "rate_set", _("Exchange rate recorded")
    RUN_APPROVE = "run_approve", _("Run approved")
    RUN_POST = "run_post", _("Run posted")
    ADJUSTMENT = "adjustment", _("Manual adjustment")
    PAYOUT_CREATE = "payout_create", _("Payout batch created")
    PAYOUT_PAID = "payout_paid", _("Payout batch marked paid")
    PAYOUT_CANCEL = "payout_cancel", _("Payout batch cancelled")


class MoneyAuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The money audit log is append-only.")

    def delete(self):
        raise TypeError("The money audit log is append-only.")


class MoneyAuditEntry(models.Model):
    """One money action, written by the service that made it in the same transaction (plans.audit). Append-only:
    the log is what an admin or auditor reads to learn who moved which amount when."""

    action = models.CharField(max_length=20, choices=MoneyAction.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by_email = models.CharField(max_length=254, blank=True, help_text="Kept as it was when the action was made.")
    period = models.ForeignKey(
        "plans.CommissionPeriod", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey("plans.CommissionRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey("plans.PayoutBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    payees = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict)

    objects = MoneyAuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["-at", "-id"], name="money_audit_at_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.amount} {self.currency} at {self.at}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The money audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The money audit log is append-only.")


class StatementNoticeStatus(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (sent again on the next try)")
    UNCONFIRMED = "unconfirmed", _("Maybe sent: the sender stopped before confirming (not sent again)")


class StatementNotice(models.Model):
    """The one "commissions posted" e-mail of a member for a period, kept as an outbox row: created "sending" and
    committed before the e-mail leaves, "sent" after. The unique key makes a retried or repeated task skip members
    already e-mailed; a row left "sending" (the worker died mid-send) is never sent again, since e-mail cannot be
    un-sent. Only "failed" rows (the mail server refused) are tried again."""

    period = models.ForeignKey("plans.CommissionPeriod", on_delete=models.PROTECT, related_name="statement_notices")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="statement_notices")
    to_email = models.EmailField()
    status = models.CharField(
        max_length=12, choices=StatementNoticeStatus.choices, default=StatementNoticeStatus.SENDING,
        db_default=StatementNoticeStatus.SENDING,
    )  # fmt: skip
    attempts = models.IntegerField(default=1, db_default=1)
    sending_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "member"], name="statement_notice_once")]

    def __str__(self) -> str:
        return f"statement notice {self.period_id}/{self.member_id} ({self.status})"
