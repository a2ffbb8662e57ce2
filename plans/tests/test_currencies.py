"""Commissions across currencies (issue 19 item 5, docs/currencies.md), with hand-computed amounts.

The company (conftest): root <- a <- b <- c, each buys one 100 CV kit in January 2026; unilevel 10 % / 5 %. Posted:
root 15.00, a 15.00 (10.00 on b's order + 5.00 on c's), b 10.00, c nothing. The base currency is USD. root is in the
US market (USD); a and b are in the ES market (EUR), paid at 1 USD = 0.9137 EUR:
  a: 15.00 × 0.9137 = 13.7055 -> 13.71 EUR (half-up to the cent)
  b: 10.00 × 0.9137 =  9.1370 ->  9.14 EUR
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation
from pypdf import PdfReader

from config.errors import ConflictError
from core.company.models import Market
from core.members.models import Member
from plans.currencies import convert, rate_check
from plans.models import MoneyAuditEntry, PayoutItem, RateSource, RunExchangeRate, RunStatus
from plans.selectors import payout_batch_csv, payout_batch_currencies
from plans.selectors_rates import run_currencies_needed, run_rates_missing
from plans.services import run_preview
from plans.services_adjustments import ledger_adjust
from plans.services_payouts import payout_batch_cancel, payout_batch_create, payout_batch_plan
from plans.services_periods import period_close
from plans.services_posting import run_approve, run_post, run_post_request
from plans.services_rates import run_rate_set, run_rates_import
from plans.statements.data import period_statement
from plans.statements.notices import commissions_posted_notify
from plans.statements.render import statement_pdf
from plans.tests.conftest import buy
from tests.helpers import token_client

pytestmark = pytest.mark.django_db

EUR_RATE = Decimal("0.9137")


@pytest.fixture
def markets(chain, product):
    us = Market.objects.create(code="US", name="United States", countries=["US"], currency="USD", language="en")
    es = Market.objects.create(code="ES", name="Spain", countries=["ES"], currency="EUR", language="es")
    Member.objects.filter(pk=chain["root"].pk).update(market=us)
    Member.objects.filter(pk__in=[chain["a"].pk, chain["b"].pk]).update(market=es)
    for name in ("root", "a", "b", "c"):
        buy(chain[name])
    return {"us": us, "es": es}


@pytest.fixture
def approved(markets, plan, january, admin):
    run = run_approve(run=run_preview(period=january, by=admin), by=admin)
    period_close(period=january, by=admin)
    return run


@pytest.fixture
def posted(approved, admin, january):
    run_rate_set(run=approved, currency="EUR", rate="0.9137", by=admin)
    run = run_post(run=approved, by=admin)
    january.refresh_from_db()
    return run


def _items(batch) -> dict[int, tuple]:
    return {
        item.member_id: (item.amount, item.currency, item.rate, item.paid_amount)
        for item in PayoutItem.objects.filter(batch=batch)
    }


@pytest.mark.parametrize(
    ("base", "rate", "currency", "paid"),
    [
        ("15.00", "0.9137", "EUR", "13.71"),  # 13.7055
        ("10.00", "0.9125", "EUR", "9.13"),  # 9.125: half-up, where half-even would give 9.12
        ("15.00", "149.53", "JPY", "2243"),  # 2242.95: the yen has no minor unit
        ("10.00", "0.30755", "BHD", "3.076"),  # 3.0755: the dinar has three decimals
        ("-10.00", "0.9125", "EUR", "-9.13"),  # half away from zero, as a refund would be
    ],
    ids=["eur", "eur-half", "jpy-no-decimals", "bhd-three-decimals", "negative"],
)
def test_convert_rounds_half_up_to_the_minor_unit(base, rate, currency, paid):
    result = convert(Decimal(base), Decimal(rate), currency)
    assert (result, str(result)) == (Decimal(paid), paid)


@pytest.mark.parametrize(
    "value",
    ["0", "-1", "abc", "NaN", "Infinity", "0.12345678901", "1e12", "1e400", "1e-400", ""],
    ids=lambda v: f"bad-{v}",
)
def test_a_rate_is_positive_finite_with_at_most_ten_places(value):
    with pytest.raises(ValueError):
        rate_check(value)


def test_the_run_lists_the_currencies_its_payees_need(approved):
    assert run_currencies_needed(run=approved) == [{"currency": "EUR", "payees": 2, "base_total": Decimal("25.00")}]
    assert run_rates_missing(run=approved) == ["EUR"]


def test_posting_without_the_eur_rate_is_refused_naming_eur(approved, admin):
    for post in (run_post_request, run_post):
        with pytest.raises(ConflictError, match="no exchange rate is recorded for EUR"):
            post(run=approved, by=admin)
    approved.refresh_from_db()
    assert approved.status == RunStatus.APPROVED


def test_api_posting_without_the_rate_answers_409_naming_eur(alpha, approved, admin):
    client = token_client(alpha, admin)
    response = client.post(f"/api/v1/commission-runs/{approved.pk}/post/", {"expected_total": "40.00"}, format="json")
    assert (response.status_code, response.json()["errors"]) == (
        409, {"exchange_rates": [f"Run {approved.pk} cannot be posted: no exchange rate is recorded for EUR. Enter "
                                 "the rate on the run's page, then post."]},
    )  # fmt: skip


def test_two_markets_pay_each_member_in_their_currency(chain, posted, admin, january):
    batch = payout_batch_create(threshold=Decimal("0.01"), by=admin, period=january)
    assert (batch.total, batch.currency, batch.item_count) == (Decimal("40.00"), "USD", 3)
    assert _items(batch) == {
        chain["root"].pk: (Decimal("15.00"), "USD", Decimal("1"), Decimal("15.00")),
        chain["a"].pk: (Decimal("15.00"), "EUR", EUR_RATE, Decimal("13.71")),
        chain["b"].pk: (Decimal("10.00"), "EUR", EUR_RATE, Decimal("9.14")),
    }
    rows = payout_batch_csv(batch=batch).strip().splitlines()
    assert rows[0] == "batch,member_number,name,email,amount,currency,base_amount,base_currency,rate,reference"
    expected = [
        (chain["root"], "15.00", "USD", "15.00", "1"),
        (chain["a"], "13.71", "EUR", "15.00", "0.9137"),
        (chain["b"], "9.14", "EUR", "10.00", "0.9137"),
    ]
    assert rows[1:] == [
        f"{batch.pk},{m.number},{m.full_name},{m.email},{paid},{cur},{base},USD,{rate},payout-{batch.pk}-{m.number}"
        for m, paid, cur, base, rate in sorted(expected, key=lambda row: row[0].number)
    ]
    assert payout_batch_currencies(batch=batch) == [
        {"currency": "EUR", "payees": 2, "base_total": Decimal("25.00"), "paid_total": Decimal("22.85")},
        {"currency": "USD", "payees": 1, "base_total": Decimal("15.00"), "paid_total": Decimal("15.00")},
    ]
    entry = MoneyAuditEntry.objects.get(batch=batch, action="payout_create")
    assert entry.detail["by_currency"] == [
        {"currency": "USD", "rate": "1", "payees": 1, "base_total": "15.00", "paid_total": "15.00"},
        {"currency": "EUR", "rate": "0.9137", "payees": 2, "base_total": "25.00", "paid_total": "22.85"},
    ]


def test_a_second_batch_and_a_correction_are_never_converted_again(chain, posted, admin, january):
    a = chain["a"]
    first = payout_batch_create(threshold=Decimal("0.01"), by=admin, period=january)
    ledger_adjust(member=a, amount=Decimal("5.00"), reason="Missed order", by=admin, period=january)
    second = payout_batch_create(threshold=Decimal("0.01"), by=admin, period=january)
    # Only the correction's 5.00 USD is due: 5.00 × 0.9137 = 4.5685 -> 4.57 EUR; the first item is untouched.
    assert _items(second) == {a.pk: (Decimal("5.00"), "EUR", EUR_RATE, Decimal("4.57"))}
    assert _items(first)[a.pk] == (Decimal("15.00"), "EUR", EUR_RATE, Decimal("13.71"))
    # A cancelled batch's balance is paid again from the base amount (15.00 USD -> 13.71 EUR), not from 13.71 EUR.
    payout_batch_cancel(batch=first, by=admin)
    third = payout_batch_create(threshold=Decimal("0.01"), by=admin, period=january)
    assert _items(third)[a.pk] == (Decimal("15.00"), "EUR", EUR_RATE, Decimal("13.71"))


def test_the_rate_cannot_change_after_posting(posted, admin):
    with pytest.raises(ConflictError, match="is posted: its exchange rates are fixed"):
        run_rate_set(run=posted, currency="EUR", rate="0.5", by=admin)
    with pytest.raises(ConflictError, match="is posted"):
        run_rates_import(run=posted, content="EUR,0.5\n", by=admin)
    assert list(RunExchangeRate.objects.filter(run=posted).values_list("currency", "rate")) == [("EUR", EUR_RATE)]


def test_a_new_rate_on_an_unposted_run_replaces_the_old_and_is_logged(approved, admin):
    run_rate_set(run=approved, currency="eur", rate="0.9", by=admin)
    run_rate_set(run=approved, currency="EUR", rate="0.9137", by=admin)
    rate = RunExchangeRate.objects.get(run=approved)
    assert (rate.currency, rate.rate, rate.source, rate.entered_by) == ("EUR", EUR_RATE, RateSource.ENTERED, admin)
    notes = list(MoneyAuditEntry.objects.filter(action="rate_set").order_by("id").values_list("note", flat=True))
    assert notes == ["1 USD = 0.9 EUR", "1 USD = 0.9137 EUR"]


def test_a_new_preview_starts_with_the_rates_of_the_one_it_replaces(markets, plan, january, admin):
    first = run_preview(period=january, by=admin)
    run_rate_set(run=first, currency="EUR", rate="0.9137", by=admin)
    second = run_preview(period=january, by=admin)
    assert list(RunExchangeRate.objects.filter(run=second).values_list("currency", "rate")) == [("EUR", EUR_RATE)]


@pytest.mark.parametrize(
    ("field", "currency", "rate", "message"),
    [
        ("currency", "USD", "1.1", "USD is the company's base currency"),
        ("currency", "JPY", "150", "No market of the company is paid in JPY"),
        ("currency", "E1", "1", "not an ISO 4217 currency code"),
        ("rate", "EUR", "0", "A rate is a number above 0"),
    ],
    ids=["base", "no-market", "not-a-code", "zero"],
)
def test_a_bad_rate_names_its_field(approved, admin, field, currency, rate, message):
    with pytest.raises(ValidationError) as caught:
        run_rate_set(run=approved, currency=currency, rate=rate, by=admin)
    assert message in caught.value.message_dict[field][0]


def test_a_rates_file_is_all_or_nothing_and_names_each_bad_row(approved, admin):
    Market.objects.create(code="JP", name="Japan", countries=["JP"], currency="JPY")
    with pytest.raises(ValidationError) as caught:
        run_rates_import(run=approved, content="currency,rate\nEUR,0.9137\nJPY,-3\nEUR,0.91\nGBP\n", by=admin)
    assert caught.value.message_dict["file"] == [
        "Row 5: two values are needed, a currency and a rate (such as EUR,0.9137).",
    ]
    with pytest.raises(ValidationError) as caught:
        run_rates_import(run=approved, content="currency,rate\nEUR,0.9137\nJPY,-3\nEUR,0.91\n", by=admin)
    assert caught.value.message_dict["file"] == [
        "Row 3: A rate is a number above 0 such as 0.9137.",
        "Row 4: EUR is already given in row 2.",
    ]
    with pytest.raises(ValidationError) as caught:
        run_rates_import(run=approved, content=b"EUR,0.9\x00137\n", by=admin)
    assert caught.value.message_dict["file"] == ["Row 1: A rate is a number above 0 such as 0.9137."]
    assert not RunExchangeRate.objects.exists()
    rates = run_rates_import(run=approved, content=b"\xef\xbb\xbfEUR,0.9137\r\nJPY,149.53\r\n", by=admin)
    assert [(r.currency, r.rate, r.source) for r in rates] == [
        ("EUR", EUR_RATE, RateSource.FILE),
        ("JPY", Decimal("149.53"), RateSource.FILE),
    ]


def test_a_member_who_moved_to_a_market_without_a_rate_is_not_paid_out(chain, posted, admin, january):
    jp = Market.objects.create(code="JP", name="Japan", countries=["JP"], currency="JPY")
    Member.objects.filter(pk=chain["b"].pk).update(market=jp)
    with pytest.raises(ConflictError, match="recorded an exchange rate for JPY"):
        payout_batch_plan(threshold=Decimal("0.01"), period=january)


def test_the_statement_shows_the_base_amount_the_rate_and_the_euros(chain, posted, january):
    statement = period_statement(member=chain["a"], period=january)
    converted = statement.converted
    assert (converted.base_amount, converted.rate, converted.amount, converted.currency) == (
        Decimal("15.00"), EUR_RATE, Decimal("13.71"), "EUR",
    )  # fmt: skip
    assert period_statement(member=chain["root"], period=january).converted is None
    with translation.override("en"):
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(statement_pdf(statement))).pages)
    assert "15.00 USD" in text  # the ledger's amounts, in the base currency
    assert "1 USD = 0.9137 EUR" in text
    assert "$15.00 at 0.9137 = €13.71" in text


def test_the_commissions_posted_email_shows_both_amounts_and_the_rate(chain, posted, january):
    with translation.override("en"):
        commissions_posted_notify(period=january)
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "In your currency: $15.00 at 0.9137 = €13.71." in bodies[chain["a"].email]
    assert "In your currency: $10.00 at 0.9137 = €9.14." in bodies[chain["b"].email]
    assert "In your currency" not in bodies[chain["root"].email]


def test_api_lists_enters_and_imports_rates_then_refuses_them_once_posted(alpha, approved, admin):
    client = token_client(alpha, admin)
    url = f"/api/v1/commission-runs/{approved.pk}/exchange-rates/"
    listed = client.get(url).json()
    assert (listed["base_currency"], listed["missing"]) == ("USD", ["EUR"])
    assert listed["currencies"] == [
        {"currency": "EUR", "needed": True, "payees": 2, "base_total": "25.00", "rate": None, "source": None,
         "entered_by": None, "entered_at": None},
    ]  # fmt: skip
    bad = client.post(url, {"currency": "EUR", "rate": "-1"}, format="json")
    assert (bad.status_code, bad.json()["errors"]) == (400, {"rate": ["A rate is a number above 0 such as 0.9137."]})
    entered = client.post(url, {"currency": "EUR", "rate": "0.9"}, format="json")
    assert entered.status_code == 200
    assert (entered.json()["missing"], entered.json()["currencies"][0]["rate"]) == ([], "0.9000000000")
    rejected = client.post(url + "import/", {"file": io.BytesIO(b"currency,rate\nEUR,zero\n")}, format="multipart")
    assert (rejected.status_code, rejected.json()["errors"]) == (
        400, {"file": ["Row 2: A rate is a number above 0 such as 0.9137."]},
    )  # fmt: skip
    imported = client.post(url + "import/", {"file": io.BytesIO(b"EUR,0.9137\n")}, format="multipart")
    assert imported.status_code == 201
    assert (imported.json()["currencies"][0]["rate"], imported.json()["currencies"][0]["source"]) == (
        "0.9137000000", "file",
    )  # fmt: skip
    posted = client.post(f"/api/v1/commission-runs/{approved.pk}/post/", {"expected_total": "40.00"}, format="json")
    assert posted.status_code == 202
    approved.refresh_from_db()
    run_post(run=approved, by=admin)  # what the queued task does
    late = client.post(url, {"currency": "EUR", "rate": "0.5"}, format="json")
    assert (late.status_code, late.json()["detail"]) == (
        409, f"Run {approved.pk} is posted: its exchange rates are fixed. A correction is a new rate on a run not "
        "yet posted (a later period's).",
    )  # fmt: skip
