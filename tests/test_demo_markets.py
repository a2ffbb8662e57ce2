"""The demo's Spanish market (infra/demo_markets.py): made once through the product's services, with orders in euros
whose VAT is included. Amounts: a Spanish distributor's order SHAKE 36.50 + GREENS 41.90 = 78.40 EUR; VAT inside
36.50 x 0.21 / 1.21 = 6.3347 -> 6.33 and 41.90 x 0.21 / 1.21 = 7.2719 -> 7.27, 13.60 in all; shipping 4.95; total
83.35 EUR. A customer's 2 x SLEEP 21.90 = 43.80 + 4.95 = 48.75 EUR."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from core.commerce.models import Order
from core.members.models import Member
from infra.demo_markets import demo_markets_ensure
from tests.factories.catalogue import ProductFactory
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_demo_sells_in_spain_in_euros(alpha):
    with schema_context(alpha.schema):
        MemberFactory(sponsor=None, username="jane")
        for sku in ("GREENS", "SHAKE", "OMEGA", "SLEEP", "KIT", "BOOK"):
            ProductFactory(sku=sku, stock=50)
        assert demo_markets_ensure() is True
        assert demo_markets_ensure() is False
        spanish = Member.objects.filter(market__code="ES").order_by("number")
        assert [m.username for m in spanish] == ["lucia", "javier", "carmen", "alejandro"]
        orders = Order.objects.filter(market__code="ES").order_by("number")
        assert {(o.currency, o.status, o.tax_included) for o in orders} == {("EUR", "paid", True)}
        assert [(o.total, o.tax) for o in orders] == [(Decimal("83.35"), Decimal("13.60"))] * 4 + [
            (Decimal("48.75"), Decimal("7.60"))
        ] * 3
