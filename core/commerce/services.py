"""Writes on the catalogue, stock, orders, payments, refunds and member volume.

The order of events an order goes through: order_place (prices, PV/CV, tax, discount and stock are fixed here) ->
order_pay_card / order_pay_offline (paid: volume counts from the payment day) -> order_ship -> order_refund (any number
of partial refunds; stock and volume reversed, clawback flagged when the period was already closed).
A pending order can be cancelled (stock and coupon released)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, Q, Sum
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone

from core.commerce import stripe_gateway
from core.commerce.models import (
    ZERO,
    ClawbackFlag,
    CommerceSettings,
    CommissionPeriodClose,
    Coupon,
    CouponKind,
    MemberVolume,
    MovementKind,
    Order,
    OrderLine,
    OrderStatus,
    Party,
    PartyStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    PlacedBy,
    PriceTier,
    Product,
    ProductCategory,
    ProductImage,
    ProductStatus,
    Refund,
    RefundLine,
    StockLevel,
    StockMovement,
    TaxRate,
    Warehouse,
)
from core.commerce.periods import company_date, period_start_for, q2, to_minor_units
from core.company.services import company_settings_get
from core.members.models import Customer, CustomerType, Member, MemberStatus
from core.webhooks.services import event_emit

OFFLINE_METHODS = (PaymentMethod.CASH, PaymentMethod.CHECK, PaymentMethod.OTHER)
VOLUME_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)
REFUNDABLE_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED)


def commerce_settings_get() -> CommerceSettings:
    row = CommerceSettings.objects.order_by("id").first()
    return row or CommerceSettings.objects.create()


SETTINGS_EDITABLE = (
    "offline_payments_allowed",
    "subscription_enabled",
    "subscription_fee",
    "subscription_first_charge_delay_days",
    "stripe_publishable_key",
    "stripe_secret_key",
)


@transaction.atomic
def commerce_settings_update(**changes) -> CommerceSettings:
    unknown = set(changes) - set(SETTINGS_EDITABLE)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    errors = {}
    if changes.get("subscription_fee") is not None and Decimal(changes["subscription_fee"]) < 0:
        errors["subscription_fee"] = ["Must not be negative."]
    if (key := changes.get("stripe_secret_key")) and not key.startswith(("sk_", "rk_")):
        errors["stripe_secret_key"] = ["A Stripe secret key starts with sk_ (or rk_ for a restricted key)."]
    if (key := changes.get("stripe_publishable_key")) and not key.startswith("pk_"):
        errors["stripe_publishable_key"] = ["A Stripe publishable key starts with pk_."]
    if errors:
        raise ValidationError(errors)
    row = CommerceSettings.objects.select_for_update().get(pk=commerce_settings_get().pk)
    for name, value in changes.items():
        setattr(row, name, q2(value) if name == "subscription_fee" else value)
    row.save()
    return row


# ---------------------------------------------------------------------------------------------------- catalogue


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
    category=None,
    taxable: bool = True,
    track_inventory: bool = True,
    allow_backorder: bool = False,
    low_stock_threshold: int = 0,
) -> Product:
    sku = (sku or "").strip()
    errors: dict[str, list[str]] = {}
    if not sku:
        errors["sku"] = ["This field is required."]
    elif Product.objects.filter(sku__iexact=sku).exists():
        errors["sku"] = [f"The SKU '{sku}' is taken."]
    if not (name or "").strip():
        errors["name"] = ["This field is required."]
    for field_name, value in (
        ("retail_price", retail_price),
        ("distributor_price", distributor_price),
        ("preferred_price", preferred_price),
        ("pv", pv),
        ("cv", cv),
    ):
        if value is not None and Decimal(value) < 0:
            errors[field_name] = ["Must not be negative."]
    if errors:
        raise ValidationError(errors)
    return Product.objects.create(
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
    )


def product_retire(*, product: Product) -> Product:
    """Retired products stay on past orders and can no longer be ordered."""
    product.status = ProductStatus.RETIRED
    product.save(update_fields=["status"])
    return product


PRODUCT_EDITABLE = (
    "name",
    "description",
    "category",
    "retail_price",
    "preferred_price",
    "distributor_price",
    "pv",
    "cv",
    "taxable",
    "track_inventory",
    "allow_backorder",
    "low_stock_threshold",
)


@transaction.atomic
def product_update(*, product: Product, **changes) -> Product:
    """Change a product's catalogue data (not its SKU). Orders already placed keep the prices and volumes of their
    lines; only new orders see the change."""
    unknown = set(changes) - set(PRODUCT_EDITABLE)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    if "name" in changes and not (changes["name"] or "").strip():
        errors["name"] = ["This field is required."]
    for name in ("retail_price", "distributor_price", "preferred_price", "pv", "cv"):
        value = changes.get(name)
        if value is not None and Decimal(value) < 0:
            errors[name] = ["Must not be negative."]
        elif name in changes and value is None and name != "preferred_price":
            errors[name] = ["This field is required."]
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        if name in ("retail_price", "distributor_price", "pv", "cv") or (
            name == "preferred_price" and value is not None
        ):
            value = q2(value)
        elif name == "name":
            value = value.strip()
        setattr(product, name, value)
    product.save()
    return product


@transaction.atomic
def product_category_create(*, name: str, slug: str) -> ProductCategory:
    name, slug = (name or "").strip(), (slug or "").strip().lower()
    if not name:
        raise ValidationError({"name": ["This field is required."]})
    if ProductCategory.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [f"The slug '{slug}' is taken."]})
    return ProductCategory.objects.create(name=name, slug=slug)


@transaction.atomic
def product_category_rename(*, category: ProductCategory, name: str) -> ProductCategory:
    if not (name or "").strip():
        raise ValidationError({"name": ["This field is required."]})
    category.name = name.strip()
    category.save(update_fields=["name"])
    return category


@transaction.atomic
def product_image_add(*, product: Product, image, alt_text: str = "", position: int | None = None) -> ProductImage:
    """Append an image (or put it at `position`); the file was already checked to be an image by the API."""
    if position is None:
        position = (product.images.aggregate(m=Coalesce(Max("position"), -1))["m"]) + 1
    return ProductImage.objects.create(product=product, image=image, alt_text=alt_text, position=position)


@transaction.atomic
def product_image_remove(*, image: ProductImage) -> None:
    """Images are presentation only (order lines keep their own name and SKU): removing one erases nothing."""
    image.image.delete(save=False)
    image.delete()


def unit_price_for(*, product: Product, tier: str) -> Decimal:
    if tier == PriceTier.DISTRIBUTOR:
        return product.distributor_price
    if tier == PriceTier.PREFERRED and product.preferred_price is not None:
        return product.preferred_price
    return product.retail_price


def member_price_tier(member: Member) -> str:
    """Distributors buy at distributor price unless the demotion policy suspended it (then retail)."""
    return PriceTier.RETAIL if member.preferred_pricing_suspended else PriceTier.DISTRIBUTOR


def customer_price_tier(customer: Customer) -> str:
    return PriceTier.PREFERRED if customer.customer_type == CustomerType.PREFERRED else PriceTier.RETAIL


# ---------------------------------------------------------------------------------------------------- stock


def warehouse_default() -> Warehouse:
    warehouse = Warehouse.objects.filter(is_active=True).order_by("id").first()
    if warehouse is None:
        warehouse = Warehouse.objects.create(code="MAIN", name="Main warehouse")
    return warehouse


@transaction.atomic
def warehouse_create(*, code: str, name: str, country: str = "") -> Warehouse:
    code = (code or "").strip().upper()
    errors = {}
    if not code:
        errors["code"] = ["This field is required."]
    elif Warehouse.objects.filter(code__iexact=code).exists():
        errors["code"] = [f"The code '{code}' is taken."]
    if not (name or "").strip():
        errors["name"] = ["This field is required."]
    if errors:
        raise ValidationError(errors)
    return Warehouse.objects.create(code=code, name=name.strip(), country=(country or "").upper())


@transaction.atomic
def warehouse_update(
    *, warehouse: Warehouse, name: str | None = None, country: str | None = None, is_active: bool | None = None
) -> Warehouse:
    """Warehouses are never deleted (the ledger points at them); an inactive one takes no new orders."""
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": ["This field is required."]})
        warehouse.name = name.strip()
    if country is not None:
        warehouse.country = country.upper()
    if is_active is not None:
        warehouse.is_active = is_active
    warehouse.save()
    return warehouse


def _stock_change(
    *, product: Product, warehouse: Warehouse, quantity: int, kind: str, order=None, note="", by=None, check=True
) -> StockMovement:
    """One ledger row and the matching change of the level, under a row lock (no read-modify-write race)."""
    level, _ = StockLevel.objects.get_or_create(product=product, warehouse=warehouse)
    level = StockLevel.objects.select_for_update().get(pk=level.pk)
    if check and quantity < 0 and level.on_hand + quantity < 0 and not product.allow_backorder:
        raise ValidationError(
            {"lines": [f"Only {max(level.on_hand, 0)} of {product.sku} in stock at {warehouse.code}."]}
        )
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
    return StockMovement.objects.create(
        product=product, warehouse=warehouse, kind=kind, quantity=quantity, order=order, note=note, created_by=by
    )


@transaction.atomic
def stock_receive(*, product: Product, warehouse: Warehouse, quantity: int, note: str = "", by=None) -> StockMovement:
    if quantity <= 0:
        raise ValidationError({"quantity": ["A receipt must be a positive quantity."]})
    return _stock_change(
        product=product, warehouse=warehouse, quantity=quantity, kind=MovementKind.RECEIPT, note=note, by=by
    )


@transaction.atomic
def stock_adjust(*, product: Product, warehouse: Warehouse, quantity: int, note: str, by=None) -> StockMovement:
    """A count correction (signed). The reason is required: the ledger must explain every change."""
    if quantity == 0:
        raise ValidationError({"quantity": ["An adjustment of 0 changes nothing."]})
    if not note.strip():
        raise ValidationError({"note": ["Say why the stock is adjusted."]})
    return _stock_change(
        product=product,
        warehouse=warehouse,
        quantity=quantity,
        kind=MovementKind.ADJUSTMENT,
        note=note,
        by=by,
        check=False,
    )


@transaction.atomic
def stock_transfer(
    *, product: Product, source: Warehouse, destination: Warehouse, quantity: int, note: str = "", by=None
) -> tuple[StockMovement, StockMovement]:
    if quantity <= 0:
        raise ValidationError({"quantity": ["A transfer must be a positive quantity."]})
    if source.pk == destination.pk:
        raise ValidationError({"destination": ["Choose a different warehouse."]})
    first, second = sorted([source, destination], key=lambda w: w.pk)  # lock in a fixed order: no deadlock
    for warehouse in (first, second):
        StockLevel.objects.get_or_create(product=product, warehouse=warehouse)
    out = _stock_change(
        product=product, warehouse=source, quantity=-quantity, kind=MovementKind.TRANSFER, note=note, by=by
    )
    into = _stock_change(
        product=product, warehouse=destination, quantity=quantity, kind=MovementKind.TRANSFER, note=note, by=by
    )
    return out, into


# ---------------------------------------------------------------------------------------------------- orders


@dataclass(frozen=True)
class LineRequest:
    sku: str
    quantity: int
    unit_price: Decimal | None = None  # a price agreed elsewhere (a partner's sale); None: the tier's price


def order_number_next() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('commerce_order_number_seq')")
        return cursor.fetchone()[0]


def tax_rate_for(*, country: str, region: str) -> Decimal:
    """The region's rate, else the country's (empty region), else no tax."""
    if not country:
        return Decimal("0")
    found = TaxRate.objects.filter(is_active=True, country__iexact=country).filter(
        Q(region="") | Q(region__iexact=region)
    )
    rates = {r.region.upper(): r.rate for r in found}
    return rates.get(region.upper(), rates.get("", Decimal("0")))


def _tax_rate_check(*, country: str, region: str, rate, is_active: bool, exclude_pk=None) -> None:
    errors = {}
    if len(country) != 2 or not country.isalpha():
        errors["country"] = ["Use the two-letter country code."]
    if rate is not None and not (Decimal("0") <= Decimal(rate) < Decimal("1")):
        errors["rate"] = ["A rate is a fraction from 0 to below 1 (0.0825 for 8.25 %)."]
    clash = TaxRate.objects.filter(is_active=True, country__iexact=country, region__iexact=region).exclude(
        pk=exclude_pk
    )
    if is_active and clash.exists():
        errors["region"] = [f"{country}/{region or '*'} already has an active rate; deactivate it first."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def tax_rate_create(
    *, country: str, rate: Decimal, region: str = "", name: str = "", is_active: bool = True
) -> TaxRate:
    """Orders store the rate they used, so later changes never alter a placed order."""
    country, region = (country or "").strip().upper(), (region or "").strip()
    _tax_rate_check(country=country, region=region, rate=rate, is_active=is_active)
    return TaxRate.objects.create(country=country, region=region, rate=rate, name=name.strip(), is_active=is_active)


@transaction.atomic
def tax_rate_update(
    *, tax_rate: TaxRate, rate: Decimal | None = None, name: str | None = None, is_active: bool | None = None
) -> TaxRate:
    active = tax_rate.is_active if is_active is None else is_active
    _tax_rate_check(
        country=tax_rate.country, region=tax_rate.region, rate=rate, is_active=active, exclude_pk=tax_rate.pk
    )
    if rate is not None:
        tax_rate.rate = rate
    if name is not None:
        tax_rate.name = name.strip()
    tax_rate.is_active = active
    tax_rate.save()
    return tax_rate


def tax_rate_delete(*, tax_rate: TaxRate) -> None:
    """Remove a rate from the table. Orders store the rate they were taxed at and point at no TaxRate row, so no
    history refers to it (deactivating keeps it for later)."""
    tax_rate.delete()


COUPON_EDITABLE = ("kind", "value", "is_active", "starts_at", "ends_at", "max_uses", "min_subtotal")


def _coupon_check(coupon: Coupon) -> None:
    errors = {}
    if coupon.kind not in CouponKind.values:
        errors["kind"] = [f"Choose one of {', '.join(CouponKind.values)}."]
    if coupon.value is None or Decimal(coupon.value) <= 0:
        errors["value"] = ["Must be more than 0."]
    elif coupon.kind == CouponKind.PERCENT and Decimal(coupon.value) > 100:
        errors["value"] = ["A percentage cannot be more than 100."]
    if coupon.starts_at and coupon.ends_at and coupon.ends_at <= coupon.starts_at:
        errors["ends_at"] = ["Must be after starts_at."]
    if coupon.min_subtotal is not None and Decimal(coupon.min_subtotal) < 0:
        errors["min_subtotal"] = ["Must not be negative."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def coupon_create(*, code: str, kind: str, value: Decimal, **fields) -> Coupon:
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": ["This field is required."]})
    if Coupon.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": [f"The coupon code '{code}' is taken."]})
    coupon = Coupon(code=code, kind=kind, value=value, **{k: v for k, v in fields.items() if k in COUPON_EDITABLE})
    _coupon_check(coupon)
    coupon.save()
    return coupon


@transaction.atomic
def coupon_update(*, coupon: Coupon, **changes) -> Coupon:
    """The code is fixed (orders and printed flyers name it); everything else may change."""
    unknown = set(changes) - set(COUPON_EDITABLE)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(coupon, name, value)
    _coupon_check(coupon)
    coupon.save()
    return coupon


@transaction.atomic
def coupon_delete(*, coupon: Coupon) -> None:
    """Only a coupon no order used can go; a used one is deactivated instead."""
    if coupon.orders.exists():
        raise ValidationError({"coupon": [f"'{coupon.code}' is on orders; deactivate it instead."]})
    coupon.delete()


def _coupon_for(code: str, subtotal: Decimal, now: datetime.datetime) -> Coupon:
    coupon = Coupon.objects.select_for_update().filter(code__iexact=code.strip()).first()
    if coupon is None or not coupon.is_active:
        raise ValidationError({"coupon_code": [f"The coupon '{code}' does not exist or is no longer active."]})
    if (coupon.starts_at and now < coupon.starts_at) or (coupon.ends_at and now > coupon.ends_at):
        raise ValidationError({"coupon_code": [f"The coupon '{code}' is not valid today."]})
    if coupon.max_uses is not None and coupon.times_used >= coupon.max_uses:
        raise ValidationError({"coupon_code": [f"The coupon '{code}' has been used up."]})
    if subtotal < coupon.min_subtotal:
        raise ValidationError(
            {"coupon_code": [f"The coupon '{code}' needs a subtotal of at least {coupon.min_subtotal}."]}
        )
    return coupon


def _discount(coupon: Coupon | None, subtotal: Decimal) -> Decimal:
    if coupon is None:
        return ZERO
    if coupon.kind == CouponKind.PERCENT:
        return min(q2(subtotal * coupon.value / 100), subtotal)
    return min(q2(coupon.value), subtotal)


def _allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` over lines in proportion to weights; the last line takes the rounding remainder (exact sum)."""
    whole = sum(weights, ZERO)
    if whole == 0 or total == 0:
        return [ZERO for _ in weights]
    shares = [q2(total * w / whole) for w in weights[:-1]]
    return [*shares, total - sum(shares, ZERO)]


