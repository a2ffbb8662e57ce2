"""Placing an order, and the states it goes through before payment: place -> (pay: payments) -> ship; a pending
order can be cancelled (stock and coupon released). Refunds are in refunds.

order_place reads as validate -> quote -> persist: `_draft_checked` turns the request into an OrderDraft (who is
credited, at which tier, which products) or one ValidationError naming every bad field; `_quote_for` prices it with
the pure core.commerce.pricing.order_quote; `_order_persist` writes the order, its lines, the coupon use and the stock
movements. Who is credited follows from the buyer: a distributor's own order credits them, a customer's their
distributor, a party guest's the consultant."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import User
from core.commerce.addresses import Address, address_errors
from core.commerce.models import (
    Autoship,
    Coupon,
    CouponKind,
    MovementKind,
    Order,
    OrderLine,
    OrderStatus,
    Party,
    PartyStatus,
    PlacedBy,
    PriceTier,
    Product,
    ProductStatus,
    ShippingMethod,
    Warehouse,
)
from core.commerce.pricing import CouponTerms, Quote, order_quote, q2
from core.commerce.selectors.shipping import shipping_methods_for
from core.commerce.services.catalogue import (
    TierPrices,
    customer_price_tier,
    member_price_tier,
    quote_line_for,
    tier_prices_in,
)
from core.commerce.services.coupons import coupon_for_order
from core.commerce.services.stock import stock_move, warehouse_default
from core.commerce.services.tax import tax_rate_for
from core.company.models import Market
from core.company.services import company_settings_get
from core.members.models import Customer, Member, MemberStatus
from core.webhooks.services import event_emit


@dataclass(frozen=True)
class LineRequest:
    sku: str
    quantity: int
    unit_price: Decimal | None = None  # a price agreed elsewhere (a partner's sale); None: the tier's price


@dataclass(frozen=True)
class OrderDraft:
    """An order request that passed validation. `items`: (product, quantity, agreed price or None) per SKU, in the
    order the SKUs first appeared (quantities of a repeated SKU added up)."""

    credited_member: Member
    price_tier: str
    items: tuple[tuple[Product, int, Decimal | None], ...]
    market: Market | None = None  # the market the order is placed in: its prices, currency and tax rule
    prices: dict[int, TierPrices] = field(default_factory=dict)  # by product id, in the market's currency

    @property
    def currency(self) -> str:
        return self.market.currency if self.market is not None else company_settings_get().currency

    @property
    def tax_included(self) -> bool:
        return self.market is not None and self.market.prices_include_tax


BUYERS_MARKET: Literal["buyer"] = "buyer"


def order_number_next() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('commerce_order_number_seq')")
        return cursor.fetchone()[0]


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
    created_by: User | None = None,
    placed_at: datetime.datetime | None = None,
    external_ref: str | None = None,
    autoship: Autoship | None = None,
    take_stock: bool = True,
    destination: Destination | None = None,
    market: Market | None | Literal["buyer"] = BUYERS_MARKET,
) -> Order:
    """Price an order for its buyer and take its stock (validate -> quote -> persist). A ``destination`` (the shop's
    checkout) brings the addresses and the shipping method; it replaces ``ship_country`` and ``ship_region``. The
    order is placed in ``market`` (a shop visitor's), by default the buyer's: its price list, currency and tax rule."""
    now = placed_at or timezone.now()
    chosen = order_market(
        market=market, buyer_member=buyer_member, buyer_customer=buyer_customer, credited=credited_member, party=party
    )
    errors = destination_errors(destination, market=chosen) if destination is not None else {}
    try:
        draft = _draft_checked(
            lines=lines,
            placed_by=placed_by,
            buyer_member=buyer_member,
            buyer_customer=buyer_customer,
            credited_member=credited_member,
            party=party,
            price_tier=price_tier,
            market=chosen,
        )
    except ValidationError as exc:
        raise ValidationError({**errors, **exc.message_dict}) from None
    if errors:
        raise ValidationError(errors)
    buyer = buyer_member or buyer_customer
    if destination is not None:
        ship_country, ship_region = destination.ship.country, destination.ship.region
    country = (ship_country if ship_country is not None else getattr(buyer, "country", "")) or ""
    region = (ship_region if ship_region is not None else getattr(buyer, "region", "")) or ""
    shipping = destination.method.fee if destination is not None else ZERO_MONEY
    quote, coupon = _quote_for(
        draft, coupon_code=coupon_code, country=country, region=region, now=now, shipping=shipping
    )
    _refuse_overflow(quote)
    order = Order.objects.create(
        number=order_number_next(),
        placed_by=placed_by,
        buyer_member=buyer_member,
        buyer_customer=buyer_customer,
        buyer_name=buyer_name,
        credited_member=draft.credited_member,
        party=party,
        price_tier=draft.price_tier,
        currency=draft.currency,
        market=draft.market,
        tax_included=quote.tax_included,
        subtotal=quote.subtotal,
        discount=quote.discount,
        tax=quote.tax,
        total=quote.total,
        tax_rate=quote.tax_rate,
        shipping=quote.shipping,
        pv_total=quote.pv_total,
        cv_total=quote.cv_total,
        retail_total=quote.retail_total,
        distributor_total=quote.distributor_total,
        coupon=coupon,
        ship_country=country.upper(),
        ship_region=region,
        warehouse=warehouse or warehouse_default(),
        placed_at=now,
        created_by=created_by,
        external_ref=external_ref,
        autoship=autoship,
        **(destination.as_fields() if destination is not None else {}),
    )
    _order_persist(order=order, draft=draft, quote=quote, coupon=coupon, take_stock=take_stock, by=created_by)
    return order


ZERO_MONEY = Decimal("0.00")


def order_market(
    *,
    market: Market | None | Literal["buyer"],
    buyer_member: Member | None,
    buyer_customer: Customer | None,
    credited: Member | None,
    party: Party | None,
) -> Market | None:
    """The market an order is placed in: the one given (a shop visitor's choice), else the buyer's, else (a party
    guest, an imported sale) the market of the member credited with it."""
    if market != BUYERS_MARKET:
        return market
    person = buyer_member or buyer_customer or (party.consultant if party is not None else credited)
    return person.market if person is not None else None


@dataclass(frozen=True)
class Destination:
    """Where a shop order goes and how: the shipping address (its country and region decide the tax), the billing
    address (a copy of the shipping address when the buyer says "same as shipping") and the shipping method."""

    ship: Address
    bill: Address
    method: ShippingMethod

    def as_fields(self) -> dict[str, str | Decimal]:
        """The order's address and method columns (ship_country and ship_region are set with the tax)."""
        ship = {k: v for k, v in self.ship.as_fields("ship").items() if k not in ("ship_country", "ship_region")}
        return {
            **ship,
            **self.bill.as_fields("bill"),
            "shipping_method": self.method.name,
        }


def destination_errors(destination: Destination, *, market: Market | None = None) -> dict[str, list[str]]:
    """The addresses' problems by field, a shipping country outside the order's market, and a method that is not
    offered for the shipping country in that market."""
    errors = {
        **address_errors(destination.ship, prefix="ship"),
        **address_errors(destination.bill, prefix="bill"),
    }
    if "ship_country" not in errors and market is not None and destination.ship.country not in market.countries:
        errors["ship_country"] = [
            gettext("The %(market)s market ships to %(countries)s only.")
            % {"market": market.name, "countries": ", ".join(market.countries)}
        ]
    offered = {m.pk for m in shipping_methods_for(country=destination.ship.country, market=market)}
    if "ship_country" not in errors and destination.method.pk not in offered:
        errors["shipping_method"] = [gettext("This shipping method is not offered for the shipping country.")]
    return errors


@transaction.atomic  # the coupon is read under lock, as when the order is placed; nothing is written
def order_quote_preview(
    *,
    lines: list[LineRequest],
    placed_by: str,
    buyer_member: Member | None,
    buyer_customer: Customer | None,
    credited_member: Member | None,
    coupon_code: str,
    destination: Destination,
    market: Market | None | Literal["buyer"] = BUYERS_MARKET,
) -> Quote:
    """What ``order_place`` would charge for this order now (same checks, same quote), without placing it."""
    chosen = order_market(
        market=market, buyer_member=buyer_member, buyer_customer=buyer_customer, credited=credited_member, party=None
    )
    draft = _draft_checked(
        lines=lines,
        placed_by=placed_by,
        buyer_member=buyer_member,
        buyer_customer=buyer_customer,
        credited_member=credited_member,
        party=None,
        price_tier=None,
        market=chosen,
    )
    quote, _coupon = _quote_for(
        draft,
        coupon_code=coupon_code,
        country=destination.ship.country,
        region=destination.ship.region,
        now=timezone.now(),
        shipping=destination.method.fee,
    )
    return quote


def _draft_checked(
    *,
    lines: list[LineRequest],
    placed_by: str,
    buyer_member: Member | None,
    buyer_customer: Customer | None,
    credited_member: Member | None,
    party: Party | None,
    price_tier: str | None,
    market: Market | None = None,
) -> OrderDraft:
    """Every check an order request must pass, all reported at once (a 400 naming each bad field)."""
    errors: dict[str, list[str]] = {}
    if placed_by not in PlacedBy.values:
        errors["placed_by"] = [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(PlacedBy.values)}]
    if buyer_member is not None and buyer_customer is not None:
        errors["buyer"] = [gettext("An order has one buyer: a distributor or a customer, not both.")]
    if party is not None:
        if party.status != PartyStatus.OPEN:
            errors["party"] = [gettext("This party is closed.")]
        credited_member = party.consultant
    elif buyer_member is not None:
        credited_member = buyer_member
    elif buyer_customer is not None:
        credited_member = buyer_customer.distributor
    if credited_member is None:
        errors["buyer"] = [gettext("Say who buys (a distributor or a customer) or whom the sale is credited to.")]
    elif credited_member.status == MemberStatus.TERMINATED and placed_by != PlacedBy.IMPORT:
        errors["buyer"] = [
            gettext("#%(number)s is terminated and cannot be credited with new orders.")
            % {"number": credited_member.number}
        ]
    if buyer_member is not None and buyer_member.access_restricted and placed_by == PlacedBy.DISTRIBUTOR:
        errors["buyer"] = [gettext("This back office is restricted; pay the back-office subscription to order again.")]
    if price_tier is None:
        price_tier = _tier_of(buyer_member, buyer_customer)
    elif price_tier not in PriceTier.values:
        errors["price_tier"] = [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(PriceTier.values)}]
    items = _items_checked(lines, errors)
    prices = tier_prices_in(market=market, products=[product for product, _qty, _price in items])
    missing = [product.sku for product, _qty, _price in items if product.pk not in prices]
    if missing and market is not None:
        errors.setdefault("lines", []).extend(
            gettext("%(sku)s is not sold in the %(market)s market.") % {"sku": sku, "market": market.name}
            for sku in missing
        )
    if errors:
        raise ValidationError(errors)
    assert credited_member is not None  # an error above otherwise
    return OrderDraft(credited_member=credited_member, price_tier=price_tier, items=items, market=market, prices=prices)


