import itertools
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from conftest import PASSWORD
from core.commerce.models import TaxRate
from core.commerce.services.catalogue import product_create
from core.commerce.services.stock import stock_receive, warehouse_default
from core.members.services.customers import customer_create
from core.members.services.enrolment import member_enroll

_names = itertools.count(1)


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.schema):
        yield alpha


def _enroll(sponsor, username=None, **kwargs):
    n = next(_names)
    username = username or f"buyer{n}"
    return member_enroll(
        sponsor=sponsor,
        username=username,
        email=kwargs.pop("email", f"{username}@example.test"),
        first_name=kwargs.pop("first_name", "First"),
        last_name=kwargs.pop("last_name", f"Last{n}"),
        password=kwargs.pop("password", PASSWORD),
        **kwargs,
    )


@pytest.fixture
def enroll(in_alpha):
    return _enroll


@pytest.fixture
def make_customer(in_alpha):
    def _make(distributor, customer_type="retail", **kwargs):
        n = next(_names)
        return customer_create(
            distributor=distributor,
            email=kwargs.pop("email", f"customer{n}@example.test"),
            first_name="Cust",
            last_name=f"Omer{n}",
            customer_type=customer_type,
            password=PASSWORD,
            **kwargs,
        )

    return _make


@pytest.fixture
def root(enroll):
    return enroll(None, username="house")


@pytest.fixture
def catalogue(in_alpha):
    """Two products with stock 100 each in the main warehouse, and a tax table (US 5 %, US/TX 8.25 %)."""
    shake = product_create(
        sku="SHAKE",
        name="Protein shake",
        retail_price=Decimal("49.99"),
        preferred_price=Decimal("44.99"),
        distributor_price=Decimal("39.99"),
        pv=Decimal("40"),
        cv=Decimal("35"),
    )
    book = product_create(
        sku="BOOK",
        name="Recipe book",
        retail_price=Decimal("20.00"),
        distributor_price=Decimal("15.00"),
        pv=Decimal("0"),
        cv=Decimal("10"),
        taxable=False,
    )
    warehouse = warehouse_default()
    stock_receive(product=shake, warehouse=warehouse, quantity=100)
    stock_receive(product=book, warehouse=warehouse, quantity=100)
    TaxRate.objects.create(country="US", region="", rate=Decimal("0.0500"), name="US default")
    TaxRate.objects.create(country="US", region="TX", rate=Decimal("0.0825"), name="Texas")
    return {"shake": shake, "book": book, "warehouse": warehouse}