@transaction.atomic
def order_place(
    *,
    lines: list[LineRequest],
    placed_by: str,
    buyer_member: Member | None = None,
    buyer_customer: Customer | None = None,
    credited_member: Member | None = None,
    party: Party | None = None,
    buyer_name: str = "",
    price_tier: str | None = None,
    coupon_code: str = "",
    ship_country: str | None = None,
    ship_region: str | None = None,
    warehouse: Warehouse | None = None,
    created_by=None,
    placed_at: datetime.datetime | None = None,
    external_ref: str | None = None,
    autoship=None,
    take_stock: bool = True,
) -> Order:
    """Price an order for its buyer and take its stock. Who is credited follows from the buyer:
    a distributor's own order credits them, a customer's credits their distributor, a party guest's the consultant."""
    errors: dict[str, list[str]] = {}
    now = placed_at or timezone.now()
    if placed_by not in PlacedBy.values:
        errors["placed_by"] = [f"Choose one of {', '.join(PlacedBy.values)}."]
    if buyer_member is not None and buyer_customer is not None:
        errors["buyer"] = ["An order has one buyer: a distributor or a customer, not both."]
    if party is not None:
        if party.status != PartyStatus.OPEN:
            errors["party"] = ["This party is closed."]
        credited_member = party.consultant
    elif buyer_member is not None:
        credited_member = buyer_member
    elif buyer_customer is not None:
        credited_member = buyer_customer.distributor
    if credited_member is None:
        errors["buyer"] = ["Say who buys (a distributor or a customer) or whom the sale is credited to."]
    elif credited_member.status == MemberStatus.TERMINATED and placed_by != PlacedBy.IMPORT:
        errors["buyer"] = [f"#{credited_member.number} is terminated and cannot be credited with new orders."]
    if buyer_member is not None and buyer_member.access_restricted and placed_by == PlacedBy.DISTRIBUTOR:
        errors["buyer"] = ["This back office is restricted; pay the back-office subscription to order again."]
    if price_tier is None:
        if buyer_member is not None:
            price_tier = member_price_tier(buyer_member)
        elif buyer_customer is not None:
            price_tier = customer_price_tier(buyer_customer)
        else:
            price_tier = PriceTier.RETAIL
    elif price_tier not in PriceTier.values:
        errors["price_tier"] = [f"Choose one of {', '.join(PriceTier.values)}."]
    if not lines:
        errors["lines"] = ["An order needs at least one line."]
    quantities: dict[str, int] = defaultdict(int)
    price_overrides: dict[str, Decimal] = {}
    for i, line in enumerate(lines):
        if not isinstance(line.quantity, int) or line.quantity < 1:
            errors.setdefault("lines", []).append(f"Line {i + 1}: the quantity must be a whole number of at least 1.")
        else:
            quantities[line.sku.strip().upper()] += line.quantity
            if line.unit_price is not None:
                price_overrides[line.sku.strip().upper()] = q2(line.unit_price)
    products = {p.sku.upper(): p for p in Product.objects.annotate(u=Upper("sku")).filter(u__in=list(quantities))}
    for sku in quantities:
        product = products.get(sku)
        if product is None:
            errors.setdefault("lines", []).append(f"There is no product with SKU '{sku}'.")
        elif product.status != ProductStatus.ACTIVE:
            errors.setdefault("lines", []).append(f"{product.sku} is retired and can no longer be ordered.")
    if errors:
        raise ValidationError(errors)

    buyer = buyer_member or buyer_customer
    country = (ship_country if ship_country is not None else getattr(buyer, "country", "")) or ""
    region = (ship_region if ship_region is not None else getattr(buyer, "region", "")) or ""
    rate = tax_rate_for(country=country, region=region)
    ordered = [(products[sku], qty) for sku, qty in quantities.items()]
    prices = [
        price_overrides[sku] if sku in price_overrides else unit_price_for(product=products[sku], tier=price_tier)
        for sku in quantities
    ]
    subtotals = [q2(price * qty) for price, (_, qty) in zip(prices, ordered, strict=True)]
    subtotal = sum(subtotals, ZERO)
    coupon = _coupon_for(coupon_code, subtotal, now) if coupon_code.strip() else None
    discount = _discount(coupon, subtotal)
    discounts = _allocate(discount, subtotals)
    taxes = [
        q2((sub - disc) * rate) if p.taxable else ZERO
        for (p, _), sub, disc in zip(ordered, subtotals, discounts, strict=True)
    ]
    order = Order.objects.create(
        number=order_number_next(),
        placed_by=placed_by,
        buyer_member=buyer_member,
        buyer_customer=buyer_customer,
        buyer_name=buyer_name,
        credited_member=credited_member,
        party=party,
        price_tier=price_tier,
        currency=company_settings_get().currency,
        subtotal=subtotal,
        discount=discount,
        tax=sum(taxes, ZERO),
        total=subtotal - discount + sum(taxes, ZERO),
        tax_rate=rate,
        pv_total=sum((q2(p.pv * qty) for p, qty in ordered), ZERO),
        cv_total=sum((q2(p.cv * qty) for p, qty in ordered), ZERO),
        retail_total=sum((q2(p.retail_price * qty) for p, qty in ordered), ZERO),
        distributor_total=sum((q2(p.distributor_price * qty) for p, qty in ordered), ZERO),
        coupon=coupon,
        ship_country=country.upper(),
        ship_region=region,
        warehouse=warehouse or warehouse_default(),
        placed_at=now,
        created_by=created_by,
        external_ref=external_ref,
        autoship=autoship,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=p,
            sku=p.sku,
            name=p.name,
            quantity=qty,
            unit_price=price,
            unit_pv=p.pv,
            unit_cv=p.cv,
            unit_retail=p.retail_price,
            unit_distributor=p.distributor_price,
            taxable=p.taxable,
            line_subtotal=sub,
            line_discount=disc,
            line_tax=tax,
            line_total=sub - disc + tax,
        )
        for (p, qty), price, sub, disc, tax in zip(ordered, prices, subtotals, discounts, taxes, strict=True)
    )
    if coupon is not None:
        Coupon.objects.filter(pk=coupon.pk).update(times_used=F("times_used") + 1)
    if take_stock:
        for product, qty in sorted(ordered, key=lambda pq: pq[0].pk):  # fixed lock order
            if product.track_inventory:
                _stock_change(
                    product=product,
                    warehouse=order.warehouse,
                    quantity=-qty,
                    kind=MovementKind.SALE,
                    order=order,
                    by=created_by,
                )
    event_emit(event="order.created", payload=lambda: order_payload(order))
    return order


