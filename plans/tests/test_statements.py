# ruff: noqa: F811  (the eager_celery fixture is imported from the webhooks tests)
"""Commission statements and year-end summaries: the data, the PDF read back, the "commissions posted" e-mail and
who may download what through the API.

The company (plans/tests/conftest.py): root <- a <- b <- c, each buys one 100 CV kit in January 2026; the plan pays
unilevel 10 % / 5 %, here named "Team Bonus" by the company. Hand-computed, posted: a gets 10.00 on b's order
(level 1) and 5.00 on c's (level 2) = 15.00; root 15.00; b 10.00; c nothing.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.db.models import Sum
from django.utils import timezone
from pypdf import PdfReader

from core.accounts.models import User
from core.company.services import company_languages_set, company_settings_update
from core.webhooks.tests.conftest import eager_celery  # noqa: F401 - a fixture
from plans import tasks
from plans.engine import plan_from_document
from plans.models import LedgerLine, StatementNotice
from plans.services import run_preview
from plans.services_adjustments import ledger_adjust
from plans.services_payouts import payout_batch_create, payout_batch_mark_paid
from plans.services_periods import period_close
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.services_posting import run_approve, run_post
from plans.statements import render
from plans.statements.data import period_statement, year_summary
from plans.statements.notices import commissions_posted_notify
from plans.statements.render import statement_pdf, year_summary_pdf
from plans.tests.conftest import JAN, PLAN, buy
from tests.helpers import token_client

pytestmark = pytest.mark.django_db

NAMED_PLAN = {**PLAN, "components": [{**PLAN["components"][0], "name": "Team Bonus"}]}


@pytest.fixture
def posted(chain, product, admin, january):
    for name in ("root", "a", "b", "c"):
        buy(chain[name])
    version = plan_version_activate(version=plan_version_create(document=NAMED_PLAN, by=admin), effective_from=JAN,
                                    by=admin)  # fmt: skip
    run = run_approve(run=run_preview(period=january, by=admin), by=admin)
    period_close(period=january, by=admin)
    run_post(run=run, by=admin)
    january.refresh_from_db()
    assert january.plan_version == version
    return january


def pdf_lines(pdf: bytes) -> list[str]:
    """Every text line of every page, in order (each drawn string comes back as one line)."""
    reader = PdfReader(io.BytesIO(pdf))
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines() if line.strip()]


def after(lines: list[str], label: str) -> str:
    return lines[lines.index(label) + 1]


def test_the_engine_accepts_a_bonus_name():
    assert [c.code for c in plan_from_document(NAMED_PLAN).components] == ["unilevel"]


def test_statement_data_names_the_bonus_and_every_line(chain, posted):
    a, b, c = chain["a"], chain["b"], chain["c"]
    statement = period_statement(member=a, period=posted)
    assert (statement.member_number, statement.total, statement.line_count) == (a.number, Decimal("15.00"), 2)
    assert [(t.name, t.lines, t.amount) for t in statement.by_bonus] == [("Team Bonus", 2, Decimal("15.00"))]
    rows = [(x.bonus, x.source_name, x.source_number, x.level, x.volume, x.rate, x.amount) for x in statement.lines]
    assert rows == [
        ("Team Bonus", b.full_name, b.number, 1, Decimal("100.00"), Decimal("10.00"), Decimal("10.00")),
        ("Team Bonus", c.full_name, c.number, 2, Decimal("100.00"), Decimal("5.00"), Decimal("5.00")),
    ]
    assert list(statement.lines) == list(statement.lines)  # re-iterable: each pass streams the rows again


def test_statement_pdf_total_equals_the_ledger_total(chain, posted, admin):
    a, b, c = chain["a"], chain["b"], chain["c"]
    ledger_adjust(member=a, amount=Decimal("-2.50"), reason="Returned sample kit", by=admin, period=posted)
    ledger_total = LedgerLine.objects.filter(payee=a, period=posted).aggregate(t=Sum("amount"))["t"]
    assert ledger_total == Decimal("12.50")

    pdf = statement_pdf(period_statement(member=a, period=posted))

    assert pdf.startswith(b"%PDF-")
    lines = pdf_lines(pdf)
    assert lines[:2] == ["Alpha", "Commission statement"]
    assert after(lines, "Member") == f"{a.full_name} (#{a.number})"
    assert after(lines, "Period") == "Jan. 1, 2026 – Jan. 31, 2026"
    assert after(lines, "Total for the period") == "12.50 USD"
    assert lines.count("12.50 USD") == 2  # under the totals by bonus and at the end
    assert "Every line (3)" in lines
    first = lines.index("Every line (3)") + 8  # past the seven column headings
    assert lines[first : first + 7] == [
        "Team Bonus", f"{b.full_name} #{b.number}", f"#{b.orders.get().number}", "1", "100.00",
        "10.00 %", "10.00 USD",
    ]  # fmt: skip
    assert lines[first + 7 : first + 14] == [
        "Team Bonus", f"{c.full_name} #{c.number}", f"#{c.orders.get().number}", "2", "100.00",
        "5.00 %", "5.00 USD",
    ]  # fmt: skip
    assert lines[first + 14 : first + 17] == ["Adjustment", "Returned sample kit", "-2.50 USD"]
    assert "unilevel" not in lines  # the company's name for the bonus, never the code
    assert lines[-2:] == ["Page 1 of", "1"]  # "of N" is a form drawn once the page count is known
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_a_long_statement_pages_and_is_bounded(chain, posted, monkeypatch):
    """Rows stream onto as many pages as they need; past MAX_LINES the rest are counted, not listed."""
    monkeypatch.setattr(render, "MAX_LINES", 1)
    lines = pdf_lines(statement_pdf(period_statement(member=chain["a"], period=posted)))
    assert after(lines, "Total for the period") == "15.00 USD"
    assert lines.count("Team Bonus") == 2  # the totals row and the one listed line
    assert any(line.startswith("1 more lines are not listed here") for line in lines)


def test_year_summary_by_month_bonus_and_payouts(chain, posted, admin):
    a = chain["a"]
    batch = payout_batch_create(threshold=Decimal("12.00"), by=admin)
    payout_batch_mark_paid(batch=batch, by=admin)
    summary = year_summary(member=a, year=2026)
    assert [(m.month, m.amount) for m in summary.by_month] == [(1, Decimal("15.00"))] + [
        (m, Decimal("0.00")) for m in range(2, 13)
    ]
    assert [(t.name, t.lines, t.amount) for t in summary.by_bonus] == [("Team Bonus", 2, Decimal("15.00"))]
    assert (summary.total, summary.paid_out, summary.periods) == (Decimal("15.00"), Decimal("15.00"), 1)
    assert year_summary(member=a, year=2025).total == Decimal("0.00")

    lines = pdf_lines(year_summary_pdf(summary))
    assert lines[1] == "Year-end earnings summary 2026"
    assert after(lines, "January 2026") == "15.00 USD"
    assert after(lines, "February 2026") == "0.00 USD"
    assert after(lines, "Total earnings 2026") == "15.00 USD"
    assert after(lines, "Paid out in 2026") == "15.00 USD"


@pytest.mark.parametrize("attached", [True, False], ids=["setting-on", "setting-off"])
def test_commissions_posted_email_attaches_the_statement_when_enabled(
    chain, posted, attached, django_capture_on_commit_callbacks
):
    company_settings_update(changes={"statement_attached_to_email": attached})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = commissions_posted_notify(period=posted)
    assert sent == 3  # root, a and b were paid; c was not
    assert sorted(m.to[0] for m in mail.outbox) == sorted(chain[n].email for n in ("root", "a", "b"))
    to_a = next(m for m in mail.outbox if m.to == [chain["a"].email])
    assert to_a.subject == "Your Alpha commissions for 2026-01-01 – 2026-01-31"
    assert "are posted: 15.00 USD." in to_a.body
    assert ("Your statement is attached." in to_a.body) is attached
    if attached:
        [(name, content, mimetype)] = to_a.attachments
        assert (name, mimetype) == (f"statement-{chain['a'].number}-2026-01-01.pdf", "application/pdf")
        assert after(pdf_lines(content), "Total for the period") == "15.00 USD"
    else:
        assert to_a.attachments == []


def test_commissions_posted_email_is_in_each_member_s_language(chain, posted, django_capture_on_commit_callbacks):
    """a reads Spanish, root and b English (issue 19): each e-mail is rendered in its recipient's language."""
    company_languages_set(languages=["en", "es"], default="en")
    User.objects.filter(pk=chain["a"].user_id).update(language="es")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        commissions_posted_notify(period=posted)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {
        chain["root"].email: "Your Alpha commissions for 2026-01-01 – 2026-01-31",
        chain["a"].email: "Sus comisiones de Alpha del 2026-01-01 al 2026-01-31",
        chain["b"].email: "Your Alpha commissions for 2026-01-01 – 2026-01-31",
    }


