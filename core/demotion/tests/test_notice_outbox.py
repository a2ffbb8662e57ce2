"""Notices go out through an outbox: marked "sending" and committed before the e-mail leaves, confirmed "sent"
after. A worker killed between the send and the confirmation must not e-mail the member a second time."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from core.demotion.models import Notification
from core.demotion.services.notices import notifications_send_pending
from core.demotion.tests.conftest import JOIN, keep_active, paid_subscription

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the service may catch it."""


class DiesAfterSending(EmailBackend):
    """The SMTP server accepted the message, then the worker died before it could record that."""

    dying = True

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        if DiesAfterSending.dying:
            DiesAfterSending.dying = False
            raise WorkerKilled
        return sent


@pytest.fixture
def notice(enroll):
    from core.demotion.services.evaluation import evaluate_day

    house = enroll(None, username="house")
    pat = enroll(house, username="pat")
    keep_active([house], JOIN + datetime.timedelta(days=180))
    paid_subscription(pat, JOIN)
    evaluate_day(day=JOIN + datetime.timedelta(days=180), send_notices=False)
    return Notification.objects.get(member=pat)


def test_a_worker_killed_after_sending_does_not_send_the_notice_again(notice, settings):
    settings.EMAIL_BACKEND = f"{__name__}.DiesAfterSending"
    DiesAfterSending.dying = True
    with pytest.raises(WorkerKilled):
        notifications_send_pending()
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sending", 1)

    assert notifications_send_pending() == 0  # the retry (the task's next run)
    assert len(mail.outbox) == 1


def test_an_unconfirmed_notice_is_reported_not_resent(notice, settings):
    settings.EMAIL_BACKEND = f"{__name__}.DiesAfterSending"
    DiesAfterSending.dying = True
    with pytest.raises(WorkerKilled):
        notifications_send_pending()
    Notification.objects.filter(pk=notice.pk).update(sending_at=timezone.now() - datetime.timedelta(minutes=16))
    assert notifications_send_pending() == 0
    notice.refresh_from_db()
    assert notice.status == "unconfirmed"
    assert len(mail.outbox) == 1


def test_a_notice_is_sent_once_and_confirmed(notice):
    assert notifications_send_pending() == 1
    assert notifications_send_pending() == 0
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, len(mail.outbox)) == ("sent", 1, 1)
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<demotion-notice-alpha-{notice.pk}@canopy.invalid>"