def order_payload(order: Order) -> dict:
    """What a company's webhook receivers get about an order (numbers, not internal ids)."""
    numbers = dict(
        Member.objects.filter(pk__in={order.buyer_member_id, order.credited_member_id}).values_list("pk", "number")
    )
    return {
        "number": order.number,
        "status": order.status,
        "placed_by": order.placed_by,
        "price_tier": order.price_tier,
        "buyer_member_number": numbers.get(order.buyer_member_id),
        "buyer_customer_number": order.buyer_customer.number if order.buyer_customer_id else None,
        "buyer_name": order.buyer_name,
        "credited_member_number": numbers.get(order.credited_member_id),
        "party_id": order.party_id,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "discount": order.discount,
        "tax": order.tax,
        "total": order.total,
        "pv_total": order.pv_total,
        "cv_total": order.cv_total,
        "refunded_amount": order.refunded_amount,
        "placed_at": order.placed_at,
        "paid_at": order.paid_at,
        "lines": [
            {"sku": sku, "quantity": qty, "unit_price": price, "line_total": total, "refunded_quantity": refunded}
            for sku, qty, price, total, refunded in order.lines.order_by("id").values_list(
                "sku", "quantity", "unit_price", "line_total", "refunded_quantity"
            )
        ],
    }


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


