from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from core.commerce.services.stock import warehouse_default
from tests.factories.catalogue import BookFactory, ShakeFactory, TaxRateFactory
from tests.factories.members import CustomerFactory, MemberFactory
from tests.fixtures_stripe import stripe_key_set


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.schema):
        yield alpha


def _enroll(sponsor, username=None, **kwargs):
    """A distributor under ``sponsor`` (MemberFactory names it when ``username`` is not given)."""
    return MemberFactory(sponsor=sponsor, **({"username": username} if username else {}), **kwargs)


@pytest.fixture
def enroll(in_alpha):
    return _enroll


@pytest.fixture
def make_customer(in_alpha):
    def _make(distributor, customer_type="retail", **kwargs):
        return CustomerFactory(distributor=distributor, customer_type=customer_type, **kwargs)

    return _make


@pytest.fixture
def root(enroll):
    return enroll(None, username="house")


@pytest.fixture
def catalogue(in_alpha):
    """Two products with stock 100 each in the main warehouse, and a tax table (US 5 %, US/TX 8.25 %)."""
    warehouse = warehouse_default()
    shake = ShakeFactory(name="Protein shake", stock=100)
    book = BookFactory(stock=100)
    TaxRateFactory(country="US", region="", rate=Decimal("0.0500"), name="US default")
    TaxRateFactory(country="US", region="TX", rate=Decimal("0.0825"), name="Texas")
    return {"shake": shake, "book": book, "warehouse": warehouse}


@pytest.fixture
def shop(root, enroll, make_customer, catalogue, stripe_emulator):
    """A distributor with a customer, another distributor, and alpha's Stripe key set."""
    stripe_key_set(stripe_emulator.api_key)
    dist = enroll(root, username="dana")
    other = enroll(root, username="olga")
    customer = make_customer(dist, email="carl@example.test")
    return {"dist": dist, "other": other, "customer": customer}
