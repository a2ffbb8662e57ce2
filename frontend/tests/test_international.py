"""Issue 19 end to end: a company sells in the US in USD and in Spain in EUR, its Spanish distributor uses the product
in Spanish without asking for it (her own language), and her statement shows euros at the rate recorded with the run.

The company is frontend/tests/plans_data.py's (root <- a <- b <- c, one 100 CV kit each in January 2026; paid root
15.00, a 15.00, b 10.00 USD). ``a`` is Lucía: the ES market, Spanish. At 1 USD = 0.9137 EUR she is paid 15.00 x
0.9137 = 13.7055 -> 13.71 EUR. In Spain the kit sells at 119.00 EUR to distributors (VAT included)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.commerce.models import MarketPrice, Product
from core.company.models import Market
from core.company.services import company_languages_set
from core.members.models import Member
from frontend.tests.conftest import signed_in
from plans.services_periods import period_close
from plans.services_posting import run_approve, run_post
from plans.services_rates import run_rate_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def lucia(alpha, company):
    with schema_context(alpha.schema):
        company_languages_set(languages=["en", "es"], default="en")
        Market.objects.create(code="US", name="United States", countries=["US"], currency="USD", language="en")
        spain = Market.objects.create(
            code="ES", name="España", countries=["ES"], currency="EUR", language="es", prices_include_tax=True
        )
        MarketPrice.objects.create(
            market=spain,
            product=Product.objects.get(sku="KIT"),
            retail_price=Decimal("149.00"),
            distributor_price=Decimal("119.00"),
        )
        member = company["a"]
        Member.objects.filter(pk=member.pk).update(market=spain)
        User.objects.filter(pk=member.user_id).update(language="es")
    return member


def test_a_spanish_distributor_shops_in_euros_and_is_paid_in_euros_at_the_recorded_rate(alpha, company, lucia):
    client = signed_in(alpha, lucia.email)  # no Accept-Language: her own language decides

    office = client.get("/office/")
    assert office["Content-Language"] == "es"
    assert '<html lang="es" dir="ltr">' in office.content.decode()

    shop = client.get(f"/{lucia.username}/shop/").content.decode()
    assert "119,00\xa0€" in shop and "$100.00" not in shop  # her market's distributor price, in Spanish

    with schema_context(alpha.schema):
        run = run_approve(run=company["run"], by=company["admin"])
        period_close(period=run.period, by=company["admin"])
        run_rate_set(run=run, currency="EUR", rate="0.9137", by=company["admin"])
        run_post(run=run, by=company["admin"])

    period = client.get(f"/office/earnings/{company['january'].pk}/").content.decode()
    assert "15,00\xa0US$" in period and "0,9137" in period and "13,71\xa0€" in period

    # The US root reads the same page in English, in dollars only.
    root = signed_in(alpha, company["root"].email).get(f"/office/earnings/{company['january'].pk}/")
    assert root["Content-Language"] == "en" and "$15.00" in root.content.decode()
    assert "€" not in root.content.decode()