@transaction.atomic
def order_mark_paid(*, order: Order, paid_at: datetime.datetime | None = None, recompute_volume: bool = True) -> Order:
    """Volume counts from the payment day, in the period containing it. A bulk caller (the import) passes
    recompute_volume=False and rebuilds each touched period once with volume_recompute_period."""
    order = _lock(order)
    if order.status != OrderStatus.PENDING:
        raise ValidationError(
            {"status": [f"Order {order.number} is {order.get_status_display().lower()}, not pending."]}
        )
    order.paid_at = paid_at or timezone.now()
    order.paid_on = company_date(order.paid_at)
    order.period_start = period_start_for(order.paid_on)
    order.status = OrderStatus.PAID
    order.save(update_fields=["paid_at", "paid_on", "period_start", "status"])
    if recompute_volume:
        volume_recompute(member_id=order.credited_member_id, period_start=order.period_start)
    event_emit(event="order.paid", payload=lambda: order_payload(order))
    return order


@transaction.atomic
def order_pay_offline(*, order: Order, method: str, reference: str = "", by=None, paid_at=None) -> Payment:
    """Cash or check taken by staff (or at a party), where the company allows offline payments."""
    if not commerce_settings_get().offline_payments_allowed:
        raise ValidationError({"method": ["This company does not accept offline payments."]})
    if method not in OFFLINE_METHODS:
        raise ValidationError({"method": [f"Choose one of {', '.join(OFFLINE_METHODS)}."]})
    order = order_mark_paid(order=order, paid_at=paid_at)
    return Payment.objects.create(
        order=order,
        method=method,
        status=PaymentStatus.SUCCEEDED,
        amount=order.total,
        reference=reference,
        recorded_by=by,
    )


