"""The shop's catalogue reads for the storefront: stock states shoppers see, search by category and words, the
featured products of the company home."""

import pytest

from core.commerce.models import Product, ProductStatus
from core.commerce.selectors.catalogue import products_featured, products_for_sale_search
from core.commerce.selectors.stock import StockState, stock_states
from core.commerce.services.catalogue import product_update
from tests.factories.catalogue import BarFactory, BookFactory, CategoryFactory, KitFactory, ShakeFactory

pytestmark = pytest.mark.django_db


def test_stock_states_say_in_stock_few_left_or_out(in_alpha):
    shake = ShakeFactory(stock=20)  # plenty
    bar = BarFactory(stock=3)  # few
    book = BookFactory()  # tracked, none received
    kit = KitFactory()  # not tracked: always in stock
    backorder = BookFactory(sku="BOOK2", allow_backorder=True)
    assert stock_states(products=[shake, bar, book, kit, backorder]) == {
        shake.pk: StockState(in_stock=True),
        bar.pk: StockState(in_stock=True, left=3),
        book.pk: StockState(in_stock=False),
        kit.pk: StockState(in_stock=True),
        backorder.pk: StockState(in_stock=True),
    }


def test_search_by_category_and_words_keeps_to_products_for_sale(in_alpha):
    drinks, books = CategoryFactory(name="Drinks", slug="drinks"), CategoryFactory(name="Books", slug="books")
    ShakeFactory(category=drinks, description="Vanilla protein")
    BarFactory(category=drinks)
    BookFactory(category=books, description="Recipes with vanilla")
    kit = KitFactory(category=books)
    Product.objects.filter(pk=kit.pk).update(status=ProductStatus.RETIRED)

    def skus(**kwargs):
        return [p.sku for p in products_for_sale_search(**kwargs)]

    assert skus() == ["BAR", "SHAKE", "BOOK"]  # by name: Bar, Protein Shake, Recipe book
    assert skus(category=drinks) == ["BAR", "SHAKE"]
    assert skus(category=books) == ["BOOK"]  # the retired kit is not for sale
    assert skus(query="vanilla") == ["SHAKE", "BOOK"]
    assert skus(query="vanilla", category=drinks) == ["SHAKE"]
    assert skus(query="bar") == ["BAR"]
    assert skus(query="v" * 10_000) == []


def test_featured_products_are_those_flagged_and_for_sale(in_alpha):
    shake, bar, kit = ShakeFactory(), BarFactory(), KitFactory()
    for product in (shake, kit):
        product_update(product=product, featured=True)
    Product.objects.filter(pk=kit.pk).update(status=ProductStatus.RETIRED)
    assert [p.sku for p in products_featured()] == ["SHAKE"]
    product_update(product=bar, featured=True)
    assert [p.sku for p in products_featured()] == ["BAR", "SHAKE"]
    assert [p.sku for p in products_featured(limit=1)] == ["BAR"]
