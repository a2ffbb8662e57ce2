"""Preview -> approve -> post -> clawback -> adjustment -> payout, with hand-computed amounts.

The company (conftest): root <- a <- b <- c; plan unilevel 10 % / 5 %, compression, active = 100 PV.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, IntegrityError, connection, transaction

from core.commerce.models import ClawbackFlag, Order
from core.commerce.services.catalogue import product_create
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_mark_paid
from core.commerce.services.refunds import order_refund
from core.demotion.models import StageTransition
from core.demotion.services.policies import policy_current, policy_parse
from core.members.models import Member, MemberStatus
from plans.models import (
    CommissionRun,
    LedgerKind,
    LedgerLine,
    PayoutItem,
    PeriodStatus,
    RunKind,
    RunLine,
    RunMemberResult,
    RunStatus,
)
from plans.selectors import (
    payout_batch_csv,
    run_review,
    wallet_balance,
)
from plans.selectors_commission_lines import PostedRunLedgerInOrder, commission_lines_of_orders, ledger_lines
from plans.selectors_explanations import ledger_explanations
from plans.selectors_freshness import period_fingerprint
from plans.services import period_get_or_create, run_preview
from plans.services_adjustments import ledger_adjust
from plans.services_payouts import payout_batch_create
from plans.services_periods import period_close
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.services_posting import run_approve, run_post
from plans.tests.conftest import FEB, JAN, PLAN, buy
from tests.factories.members import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone_buys(chain, product):
    return {name: buy(chain[name]) for name in ("root", "a", "b", "c")}


def _earned(run):
    return dict(RunMemberResult.objects.filter(run=run).values_list("member_id", "earned_cents"))


def _lines(run):
    return sorted(RunLine.objects.filter(run=run, reason=0).values_list("payee_id", "amount_cents", "level_compressed"))


def test_preview_pays_the_hand_computed_unilevel(chain, everyone_buys, plan, january, admin):
    run = run_preview(period=january, by=admin)
    assert run.status == RunStatus.DONE
    # c's order: b 10, a 5; b's: a 10, root 5; a's: root 10; root's: nobody. Total 40.00 on 400 CV.
    assert (run.total_paid, run.total_cv, run.payout_ratio) == (Decimal("40.00"), Decimal("400.00"), Decimal("0.1"))
    assert _earned(run) == {chain["root"].pk: 1500, chain["a"].pk: 1500, chain["b"].pk: 1000, chain["c"].pk: 0}
    assert RunLine.objects.filter(run=run, reason=0).count() == 5
    january.refresh_from_db()
    assert january.status == PeriodStatus.PREVIEWED
    assert LedgerLine.objects.count() == 0


def test_preview_is_idempotent_and_replaces_the_previous_one(chain, everyone_buys, plan, january, admin):
    first = run_preview(period=january, by=admin)
    first_lines, first_earned = _lines(first), _earned(first)
    second = run_preview(period=january, by=admin)
    first.refresh_from_db()
    assert first.status == RunStatus.SUPERSEDED
    assert RunLine.objects.filter(run=first).count() == 0  # its stored results were replaced
    assert RunMemberResult.objects.filter(run=first).count() == 0
    assert (_lines(second), _earned(second)) == (first_lines, first_earned)
    assert second.total_paid == first.total_paid == Decimal("40.00")
    assert LedgerLine.objects.count() == 0
    assert set(Member.objects.values_list("paid_as_rank", flat=True)) == {""}  # nothing posted, no rank written


def test_excluded_member_gets_nothing_and_their_share_compresses(chain, everyone_buys, plan, january, admin):
    Member.objects.filter(pk=chain["b"].pk).update(commission_excluded=True)
    run = run_preview(period=january, by=admin)
    # c's order: b excluded, so a is level 1 (10) and root level 2 (5); b's order: a 10, root 5; a's: root 10.
    assert _earned(run) == {chain["root"].pk: 2000, chain["a"].pk: 2000, chain["b"].pk: 0, chain["c"].pk: 0}
    assert run.total_paid == Decimal("40.00")
    assert not RunLine.objects.filter(run=run, payee_id=chain["b"].pk, reason=0).exists()


def _post(january, admin):
    run = run_preview(period=january, by=admin)
    run_approve(run=run, by=admin)
    period_close(period=january, by=admin)
    return run_post(run=run, by=admin)


def test_post_writes_the_ledger_exactly_once(chain, everyone_buys, plan, january, admin):
    run = _post(january, admin)
    assert (run.kind, run.status) == (RunKind.FINAL, RunStatus.POSTED)
    lines = LedgerLine.objects.filter(run=run, kind=LedgerKind.COMMISSION)
    assert lines.count() == 5
    assert sum(line.amount for line in lines) == run.total_paid == Decimal("40.00")
    c_order = everyone_buys["c"]
    line = lines.get(payee=chain["a"], source_order=c_order)
    assert (line.amount, line.level_raw, line.level_compressed, line.rate, line.basis) == (
        Decimal("5.00"), 2, 2, Decimal("5.00"), Decimal("100.00"),
    )  # fmt: skip
    assert line.explanation == {}  # posted as columns: the explanation is read back from them, same keys
    (explained,) = ledger_explanations([line])
    assert explained == {
        "component": "unilevel", "rule": "level", "order_number": c_order.number, "member_number": chain["c"].number,
        "party_id": None, "level_raw": 2, "level_compressed": 2, "rate_percent": "5.00", "basis": "100.00",
        "amount": "5.00", "plan_version": plan.number, "run": run.pk,
    }  # fmt: skip
    january.refresh_from_db()
    assert (january.status, january.plan_version_id) == (PeriodStatus.POSTED, plan.pk)
    ranks = dict(Member.objects.values_list("pk", "paid_as_rank"))
    # root: 100 PV, GV 400 -> silver; a: GV 300 -> silver; b: GV 200 -> bronze; c bronze.
    assert ranks == {chain["root"].pk: "silver", chain["a"].pk: "silver", chain["b"].pk: "bronze",
                     chain["c"].pk: "bronze"}  # fmt: skip

    with pytest.raises(ValidationError, match="already posted"):
        run_post(run=run, by=admin)
    with pytest.raises(ValidationError, match="already posted"):
        run_preview(period=january, by=admin)
    assert LedgerLine.objects.filter(run=run).count() == 5
    # The database refuses a second posted run for the period even if a service forgot to check.
    other = CommissionRun.objects.create(period=january, plan_document={}, kind=RunKind.FINAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommissionRun.objects.filter(pk=other.pk).update(status=RunStatus.POSTED)


def test_a_posted_run_is_in_the_ledger_by_reference_with_ids_in_posting_order(
    chain, everyone_buys, plan, january, admin
):
    """Posting copies no line: the ledger reads the run's stored lines, and gives them a block of its ids, after
    every line written before the post and before every line written after."""
    before = ledger_adjust(member=chain["c"], amount=Decimal("1.00"), reason="Before the post", by=admin)
    run = _post(january, admin)
    after = ledger_adjust(member=chain["c"], amount=Decimal("2.00"), reason="After the post", by=admin)
    posted = list(LedgerLine.objects.filter(run=run).values_list("id", "line_no"))
    assert [pk - run.ledger_first_id for pk, _ in posted] == [line_no for _, line_no in posted]
    assert len({pk for pk, _ in posted}) == 5 and before.pk < posted[0][0] and posted[-1][0] < after.pk
    assert run.summary["ledger_lines"] == 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM plans_ledgerentry ORDER BY id")
        assert cursor.fetchall() == [("Before the post",), ("After the post",)]  # the run's lines stay its own
        # Not even SQL can change a posted line: the ledger is a view with no way to update or delete.
        for statement in ("UPDATE plans_ledgerline SET amount = 0", "DELETE FROM plans_ledgerline"):
            with pytest.raises(DatabaseError), transaction.atomic():
                cursor.execute(statement)
        # The view reads this company's tables only; the other company's ledger is still its table alone.
        cursor.execute(
            "SELECT DISTINCT n.nspname FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid"
            " JOIN pg_class c ON c.oid = d.refobjid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE w.ev_class = 'alpha.plans_ledgerline'::regclass AND c.oid <> w.ev_class"
        )
        assert cursor.fetchall() == [("alpha",)]
        cursor.execute("SELECT count(*) FROM beta.plans_ledgerline")
        assert cursor.fetchone() == (0,)
        cursor.execute("SELECT pg_get_viewdef('beta.plans_ledgerline'::regclass)")
        assert "plans_runline" not in cursor.fetchone()[0]
    # Balances read the same ledger: a earned 10.00 on b's order and 5.00 on c's; c the two adjustments.
    assert wallet_balance(member=chain["a"])["balance"] == Decimal("15.00")
    assert wallet_balance(member=chain["c"])["balance"] == Decimal("3.00")


def test_a_posted_runs_lines_cannot_be_dropped_the_ledger_reads_them_from_the_runs_own_table(
    chain, everyone_buys, plan, january, admin
):
    """Posted money never disappears: the ledger reads each posted run from the run's own table (not from the
    parent of every run's lines filtered on the run), so the view depends on that table and PostgreSQL refuses to
    drop it, even by SQL; each period's lines are still read from its own run."""
    first = _post(january, admin)
    for name in ("root", "a", "b", "c"):
        buy(chain[name], day=FEB + datetime.timedelta(days=9))
    second = _post(period_get_or_create(day=FEB), admin)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid"
            " JOIN pg_class c ON c.oid = d.refobjid"
            " WHERE w.ev_class = 'plans_ledgerline'::regclass AND c.relname LIKE 'plans\\_runline%'"
        )
        assert sorted(name for (name,) in cursor.fetchall()) == [
            f"plans_runline_r{first.pk}",
            f"plans_runline_r{second.pk}",
        ]
        with pytest.raises(DatabaseError, match="depend"), transaction.atomic():
            cursor.execute(f"DROP TABLE plans_runline_r{first.pk}")
    assert [LedgerLine.objects.filter(run=run).count() for run in (first, second)] == [5, 5]
    assert LedgerLine.objects.filter(payee=chain["a"], period=second.period).count() == 2