def _tier_of(buyer_member: Member | None, buyer_customer: Customer | None) -> str:
    if buyer_member is not None:
        return member_price_tier(buyer_member)
    if buyer_customer is not None:
        return customer_price_tier(buyer_customer)
    return PriceTier.RETAIL


def _items_checked(
    lines: list[LineRequest], errors: dict[str, list[str]]
) -> tuple[tuple[Product, int, Decimal | None], ...]:
    """Merge the lines per SKU and find their products; problems go into `errors` under "lines"."""
    if not lines:
        errors["lines"] = [gettext("An order needs at least one line.")]
    quantities: dict[str, int] = defaultdict(int)
    agreed: dict[str, Decimal] = {}
    for i, line in enumerate(lines):
        if not isinstance(line.quantity, int) or line.quantity < 1:
            errors.setdefault("lines", []).append(
                gettext("Line %(i)s: the quantity must be a whole number of at least 1.") % {"i": i + 1}
            )
        else:
            quantities[line.sku.strip().upper()] += line.quantity
            if line.unit_price is not None:
                agreed[line.sku.strip().upper()] = q2(line.unit_price)
    products = {p.sku.upper(): p for p in Product.objects.annotate(u=Upper("sku")).filter(u__in=list(quantities))}
    for sku in quantities:
        product = products.get(sku)
        if product is None:
            errors.setdefault("lines", []).append(gettext("There is no product with SKU '%(sku)s'.") % {"sku": sku})
        elif product.status != ProductStatus.ACTIVE:
            errors.setdefault("lines", []).append(
                gettext("%(sku)s is retired and can no longer be ordered.") % {"sku": product.sku}
            )
    if errors.get("lines"):
        return ()
    return tuple((products[sku], qty, agreed.get(sku)) for sku, qty in quantities.items())


