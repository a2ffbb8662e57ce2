"""The console's money log lists refunds and the clawbacks they cause beside the money audit entries: who, when, what,
amounts. The company (conftest): root <- a <- b <- c, unilevel 10 % / 5 %; each buys one 100.00 kit in January.
January is posted (c's order pays b 10.00 and a 5.00); c's order is refunded on 3 February, so February's run
claws back -10.00 from b and -5.00 from a."""

import datetime
from decimal import Decimal

import pytest

from core.commerce.services.refunds import order_refund
from frontend.tests.conftest import signed_in
from plans.selectors_audit import money_log, money_log_labelled
from plans.services import period_get_or_create, run_preview
from plans.services_periods import period_close
from plans.services_posting import run_approve, run_post
from plans.tests.conftest import FEB, buy

pytestmark = pytest.mark.django_db


def _post(period, admin):
    run = run_preview(period=period, by=admin)
    run_approve(run=run, by=admin)
    period_close(period=period, by=admin)
    return run_post(run=run, by=admin)


def test_refunds_and_clawbacks_are_in_the_money_log_with_who_when_and_amounts(alpha, chain, product, plan, admin):
    orders = {name: buy(chain[name]) for name in ("root", "a", "b", "c")}
    _post(period_get_or_create(day=datetime.date(2026, 1, 1)), admin)
    refunded_at = datetime.datetime(2026, 2, 3, 9, tzinfo=datetime.UTC)
    order_refund(order=orders["c"], lines=None, reason="Returned unopened", by=admin, refunded_at=refunded_at)
    buy(chain["root"], day=datetime.date(2026, 2, 10))
    february_run = _post(period_get_or_create(day=FEB), admin)

    refund = orders["c"].refunds.get()
    clawed = f"Refund {refund.pk} of order {orders['c'].number}: Returned unopened"
    rows = [
        (row["label"], row["log_by"], row["log_amount"], row["log_order"], row["log_member"], row["log_note"])
        for row in money_log_labelled(money_log())
        if row["log_kind"] in ("refund", "clawback")
    ]

    assert rows == [
        ("Commission clawed back", admin.email, Decimal("-5.00"), orders["c"].number, chain["a"].number, clawed),
        ("Commission clawed back", admin.email, Decimal("-10.00"), orders["c"].number, chain["b"].number, clawed),
        ("Order refunded", admin.email, Decimal("100.00"), orders["c"].number, chain["c"].number, "Returned unopened"),
    ]
    refund_row = next(row for row in money_log() if row["log_kind"] == "refund")
    assert (refund_row["log_at"], refund_row["log_currency"]) == (refunded_at, "USD")
    # newest first: six audit entries (approve, close, post for January and February) and the two clawbacks were
    # written now; the refund is dated 3 February 2026, so it comes last
    kinds = [row["log_kind"] for row in money_log()]
    assert (len(kinds), kinds.count("clawback"), kinds[-1]) == (9, 2, "refund")

    page = signed_in(alpha, admin.email).get("/console/commissions/audit/").content.decode()
    assert page.count('data-testid="log-refund"') == 1 and page.count('data-testid="log-clawback"') == 2
    assert "Order refunded" in page and "Returned unopened" in page and "$100.00" in page
    assert "-$10.00" in page
    assert f"Run #{february_run.pk}" in page