def test_posted_lines_are_immutable(chain, everyone_buys, plan, january, admin):
    _post(january, admin)
    line = LedgerLine.objects.first()
    line.amount = Decimal("999.00")
    with pytest.raises(TypeError):
        line.save()
    with pytest.raises(TypeError):
        line.delete()
    with pytest.raises(TypeError):
        LedgerLine.objects.filter(pk=line.pk).update(amount=1)
    with pytest.raises(TypeError):
        LedgerLine.objects.all().delete()


def test_approval_refuses_a_preview_whose_orders_changed(chain, everyone_buys, plan, january, admin):
    run = run_preview(period=january, by=admin)
    buy(chain["c"])
    with pytest.raises(ValidationError, match="preview again"):
        run_approve(run=run, by=admin)


def test_a_preview_stays_fresh_until_a_counted_figure_changes(chain, everyone_buys, plan, january, admin):
    """The preview's fingerprint comes from the orders it loaded (net of refunds; a fully refunded order is not
    counted) and approval reads the same figures from the database: equal until a refund moves them."""
    two = buy(chain["a"], quantity=2)
    order_refund(order=two, lines={two.lines.get().pk: 1}, reason="one back")  # counts 100 PV / 100 CV
    gone = buy(chain["b"])
    order_refund(order=gone, lines=None, reason="all back")  # not counted at all
    Member.objects.filter(pk=chain["b"].pk).update(commission_excluded=True)
    Member.objects.filter(pk=chain["root"].pk).update(status=MemberStatus.TERMINATED)
    run = run_preview(period=january, by=admin)
    counted = [5, "500.00", "500.00", two.pk]  # four kits of everyone_buys and a's remaining kit
    assert run.summary["fingerprint"][:4] == counted == period_fingerprint(january)[:4]
    # Members (all, and those who may earn) and who is excluded: from the loaded snapshot, the same as from the tables
    assert run.summary["fingerprint"][4:7] == [4, 3, 1]
    assert run.summary["fingerprint"] == period_fingerprint(january)
    assert run_approve(run=run, by=admin).status == RunStatus.APPROVED

    again = run_preview(period=january, by=admin)
    order_refund(order=two, lines={two.lines.get().pk: 1}, reason="the other one back")
    assert period_fingerprint(january)[:4] == [4, "400.00", "400.00", everyone_buys["c"].pk]
    with pytest.raises(ValidationError, match="preview again"):
        run_approve(run=again, by=admin)