AMOUNT_MAX = Decimal("999999999999.99")  # numeric(14, 2), every amount column of an order


def _refuse_overflow(quote: Quote) -> None:
    """An order whose amounts do not fit their columns is a 400 on its lines, never a database error."""
    totals = (quote.subtotal, quote.total, quote.pv_total, quote.cv_total, quote.retail_total, quote.distributor_total)
    if any(abs(amount) > AMOUNT_MAX for amount in totals):
        raise ValidationError(
            {
                "lines": [
                    gettext("The order comes to more than %(amount_max)s: split it.")
                    % {"amount_max": format(AMOUNT_MAX, ",")}
                ]
            }
        )


def _quote_for(
    draft: OrderDraft,
    *,
    coupon_code: str,
    country: str,
    region: str,
    now: datetime.datetime,
    shipping: Decimal = ZERO_MONEY,
) -> tuple[Quote, Coupon | None]:
    """The tax rate of the destination, the coupon (checked against the subtotal before discount, and locked), and
    the pure quote."""
    rate = tax_rate_for(country=country, region=region)
    lines = [
        quote_line_for(product=p, quantity=qty, agreed_price=price, prices=draft.prices.get(p.pk))
        for p, qty, price in draft.items
    ]
    coupon = None
    if coupon_code.strip():
        subtotal = order_quote(lines=lines, tier=draft.price_tier, coupon=None, tax_rate=rate).subtotal
        coupon = coupon_for_order(code=coupon_code, subtotal=subtotal, now=now)
        _coupon_currency_check(coupon, draft.currency)
    terms = CouponTerms(kind=coupon.kind, value=coupon.value) if coupon is not None else None
    quote = order_quote(
        lines=lines,
        tier=draft.price_tier,
        coupon=terms,
        tax_rate=rate,
        shipping=shipping,
        tax_included=draft.tax_included,
    )
    return quote, coupon