def order_pay_card(*, order: Order, payment_method_id: str, customer_id: str = "", by=None) -> Payment:
    """Charge the order's total on the company's Stripe account. A decline is recorded (failed Payment) and returned;
    the order stays pending so the buyer can try another card."""
    if order.status != OrderStatus.PENDING:
        raise ValidationError(
            {"status": [f"Order {order.number} is {order.get_status_display().lower()}, not pending."]}
        )
    if not payment_method_id:
        raise ValidationError({"payment_method": ["This field is required."]})
    if order.total == 0:
        return order_pay_offline_free(order=order, by=by)
    result = stripe_gateway.payment_intent_charge(
        api_key=commerce_settings_get().stripe_secret_key,
        amount_minor=to_minor_units(order.total),
        currency=order.currency,
        payment_method_id=payment_method_id,
        customer_id=customer_id,
        metadata={"order_number": str(order.number), "schema": connection.schema_name},
    )
    with transaction.atomic():
        payment = Payment.objects.create(
            order=order,
            method=PaymentMethod.STRIPE,
            status=PaymentStatus.SUCCEEDED if result.succeeded else PaymentStatus.FAILED,
            amount=order.total,
            stripe_payment_intent_id=result.id,
            failure_code=result.error_code or ("" if result.succeeded else result.status),
            failure_message=result.error_message,
            recorded_by=by,
        )
        if result.succeeded:
            order_mark_paid(order=order)
    return payment


