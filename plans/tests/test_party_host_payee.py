"""Money is always paid to someone (issue 12, item 7): a party's host is a member or a customer, the loader gives the
engine the member host, posting pays them, a run whose host reward has no payee refuses to post, and the ledger's
CHECK constraint holds every line to exactly one payee.

The company: root <- a (the consultant) <- b (a distributor who hosts a). Plan: a party component, consultant 0 %,
host reward 10 % of the party's retail sales from 100.00. Ten guests buy one 49.00 candle each at the party in
January: sales 490.00, so the host earns 10 % x 490.00 = 49.00."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.commerce.models import Party
from core.commerce.services.catalogue import product_create
from core.commerce.services.orders import LineRequest
from core.commerce.services.parties import party_create, party_guest_order_place
from core.commerce.services.payments import order_mark_paid
from core.members.services.customers import customer_create
from plans.models import CommissionRun, LedgerKind, LedgerLine, PeriodStatus
from plans.services import run_preview
from plans.services_periods import period_close
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.services_posting import run_approve, run_post
from plans.tests.conftest import JAN

pytestmark = pytest.mark.django_db

PARTY_PLAN = {
    "schema": 1,
    "name": "Parties",
    "ranks": [],
    "components": [
        {"type": "party", "code": "party", "consultant_rate": "0", "host_tiers": [{"min_sales": "100", "reward": "10"}]}
    ],
}


@pytest.fixture
def party_plan(in_alpha, admin):
    version = plan_version_create(document=PARTY_PLAN, by=admin)
    return plan_version_activate(version=version, effective_from=JAN, by=admin)


@pytest.fixture
def candle(in_alpha):
    return product_create(
        sku="CANDLE",
        name="Candle",
        retail_price=Decimal("49.00"),
        distributor_price=Decimal("40.00"),
        pv=Decimal("30"),
        cv=Decimal("30"),
        track_inventory=False,
        taxable=False,
    )


def _party_with_ten_guests(consultant, **host) -> Party:
    party = party_create(consultant=consultant, name="Candles", held_on=datetime.date(2026, 1, 9), **host)
    paid_at = datetime.datetime(2026, 1, 9, 20, tzinfo=datetime.UTC)
    for n in range(10):
        order = party_guest_order_place(party=party, guest_name=f"Guest {n}", lines=[LineRequest("CANDLE", 1)])
        order_mark_paid(order=order, paid_at=paid_at)
    return party


def _post(january, admin) -> CommissionRun:
    run = run_preview(period=january, by=admin)
    run_approve(run=run, by=admin)
    period_close(period=january, by=admin)
    return run_post(run=run, by=admin)


def test_a_party_hosted_by_a_distributor_pays_the_host_reward_to_that_member(chain, candle, party_plan, january, admin):
    party = _party_with_ten_guests(chain["a"], host_member=chain["b"])
    assert (party.host_name, party.host_member, party.host_customer) == (chain["b"].full_name, chain["b"], None)

    _post(january, admin)

    host_lines = LedgerLine.objects.filter(rule="host")
    assert list(host_lines.values_list("payee_id", "payee_customer_id", "amount", "source_party_id", "basis")) == [
        (chain["b"].pk, None, Decimal("49.00"), party.pk, Decimal("490.00"))
    ]
    assert LedgerLine.objects.filter(payee__isnull=True, payee_customer__isnull=True).count() == 0


def test_a_party_hosted_by_a_customer_credits_the_customer(chain, candle, party_plan, january, admin):
    customer = customer_create(distributor=chain["a"], email="hana@example.test", first_name="Hana", last_name="Host")
    party = _party_with_ten_guests(chain["a"], host_customer_number=customer.number)

    _post(january, admin)

    assert list(LedgerLine.objects.filter(rule="host").values_list("payee_id", "payee_customer_id", "amount")) == [
        (None, customer.pk, Decimal("49.00"))
    ]
    assert party.host_name == "Hana Host"


def test_a_run_whose_host_reward_has_no_payee_refuses_to_post_naming_the_party(
    chain, candle, party_plan, january, admin
):
    party = _party_with_ten_guests(chain["a"], host_name="Gina Guest")  # a guest host: named, not a member/customer
    run = run_preview(period=january, by=admin)
    run_approve(run=run, by=admin)
    period_close(period=january, by=admin)

    with pytest.raises(ValidationError) as refused:
        run_post(run=run, by=admin)

    (message,) = refused.value.message_dict["run"]
    assert message.startswith(f"Run {run.pk} cannot be posted: 1 line(s) have no payee: line ")
    assert f'(49.00, party {party.pk} "Candles")' in message
    assert LedgerLine.objects.count() == 0
    january.refresh_from_db()
    run.refresh_from_db()
    assert (january.status, run.status) == (PeriodStatus.APPROVED, "approved")


def test_a_party_host_is_a_member_or_a_customer_not_both(chain, candle):
    customer = customer_create(distributor=chain["a"], email="both@example.test", first_name="B", last_name="Oth")
    with pytest.raises(ValidationError) as refused:
        party_create(
            consultant=chain["a"],
            name="",
            held_on=datetime.date(2026, 1, 9),
            host_member=chain["b"],
            host_customer=customer,
        )
    assert refused.value.message_dict == {"host_member_number": ["A party's host is a member or a customer, not both."]}
    with pytest.raises(ValidationError) as unknown:
        party_create(consultant=chain["a"], name="", held_on=datetime.date(2026, 1, 9), host_member_number=999999)
    assert unknown.value.message_dict == {"host_member_number": ["No member has this number."]}
    with pytest.raises(IntegrityError), transaction.atomic():
        Party.objects.create(
            consultant=chain["a"], name="x", host_name="x", held_on=JAN, host_member=chain["b"], host_customer=customer
        )


@pytest.mark.parametrize("payees", ["none", "both"], ids=["no-payee", "two-payees"])
def test_the_ledger_refuses_a_line_without_exactly_one_payee(chain, january, payees):
    customer = customer_create(distributor=chain["a"], email="led@example.test", first_name="L", last_name="Ed")
    who = {"none": {}, "both": {"payee": chain["b"], "payee_customer": customer}}[payees]
    with pytest.raises(IntegrityError, match="ledger_line_one_payee"), transaction.atomic():
        LedgerLine.objects.create(
            kind=LedgerKind.ADJUSTMENT,
            period=january,
            amount=Decimal("1.00"),
            reason="test",
            created_at=datetime.datetime(2026, 1, 31, tzinfo=datetime.UTC),
            **who,
        )