def test_approval_refuses_a_preview_whose_exclusions_changed(chain, everyone_buys, plan, january, admin):
    """A flag set by hand has no date (no demotion history explains it): it applies to January too."""
    run = run_preview(period=january, by=admin)
    Member.objects.filter(pk=chain["b"].pk).update(commission_excluded=True)
    with pytest.raises(ValidationError, match="preview again"):
        run_approve(run=run, by=admin)


def test_an_exclusion_that_starts_after_the_period_leaves_its_preview_fresh(chain, everyone_buys, plan, january, admin):
    """b is excluded on 10 February by the demotion policy (recorded as the daily evaluation records it): January's
    preview, computed before, is still January's truth and can be approved; it still pays b."""
    run = run_preview(period=january, by=admin)
    version = policy_current()
    bit = next(i for i, s in enumerate(policy_parse(version.document).stages) if "commission_exclusion" in s.actions)
    StageTransition.objects.create(member=chain["b"], day=datetime.date(2026, 2, 10), policy=version, from_holds=0,
                                   to_holds=1 << bit, to_stage="commission_exclusion",
                                   actions_applied=["commission_exclusion"])  # fmt: skip
    Member.objects.filter(pk=chain["b"].pk).update(commission_excluded=True)
    assert run_approve(run=run, by=admin).status == RunStatus.APPROVED
    assert _earned(run)[chain["b"].pk] == 1000  # c's order, level 1