@transaction.atomic
def order_pay_offline_free(*, order: Order, by=None) -> Payment:
    order = order_mark_paid(order=order)
    return Payment.objects.create(
        order=order,
        method=PaymentMethod.OTHER,
        status=PaymentStatus.SUCCEEDED,
        amount=ZERO,
        reference="free",
        recorded_by=by,
    )


@transaction.atomic
def order_cancel(*, order: Order, by=None, reason: str = "") -> Order:
    """Only a pending order can be cancelled; a paid one is refunded. Stock and the coupon use are released."""
    order = _lock(order)
    if order.status != OrderStatus.PENDING:
        raise ValidationError({"status": [f"Only a pending order can be cancelled; {order.number} is {order.status}."]})
    for line in order.lines.select_related("product").order_by("product_id"):
        if (
            line.product.track_inventory
            and order.movements.filter(product=line.product, kind=MovementKind.SALE).exists()
        ):
            _stock_change(
                product=line.product,
                warehouse=order.warehouse,
                quantity=line.quantity,
                kind=MovementKind.RETURN,
                order=order,
                note=f"Order cancelled. {reason}".strip(),
                by=by,
            )
    if order.coupon_id:
        Coupon.objects.filter(pk=order.coupon_id, times_used__gt=0).update(times_used=F("times_used") - 1)
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at"])
    return order


