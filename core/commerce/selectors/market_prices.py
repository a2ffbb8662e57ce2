"""A market's price list (issue 19): every product for sale beside its prices in the market, empty where the market
does not sell it."""

from __future__ import annotations

from dataclasses import dataclass

from core.commerce.models import MarketPrice, Product, ProductStatus
from core.company.models import Market


@dataclass(frozen=True)
class PriceListRow:
    product: Product
    price: MarketPrice | None  # None: the product is not sold in the market


def market_price_list(*, market: Market) -> list[PriceListRow]:
    """Active products by SKU with the market's prices (the console's table and the CSV export)."""
    prices = {row.product_id: row for row in MarketPrice.objects.filter(market=market)}
    products = Product.objects.filter(status=ProductStatus.ACTIVE).order_by("sku")
    return [PriceListRow(product=product, price=prices.get(product.pk)) for product in products]


def market_price_rows(*, market: Market) -> list[list[str]]:
    """The price list as CSV rows (header first): sku, name, retail, distributor, preferred; an unsold product's
    prices are empty, so the file can be filled in and imported back."""
    rows = [["sku", "name", "retail_price", "distributor_price", "preferred_price"]]
    for row in market_price_list(market=market):
        price = row.price
        rows.append(
            [
                row.product.sku,
                row.product.name,
                str(price.retail_price) if price else "",
                str(price.distributor_price) if price else "",
                str(price.preferred_price) if price and price.preferred_price is not None else "",
            ]
        )
    return rows
