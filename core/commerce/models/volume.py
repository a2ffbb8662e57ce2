"""What orders add up to for the compensation plan: volume per member-period, closed periods, clawback flags."""

from __future__ import annotations

from django.db import models

from core.commerce.models.base import money_field, volume_field
from core.commerce.models.orders import Order, Refund
from core.members.models import Member


class MemberVolume(models.Model):
    """Per member per commission period; recomputed from orders (volume_recompute) on every pay and refund."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="volumes")
    period_start = models.DateField()
    pv = volume_field()
    psv = volume_field()
    cv = volume_field()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period_start", "member"]
        constraints = [models.UniqueConstraint(fields=["member", "period_start"], name="volume_one_row_per_period")]
        indexes = [
            models.Index(fields=["period_start"], name="volume_period_idx"),
            # What changed since a commission run read the period (the back office's live leg volumes).
            models.Index(fields=["period_start", "updated_at"], name="volume_period_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.period_start}: PV {self.pv} PSV {self.psv} CV {self.cv}"


class CommissionPeriodClose(models.Model):
    """Set by the plan engine when it posts a period: later refunds of its orders are flagged for clawback."""

    period_start = models.DateField(unique=True)
    closed_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-period_start"]

    def __str__(self) -> str:
        return f"Period {self.period_start} closed"


class ClawbackFlag(models.Model):
    """A refund of an order whose period was already paid: the plan engine claws back in a later period."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="clawback_flags")
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, related_name="clawback_flag")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="clawback_flags")
    period_start = models.DateField(help_text="The closed period the refunded order counted in.")
    pv = volume_field()
    cv = volume_field()
    amount = money_field()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Clawback of order {self.order_id} in {self.period_start}"
