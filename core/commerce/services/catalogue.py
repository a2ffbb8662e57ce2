"""Writes on the catalogue: products, categories, pictures; and which price tier a buyer pays. Orders copy prices and
volumes onto their lines, so a catalogue change never alters a placed order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from core.commerce.models import (
    ZERO,
    MarketPrice,
    PriceTier,
    Product,
    ProductCategory,
    ProductImage,
    ProductStatus,
)
from core.commerce.pricing import QuoteLine, q2, unit_price
from core.company.models import Market
from core.company.services import translations_checked
from core.members.models import Customer, CustomerType, Member


@transaction.atomic
def product_create(
    *,
    sku: str,
    name: str,
    retail_price: Decimal,
    distributor_price: Decimal,
    preferred_price: Decimal | None = None,
    pv: Decimal = ZERO,
    cv: Decimal = ZERO,
    description: str = "",
    category: ProductCategory | None = None,
    taxable: bool = True,
    track_inventory: bool = True,
    allow_backorder: bool = False,
    low_stock_threshold: int = 0,
    featured: bool = False,
    enrolment_pack: bool = False,
    translations: dict | None = None,
) -> Product:
    sku = (sku or "").strip()
    errors: dict[str, list[str]] = {}
    if not sku:
        errors["sku"] = [gettext("This field is required.")]
    elif Product.objects.filter(sku__iexact=sku).exists():
        errors["sku"] = [gettext("The SKU '%(sku)s' is taken.") % {"sku": sku}]
    if not (name or "").strip():
        errors["name"] = [gettext("This field is required.")]
    for field_name, value in (
        ("retail_price", retail_price),
        ("distributor_price", distributor_price),
        ("preferred_price", preferred_price),
        ("pv", pv),
        ("cv", cv),
    ):
        if value is not None and Decimal(value) < 0:
            errors[field_name] = [gettext("Must not be negative.")]
    if errors:
        raise ValidationError(errors)
    texts = translations_checked(translations=translations, fields=PRODUCT_TRANSLATED)
    return Product.objects.create(
        translations=texts,
        sku=sku,
        name=name.strip(),
        description=description,
        category=category,
        retail_price=q2(retail_price),
        preferred_price=q2(preferred_price) if preferred_price is not None else None,
        distributor_price=q2(distributor_price),
        pv=q2(pv),
        cv=q2(cv),
        taxable=taxable,
        track_inventory=track_inventory,
        allow_backorder=allow_backorder,
        low_stock_threshold=low_stock_threshold,
        featured=featured,
        enrolment_pack=enrolment_pack,
    )


def product_retire(*, product: Product) -> Product:
    """Retired products stay on past orders and can no longer be ordered."""
    product.status = ProductStatus.RETIRED
    product.save(update_fields=["status"])
    return product


class ProductChanges(TypedDict, total=False):
    """What `product_update` may change (the SKU is fixed: orders and stock name it)."""

    name: str
    description: str
    category: ProductCategory | None
    retail_price: Decimal
    preferred_price: Decimal | None
    distributor_price: Decimal
    pv: Decimal
    cv: Decimal
    taxable: bool
    track_inventory: bool
    allow_backorder: bool
    low_stock_threshold: int
    featured: bool
    enrolment_pack: bool
    translations: dict  # name and description in the company's other languages (issue 19)


PRODUCT_TRANSLATED = {"name": 200, "description": 5000}
PRODUCT_EDITABLE = tuple(ProductChanges.__annotations__)
_PRODUCT_AMOUNTS: tuple[Literal["retail_price", "preferred_price", "distributor_price", "pv", "cv"], ...] = (
    "retail_price",
    "distributor_price",
    "preferred_price",
    "pv",
    "cv",
)


@transaction.atomic
def product_update(*, product: Product, **changes: Unpack[ProductChanges]) -> Product:
    """Change a product's catalogue data (not its SKU). Orders already placed keep the prices and volumes of their
    lines; only new orders see the change."""
    unknown = set(changes) - set(PRODUCT_EDITABLE)
    if unknown:
        raise ValidationError({name: [gettext("This field cannot be changed.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    if "name" in changes and not (changes["name"] or "").strip():
        errors["name"] = [gettext("This field is required.")]
    for amount in _PRODUCT_AMOUNTS:
        value = changes.get(amount)
        if value is not None and Decimal(value) < 0:
            errors[amount] = [gettext("Must not be negative.")]
        elif amount in changes and value is None and amount != "preferred_price":
            errors[amount] = [gettext("This field is required.")]
    if errors:
        raise ValidationError(errors)
    fields: dict[str, object] = dict(changes)
    for amount in _PRODUCT_AMOUNTS:
        if (given := changes.get(amount)) is not None:
            fields[amount] = q2(given)
    if "name" in changes:
        fields["name"] = changes["name"].strip()
    if "translations" in changes:
        fields["translations"] = translations_checked(
            translations=changes["translations"], fields=PRODUCT_TRANSLATED, existing=product.translations
        )
    for name, new_value in fields.items():
        setattr(product, name, new_value)
    product.save()
    return product


@transaction.atomic
def product_category_create(*, name: str, slug: str) -> ProductCategory:
    name, slug = (name or "").strip(), (slug or "").strip().lower()
    if not name:
        raise ValidationError({"name": [gettext("This field is required.")]})
    if ProductCategory.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [gettext("The slug '%(slug)s' is taken.") % {"slug": slug}]})
    return ProductCategory.objects.create(name=name, slug=slug)


@transaction.atomic
def product_category_rename(*, category: ProductCategory, name: str) -> ProductCategory:
    if not (name or "").strip():
        raise ValidationError({"name": [gettext("This field is required.")]})
    category.name = name.strip()
    category.save(update_fields=["name"])
    return category


@transaction.atomic
def product_image_add(
    *, product: Product, image: File, alt_text: str = "", position: int | None = None
) -> ProductImage:
    """Append an image (or put it at `position`); the file was already checked to be an image by the API."""
    if position is None:
        position = (product.images.aggregate(m=Coalesce(Max("position"), -1))["m"]) + 1
    return ProductImage.objects.create(product=product, image=image, alt_text=alt_text, position=position)


@transaction.atomic
def product_image_remove(*, image: ProductImage) -> None:
    """Images are presentation only (order lines keep their own name and SKU): removing one erases nothing."""
    image.image.delete(save=False)
    image.delete()


@dataclass(frozen=True)
class TierPrices:
    """A product's three prices in one market's currency (or the company's base currency)."""

    retail: Decimal
    distributor: Decimal
    preferred: Decimal | None


def tier_prices_in(*, market: Market | None, products: Iterable[Product]) -> dict[int, TierPrices]:
    """Each product's prices where ``market`` sells: its price list (a product missing from it is left out: it is not
    sold in that market), or, with no market, the products' own prices in the company's base currency."""
    products = list(products)
    if market is None:
        return {
            p.pk: TierPrices(retail=p.retail_price, distributor=p.distributor_price, preferred=p.preferred_price)
            for p in products
        }
    rows = MarketPrice.objects.filter(market=market, product__in=[p.pk for p in products])
    return {
        row.product_id: TierPrices(
            retail=row.retail_price, distributor=row.distributor_price, preferred=row.preferred_price
        )
        for row in rows
    }


def quote_line_for(
    *, product: Product, quantity: int, agreed_price: Decimal | None = None, prices: TierPrices | None = None
) -> QuoteLine:
    """What the pure pricing needs to know about a product (core.commerce.pricing takes no models), at ``prices``
    (a market's; default: the product's own)."""
    if prices is None:
        prices = TierPrices(
            retail=product.retail_price, distributor=product.distributor_price, preferred=product.preferred_price
        )
    return QuoteLine(
        sku=product.sku,
        quantity=quantity,
        retail_price=prices.retail,
        distributor_price=prices.distributor,
        preferred_price=prices.preferred,
        pv=product.pv,
        cv=product.cv,
        taxable=product.taxable,
        agreed_price=agreed_price,
    )


def unit_price_for(*, product: Product, tier: str) -> Decimal:
    """The product's own price for ``tier`` (the company's base currency)."""
    return unit_price(quote_line_for(product=product, quantity=1), tier)


def unit_prices_in(*, market: Market | None, products: Iterable[Product], tier: str) -> dict[int, Decimal | None]:
    """Each product's unit price for ``tier`` in ``market``'s currency; None: not sold in that market."""
    products = list(products)
    prices = tier_prices_in(market=market, products=products)
    return {
        p.pk: unit_price(quote_line_for(product=p, quantity=1, prices=prices[p.pk]), tier) if p.pk in prices else None
        for p in products
    }


def distributor_prices_in(*, market: Market, products: Iterable[Product]) -> dict[str, Decimal]:
    """SKU -> distributor price in ``market`` for the products it sells (an enrolment pack's price there)."""
    products = list(products)
    prices = tier_prices_in(market=market, products=products)
    return {p.sku: prices[p.pk].distributor for p in products if p.pk in prices}


def member_price_tier(member: Member) -> str:
    """Distributors buy at distributor price unless the demotion policy suspended it (then retail)."""
    return PriceTier.RETAIL if member.preferred_pricing_suspended else PriceTier.DISTRIBUTOR


def customer_price_tier(customer: Customer) -> str:
    return PriceTier.PREFERRED if customer.customer_type == CustomerType.PREFERRED else PriceTier.RETAIL
