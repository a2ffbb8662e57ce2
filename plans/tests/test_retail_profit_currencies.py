"""A retail-profit bonus pays each order's margin, which is money in the order's currency: a period with margins in
another market's currency is refused (never paid euros as dollars); volumes alone never stop a run."""

import copy

import pytest
from django.core.exceptions import ValidationError

from core.commerce.models import Order
from plans.loader import load_snapshot
from plans.services_plan_versions import plan_document_check
from plans.tests.conftest import JAN, PLAN, buy

pytestmark = pytest.mark.django_db

END = JAN.replace(day=31)


def _plan(with_retail_profit: bool):
    document = copy.deepcopy(PLAN)
    if with_retail_profit:
        document["components"].insert(0, {"type": "retail_profit", "code": "retail_profit"})
    return plan_document_check(document=document)


def test_margins_in_another_currency_stop_a_retail_profit_period(chain, product):
    order = buy(chain["a"])
    Order.objects.filter(pk=order.pk).update(currency="EUR", retail_total=order.distributor_total + 20)
    with pytest.raises(ValidationError) as refused:
        load_snapshot(plan=_plan(True), start=JAN, end=END, carry_run_id=None)
    assert refused.value.message_dict["plan"] == [
        "The plan's retail-profit bonus pays order margins in USD, and this period has orders in EUR: margins in "
        "another currency are not converted yet, so the period cannot be calculated with this bonus."
    ]
    # Without the bonus, the euro order's volume counts like any other.
    snap = load_snapshot(plan=_plan(False), start=JAN, end=END, carry_run_id=None)
    assert int(snap.cv.sum()) == 100_00


def test_margins_in_the_base_currency_are_paid(chain, product):
    order = buy(chain["a"])
    Order.objects.filter(pk=order.pk).update(retail_total=order.distributor_total + 20)
    snap = load_snapshot(plan=_plan(True), start=JAN, end=END, carry_run_id=None)
    assert int(snap.cv.sum()) == 100_00
