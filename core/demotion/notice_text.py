"""The words of a stage e-mail: each stage's subject and body templates rendered with the member's evidence (why the
stage holds, what lifts it, the next stage's date), and ``render_notice``, which renders a queued notice when it is
sent. No import of the demotion models here: the notice model's ``body`` reads through ``render_notice`` until the
e-mail has gone out."""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from django.template import Context, Engine
from django.template.base import TextNode
from django.utils import translation
from django.utils.translation import gettext

from core import formatting
from core.company.selectors import company_url, language_for
from core.company.services import company_settings_get
from core.demotion.policy import Stage, policy_from_document, stage_text
from core.members.models import Member

SUBJECT_LENGTH = 300  # Notification.subject's max_length

TEMPLATE_ENGINE = Engine(autoescape=False)  # plain-text e-mails: nothing to escape


def _days_counted(evidence: dict) -> int | None:
    """Days from the member's join (or reinstatement) to the evaluation day; None on evidence recorded without it."""
    try:
        return (
            datetime.date.fromisoformat(evidence["day"]) - datetime.date.fromisoformat(evidence["counted_from"])
        ).days
    except (KeyError, TypeError, ValueError):
        return None


def conditions_holding(evidence: dict, condition) -> list[str]:
    """The parts of ``condition`` (``subscription_unpaid``, ``subscription_lapsed``, ``psv``) that hold on the
    evidence's day. Evidence recorded before it carried the facts needed counts every part as holding."""
    days_in = _days_counted(evidence)
    holding = []
    if condition.subscription_unpaid_days is not None:
        days = evidence.get("days_since_paid_subscription")
        threshold = condition.subscription_unpaid_days
        if (days is None or days >= threshold) and (days_in is None or days_in >= threshold):
            holding.append("subscription_unpaid")
    if condition.subscription_lapsed:
        lapsed = evidence.get("days_lapsed", evidence.get("days_since_failed_charge"))
        if lapsed is not None and lapsed >= (evidence.get("decline_grace_days") or 0):
            holding.append("subscription_lapsed")
    if condition.psv_min is not None:
        window = condition.psv_window_days
        amount = Decimal(evidence.get("psv_by_window", {}).get(str(window), "0.00"))
        if amount < condition.psv_min and (days_in is None or days_in >= window):
            holding.append("psv")
    return holding or condition.parts


def _psv_basis(evidence: dict) -> str:
    if evidence.get("psv_basis") == "personal_purchases":
        return gettext("personal purchases")
    return gettext("sales volume (PSV)")


def evidence_text(evidence: dict, stage) -> str:
    """The facts that put the member at ``stage``, in words: only the conditions that hold (the e-mails and the
    member's own page use it)."""
    parts = []
    condition = stage.condition
    holding = conditions_holding(evidence, condition)
    if "subscription_unpaid" in holding:
        last = evidence.get("last_paid_subscription")
        parts.append(
            gettext("your last paid back-office subscription was on %(last)s (%(days)s days ago)")
            % {"last": last, "days": evidence.get("days_since_paid_subscription")}
            if last
            else gettext("no back-office subscription payment is on record")
        )
    if "subscription_lapsed" in holding and evidence.get("first_failed_charge"):
        if evidence.get("decline_grace_days"):
            parts.append(
                gettext(
                    "your subscription charge failed on %(day)s and was not paid within the %(grace)s-day grace period"
                )
                % {"day": evidence["first_failed_charge"], "grace": evidence.get("decline_grace_days")}
            )
        else:
            parts.append(
                gettext("your subscription charge failed on %(day)s") % {"day": evidence["first_failed_charge"]}
            )
    elif "subscription_lapsed" in holding and evidence.get("fee_overdue_since"):
        parts.append(
            gettext("your back-office subscription has been unpaid since %(day)s with no card charged")
            % {"day": evidence["fee_overdue_since"]}
        )
    if "psv" in holding:
        window = str(condition.psv_window_days)
        parts.append(
            gettext("your %(basis)s in the last %(window)s days is %(amount)s (%(needed)s needed)")
            % {
                "basis": _psv_basis(evidence),
                "window": window,
                "amount": formatting.number(evidence.get("psv_by_window", {}).get(window, "0.00")),
                "needed": formatting.number(condition.psv_min),
            }
        )
    return gettext(" and ").join(parts) or gettext("see your back office")