def test_refund_after_posting_is_clawed_back_in_the_next_period(chain, everyone_buys, plan, january, admin):
    _post(january, admin)
    c_order = everyone_buys["c"]
    refunded_at = datetime.datetime(2026, 2, 3, tzinfo=datetime.UTC)
    refund = order_refund(order=c_order, lines=None, reason="returned", refunded_at=refunded_at)
    assert ClawbackFlag.objects.filter(refund=refund).exists()
    # February: only root buys; root has no upline, so the run pays nothing but takes back c's January commissions.
    buy(chain["root"], day=datetime.date(2026, 2, 10))
    february = period_get_or_create(day=FEB)
    run = _post(february, admin)
    clawbacks = LedgerLine.objects.filter(kind=LedgerKind.CLAWBACK).order_by("payee__number")
    assert [(line.payee_id, line.amount, line.period_id, line.run_id) for line in clawbacks] == [
        (chain["a"].pk, Decimal("-5.00"), february.pk, run.pk),
        (chain["b"].pk, Decimal("-10.00"), february.pk, run.pk),
    ]
    assert all(line.reverses.source_order_id == c_order.pk for line in clawbacks)
    assert ClawbackFlag.objects.get(refund=refund).resolved_at is not None
    assert wallet_balance(member=chain["b"])["balance"] == Decimal("0.00")
    assert wallet_balance(member=chain["a"])["balance"] == Decimal("10.00")
    # February's ledger holds what its post wrote one by one: the clawbacks, paged in id order.
    assert _ledger_paged(run) == list(LedgerLine.objects.filter(run=run).order_by("id").values_list("pk", flat=True))
    assert Paginator(ledger_lines(run=run), 2).count == 2


def _ledger_paged(run) -> list[int]:
    """A posted run's ledger lines (the console's and the API's pages), two a page."""
    in_order = ledger_lines(run=run)
    assert isinstance(in_order, PostedRunLedgerInOrder)
    pages = Paginator(in_order, 2)
    return [line.pk for n in pages.page_range for line in pages.page(n).object_list]