@transaction.atomic
def order_ship(*, order: Order) -> Order:
    order = _lock(order)
    if order.status != OrderStatus.PAID:
        raise ValidationError({"status": [f"Only a paid order can ship; {order.number} is {order.status}."]})
    order.status = OrderStatus.SHIPPED
    order.shipped_at = timezone.now()
    order.save(update_fields=["status", "shipped_at"])
    return order


@transaction.atomic
def order_refund(
    *,
    order: Order,
    lines: dict[int, int] | None = None,
    restock: bool = True,
    reason: str,
    by=None,
    refunded_at: datetime.datetime | None = None,
) -> Refund:
    """Refund some units of some lines (``{line_id: quantity}``), or everything not yet refunded (``lines=None``).

    Money: a line's share of the order's total (after discount, with tax); the last units of a line take exactly
    what is left of it, so the refunds of an order always add up to its total. Volume leaves the order's own period;
    if that period is closed, a ClawbackFlag tells the plan engine to claw back later."""
    order = _lock(order)
    if order.status not in REFUNDABLE_STATUSES:
        raise ValidationError({"status": [f"Order {order.number} is {order.status}; only paid orders are refunded."]})
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Say why the order is refunded."]})
    order_lines = {line.pk: line for line in order.lines.select_related("product").select_for_update()}
    wanted = (
        {pk: line.quantity - line.refunded_quantity for pk, line in order_lines.items()} if lines is None else lines
    )
    wanted = {pk: qty for pk, qty in wanted.items() if qty}
    errors = []
    for pk, qty in wanted.items():
        line = order_lines.get(pk)
        if line is None:
            errors.append(f"Line {pk} is not on order {order.number}.")
        elif qty < 0 or qty > line.quantity - line.refunded_quantity:
            errors.append(f"{line.sku}: at most {line.quantity - line.refunded_quantity} can be refunded.")
    if not wanted and not errors:
        errors.append("Nothing left to refund.")
    if errors:
        raise ValidationError({"lines": errors})

    refund = Refund.objects.create(
        order=order, restocked=restock, reason=reason.strip(), created_by=by, created_at=refunded_at or timezone.now()
    )
    amount = pv = cv = retail = distributor = ZERO
    for pk, qty in sorted(wanted.items()):
        line = order_lines[pk]
        already = line.refund_lines.aggregate(s=Coalesce(Sum("amount"), ZERO))["s"]
        if line.refunded_quantity + qty == line.quantity:
            line_amount = line.line_total - already
        else:
            line_amount = q2(line.line_total * qty / line.quantity)
        RefundLine.objects.create(refund=refund, line=line, quantity=qty, amount=line_amount)
        OrderLine.objects.filter(pk=pk).update(refunded_quantity=F("refunded_quantity") + qty)
        amount += line_amount
        pv += q2(line.unit_pv * qty)
        cv += q2(line.unit_cv * qty)
        retail += q2(line.unit_retail * qty)
        distributor += q2(line.unit_distributor * qty)
        if restock and line.product.track_inventory:
            _stock_change(
                product=line.product,
                warehouse=order.warehouse,
                quantity=qty,
                kind=MovementKind.RETURN,
                order=order,
                note=f"Refund {refund.pk}",
                by=by,
            )
    refund.amount, refund.pv, refund.cv = amount, pv, cv
    order.refunded_amount += amount
    order.refunded_pv += pv
    order.refunded_cv += cv
    order.refunded_retail += retail
    order.refunded_distributor += distributor
    fully = not order.lines.filter(refunded_quantity__lt=F("quantity")).exists()
    order.status = OrderStatus.REFUNDED if fully else OrderStatus.PARTIALLY_REFUNDED
    order.save(
        update_fields=[
            "refunded_amount",
            "refunded_pv",
            "refunded_cv",
            "refunded_retail",
            "refunded_distributor",
            "status",
        ]
    )
    volume_recompute(member_id=order.credited_member_id, period_start=order.period_start)
    if CommissionPeriodClose.objects.filter(period_start=order.period_start).exists():
        ClawbackFlag.objects.create(
            order=order,
            refund=refund,
            member_id=order.credited_member_id,
            period_start=order.period_start,
            pv=pv,
            cv=cv,
            amount=amount,
            created_at=refund.created_at,
        )
    event_emit(
        event="order.refunded",
        payload=lambda: {
            **order_payload(order),
            "refund": {
                "id": refund.pk,
                "amount": refund.amount,
                "pv": refund.pv,
                "cv": refund.cv,
                "reason": refund.reason,
            },
        },
    )
    card = order.payments.filter(method=PaymentMethod.STRIPE, status=PaymentStatus.SUCCEEDED).first()
    if card is not None and amount > 0:
        # Last, so a refusal by Stripe rolls the whole refund back: nothing half-done.
        refund.stripe_refund_id = stripe_gateway.refund_create(
            api_key=commerce_settings_get().stripe_secret_key,
            payment_intent_id=card.stripe_payment_intent_id,
            amount_minor=to_minor_units(amount),
            metadata={"order_number": str(order.number), "refund": str(refund.pk)},
        )
    refund.save(update_fields=["amount", "pv", "cv", "stripe_refund_id"])
    return refund