def remedy_text(evidence: dict, stage) -> str:
    """What lifts ``stage``, one step per condition that holds: with "either condition holds" (the usual policy)
    every step is needed, so the steps are joined by "and"; with "all conditions hold", any one step is enough."""
    condition = stage.condition
    holding = conditions_holding(evidence, condition)
    steps = []
    if {"subscription_unpaid", "subscription_lapsed"} & set(holding):
        steps.append(gettext("pay your back-office subscription"))
    if "psv" in holding:
        window = str(condition.psv_window_days)
        steps.append(
            gettext("reach %(needed)s of %(basis)s within the last %(window)s days (you have %(amount)s)")
            % {
                "needed": formatting.number(condition.psv_min),
                "basis": _psv_basis(evidence),
                "window": window,
                "amount": formatting.number(evidence.get("psv_by_window", {}).get(window, "0.00")),
            }
        )
    joiner = gettext(" or ") if condition.combine == "all" else gettext(" and ")
    return joiner.join(steps)


def _back_office_url() -> str:
    base = company_url()
    return f"{base}/office/" if base else "/office/"


def notice_shared_context() -> dict:
    """What every notice of one evaluation shares (looked up once, not once per member)."""
    return {
        "company": company_settings_get().display_name,
        "back_office_url": _back_office_url(),
    }


def notice_context(member: Member, stage, evidence: dict, shared: dict | None = None) -> Context:
    """What a stage's subject and body templates may use, in words."""
    next_stage = evidence.get("next_stage")
    if next_stage and next_stage.get("name"):
        next_stage = {**next_stage, "name": stage_text("name", next_stage["name"])}
    remedy = remedy_text(evidence, stage)
    return Context(
        {
            **(shared or notice_shared_context()),
            "member": member,
            "evidence_text": evidence_text(evidence, stage),
            # Both names: policies saved before remedy_text existed say "unless you {{ next_stage_remedy }}".
            "remedy_text": remedy,
            "next_stage_remedy": remedy,
            "next_stage": next_stage,
            "next_stage_date": (next_stage or {}).get("on", ""),
        }
    )


def notice_render_with(template: str, context: Context) -> str:
    return _compiled(template).render(context).strip() + "\n"


def notice_render(template: str, member: Member, stage, evidence: dict, shared: dict | None = None) -> str:
    return notice_render_with(template, notice_context(member, stage, evidence, shared))


@functools.lru_cache(maxsize=256)
def _compiled(template: str):
    return TEMPLATE_ENGINE.from_string(template)


def notice_subject_fixed(stages: list[Stage]) -> str | None:
    """The subject of an e-mail for ``stages`` when every stage's subject is fixed words (no member detail in it,
    as in the templates), so one evaluation works it out once for everyone; None when it must be rendered per
    member."""
    parts = []
    for stage in stages:
        template = _compiled(stage_text("email_subject", stage.email_subject))
        if not all(isinstance(node, TextNode) for node in template.nodelist):
            return None
        parts.append(template.render(Context()).strip())
    return "; ".join(parts)[:SUBJECT_LENGTH]


def notice_text(stages: list[Stage], member, evidence: dict, shared: dict | None = None) -> tuple[str, str]:
    """The subject and body of the one e-mail a transition sends, for every stage it enters (two start on one day,
    or a first evaluation or a catch-up skips some): each stage's own subject and text, in stage order, so no
    consequence goes untold. One message rather than one per stage keeps the outbox's one row per transition, hence
    its send-once guarantee."""
    shared = shared or notice_shared_context()
    subjects, bodies = [], []
    for stage in stages:
        context = notice_context(member, stage, evidence, shared)
        subjects.append(notice_render_with(stage_text("email_subject", stage.email_subject), context).strip())
        bodies.append(notice_render_with(stage_text("email_body", stage.email_body), context))
    return "; ".join(subjects)[:SUBJECT_LENGTH], "\n".join(bodies)


def render_notice(notice) -> tuple[str, str]:
    """The subject and body of a queued notice, rendered from its transition (the policy version, the stages it
    entered and their evidence) in the member's language: the outbox sender calls it when the e-mail goes out, so
    the daily evaluation only queues a row per transition."""
    transition = notice.transition
    entered = transition.to_holds & ~transition.from_holds
    policy = policy_from_document(transition.policy.document)
    stages = [stage for j, stage in enumerate(policy.stages) if entered >> j & 1]
    member = notice.member
    # The member's own language when the company enables it, else the company's default (issue 19).
    with translation.override(language_for(user=member.user if member.user_id else None)):
        return notice_text(stages, member, transition.evidence)
