"""The "commissions posted" e-mail: after a period is posted, each distributor paid in it is told their total, with
their statement attached as a PDF when the company enables ``statement_attached_to_email``.

Runs in a Celery task queued when the post commits (``plans.tasks.commissions_posted_notify``), outside any
transaction: each e-mail (and its PDF) is sent and dropped before the next payee's is built, so memory holds one
statement at a time however many members were paid."""

from __future__ import annotations

from django.db.models import Sum

from core.communications.services import email_send
from core.company.selectors import company_url
from core.company.services import company_settings_get
from core.members.models import Member
from plans.models import CommissionPeriod, LedgerLine
from plans.statements.data import period_statement
from plans.statements.render import statement_pdf

PAYEE_CHUNK = 500


def statement_filename(*, member: Member, period: CommissionPeriod) -> str:
    return f"statement-{member.number}-{period.start:%Y-%m-%d}.pdf"


def year_summary_filename(*, member: Member, year: int) -> str:
    return f"earnings-{member.number}-{year}.pdf"


def commissions_posted_notify(*, period: CommissionPeriod) -> int:
    """E-mail every member with a ledger line in ``period``; returns how many were e-mailed."""
    settings_row = company_settings_get()
    attach = settings_row.statement_attached_to_email
    base = company_url()
    payees = (
        LedgerLine.objects.filter(period=period, payee__isnull=False)
        .values("payee_id")
        .annotate(total=Sum("amount"))
        .order_by("payee_id")
    )
    sent = 0
    for row in payees.iterator(chunk_size=PAYEE_CHUNK):
        member = Member.objects.get(pk=row["payee_id"])
        if not member.email:
            continue
        attachments = []
        if attach:
            pdf = statement_pdf(period_statement(member=member, period=period))
            attachments.append((statement_filename(member=member, period=period), pdf, "application/pdf"))
        email_send(
            key="commissions_posted",
            context={
                "first_name": member.first_name,
                "member_number": member.number,
                "period_start": f"{period.start:%Y-%m-%d}",
                "period_end": f"{period.end:%Y-%m-%d}",
                "total": row["total"],
                "currency": settings_row.currency,
                "statement_attached": attach,
                "earnings_url": f"{base}/office/earnings/{period.pk}/",
            },
            to=member.email,
            attachments=attachments,
        )
        sent += 1
    return sent
