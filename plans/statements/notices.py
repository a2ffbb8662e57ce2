"""The "commissions posted" e-mail: after a period is posted, each distributor paid in it is told their total, with
their statement attached as a PDF when the company enables ``statement_attached_to_email``.

Runs in a Celery task queued when the post commits (``plans.tasks.commissions_posted_notify``), outside any
transaction: each e-mail (and its PDF) is sent and dropped before the next payee's is built, so memory holds one
statement at a time however many members were paid.

Exactly once per member and period, however often the task runs (a retry, a second post notification, a worker
restarted mid-way): each e-mail goes through an outbox row (``StatementNotice``, unique per period and member) that is
created and committed *before* the e-mail leaves and confirmed after. A member with a row is skipped, except a row
"failed" (the mail server refused: nothing left), which is tried again. A row left "sending" by a worker that died
between the send and the confirmation is not sent again (e-mail cannot be un-sent)."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone, translation

from config.tenancy import current_schema
from core.communications.selectors import email_render
from core.company.selectors import company_url, language_for
from core.company.services import company_from_email, company_settings_get
from core.members.models import Member
from plans.currencies import conversion_text, money_text, rate_text
from plans.models import CommissionPeriod, LedgerLine, StatementNotice, StatementNoticeStatus
from plans.selectors_rates import period_conversion
from plans.statements.data import period_statement
from plans.statements.render import statement_pdf

PAYEE_CHUNK = 500
logger = logging.getLogger(__name__)


def statement_filename(*, member: Member, period: CommissionPeriod) -> str:
    return f"statement-{member.number}-{period.start:%Y-%m-%d}.pdf"


def year_summary_filename(*, member: Member, year: int) -> str:
    return f"earnings-{member.number}-{year}.pdf"


def _claim(*, period: CommissionPeriod, member: Member) -> bool:
    """Record (and commit) that ``member``'s e-mail for ``period`` is being sent, before it is sent: True when this
    call may send it (no row yet, or an earlier attempt the mail server refused), False when it was sent already or
    may have been."""
    now = timezone.now()
    try:
        with transaction.atomic():
            StatementNotice.objects.create(period=period, member=member, to_email=member.email, sending_at=now)
        return True
    except IntegrityError:
        with transaction.atomic():
            return bool(
                StatementNotice.objects.filter(
                    period=period, member=member, status=StatementNoticeStatus.FAILED
                ).update(status=StatementNoticeStatus.SENDING, sending_at=now, attempts=F("attempts") + 1)
            )


def _confirm(*, period: CommissionPeriod, member: Member, error: str = "") -> None:
    StatementNotice.objects.filter(period=period, member=member, status=StatementNoticeStatus.SENDING).update(
        status=StatementNoticeStatus.FAILED if error else StatementNoticeStatus.SENT,
        sent_at=None if error else timezone.now(),
        last_error=error[:500],
    )


def _converted_context(member: Member, period: CommissionPeriod, total) -> dict:
    """The e-mail's words for the total in the member's currency (empty when they are paid in the base currency):
    ``converted`` reads "$1,234.56 at 0.9200 = 1.135,80 €" in the active language's number format."""
    value = period_conversion(member=member, period=period, base_amount=total)
    if value is None:
        return {"converted": "", "paid_total": "", "paid_currency": "", "rate": ""}
    return {"converted": conversion_text(value), "paid_total": money_text(value.amount, value.currency),
            "paid_currency": value.currency, "rate": rate_text(value.rate)}  # fmt: skip


def commissions_posted_notify(*, period: CommissionPeriod) -> int:
    """E-mail every member with a ledger line in ``period`` who was not e-mailed for it yet; returns how many were
    e-mailed by this call (0 when every payee already was)."""
    settings_row = company_settings_get()
    attach = settings_row.statement_attached_to_email
    base = company_url()
    sender = company_from_email()
    payees = (
        LedgerLine.objects.filter(period=period, payee__isnull=False)
        .values("payee_id")
        .annotate(total=Sum("amount"))
        .order_by("payee_id")
    )
    sent = 0
    for row in payees.iterator(chunk_size=PAYEE_CHUNK):
        member = Member.objects.get(pk=row["payee_id"])
        if not member.email or not _claim(period=period, member=member):
            continue
        language = language_for(user=member.user, email=member.email)
        subject, body = email_render(
            language=language,
            key="commissions_posted",
            context={
                "first_name": member.first_name,
                "member_number": member.number,
                "period_start": f"{period.start:%Y-%m-%d}",
                "period_end": f"{period.end:%Y-%m-%d}",
                "total": row["total"],
                "currency": settings_row.currency,
                **_converted_context(member, period, row["total"]),
                "statement_attached": attach,
                "earnings_url": f"{base}/office/earnings/{period.pk}/",
            },
        )
        message = EmailMessage(
            subject, body, sender, [member.email],
            headers={"Message-ID": f"<statement-{current_schema()}-{period.pk}-{member.pk}@canopy.invalid>"},
        )  # fmt: skip
        if attach:
            with translation.override(language):
                pdf = statement_pdf(period_statement(member=member, period=period))
            message.attach(statement_filename(member=member, period=period), pdf, "application/pdf")
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 - the mail server refused it: nothing left, the next run retries
            logger.exception("Commissions-posted e-mail to member %s could not be sent", member.number)
            _confirm(period=period, member=member, error=str(exc) or type(exc).__name__)
            continue
        _confirm(period=period, member=member)
        sent += 1
    return sent
