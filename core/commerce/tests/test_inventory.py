import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from core.commerce.models import MovementKind, StockLevel, StockMovement, Warehouse
from core.commerce.selectors.stock import low_stock
from core.commerce.services.stock import stock_adjust, stock_transfer

pytestmark = pytest.mark.django_db


def test_transfer_and_adjustment_keep_the_ledger_equal_to_the_levels(catalogue):
    shake, main = catalogue["shake"], catalogue["warehouse"]
    east = Warehouse.objects.create(code="EAST", name="East")
    stock_transfer(product=shake, source=main, destination=east, quantity=30)
    stock_adjust(product=shake, warehouse=east, quantity=-2, note="count 2024-12")
    with pytest.raises(ValidationError) as error:
        stock_transfer(product=shake, source=east, destination=main, quantity=29)
    assert error.value.message_dict == {"lines": ["Only 28 of SHAKE in stock at EAST."]}
    with pytest.raises(ValidationError) as error:
        stock_adjust(product=shake, warehouse=east, quantity=1, note=" ")
    assert error.value.message_dict == {"note": ["Say why the stock is adjusted."]}
    levels = {s.warehouse.code: s.on_hand for s in StockLevel.objects.filter(product=shake)}
    assert levels == {"MAIN": 70, "EAST": 28}
    for code, on_hand in levels.items():
        ledger = StockMovement.objects.filter(product=shake, warehouse__code=code).aggregate(s=Sum("quantity"))["s"]
        assert ledger == on_hand
    assert list(StockMovement.objects.filter(warehouse=east).values_list("kind", "quantity")) == [
        (MovementKind.TRANSFER, 30),
        (MovementKind.ADJUSTMENT, -2),
    ]


def test_low_stock_report_lists_products_at_or_below_their_threshold(catalogue):
    shake, book = catalogue["shake"], catalogue["book"]
    shake.low_stock_threshold = 100
    shake.save()
    book.low_stock_threshold = 99
    book.save()
    assert [(s.product.sku, s.warehouse.code, s.on_hand) for s in low_stock()] == [("SHAKE", "MAIN", 100)]
