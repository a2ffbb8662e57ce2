"""order_quote without a database: the arithmetic of an order (tier prices, agreed prices, coupon spread, per-line tax,
volume ignoring the coupon), exact to the cent."""

from decimal import Decimal

import pytest

from core.commerce.pricing import CouponTerms, QuoteLine, allocate, order_quote, q2, tax_part

D = Decimal

SHAKE = QuoteLine(
    sku="SHAKE",
    quantity=2,
    retail_price=D("49.99"),
    distributor_price=D("39.99"),
    preferred_price=D("44.99"),
    pv=D("30.00"),
    cv=D("25.00"),
)
BAR = QuoteLine(sku="BAR", quantity=1, retail_price=D("20.00"), distributor_price=D("15.00"), pv=D("10.00"))
BOOK = QuoteLine(sku="BOOK", quantity=3, retail_price=D("10.00"), distributor_price=D("8.00"), taxable=False)


@pytest.mark.parametrize(
    ("tier", "unit"),
    [
        pytest.param("retail", D("49.99"), id="retail"),
        pytest.param("preferred", D("44.99"), id="preferred"),
        pytest.param("distributor", D("39.99"), id="distributor"),
    ],
)
def test_the_tier_chooses_the_unit_price(tier, unit):
    quote = order_quote(lines=[SHAKE], tier=tier, coupon=None, tax_rate=D("0"))

    assert quote.lines[0].unit_price == unit
    assert quote.subtotal == unit * 2
    assert quote.total == unit * 2


def test_preferred_falls_back_to_retail_without_a_preferred_price():
    quote = order_quote(lines=[BAR], tier="preferred", coupon=None, tax_rate=D("0"))

    assert quote.lines[0].unit_price == D("20.00")


def test_an_agreed_price_overrides_the_tier_and_is_rounded_half_up():
    line = QuoteLine(
        sku="BAR", quantity=3, retail_price=D("20.00"), distributor_price=D("15.00"), agreed_price=D("9.995")
    )

    quote = order_quote(lines=[line], tier="distributor", coupon=None, tax_rate=D("0"))

    assert quote.lines[0].unit_price == D("10.00")
    assert quote.subtotal == D("30.00")


def test_percent_coupon_is_spread_by_subtotal_and_tax_is_per_taxable_line():
    # retail: SHAKE 2 x 49.99 = 99.98, BAR 20.00, BOOK 3 x 10.00 = 30.00 (untaxed); subtotal 149.98.
    # 10 % off = 15.00 (14.998 rounded), spread 99.98/149.98, 20/149.98, last line takes the rest:
    # SHAKE 10.00 (9.9986), BAR 2.00 (1.9997), BOOK 15.00 - 12.00 = 3.00.
    # Tax 8.25 %: SHAKE (99.98 - 10.00) x 0.0825 = 7.42335 -> 7.42; BAR 18.00 x 0.0825 = 1.485 -> 1.49; BOOK none.
    quote = order_quote(
        lines=[SHAKE, BAR, BOOK],
        tier="retail",
        coupon=CouponTerms(kind="percent", value=D("10")),
        tax_rate=D("0.0825"),
    )

    assert [(line.subtotal, line.discount, line.tax, line.total) for line in quote.lines] == [
        (D("99.98"), D("10.00"), D("7.42"), D("97.40")),
        (D("20.00"), D("2.00"), D("1.49"), D("19.49")),
        (D("30.00"), D("3.00"), D("0.00"), D("27.00")),
    ]
    assert (quote.subtotal, quote.discount, quote.tax, quote.total) == (
        D("149.98"),
        D("15.00"),
        D("8.91"),
        D("143.89"),
    )
    assert quote.tax_rate == D("0.0825")


def test_a_fixed_coupon_never_takes_more_than_the_subtotal():
    quote = order_quote(lines=[BAR], tier="retail", coupon=CouponTerms(kind="amount", value=D("25")), tax_rate=D("0.1"))

    assert (quote.subtotal, quote.discount, quote.tax, quote.total) == (D("20.00"), D("20.00"), D("0.00"), D("0.00"))


def test_volume_and_catalogue_values_ignore_the_coupon_and_the_tier():
    quote = order_quote(
        lines=[SHAKE, BAR], tier="distributor", coupon=CouponTerms(kind="percent", value=D("50")), tax_rate=D("0")
    )

    assert quote.pv_total == D("70.00")  # 2 x 30 + 10
    assert quote.cv_total == D("50.00")  # 2 x 25 + 0
    assert quote.retail_total == D("119.98")  # 2 x 49.99 + 20
    assert quote.distributor_total == D("94.98")  # 2 x 39.99 + 15


def test_allocation_always_adds_up_to_the_total():
    shares = allocate(D("10.00"), [D("1"), D("1"), D("1")])

    assert shares == [D("3.33"), D("3.33"), D("3.34")]
    assert sum(shares) == D("10.00")


def test_q2_rounds_half_up_not_to_even():
    assert q2(D("0.125")) == D("0.13")
    assert q2(D("0.135")) == D("0.14")


def test_prices_that_include_vat_have_the_tax_taken_out_per_line_after_the_coupon():
    """Spain, 21 % VAT included (docs/markets.md): A 2 x 29.95 = 59.90, B 1 x 12.10 = 12.10, subtotal 72.00; 10 % off
    = 7.20, spread 5.99 (59.90 / 72 x 7.20 = 5.99) and 1.21; nets 53.91 and 10.89. VAT inside: 53.91 x 0.21 / 1.21 =
    9.3562 -> 9.36; 10.89 x 0.21 / 1.21 = 1.89 exactly; tax 11.25, not added: total 72.00 - 7.20 + 4.95 shipping =
    69.75."""
    quote = order_quote(
        lines=[
            QuoteLine(sku="A", quantity=2, retail_price=Decimal("29.95"), distributor_price=Decimal("24.50")),
            QuoteLine(sku="B", quantity=1, retail_price=Decimal("12.10"), distributor_price=Decimal("9.68")),
        ],
        tier="retail",
        coupon=CouponTerms(kind="percent", value=Decimal("10")),
        tax_rate=Decimal("0.21"),
        shipping=Decimal("4.95"),
        tax_included=True,
    )
    assert [(line.discount, line.tax, line.total) for line in quote.lines] == [
        (Decimal("5.99"), Decimal("9.36"), Decimal("53.91")),
        (Decimal("1.21"), Decimal("1.89"), Decimal("10.89")),
    ]
    assert (quote.subtotal, quote.discount, quote.tax, quote.total, quote.tax_included) == (
        Decimal("72.00"),
        Decimal("7.20"),
        Decimal("11.25"),
        Decimal("69.75"),
        True,
    )


@pytest.mark.parametrize(
    ("net", "included", "expected"),
    [
        (Decimal("89.85"), True, Decimal("15.59")),  # 15.5938 down
        (Decimal("24.50"), True, Decimal("4.25")),  # 4.2520 down
        (Decimal("1.15"), True, Decimal("0.20")),  # 0.19958 up
        (Decimal("99.98"), False, Decimal("8.25")),  # 8.2484 (x 0.0825) up
    ],
    ids=["ES cart", "ES autoship", "ES small line rounds up", "TX added"],
)
def test_the_tax_part_rounds_half_up_to_the_cent(net, included, expected):
    rate = Decimal("0.21") if included else Decimal("0.0825")
    assert tax_part(net, rate, included=included) == expected
