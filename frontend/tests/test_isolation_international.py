"""Tenant isolation of issue 19's rows: markets and their price lists, a run's exchange rates, company texts written
per language and the company's languages. Company A (alpha) has one of each; company B's admin looks for them on B's
host, through the API and the pages, and finds none (404, or an empty list)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.commerce.models import MarketPrice, Product
from core.communications.models import Announcement
from core.company.models import Market
from core.company.services import company_languages_set
from frontend.tests.conftest import signed_in
from plans.services_rates import run_rate_set
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha_rows(alpha, company):
    """Alpha: an ES market with a price for its kit, its January run's EUR rate, an announcement in Spanish."""
    with schema_context(alpha.schema):
        company_languages_set(languages=["en", "es"], default="en")
        spain = Market.objects.create(code="ES", name="Alpha España", countries=["ES"], currency="EUR", language="es")
        MarketPrice.objects.create(market=spain, product=Product.objects.get(sku="KIT"),
                                   retail_price=Decimal("149.00"), distributor_price=Decimal("119.00"))  # fmt: skip
        run_rate_set(run=company["run"], currency="EUR", rate="0.9137", by=company["admin"])
        Announcement.objects.create(title="Alpha news", body="Only alpha.", translations={"es": {"title": "Noticias"}})
    return {"run": company["run"]}


def test_alpha_sees_its_own_markets_and_rates(alpha, alpha_rows):
    """The positive control: the same requests on alpha's host find alpha's rows."""
    with schema_context(alpha.schema):
        admin = User.objects.get(email=alpha.admin_email)
    api = token_client(alpha, admin)
    assert [m["code"] for m in api.get("/api/v1/markets/").json()] == ["ES"]
    assert api.get("/api/v1/markets/ES/prices/").status_code == 200
    assert api.get(f"/api/v1/commission-runs/{alpha_rows['run'].pk}/exchange-rates/").status_code == 200
    assert "Alpha España" in signed_in(alpha, alpha.admin_email).get("/console/markets/").content.decode()


def test_company_b_admin_sees_none_of_company_a_markets_rates_or_texts(alpha, beta, alpha_rows):
    with schema_context(beta.schema):
        admin = User.objects.get(email=beta.admin_email)
        assert (Market.objects.count(), Announcement.objects.count()) == (0, 0)
    api = token_client(beta, admin)
    assert api.get("/api/v1/markets/").json() == []
    for path in ("/api/v1/markets/ES/", "/api/v1/markets/ES/prices/"):
        assert api.get(path).status_code == 404, path
    price = {"retail_price": "1.00", "distributor_price": "1.00"}
    assert api.put("/api/v1/markets/ES/prices/KIT/", price, format="json").status_code == 404
    assert api.get(f"/api/v1/commission-runs/{alpha_rows['run'].pk}/exchange-rates/").status_code == 404
    pages = signed_in(beta, beta.admin_email)
    listed = pages.get("/console/markets/")
    assert listed.status_code == 200 and "Alpha España" not in listed.content.decode()
    assert pages.get("/console/markets/ES/").status_code == 404
    assert pages.get("/console/markets/ES/prices/").status_code == 404
    assert pages.get(f"/console/commissions/runs/{alpha_rows['run'].pk}/rates/").status_code == 404
    announcements = pages.get("/console/announcements/").content.decode()
    assert "Alpha news" not in announcements and "Noticias" not in announcements
    # A's token means nothing on B's host.
    with schema_context(alpha.schema):
        alpha_admin = User.objects.get(email=alpha.admin_email)
    alpha_api = token_client(alpha, alpha_admin)
    alpha_api.defaults["HTTP_HOST"] = beta.host
    assert alpha_api.get("/api/v1/markets/").status_code == 401