def test_a_posted_runs_ledger_pages_by_line_number_past_its_forfeits(chain, everyone_buys, in_alpha, january, admin):
    """Paid line k is found by its number (k plus the forfeits numbered before it), not by sorting every line."""
    uncompressed = {**PLAN, "components": [{"type": "unilevel", "code": "unilevel", "rates": ["10", "5"],
                                            "compression": False}]}  # fmt: skip
    plan_version_activate(version=plan_version_create(document=uncompressed, by=admin), effective_from=JAN)
    Member.objects.filter(pk=chain["b"].pk).update(commission_excluded=True)
    run = _post(january, admin)
    assert run.summary["forfeit_ranges"]  # b's shares, forfeited as excluded, are numbered among the paid lines
    assert _ledger_paged(run) == list(LedgerLine.objects.filter(run=run).order_by("id").values_list("pk", flat=True))
    # c's order: a 5 (b's 10 forfeited); b's order: a 10, root 5; a's: root 10.
    assert Paginator(ledger_lines(run=run), 2).count == run.line_count == 4


BONUS_PLAN = {
    **PLAN,
    "components": [
        {"type": "unilevel", "code": "unilevel", "rates": ["10", "5"]},
        {"type": "fast_start", "code": "fast_start", "days": 365, "rates": ["20"]},
        {"type": "retail_profit", "code": "retail"},
    ],
}


@pytest.fixture
def bonus_plan(in_alpha, admin):
    return plan_version_activate(version=plan_version_create(document=BONUS_PLAN, by=admin), effective_from=JAN)


@pytest.fixture
def gel(in_alpha):
    """A low-CV, high-margin product: its refund is a small share of the CV but most of the retail margin."""
    return product_create(sku="GEL", name="Gel", retail_price=Decimal("60.00"), distributor_price=Decimal("30.00"),
                          pv=Decimal("10"), cv=Decimal("10"), track_inventory=False, taxable=False)  # fmt: skip


def _customer_order(member, skus, day=datetime.date(2026, 1, 12)):
    n = LedgerLine.objects.count() + Order.objects.count()
    customer = CustomerFactory(distributor=member, email=f"shopper{n}@example.test", first_name="Shop",
                               last_name="Per", with_login=False)  # fmt: skip
    order = order_place(lines=[LineRequest(sku=sku, quantity=1) for sku in skus], placed_by="customer",
                        buyer_customer=customer)  # fmt: skip
    return order_mark_paid(order=order, paid_at=datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC))


def _refund(order, skus, day):
    lines = {line.pk: line.quantity for line in order.lines.all() if line.sku in skus}
    at = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
    return order_refund(order=order, lines=lines, reason="returned", refunded_at=at)


def _clawbacks(period):
    return sorted(
        (line.reverses.component, line.payee_id, line.amount)
        for line in LedgerLine.objects.filter(kind=LedgerKind.CLAWBACK, period=period).select_related("reverses")
    )


def test_fast_start_and_retail_profit_are_clawed_back_by_their_own_measure(
    chain, everyone_buys, product, gel, bonus_plan, january, admin
):
    shop = _customer_order(chain["c"], ["KIT", "GEL"])  # CV 110, retail 185, distributor 130: margin 55
    _post(january, admin)
    paid = sorted(LedgerLine.objects.filter(kind=LedgerKind.COMMISSION, source_order__in=[shop, everyone_buys["c"]])
                  .values_list("component", "payee_id", "amount"))  # fmt: skip
    b, a, c = chain["b"].pk, chain["a"].pk, chain["c"].pk
    # c's own order (CV 100): unilevel b 10, a 5; fast start (c joined 2025-06-01) b 20.
    # The customer's order (CV 110, credited to c): unilevel b 11, a 5.50; retail profit to c 55 (no fast start:
    # the buyer is a customer, not a recruit).
    assert paid == sorted([("unilevel", b, Decimal("10.00")), ("unilevel", a, Decimal("5.00")),
                           ("fast_start", b, Decimal("20.00")), ("unilevel", b, Decimal("11.00")),
                           ("unilevel", a, Decimal("5.50")), ("retail", c, Decimal("55.00"))])  # fmt: skip
    _refund(everyone_buys["c"], {"KIT"}, datetime.date(2026, 2, 2))  # all of c's own order
    _refund(shop, {"GEL"}, datetime.date(2026, 2, 3))  # CV 10 of 110, margin 30 of 55
    buy(chain["root"], day=datetime.date(2026, 2, 10))
    february = period_get_or_create(day=FEB)
    _post(february, admin)
    assert _clawbacks(february) == sorted([
        ("unilevel", b, Decimal("-10.00")), ("unilevel", a, Decimal("-5.00")), ("fast_start", b, Decimal("-20.00")),
        ("unilevel", b, Decimal("-1.00")), ("unilevel", a, Decimal("-0.50")),  # 10/110 of 11.00 and 5.50
        ("retail", c, Decimal("-30.00")),  # 30/55 of the margin, not 10/110 of it
    ])  # fmt: skip
    retail = LedgerLine.objects.get(kind=LedgerKind.CLAWBACK, reverses__component="retail")
    assert {k: retail.explanation[k] for k in ("measure", "refunded_to_date", "counted", "share")} == {
        "measure": "retail_margin", "refunded_to_date": "30.00", "counted": "55.00",
        "share": str(Decimal("30.00") / Decimal("55.00")),
    }  # fmt: skip