def test_posting_sends_the_commissions_posted_email_through_the_task(
    chain, product, plan, january, admin, eager_celery, django_capture_on_commit_callbacks
):
    """The post queues the real task (run here, eagerly): one e-mail to each member paid (root, a, b)."""
    for name in ("root", "a", "b", "c"):
        buy(chain[name])
    run = run_approve(run=run_preview(period=january, by=admin), by=admin)
    period_close(period=january, by=admin)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_post(run=run, by=admin)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        (chain[n].email, "Your Alpha commissions for 2026-01-01 – 2026-01-31") for n in ("root", "a", "b")
    )
    to_a = next(m for m in mail.outbox if m.to == [chain["a"].email])
    assert "are posted: 15.00 USD." in to_a.body


def test_the_commissions_posted_task_run_twice_emails_each_member_once(chain, posted, eager_celery):
    """A retried or repeated task finds the outbox rows and sends nothing again; the rows say sent, once each."""
    company_settings_update(changes={"statement_attached_to_email": True})
    mail.outbox.clear()
    first = tasks.commissions_posted_notify.delay(posted.pk).get()
    second = tasks.commissions_posted_notify.delay(posted.pk).get()
    assert (first["sent"], second["sent"]) == (3, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(chain[n].email for n in ("root", "a", "b"))
    assert all(len(m.attachments) == 1 for m in mail.outbox)
    rows = StatementNotice.objects.filter(period=posted).order_by("member__number")
    assert [(r.member_id, r.status, r.attempts) for r in rows] == sorted(
        (chain[n].pk, "sent", 1) for n in ("root", "a", "b")
    )
    headers = {m.extra_headers["Message-ID"] for m in mail.outbox}
    assert f"<statement-alpha-{posted.pk}-{chain['a'].pk}@canopy.invalid>" in headers


def test_a_member_left_sending_is_not_emailed_again_but_a_refused_one_is(chain, posted, eager_celery):
    """A worker that died between the send and the confirmation leaves "sending": that member may have the e-mail,
    so no retry sends it; a send the mail server refused ("failed") is sent on the next run."""
    StatementNotice.objects.create(period=posted, member=chain["a"], to_email=chain["a"].email,
                                   sending_at=timezone.now())  # fmt: skip
    StatementNotice.objects.create(period=posted, member=chain["b"], to_email=chain["b"].email,
                                   sending_at=timezone.now(), status="failed", last_error="421 try later")  # fmt: skip
    mail.outbox.clear()
    assert tasks.commissions_posted_notify.delay(posted.pk).get()["sent"] == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(chain[n].email for n in ("root", "b"))
    b_row = StatementNotice.objects.get(period=posted, member=chain["b"])
    assert (b_row.status, b_row.attempts, b_row.last_error) == ("sent", 2, "")
    assert StatementNotice.objects.get(period=posted, member=chain["a"]).status == "sending"


def test_api_statement_is_the_distributors_own(alpha, chain, posted):
    a, b = chain["a"], chain["b"]
    client = token_client(alpha, a.user)
    own = client.get(f"/api/v1/earnings/{posted.pk}/statement/")
    assert (own.status_code, own["Content-Type"]) == (200, "application/pdf")
    assert own["Content-Disposition"] == f'attachment; filename="statement-{a.number}-2026-01-01.pdf"'
    assert after(pdf_lines(own.content), "Total for the period") == "15.00 USD"
    assert client.get(f"/api/v1/earnings/{posted.pk}/statement/?member={a.number}").status_code == 200
    refused = client.get(f"/api/v1/earnings/{posted.pk}/statement/?member={b.number}")
    assert (refused.status_code, refused.json()["detail"]) == (403, "You can download only your own statements.")
    assert client.get(f"/api/v1/earnings/years/2026/summary/?member={b.number}").status_code == 403
    assert client.get(f"/api/v1/earnings/{posted.pk}/statement/?member=abc").status_code == 400
    assert client.get("/api/v1/earnings/years/1900/summary/").status_code == 404
    year = client.get("/api/v1/earnings/years/2026/summary/")
    assert (year.status_code, year["Content-Type"]) == (200, "application/pdf")
    assert after(pdf_lines(year.content), "Total earnings 2026") == "15.00 USD"


def test_api_staff_may_download_any_members_statement(alpha, admin, chain, posted):
    b = chain["b"]
    staff = token_client(alpha, admin)
    response = staff.get(f"/api/v1/earnings/{posted.pk}/statement/?member={b.number}")
    assert response.status_code == 200
    lines = pdf_lines(response.content)
    assert (after(lines, "Member"), after(lines, "Total for the period")) == (f"{b.full_name} (#{b.number})",
                                                                            "10.00 USD")  # fmt: skip
    assert staff.get(f"/api/v1/earnings/{posted.pk}/statement/").status_code == 403  # an admin has no earnings
    assert staff.get(f"/api/v1/earnings/{posted.pk}/statement/?member=999999999").status_code == 404


def test_an_open_period_has_no_statement(alpha, chain, product, plan, january):
    client = token_client(alpha, chain["a"].user)
    assert client.get(f"/api/v1/earnings/{january.pk}/statement/").status_code == 404


def test_a_statement_of_thousands_of_lines_streams_onto_numbered_pages(chain, posted):
    """3,000 more lines (written in one bulk insert) page at 44 rows a page with the column headings repeated; the
    lines are read through a cursor, never held as a list, and the grand total still equals the ledger's."""
    a, c = chain["a"], chain["c"]
    LedgerLine.objects.bulk_create(
        [
            LedgerLine(kind="commission", period=posted, payee=a, amount=Decimal("0.01"), component="unilevel",
                       rule="level", source_member=c, level_compressed=2, level_raw=2, rate=Decimal("5.00"),
                       basis=Decimal("0.20"), created_at=posted.posted_at)
            for _ in range(3000)
        ],
        batch_size=1000,
    )  # fmt: skip
    statement = period_statement(member=a, period=posted)
    assert not isinstance(statement.lines, list | tuple)
    assert (statement.line_count, statement.total) == (3002, Decimal("45.00"))

    pdf = statement_pdf(statement)

    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages == 69  # 32 rows under page 1's header block, then 44 a page: 32 + 67 * 44 = 2,980, then 22
    lines = pdf_lines(pdf)
    assert lines.count(f"{c.full_name} #{c.number}") == 3001
    assert lines.count("Volume") == pages  # the headings repeat on every page of the table
    assert after(lines, "Total for the period") == "45.00 USD"
    assert lines[-2:] == [f"Page {pages} of", str(pages)]
