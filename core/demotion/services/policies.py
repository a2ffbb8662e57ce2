"""The demotion policy: the version in force, and parsing and saving a new version (with acknowledgements)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import User
from core.demotion.models import (
    DemotionPolicyVersion,
)
from core.demotion.policy import (
    Policy,
    PolicyError,
    default_policy_document,
    fairness_warnings,
    policy_from_document,
)

MAX_STAGES = 62  # stages are bits of a bigint mask


def policy_current() -> DemotionPolicyVersion:
    """The policy in force; a company that never saved one runs seed 003's default."""
    version = DemotionPolicyVersion.objects.order_by("-id").first()
    if version is None:
        policy = policy_from_document(default_policy_document())
        version = DemotionPolicyVersion.objects.create(
            document=default_policy_document(), warnings=[w.code for w in fairness_warnings(policy)]
        )
    return version


def policy_parse(document: dict) -> Policy:
    """A validated policy, or a ValidationError whose keys are the document's field paths."""
    try:
        policy = policy_from_document(document)
    except PolicyError as exc:
        raise ValidationError({f"document.{path}": reasons for path, reasons in exc.errors.items()}) from exc
    if len(policy.stages) > MAX_STAGES:
        raise ValidationError(
            {"document.stages": [gettext("At most %(max_stages)s stages.") % {"max_stages": MAX_STAGES}]}
        )
    return policy


@transaction.atomic
def policy_save(*, document: dict, by: User | None, acknowledge: list[str] | None = None) -> DemotionPolicyVersion:
    """Save a new version. A policy that raises fairness warnings is only saved when each warning is acknowledged
    by code; the acknowledgement (who, when, which) is stored with the version."""
    policy = policy_parse(document)
    warnings = fairness_warnings(policy)
    missing = [w for w in warnings if w.code not in (acknowledge or [])]
    if missing:
        raise ValidationError(
            {
                "acknowledge": [
                    f"{w.code}: {w.message} Resend with this code in 'acknowledge' to save anyway." for w in missing
                ]
            }
        )
    codes = [w.code for w in warnings]
    return DemotionPolicyVersion.objects.create(
        document=document,
        created_by=by,
        warnings=codes,
        acknowledged_warnings=codes,
        acknowledged_by=by if codes else None,
        acknowledged_at=timezone.now() if codes else None,
    )
