"""Commissions across currencies in the console and the back office (issue 19 item 5): the run's exchange-rates page
(a form per currency the payees need, a rates file), the post confirmation refused without a rate, the payout batch
page and the distributor's period page with both amounts and the rate.

The company and its numbers: frontend/tests/plans_data.py (paid root 15.00, a 15.00, b 10.00 in January 2026, USD).
a and b are moved to the ES market (EUR) here: at 1 USD = 0.9137 EUR, a is paid 13.7055 -> €13.71, b 9.137 -> €9.14.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from core.company.models import Market
from core.members.models import Member
from frontend.tests.conftest import signed_in
from frontend.tests.plans_data import csv_rows
from plans.models import PayoutBatch
from plans.services_periods import period_close
from plans.services_posting import run_approve, run_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def spain(alpha, company):
    with schema_context(alpha.schema):
        es = Market.objects.create(code="ES", name="Spain", countries=["ES"], currency="EUR", language="es")
        Member.objects.filter(pk__in=[company["a"].pk, company["b"].pk]).update(market=es)
    return es


def _approve_and_close(alpha, company):
    with schema_context(alpha.schema):
        run = run_approve(run=company["run"], by=company["admin"])
        period_close(period=run.period, by=company["admin"])
    return run


def test_the_rates_page_takes_a_rate_per_currency_and_a_file(alpha, admin, company, spain):
    run = company["run"]
    url = f"/console/commissions/runs/{run.pk}/rates/"
    page = admin.get(url).content.decode()
    assert "2 members paid $25.00 in total by this run." in page
    assert "No rate yet: the run cannot be posted until it has one." in page
    assert '<label for="id_rate-eur-rate">Rate for EUR:</label>' in page

    bad = admin.post(url, {"form": "rate", "currency": "EUR", "rate-eur-currency": "EUR", "rate-eur-rate": "-2"})
    assert bad.status_code == 400 and "A rate is a number above 0 such as 0.9137." in bad.content.decode()

    saved = admin.post(url, {"form": "rate", "currency": "EUR", "rate-eur-currency": "EUR", "rate-eur-rate": "0.9"})
    assert saved.status_code == 302
    assert "1 USD = 0.9000 EUR" in admin.get(url).content.decode()

    upload = SimpleUploadedFile("rates.csv", b"currency,rate\nEUR,0.9137\nXYZ,2\n", content_type="text/csv")
    refused = admin.post(url, {"form": "file", "file": upload})
    assert refused.status_code == 400
    assert "Row 3: “XYZ” is not an ISO 4217 currency code such as EUR." in refused.content.decode()
    upload = SimpleUploadedFile("rates.csv", b"currency,rate\nEUR,0.9137\n", content_type="text/csv")
    assert admin.post(url, {"form": "file", "file": upload}).status_code == 302
    page = admin.get(url).content.decode()
    assert "1 USD = 0.9137 EUR" in page and "imported from a file by" in page
    assert "1 USD = 0.9137 EUR" in admin.get(f"/console/commissions/runs/{run.pk}/review/").content.decode()


def test_posting_is_refused_until_the_eur_rate_is_recorded(alpha, admin, company, spain):
    run = _approve_and_close(alpha, company)
    page = admin.get(f"/console/commissions/runs/{run.pk}/post/").content.decode()
    assert "No exchange rate is recorded for EUR: members paid in it could not be paid. Enter the rate first." in page
    assert f'href="/console/commissions/runs/{run.pk}/rates/"' in page
    posted = admin.post(f"/console/commissions/runs/{run.pk}/post/", {"expected_total": "40.00", "confirm": "on"})
    assert posted.status_code == 400 and "No exchange rate is recorded for EUR" in posted.content.decode()
    run.refresh_from_db()
    assert run.status == "approved"


def test_after_posting_the_rate_is_fixed_and_each_member_is_paid_in_their_currency(alpha, admin, company, spain):
    run = _approve_and_close(alpha, company)
    url = f"/console/commissions/runs/{run.pk}/rates/"
    admin.post(url, {"form": "rate", "currency": "EUR", "rate-eur-currency": "EUR", "rate-eur-rate": "0.9137"})
    assert "Exchange rate EUR" in admin.get(f"/console/commissions/runs/{run.pk}/post/").content.decode()
    with schema_context(alpha.schema):
        run_post(run=run, by=company["admin"])
    page = admin.get(url).content.decode()
    assert "The run is posted: its exchange rates are fixed." in page and 'name="form"' not in page
    late = admin.post(url, {"form": "rate", "currency": "EUR", "rate-eur-currency": "EUR", "rate-eur-rate": "0.5"})
    assert late.status_code == 400 and "its exchange rates are fixed" in late.content.decode()

    asked = {"threshold": "0.01", "period": company["january"].pk}
    confirm = admin.post("/console/commissions/payouts/", asked).content.decode()
    assert "€22.85 to 2 payees ($25.00 at 1 USD = 0.9137 EUR)" in confirm
    assert admin.post("/console/commissions/payouts/", {**asked, "expected_total": "40.00", "confirm": "on"}
                      ).status_code == 302  # fmt: skip
    with schema_context(alpha.schema):
        batch = PayoutBatch.objects.get()
        assert batch.total == Decimal("40.00")
    page = admin.get(f"/console/commissions/payouts/{batch.pk}/").content.decode()
    assert f'data-testid="paid-{company["a"].number}">€13.71</td>' in page
    assert f'data-testid="paid-{company["root"].number}">$15.00</td>' in page
    rows = csv_rows(admin.get(f"/console/commissions/payouts/{batch.pk}/payout.csv"))
    assert [row[4:9] for row in rows] == [
        ["amount", "currency", "base_amount", "base_currency", "rate"],
        ["15.00", "USD", "15.00", "USD", "1"],
        ["13.71", "EUR", "15.00", "USD", "0.9137"],
        ["9.14", "EUR", "10.00", "USD", "0.9137"],
    ]

    a = signed_in(alpha, company["a"].email)
    period = company["january"].pk
    body = a.get(f"/office/earnings/{period}/").content.decode()
    assert "In EUR: $15.00 at 0.9137 = <strong>€13.71</strong>" in body
    listed = a.get("/office/earnings/").content.decode()
    assert f'<div class="muted" data-testid="converted-{period}">= €13.71 at 0.9137</div>' in listed
    spanish = a.get(f"/office/earnings/{period}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "15,00\xa0US$" in spanish and " 0,9137 " in spanish and "<strong>13,71\xa0€</strong>" in spanish
    root = signed_in(alpha, company["root"].email)
    assert 'data-testid="period-converted"' not in root.get(f"/office/earnings/{period}/").content.decode()
