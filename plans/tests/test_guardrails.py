"""Issue 15 guardrails: a period is closed before it is posted, an order paid after the close counts in the next open
period (a posted period never receives new volume), money actions confirm the total, payout batches name what they
settle, and every money action is in the append-only audit log."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from config.errors import ConflictError
from core.commerce.models import Order
from core.commerce.services.payments import order_mark_paid
from plans.models import CommissionPeriod, MoneyAuditEntry, PayoutItem, PeriodStatus
from plans.selectors import payout_item_lines, wallet_balance
from plans.services import period_get_or_create, run_preview
from plans.services_adjustments import ledger_adjust
from plans.services_payouts import payout_batch_create, payout_batch_mark_paid
from plans.services_periods import period_close
from plans.services_posting import run_approve, run_post, run_post_request
from plans.tests.conftest import FEB, JAN, buy
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bought(chain, product):
    return {name: buy(chain[name]) for name in ("root", "a", "b", "c")}


def _approved(period, admin):
    run = run_preview(period=period, by=admin)
    return run_approve(run=run, by=admin, expected_total=run.total_paid)


def test_an_open_period_is_not_posted_and_closing_says_why_it_waits(chain, bought, plan, january, admin):
    run = _approved(january, admin)
    with pytest.raises(ValidationError) as refused:
        run_post_request(run=run, by=admin, expected_total="40.00")
    assert refused.value.message_dict == {"period": [
        "The period 2026-01-01 – 2026-01-31 is still open: orders paid in it would still count. Close the period "
        "first (Commissions → Close period), then post."
    ]}  # fmt: skip
    with pytest.raises(ValidationError) as early:
        period_close(period=january, by=admin, today=datetime.date(2026, 1, 31))
    assert early.value.message_dict == {"period": [
        "The period runs until 2026-01-31; it can be closed from 2026-02-01, once its last day is over."
    ]}  # fmt: skip
    closed = period_close(period=january, by=admin, today=datetime.date(2026, 2, 1))
    assert (closed.closed_by, closed.closed_at is not None) == (admin, True)
    with pytest.raises(ValidationError, match="already closed"):
        period_close(period=january, by=admin)
    assert run_post(run=run, by=admin).total_paid == Decimal("40.00")


def test_an_order_paid_after_the_close_counts_in_the_next_open_period(chain, bought, plan, january, admin):
    run = _approved(january, admin)
    period_close(period=january, by=admin)
    # Paid after the close with a payment day inside January (a back-dated cash payment): February counts it.
    late = order_mark_paid(
        order=OrderFactory(buyer_member=chain["c"], lines=[("KIT", 1)]),
        paid_at=datetime.datetime(2026, 1, 30, 12, tzinfo=datetime.UTC),
    )
    assert (late.paid_on, late.period_start) == (datetime.date(2026, 1, 30), FEB)
    # January's approved run is still fresh (its orders did not change) and posts its 40.00.
    assert run_post(run=run, by=admin).total_paid == Decimal("40.00")
    february = period_get_or_create(day=FEB)
    preview = run_preview(period=february, by=admin)
    assert (preview.summary["orders"], preview.total_cv) == (1, Decimal("100.00"))


def test_a_posted_period_never_receives_new_volume(chain, bought, plan, january, admin):
    run = _approved(january, admin)
    period_close(period=january, by=admin)
    run_post(run=run, by=admin)
    order = OrderFactory(buyer_member=chain["b"], lines=[("KIT", 2)])
    order_mark_paid(order=order, paid_at=datetime.datetime(2026, 1, 15, tzinfo=datetime.UTC))
    assert Order.objects.filter(period_start=JAN).count() == 4
    assert Order.objects.get(pk=order.pk).period_start == FEB
    january.refresh_from_db()
    assert january.status == PeriodStatus.POSTED


def test_a_refund_after_the_close_is_clawed_back_later_not_left_out_of_the_closed_run(
    chain, bought, plan, january, admin
):
    from core.commerce.services.refunds import order_refund

    period_close(period=january, by=admin)
    order_refund(order=bought["c"], lines=None, reason="returned",
                 refunded_at=datetime.datetime(2026, 2, 2, tzinfo=datetime.UTC))  # fmt: skip
    run = _approved(january, admin)  # counts c's order as at the close
    assert run.total_paid == Decimal("40.00")
    run_post(run=run, by=admin)
    buy(chain["root"], day=datetime.date(2026, 2, 10))
    february = period_get_or_create(day=FEB)
    period_close(period=february, by=admin)
    run_post(run=_approved(february, admin), by=admin)
    assert wallet_balance(member=chain["b"])["balance"] == Decimal("0.00")  # 10.00 paid, 10.00 clawed back
    assert wallet_balance(member=chain["a"])["balance"] == Decimal("10.00")  # 15.00 - 5.00


def test_confirmation_refuses_a_total_the_admin_did_not_see(chain, bought, plan, january, admin):
    run = run_preview(period=january, by=admin)
    with pytest.raises(ConflictError) as conflict:
        run_approve(run=run, by=admin, expected_total="39.99")
    assert conflict.value.message_dict == {"expected_total": [
        "The total is now 40.00 USD to 3 payees, not 39.99: check it and confirm again."
    ]}  # fmt: skip
    assert CommissionPeriod.objects.get(pk=january.pk).status == PeriodStatus.PREVIEWED
    assert not MoneyAuditEntry.objects.exists()


def test_a_payout_batch_pays_only_up_to_its_period_and_names_the_lines(chain, bought, plan, january, admin):
    period_close(period=january, by=admin)
    run_post(run=_approved(january, admin), by=admin)  # root 15, a 15, b 10
    for name in ("root", "a", "b", "c"):
        buy(chain[name], day=datetime.date(2026, 2, 5))
    february = period_get_or_create(day=FEB)
    period_close(period=february, by=admin)
    run_post(run=_approved(february, admin), by=admin)  # again root 15, a 15, b 10
    march = period_get_or_create(day=datetime.date(2026, 3, 1))
    ledger_adjust(member=chain["c"], amount=Decimal("7.00"), reason="March bonus", by=admin, period=march)

    batch = payout_batch_create(threshold=Decimal("1.00"), by=admin, period=january, expected_total="40.00")
    assert (batch.period, batch.item_count, batch.total) == (january, 3, Decimal("40.00"))
    b_item = PayoutItem.objects.get(batch=batch, member=chain["b"])
    assert (b_item.amount, b_item.earned_through, b_item.paid_before) == (
        Decimal("10.00"), Decimal("10.00"), Decimal("0.00"),
    )  # fmt: skip
    assert [(line.period.start, line.amount) for line in payout_item_lines(item=b_item)] == [(JAN, Decimal("10.00"))]

    later = payout_batch_create(threshold=Decimal("1.00"), by=admin, period=february, expected_total="40.00")
    # c's March adjustment is not in a batch through February.
    assert sorted(later.items.values_list("member__number", "amount", "earned_through", "paid_before")) == sorted([
        (chain["root"].number, Decimal("15.00"), Decimal("30.00"), Decimal("15.00")),
        (chain["a"].number, Decimal("15.00"), Decimal("30.00"), Decimal("15.00")),
        (chain["b"].number, Decimal("10.00"), Decimal("20.00"), Decimal("10.00")),
    ])  # fmt: skip
    assert wallet_balance(member=chain["c"])["balance"] == Decimal("7.00")
    with pytest.raises(ValidationError, match="not posted"):
        payout_batch_create(threshold=Decimal("1.00"), by=admin, period=march)


def test_every_money_action_is_in_the_append_only_audit_log(chain, bought, plan, january, admin):
    run = _approved(january, admin)
    period_close(period=january, by=admin)
    run_post(run=run, by=admin)
    ledger_adjust(member=chain["c"], amount=Decimal("-2.50"), reason="Returned sample", by=admin, period=january)
    batch = payout_batch_create(threshold=Decimal("10.00"), by=admin, period=january, expected_total="40.00")
    payout_batch_mark_paid(batch=batch, by=admin, expected_total="40.00")
    entries = list(MoneyAuditEntry.objects.order_by("id"))
    assert [(e.action, e.amount, e.currency, e.payees, e.by_email, e.period_id) for e in entries] == [
        ("run_approve", Decimal("40.00"), "USD", 3, admin.email, january.pk),
        ("period_close", None, "", None, admin.email, january.pk),
        ("run_post", Decimal("40.00"), "USD", 3, admin.email, january.pk),
        ("adjustment", Decimal("-2.50"), "USD", 1, admin.email, january.pk),
        ("payout_create", Decimal("40.00"), "USD", 3, admin.email, january.pk),
        ("payout_paid", Decimal("40.00"), "USD", 3, admin.email, january.pk),
    ]
    assert entries[3].note == "Returned sample"
    with pytest.raises(TypeError):
        entries[0].save()
    with pytest.raises(TypeError):
        MoneyAuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        MoneyAuditEntry.objects.update(note="x")