def test_lines_paid_on_an_order_are_found_through_the_posted_runs_lines(chain, everyone_buys, plan, january, admin):
    run = _post(january, admin)
    c_order = everyone_buys["c"]
    posted = LedgerLine.objects.filter(run=run, source_order=c_order).order_by("id")
    # Each posted line keeps its run line's number; the run's lines are indexed by order when it posts.
    assert [(x.payee_id, x.amount, x.line_no is not None) for x in posted] == [
        (chain["b"].pk, Decimal("10.00"), True), (chain["a"].pk, Decimal("5.00"), True),
    ]  # fmt: skip
    stored = {
        (r.run_id, r.line_no): (r.payee_id, r.source_order_id)
        for r in RunLine.objects.filter(run_id=run.pk, line_no__in=[x.line_no for x in posted])
    }
    assert [stored[(run.pk, x.line_no)] for x in posted] == [(x.payee_id, c_order.pk) for x in posted]
    # A line written one by one (no run line behind it) is found by the ledger's own index.
    single = LedgerLine.objects.create(
        kind=LedgerKind.COMMISSION, period=january, payee=chain["root"], amount=Decimal("1.00"), component="unilevel",
        rule="level", source_order=c_order, created_at=run.posted_at,
    )  # fmt: skip
    found = list(commission_lines_of_orders([c_order.pk]))
    assert found == [*posted, single]
    assert list(commission_lines_of_orders([everyone_buys["root"].pk])) == []  # root's own order pays no one


def test_clawbacks_measure_against_what_the_run_counted(chain, everyone_buys, product, gel, bonus_plan, january, admin):
    shop = _customer_order(chain["c"], ["KIT", "GEL"])
    _refund(shop, {"GEL"}, datetime.date(2026, 1, 20))  # before posting: the run counts CV 100, margin 25
    _post(january, admin)
    b, a, c = chain["b"].pk, chain["a"].pk, chain["c"].pk
    assert sorted(LedgerLine.objects.filter(source_order=shop).values_list("component", "payee_id", "amount")) == [
        ("retail", c, Decimal("25.00")), ("unilevel", a, Decimal("5.00")), ("unilevel", b, Decimal("10.00")),
    ]  # fmt: skip
    _refund(shop, {"KIT"}, datetime.date(2026, 2, 3))  # the rest: everything the run counted goes back
    buy(chain["root"], day=datetime.date(2026, 2, 10))
    february = period_get_or_create(day=FEB)
    _post(february, admin)
    # Whole lines, not 100/110 of them: the GEL refunded before posting was never paid on.
    assert _clawbacks(february) == [
        ("retail", c, Decimal("-25.00")), ("unilevel", a, Decimal("-5.00")), ("unilevel", b, Decimal("-10.00")),
    ]  # fmt: skip
    assert wallet_balance(member=chain["c"])["balance"] == Decimal("0.00")