# ---------------------------------------------------------------------------------------------------- volume


def _volume_aggregates():
    personal = Q(buyer_member_id=F("credited_member_id"))
    net_pv = F("pv_total") - F("refunded_pv")
    return {
        "pv": Coalesce(Sum(net_pv, filter=personal), ZERO),
        "psv": Coalesce(Sum(net_pv), ZERO),
        "cv": Coalesce(Sum(F("cv_total") - F("refunded_cv")), ZERO),
    }


@transaction.atomic
def volume_recompute(*, member_id: int, period_start: datetime.date) -> MemberVolume:
    """Rebuild one member-period from its orders (never incremented: it cannot drift from the orders)."""
    totals = Order.objects.filter(
        credited_member_id=member_id, period_start=period_start, status__in=VOLUME_STATUSES
    ).aggregate(**_volume_aggregates())
    volume, _ = MemberVolume.objects.update_or_create(member_id=member_id, period_start=period_start, defaults=totals)
    return volume


@transaction.atomic
def volume_recompute_period(*, period_start: datetime.date) -> int:
    """Rebuild every member's row of a period in one statement (after an import, or a change of period length)."""
    statuses = list(VOLUME_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {MemberVolume._meta.db_table} (member_id, period_start, pv, psv, cv, updated_at)
            SELECT credited_member_id, period_start,
                   COALESCE(SUM(pv_total - refunded_pv) FILTER (WHERE buyer_member_id = credited_member_id), 0),
                   SUM(pv_total - refunded_pv), SUM(cv_total - refunded_cv), now()
              FROM {Order._meta.db_table}
             WHERE period_start = %s AND status = ANY(%s)
             GROUP BY credited_member_id, period_start
            ON CONFLICT (member_id, period_start)
            DO UPDATE SET pv = EXCLUDED.pv, psv = EXCLUDED.psv, cv = EXCLUDED.cv, updated_at = EXCLUDED.updated_at
            """,
            [period_start, statuses],
        )
        written = cursor.rowcount
        cursor.execute(
            f"""
            UPDATE {MemberVolume._meta.db_table} v SET pv = 0, psv = 0, cv = 0, updated_at = now()
             WHERE v.period_start = %s AND NOT EXISTS (
                   SELECT 1 FROM {Order._meta.db_table} o WHERE o.credited_member_id = v.member_id
                      AND o.period_start = v.period_start AND o.status = ANY(%s))
            """,
            [period_start, statuses],
        )
    return written


@transaction.atomic
def commission_period_close(*, period_start: datetime.date, note: str = "") -> CommissionPeriodClose:
    """Called by the plan engine when it posts a period: later refunds of its orders are flagged for clawback."""
    close, _ = CommissionPeriodClose.objects.get_or_create(
        period_start=period_start, defaults={"closed_at": timezone.now(), "note": note}
    )
    return close


@transaction.atomic
def clawback_flag_resolve(*, flag: ClawbackFlag, resolution: str) -> ClawbackFlag:
    flag.resolved_at = timezone.now()
    flag.resolution = resolution
    flag.save(update_fields=["resolved_at", "resolution"])
    return flag


# ---------------------------------------------------------------------------------------------------- parties


@transaction.atomic
def party_create(
    *, consultant: Member, name: str, host_name: str, held_on: datetime.date, host_email: str = "", host_customer=None
) -> Party:
    if consultant.status != MemberStatus.ACTIVE:
        raise ValidationError({"consultant": [f"#{consultant.number} is not active and cannot hold a party."]})
    if not host_name.strip():
        raise ValidationError({"host_name": ["This field is required."]})
    return Party.objects.create(
        consultant=consultant,
        name=name.strip() or f"Party of {host_name}",
        host_name=host_name.strip(),
        host_email=host_email,
        host_customer=host_customer,
        held_on=held_on,
    )


def party_guest_order_place(*, party: Party, guest_name: str, lines: list[LineRequest], by=None, **kwargs) -> Order:
    """A guest buys at retail; the sale is credited to the consultant (PSV, not PV). Pay it with order_pay_offline."""
    if not guest_name.strip():
        raise ValidationError({"guest_name": ["Name the guest."]})
    return order_place(
        lines=lines, placed_by=PlacedBy.PARTY, party=party, buyer_name=guest_name.strip(), created_by=by, **kwargs
    )


@transaction.atomic
def party_close(*, party: Party) -> Party:
    party.status = PartyStatus.CLOSED
    party.save(update_fields=["status"])
    return party
