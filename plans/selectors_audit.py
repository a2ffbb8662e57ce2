"""The console's money log: every money action in one list, newest first — the money audit entries (period close,
approve, post, adjustment, payouts), the refunds of orders (core.commerce) and the commission lines clawed back
because of them. One SQL UNION of three row sources, so it pages like one table.

Each row is a dict with the keys of ``COLUMNS`` (who, when, what, amounts) plus ``label``, the action in words."""

from __future__ import annotations

from django.db.models import BigIntegerField, CharField, DateField, F, IntegerField, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.commerce.public import Refund
from core.company.services import company_settings_get
from plans.models import LedgerKind, LedgerLine, MoneyAction, MoneyAuditEntry

REFUND = "refund"
CLAWBACK = "clawback"
LABELS = {**dict(MoneyAction.choices), REFUND: _("Order refunded"), CLAWBACK: _("Commission clawed back")}

# Every source annotates these, in this order (a UNION matches columns by position).
COLUMNS = (
    "log_kind",
    "log_at",
    "log_by",
    "log_amount",
    "log_currency",
    "log_payees",
    "log_period_start",
    "log_run",
    "log_batch",
    "log_order",
    "log_member",
    "log_note",
)


def _columns(**expressions) -> dict:
    return {name: expressions[name] for name in COLUMNS}


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


NO_INT = Value(None, output_field=IntegerField())
NO_DATE = Value(None, output_field=DateField())
NO_NUMBER = Value(None, output_field=BigIntegerField())


def money_log() -> QuerySet:
    """Every money action, newest first (see the module docstring)."""
    currency = company_settings_get().currency  # commission lines are in the company's currency
    entries = MoneyAuditEntry.objects.annotate(
        **_columns(
            log_kind=F("action"),
            log_at=F("at"),
            log_by=F("by_email"),
            log_amount=F("amount"),
            log_currency=F("currency"),
            log_payees=F("payees"),
            log_period_start=F("period__start"),
            log_run=F("run_id"),
            log_batch=F("batch_id"),
            log_order=NO_NUMBER,
            log_member=F("member__number"),
            log_note=F("note"),
        )
    ).values(*COLUMNS)
    refunds = Refund.objects.annotate(
        **_columns(
            log_kind=_text(REFUND),
            log_at=F("created_at"),
            log_by=Coalesce(F("created_by__email"), _text("")),
            log_amount=F("amount"),
            log_currency=F("order__currency"),
            log_payees=NO_INT,
            log_period_start=NO_DATE,
            log_run=NO_INT,
            log_batch=NO_INT,
            log_order=F("order__number"),
            log_member=F("order__credited_member__number"),
            log_note=F("reason"),
        )
    ).values(*COLUMNS)
    clawbacks = (
        LedgerLine.objects.filter(kind=LedgerKind.CLAWBACK)
        .annotate(
            **_columns(
                log_kind=_text(CLAWBACK),
                log_at=F("created_at"),
                log_by=Coalesce(F("created_by__email"), _text("")),
                log_amount=F("amount"),
                log_currency=_text(currency),
                log_payees=NO_INT,
                log_period_start=F("period__start"),
                log_run=F("run_id"),
                log_batch=NO_INT,
                log_order=F("source_order__number"),
                log_member=F("payee__number"),
                log_note=F("reason"),
            )
        )
        .values(*COLUMNS)
    )
    return entries.union(refunds, clawbacks, all=True).order_by("-log_at", "log_kind")


def money_log_labelled(rows) -> list[dict]:
    """The rows of one page with their action in words."""
    return [{**row, "label": LABELS.get(row["log_kind"], row["log_kind"])} for row in rows]
