"""Uploads of partners' sales files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

# ---------------------------------------------------------------------------------------------------- imports


class ImportStatus(models.TextChoices):
    POSTED = "posted", gettext_lazy("Posted")
    REJECTED = "rejected", gettext_lazy("Rejected (nothing posted)")


class SalesImport(models.Model):
    """One upload of a partner's sales CSV. Either every new row is posted or none is; rows already imported
    (same partner and external id) are skipped, so re-importing a file never double counts."""

    partner = models.CharField(max_length=50)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    rows = models.PositiveIntegerField(default=0)
    posted = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[{row, field, message}] when rejected")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Refused: the same file (same SHA-256) was posted by this earlier import.",
    )

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.partner} {self.file_name} ({self.status})"
