"""The stage e-mails: sending queued notices through the outbox (mark, commit, render, send, confirm). The words
are in ``core.demotion.notice_text`` (re-exported here)."""

from __future__ import annotations

import datetime

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.tenancy import current_schema
from core.company.services import company_sender
from core.demotion.models import (
    Notification,
    NotificationStatus,
)
from core.demotion.notice_text import (
    conditions_holding,
    evidence_text,
    notice_context,
    notice_render,
    notice_render_with,
    notice_shared_context,
    notice_subject_fixed,
    notice_text,
    remedy_text,
    render_notice,
)

__all__ = [
    "conditions_holding",
    "evidence_text",
    "notice_context",
    "notice_render",
    "notice_render_with",
    "notice_shared_context",
    "notice_subject_fixed",
    "notice_text",
    "notifications_send_pending",
    "remedy_text",
    "render_notice",
]

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
        notice = Notification.objects.select_related("transition__policy", "member__user").get(pk=notification_id)
        try:
            if not notice.sent_body:
                # Rendered now, in the member's language, and kept on the row: the outbox records what was sent.
                notice.subject, notice.body = render_notice(notice)
                Notification.objects.filter(pk=notice.pk).update(subject=notice.subject, sent_body=notice.sent_body)
            _notice_email(notice).send()
        except Exception as exc:  # noqa: BLE001 - not rendered, or the mail server refused it: nothing was sent, retry
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