def test_manual_adjustment_records_reason_and_admin(chain, everyone_buys, plan, january, admin):
    _post(january, admin)
    with pytest.raises(ValidationError) as error:
        ledger_adjust(member=chain["c"], amount=Decimal("5"), reason=" ", by=admin, period=january)
    assert "reason" in error.value.message_dict
    line = ledger_adjust(member=chain["c"], amount=Decimal("12.50"), reason="Missed bonus", by=admin, period=january)
    assert (line.kind, line.amount, line.reason, line.created_by) == (
        LedgerKind.ADJUSTMENT, Decimal("12.50"), "Missed bonus", admin,
    )  # fmt: skip
    assert wallet_balance(member=chain["c"])["balance"] == Decimal("12.50")


def test_payout_batch_pays_balances_at_or_above_the_threshold(chain, everyone_buys, plan, january, admin):
    _post(january, admin)  # root 15, a 15, b 10
    batch = payout_batch_create(threshold=Decimal("15.00"), by=admin, period=january)
    assert (batch.item_count, batch.total) == (2, Decimal("30.00"))
    assert set(PayoutItem.objects.values_list("member_id", "amount")) == {
        (chain["root"].pk, Decimal("15.00")), (chain["a"].pk, Decimal("15.00")),
    }  # fmt: skip
    assert wallet_balance(member=chain["a"])["balance"] == Decimal("0.00")
    assert wallet_balance(member=chain["b"])["balance"] == Decimal("10.00")  # waits for a later batch
    csv_text = payout_batch_csv(batch=batch)
    rows = csv_text.strip().splitlines()
    assert rows[0] == "batch,member_number,name,email,amount,currency,base_amount,base_currency,rate,reference"
    root, a = chain["root"], chain["a"]
    assert rows[1:] == [  # no market: paid in the base currency, rate 1
        f"{batch.pk},{m.number},{m.full_name},{m.email},15.00,USD,15.00,USD,1,payout-{batch.pk}-{m.number}"
        for m in (root, a)
    ]
    again = payout_batch_create(threshold=Decimal("15.00"), by=admin)
    assert again.item_count == 0


def test_review_summarises_the_run(chain, everyone_buys, plan, january, admin):
    run = run_preview(period=january, by=admin)
    review = run_review(run=run)
    assert review["total_paid"] == Decimal("40.00")
    assert review["payout_ratio"] == Decimal("0.1000")
    assert review["by_component"] == {"unilevel": "40.00"}
    assert review["by_rank"] == {"silver": "30.00", "bronze": "10.00"}
    assert [(t["number"], t["earned"]) for t in review["top_earners"]] == [
        (chain["root"].number, Decimal("15.00")), (chain["a"].number, Decimal("15.00")),
        (chain["b"].number, Decimal("10.00")),
    ]  # fmt: skip
    assert review["previous"] is None


def test_review_compares_with_the_previous_period(chain, everyone_buys, plan, january, admin):
    posted = _post(january, admin)
    for name in ("a", "b", "c"):  # February: root does not buy, so root is inactive and earns nothing
        buy(chain[name], day=datetime.date(2026, 2, 10))
    february = run_preview(period=period_get_or_create(day=FEB), by=admin)
    review = run_review(run=february)
    assert review["previous"]["run"] == posted.pk
    # c's order: b 10, a 5; b's: a 10 (root inactive, nobody above); a's: nobody. 25.00 on 300 CV.
    assert (review["total_paid"], review["change"]["total_paid"], review["change"]["total_paid_percent"]) == (
        Decimal("25.00"), Decimal("-15.00"), Decimal("-37.50"),
    )  # fmt: skip
    assert review["change"]["payout_ratio"] == Decimal("-0.0167")  # 0.0833 against 0.1000
    assert review["change"]["by_component"] == {"unilevel": "-15.00"}


def test_weekly_periods_follow_the_company_setting(in_alpha):
    from core.company.models import CompanySettings

    CompanySettings.objects.update(commission_period="weekly")
    period = period_get_or_create(day=datetime.date(2026, 1, 14))  # a Wednesday
    assert (period.start, period.end, period.length) == (
        datetime.date(2026, 1, 12),
        datetime.date(2026, 1, 18),
        "weekly",
    )
    assert period_get_or_create(day=datetime.date(2026, 1, 18)) == period
