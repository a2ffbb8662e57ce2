"""What an order costs, as a pure function: (lines, price tier, coupon, tax rate) -> Quote.

No ORM and no clock in here, so the arithmetic is tested without a database (core/commerce/tests/test_pricing.py)
and the order service only persists what the quote says. The rules:
* a line's unit price is the agreed price when one is given (a partner's sale), else the tier's price
  (distributor, preferred when the product has one, else retail); line subtotal = unit price x quantity;
* the coupon's discount (a percentage of the subtotal, or a fixed amount; never more than the subtotal) is spread
  over the lines in proportion to their subtotals, the last line taking the rounding remainder;
* tax = (line subtotal - line discount) x rate on taxable lines, rounded per line;
* in a market whose prices include the tax (EU VAT, ``tax_included``), the price already holds the tax: a taxable
  line's tax is the part of its net amount that is tax, (subtotal - discount) x rate / (1 + rate), rounded half up
  to the cent per line, and it is not added to the total (docs/markets.md);
* shipping is a flat fee added to the total, untaxed and never discounted;
* volume (PV, CV) and the retail and distributor value ignore the coupon (coupons reduce money, never volume).
Every amount is quantized to the cent, half up (`q2`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# The values of core.commerce.models.PriceTier and CouponKind (kept literal so this module imports no Django).
TIER_RETAIL, TIER_PREFERRED, TIER_DISTRIBUTOR = "retail", "preferred", "distributor"
COUPON_PERCENT = "percent"


def q2(value: Decimal | int | str) -> Decimal:
    """Money and volume: two places, half up (never banker's rounding)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal) -> int:
    return int((q2(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class QuoteLine:
    """One product on the order with what the catalogue says about it (quantities of the same SKU already merged)."""

    sku: str
    quantity: int
    retail_price: Decimal
    distributor_price: Decimal
    preferred_price: Decimal | None = None
    pv: Decimal = ZERO
    cv: Decimal = ZERO
    taxable: bool = True
    agreed_price: Decimal | None = None  # a price agreed elsewhere (a partner's sale) overrides the tier's


@dataclass(frozen=True)
class CouponTerms:
    kind: str  # "percent" or "amount"
    value: Decimal


@dataclass(frozen=True)
class QuotedLine:
    sku: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    tax_included: bool = False  # the tax is part of the price (not added on top)

    @property
    def total(self) -> Decimal:
        if self.tax_included:
            return self.subtotal - self.discount
        return self.subtotal - self.discount + self.tax


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuotedLine, ...]
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    tax_rate: Decimal
    shipping: Decimal
    pv_total: Decimal
    cv_total: Decimal
    retail_total: Decimal
    distributor_total: Decimal
    tax_included: bool = False


def unit_price(line: QuoteLine, tier: str) -> Decimal:
    if line.agreed_price is not None:
        return q2(line.agreed_price)
    if tier == TIER_DISTRIBUTOR:
        return line.distributor_price
    if tier == TIER_PREFERRED and line.preferred_price is not None:
        return line.preferred_price
    return line.retail_price


def discount_for(coupon: CouponTerms | None, subtotal: Decimal) -> Decimal:
    if coupon is None:
        return ZERO
    if coupon.kind == COUPON_PERCENT:
        return min(q2(subtotal * coupon.value / 100), subtotal)
    return min(q2(coupon.value), subtotal)


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` over lines in proportion to weights; the last line takes the rounding remainder (exact sum)."""
    whole = sum(weights, ZERO)
    if whole == 0 or total == 0:
        return [ZERO for _ in weights]
    shares = [q2(total * w / whole) for w in weights[:-1]]
    return [*shares, total - sum(shares, ZERO)]


def tax_part(net: Decimal, rate: Decimal, *, included: bool) -> Decimal:
    """The tax of a line's net amount (after its discount): added on top (``net x rate``) or, when prices include the
    tax, the part of ``net`` that is tax (``net x rate / (1 + rate)``); half up to the cent either way."""
    if included:
        return q2(net * rate / (1 + rate))
    return q2(net * rate)


def order_quote(
    *,
    lines: list[QuoteLine],
    tier: str,
    coupon: CouponTerms | None,
    tax_rate: Decimal,
    shipping: Decimal = ZERO,
    tax_included: bool = False,
) -> Quote:
    """Price the lines for the tier, take the coupon's discount off, add (or, ``tax_included``, take out of the
    prices) the tax and add the shipping fee (see the module's rules)."""
    shipping = q2(shipping)
    prices = [unit_price(line, tier) for line in lines]
    subtotals = [q2(price * line.quantity) for price, line in zip(prices, lines, strict=True)]
    subtotal = sum(subtotals, ZERO)
    discount = discount_for(coupon, subtotal)
    discounts = allocate(discount, subtotals)
    taxes = [
        tax_part(sub - disc, tax_rate, included=tax_included) if line.taxable else ZERO
        for line, sub, disc in zip(lines, subtotals, discounts, strict=True)
    ]
    tax = sum(taxes, ZERO)
    return Quote(
        lines=tuple(
            QuotedLine(
                sku=line.sku,
                quantity=line.quantity,
                unit_price=price,
                subtotal=sub,
                discount=disc,
                tax=t,
                tax_included=tax_included,
            )
            for line, price, sub, disc, t in zip(lines, prices, subtotals, discounts, taxes, strict=True)
        ),
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=subtotal - discount + (ZERO if tax_included else tax) + shipping,
        tax_rate=tax_rate,
        shipping=shipping,
        pv_total=sum((q2(line.pv * line.quantity) for line in lines), ZERO),
        cv_total=sum((q2(line.cv * line.quantity) for line in lines), ZERO),
        retail_total=sum((q2(line.retail_price * line.quantity) for line in lines), ZERO),
        distributor_total=sum((q2(line.distributor_price * line.quantity) for line in lines), ZERO),
        tax_included=tax_included,
    )
