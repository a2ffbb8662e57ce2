"""The stage e-mails: rendering each stage's template with its evidence, and sending queued notices through the outbox
(mark, commit, send, confirm)."""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template import Context, Engine
from django.utils import timezone
from django.utils.translation import gettext

from config.tenancy import current_schema
from core import formatting
from core.company.selectors import company_url
from core.company.services import company_sender, company_settings_get
from core.demotion.models import (
    Notification,
    NotificationStatus,
)
from core.demotion.policy import stage_text
from core.members.models import Member

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


MAX_SEND_ATTEMPTS = 5


SENDING_TIMEOUT = datetime.timedelta(minutes=15)  # far longer than one SMTP call; then the outcome is unknown


def notifications_send_pending(*, limit: int = 500) -> int:
    """Send queued (and earlier failed) notices through the outbox: claim the row ("sending", committed), send,
    then confirm ("sent"). A worker killed between the send and the confirmation leaves the row "sending", which no
    retry picks up, so a member is never e-mailed twice for one transition; rows stuck there longer than
    ``SENDING_TIMEOUT`` are marked unconfirmed for an admin. Returns the number sent."""
    Notification.objects.filter(
        status=NotificationStatus.SENDING, sending_at__lt=timezone.now() - SENDING_TIMEOUT
    ).update(status=NotificationStatus.UNCONFIRMED)
    sent = 0
    retryable = [NotificationStatus.QUEUED, NotificationStatus.FAILED]
    pending = list(
        Notification.objects.filter(status__in=retryable, attempts__lt=MAX_SEND_ATTEMPTS)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for notification_id in pending:
        with transaction.atomic():
            claimed = Notification.objects.filter(pk=notification_id, status__in=retryable).update(
                status=NotificationStatus.SENDING, sending_at=timezone.now(), attempts=F("attempts") + 1
            )
        if not claimed:
            continue  # another sender took it
        notice = Notification.objects.get(pk=notification_id)
        try:
            _notice_email(notice).send()
        except Exception as exc:  # noqa: BLE001 - the mail server refused it: nothing was sent, retry later
            Notification.objects.filter(pk=notice.pk, status=NotificationStatus.SENDING).update(
                status=NotificationStatus.FAILED if notice.attempts < MAX_SEND_ATTEMPTS else NotificationStatus.GAVE_UP,
                last_error=str(exc)[:500],
            )
            continue
        Notification.objects.filter(pk=notice.pk, status=NotificationStatus.SENDING).update(
            status=NotificationStatus.SENT, sent_at=timezone.now(), last_error=""
        )
        sent += 1
    return sent


def _notice_email(notice: Notification) -> EmailMessage:
    """One notice as an e-mail with a Message-ID fixed by the row, so a receiving system that sees it twice can
    tell it is the same message."""
    sender = company_sender()  # the company's name and address, as every e-mail of the company
    return EmailMessage(
        subject=notice.subject,
        body=notice.body,
        from_email=sender.from_email,
        to=[notice.to_email],
        reply_to=sender.reply_to or None,
        headers={"Message-ID": f"<demotion-notice-{current_schema()}-{notice.pk}@canopy.invalid>"},
    )
