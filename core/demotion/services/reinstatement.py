"""Reinstating a demoted member: the stages lifted, flags cleared, and the tree restored where the policy moved it."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import User
from core.demotion.models import (
    MemberStage,
    StageTransition,
    TransitionKind,
)
from core.members.models import Member, MemberStatus
from core.members.services.moves import tree_move_undo
from core.members.services.profiles import member_status_set


@dataclass
class ReinstateReport:
    transition: StageTransition
    restored: list[int]
    skipped: list[str]


@transaction.atomic
def member_reinstate(*, member: Member, by: User | None, reason: str) -> ReinstateReport:
    """Undo what the policy did to a member: put back the sponsor links its moves changed (reporting any member
    who moved again since), lift every flag, reactivate the login, and count inactivity afresh from today."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [gettext("Say why the member is reinstated; it is kept in their history.")]})
    state = MemberStage.objects.select_for_update().filter(member=member).first()
    if state is None or (not state.holds and member.status != MemberStatus.TERMINATED):
        raise ValidationError(
            {
                "member": [
                    gettext("#%(number)s is in good standing; there is nothing to reinstate.")
                    % {"number": member.number}
                ]
            }
        )
    restored: list[int] = []
    skipped: list[str] = []
    moves = StageTransition.objects.filter(member=member).exclude(tree_moves=None).order_by("-day", "-id")
    for transition in moves:
        for move in transition.tree_moves.order_by("-id"):
            if hasattr(move, "undone_by"):
                continue
            report = tree_move_undo(move=move, by=by, reason=f"Reinstatement: {reason}")
            restored.extend(n for n in report.restored if n not in restored)
            skipped.extend(report.skipped)
    today = timezone.localdate()
    old_key = state.stage_key
    transition = StageTransition.objects.create(
        member=member,
        day=today,
        kind=TransitionKind.REINSTATEMENT,
        from_holds=state.holds,
        to_holds=0,
        from_stage=old_key,
        to_stage="",
        actions_lifted=sorted(state.actions),
        evidence={"restored_members": restored, "skipped": skipped},
        by=by,
        reason=reason.strip(),
    )
    state.holds, state.stage_key, state.actions, state.since, state.reinstated_on = 0, "", [], today, today
    state.evidence = {}
    state.save()
    Member.objects.filter(pk=member.pk).update(
        access_restricted=False, commission_excluded=False, preferred_pricing_suspended=False
    )
    member_status_set(member=member, status=MemberStatus.ACTIVE, by=by)
    return ReinstateReport(transition=transition, restored=restored, skipped=skipped)