def _coupon_currency_check(coupon: Coupon, currency: str) -> None:
    """A coupon's fixed amounts (an amount off, a minimum subtotal) are in the company's base currency: such a coupon
    applies to orders in that currency only. A percentage off with no minimum applies in every market."""
    base = company_settings_get().currency
    has_amounts = coupon.kind == CouponKind.AMOUNT or coupon.min_subtotal > 0
    if has_amounts and currency != base:
        raise ValidationError(
            {
                "coupon_code": [
                    gettext("This coupon is in %(base)s and does not apply to orders in %(currency)s.")
                    % {"base": base, "currency": currency}
                ]
            }
        )


def _order_persist(
    *, order: Order, draft: OrderDraft, quote: Quote, coupon: Coupon | None, take_stock: bool, by: User | None
) -> None:
    """The order's lines (a snapshot of the catalogue), the coupon's use, the stock taken, and the webhook event."""
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=p,
            sku=p.sku,
            name=p.name,
            quantity=qty,
            unit_price=line.unit_price,
            unit_pv=p.pv,
            unit_cv=p.cv,
            unit_retail=draft.prices[p.pk].retail if p.pk in draft.prices else p.retail_price,
            unit_distributor=draft.prices[p.pk].distributor if p.pk in draft.prices else p.distributor_price,
            taxable=p.taxable,
            line_subtotal=line.subtotal,
            line_discount=line.discount,
            line_tax=line.tax,
            line_total=line.total,
        )
        for (p, qty, _), line in zip(draft.items, quote.lines, strict=True)
    )
    if coupon is not None:
        Coupon.objects.filter(pk=coupon.pk).update(times_used=F("times_used") + 1)
    if take_stock:
        for product, qty, _ in sorted(draft.items, key=lambda item: item[0].pk):  # fixed lock order
            if product.track_inventory:
                stock_move(
                    product=product,
                    warehouse=order_warehouse(order),
                    quantity=-qty,
                    kind=MovementKind.SALE,
                    order=order,
                    by=by,
                )
    event_emit(event="order.created", payload=lambda: order_payload(order))


