"""Plan versions: a plan document checked (each error in the reader's language), kept as a draft, and activated
from the start of a commission period."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import User
from core.commerce.public import period_start_for
from plans.engine import Plan, PlanError, plan_from_document
from plans.engine.document import Message
from plans.models import CommissionPeriod, PeriodStatus, PlanVersion


def plan_document_check(*, document) -> Plan:
    """The validated plan, or a ValidationError naming every bad field (``document.components[1].rates[2]``), each
    reason in the active language."""
    try:
        return plan_from_document(document)
    except PlanError as exc:
        raise ValidationError(
            {f"document.{path}": [plan_message(reason) for reason in reasons] for path, reasons in exc.errors.items()}
        ) from exc


def plan_message(message: str) -> str:
    """An engine's validation message in the active language: the engine (pure, no Django) keeps each message's
    English template and parameters (``plans.engine.document.Message``); its templates are in the catalogue."""
    if not isinstance(message, Message):
        return message
    params = {name: plan_message(value) if isinstance(value, str) else value for name, value in message.params.items()}
    return gettext(message.template) % params if params else gettext(message.template)


@transaction.atomic
def plan_version_create(*, document: dict, name: str = "", by: User | None = None) -> PlanVersion:
    """A new draft version (validated now, so only a valid document is ever stored)."""
    plan = plan_document_check(document=document)
    number = (PlanVersion.objects.select_for_update().aggregate(m=Max("number"))["m"] or 0) + 1
    return PlanVersion.objects.create(
        number=number, name=name or plan.name, document=document, is_draft=True, created_by=by
    )


@transaction.atomic
def plan_version_activate(
    *, version: PlanVersion, effective_from: datetime.date, by: User | None = None
) -> PlanVersion:
    """Make a draft the plan from the period starting ``effective_from``. Posted periods keep their own version."""
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_draft:
        raise ValidationError(
            {
                "version": [
                    gettext("Version %(number)s is already active from %(effective_from)s.")
                    % {"number": version.number, "effective_from": version.effective_from}
                ]
            }
        )
    if period_start_for(effective_from) != effective_from:
        raise ValidationError(
            {
                "effective_from": [
                    gettext(
                        "%(effective_from)s is not the start of a commission period (the period "
                        "containing it starts %(period_start_for)s)."
                    )
                    % {"effective_from": effective_from, "period_start_for": period_start_for(effective_from)}
                ]
            }
        )
    closed = CommissionPeriod.objects.filter(
        start__gte=effective_from, status__in=[PeriodStatus.POSTED, PeriodStatus.PAID]
    ).first()
    if closed is not None:
        raise ValidationError(
            {
                "effective_from": [
                    gettext(
                        "The period starting %(start)s is already posted; a new version can only take "
                        "effect after the last posted period."
                    )
                    % {"start": closed.start}
                ]
            }
        )
    if PlanVersion.objects.filter(is_draft=False, effective_from=effective_from).exists():
        raise ValidationError(
            {
                "effective_from": [
                    gettext("Another version already takes effect from %(effective_from)s.")
                    % {"effective_from": effective_from}
                ]
            }
        )
    plan_document_check(document=version.document)
    version.is_draft = False
    version.effective_from = effective_from
    version.activated_at = timezone.now()
    version.activated_by = by
    version.save(update_fields=["is_draft", "effective_from", "activated_at", "activated_by"])
    return version
