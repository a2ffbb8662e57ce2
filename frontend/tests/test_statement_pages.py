"""Statements in the back office: a link per posted period and per year on the earnings page, the PDFs behind them
(each distributor's own only), and the console's setting that attaches statements to the "commissions posted" e-mail.
The company and its numbers: frontend/tests/plans_data.py (paid root 15, a 15, b 10, c 0 in January 2026)."""

from __future__ import annotations

import io

import pytest
from django_tenants.utils import schema_context
from pypdf import PdfReader

from core.company.services import company_settings_get
from frontend.tests.conftest import signed_in
from frontend.tests.plans_data import post_run

pytestmark = pytest.mark.django_db


def pdf_lines(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines() if line.strip()]


def test_the_earnings_page_links_each_posted_periods_statement(alpha, company):
    post_run(alpha, company)
    b = signed_in(alpha, company["b"].email)
    period = company["january"].pk
    body = b.get("/office/earnings/").content.decode()
    assert f'href="/office/earnings/{period}/statement.pdf" download data-testid="statement-{period}"' in body
    assert "Statement Jan 1, 2026 (PDF)" in body
    assert 'href="/office/earnings/year/2026.pdf"' in body
    assert "Earnings summary 2026 (PDF, for tax filing)" in body

    response = b.get(f"/office/earnings/{period}/statement.pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["Content-Disposition"] == f'attachment; filename="statement-{company["b"].number}-2026-01-01.pdf"'
    lines = pdf_lines(response.content)
    assert lines[lines.index("Member") + 1] == f"{company['b'].full_name} (#{company['b'].number})"
    assert lines[lines.index("Total for the period") + 1] == "10.00 USD"

    year = b.get("/office/earnings/year/2026.pdf")
    assert (year.status_code, year["Content-Type"]) == (200, "application/pdf")
    year_lines = pdf_lines(year.content)
    assert year_lines[year_lines.index("Total earnings 2026") + 1] == "10.00 USD"
    assert b.get("/office/earnings/year/1999.pdf").status_code == 404


def test_each_distributor_downloads_only_their_own_statement(alpha, company):
    """The page reads the signed-in member's lines only: c, paid nothing, gets a statement of nothing for the same
    period, never b's lines."""
    post_run(alpha, company)
    c = signed_in(alpha, company["c"].email)
    lines = pdf_lines(c.get(f"/office/earnings/{company['january'].pk}/statement.pdf").content)
    assert lines[lines.index("Member") + 1] == f"{company['c'].full_name} (#{company['c'].number})"
    assert lines[lines.index("Total for the period") + 1] == "0.00 USD"
    assert "Every line (0)" in lines
    assert f"#{company['b'].number}" not in " ".join(lines)


def test_no_statement_before_the_period_is_posted(alpha, company):
    b = signed_in(alpha, company["b"].email)
    assert b.get(f"/office/earnings/{company['january'].pk}/statement.pdf").status_code == 404
    assert "statement.pdf" not in b.get("/office/earnings/").content.decode()


def test_the_console_turns_statement_attachments_on(alpha, admin_client):
    response = admin_client.post(
        "/console/branding/",
        {"display_name": "Alpha", "primary_color": "#123456", "statement_attached_to_email": "on"},
    )
    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert company_settings_get().statement_attached_to_email is True
    admin_client.post("/console/branding/", {"display_name": "Alpha", "primary_color": "#123456"})
    with schema_context(alpha.schema):
        assert company_settings_get().statement_attached_to_email is False