def order_warehouse(order: Order) -> Warehouse:
    """Where an order's goods leave from and come back to: its own warehouse (`order_place` always records one); the
    column allows none, and such an order uses the default warehouse."""
    return order.warehouse or warehouse_default()


def order_period(order: Order) -> datetime.date:
    """The commission period a paid order's volume counts in (paying sets it; an unpaid order has none)."""
    if order.period_start is None:
        raise ValidationError(
            {
                "period_start": [
                    gettext("Order %(number)s is not paid: it has no commission period.") % {"number": order.number}
                ]
            }
        )
    return order.period_start


def order_payload(order: Order) -> dict:
    """What a company's webhook receivers get about an order (numbers, not internal ids)."""
    numbers: dict[int | None, int] = dict(
        Member.objects.filter(pk__in={order.buyer_member_id, order.credited_member_id}).values_list("pk", "number")
    )
    return {
        "number": order.number,
        "status": order.status,
        "placed_by": order.placed_by,
        "price_tier": order.price_tier,
        "buyer_member_number": numbers.get(order.buyer_member_id),
        "buyer_customer_number": order.buyer_customer.number if order.buyer_customer else None,
        "buyer_name": order.buyer_name,
        "credited_member_number": numbers.get(order.credited_member_id),
        "party_id": order.party_id,
        "currency": order.currency,
        "market": order.market.code if order.market is not None else None,
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


def order_lock(order: Order) -> Order:
    """The order re-read under its row lock: every change of an order's state goes through it."""
    return Order.objects.select_for_update().get(pk=order.pk)


@transaction.atomic
def order_cancel(*, order: Order, by: User | None = None, reason: str = "") -> Order:
    """Only a pending order can be cancelled; a paid one is refunded. Stock and the coupon use are released."""
    order = order_lock(order)
    if order.status != OrderStatus.PENDING:
        raise ValidationError(
            {
                "status": [
                    gettext("Only a pending order can be cancelled; %(number)s is %(status)s.")
                    % {"number": order.number, "status": order.status}
                ]
            }
        )
    for line in order.lines.select_related("product").order_by("product_id"):
        if (
            line.product.track_inventory
            and order.movements.filter(product=line.product, kind=MovementKind.SALE).exists()
        ):
            stock_move(
                product=line.product,
                warehouse=order_warehouse(order),
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
    order = order_lock(order)
    if order.status != OrderStatus.PAID:
        raise ValidationError(
            {
                "status": [
                    gettext("Only a paid order can ship; %(number)s is %(status)s.")
                    % {"number": order.number, "status": order.status}
                ]
            }
        )
    order.status = OrderStatus.SHIPPED
    order.shipped_at = timezone.now()
    order.save(update_fields=["status", "shipped_at"])
    return order
