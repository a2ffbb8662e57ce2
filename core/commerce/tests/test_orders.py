import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.commerce.models import (
    ClawbackFlag,
    Coupon,
    MemberVolume,
    MovementKind,
    OrderStatus,
    PlacedBy,
    PriceTier,
    StockLevel,
    StockMovement,
)
from core.commerce.selectors.volume import (
    orders_for_commissions,
    psv_by_member_between,
    pv_by_member_between,
    volume_by_member,
)
from core.commerce.services.catalogue import product_create, product_retire
from core.commerce.services.orders import LineRequest, order_cancel, order_place, order_ship
from core.commerce.services.payments import order_mark_paid, order_pay_offline
from core.commerce.services.refunds import order_refund
from core.commerce.services.volume import commission_period_close, volume_recompute_period

pytestmark = pytest.mark.django_db

JAN_10 = datetime.datetime(2026, 1, 10, 12, 0, tzinfo=datetime.UTC)
FEB_3 = datetime.datetime(2026, 2, 3, 12, 0, tzinfo=datetime.UTC)


def _own_order(member, **kwargs):
    return order_place(
        lines=[LineRequest("SHAKE", 2), LineRequest("book", 1)],
        placed_by=PlacedBy.DISTRIBUTOR,
        buyer_member=member,
        ship_country="US",
        ship_region="TX",
        **kwargs,
    )


def _on_hand(product):
    return StockLevel.objects.get(product=product).on_hand


def test_distributor_order_is_priced_at_distributor_price_with_regional_tax_and_snapshots(root, enroll, catalogue):
    dist = enroll(root)
    order = _own_order(dist)
    assert order.price_tier == PriceTier.DISTRIBUTOR
    assert order.credited_member == dist
    assert (order.subtotal, order.discount, order.tax, order.total) == (
        Decimal("94.98"),
        Decimal("0.00"),
        Decimal("6.60"),  # 79.98 × 8.25 % = 6.59835; the book is not taxable
        Decimal("101.58"),
    )
    assert order.tax_rate == Decimal("0.0825")
    assert (order.pv_total, order.cv_total) == (Decimal("80.00"), Decimal("80.00"))
    assert (order.retail_total, order.distributor_total) == (Decimal("119.98"), Decimal("94.98"))
    assert order.status == OrderStatus.PENDING
    shake_line = order.lines.get(sku="SHAKE")
    # A later price change never touches the line.
    catalogue["shake"].distributor_price = Decimal("1.00")
    catalogue["shake"].pv = Decimal("1")
    catalogue["shake"].save()
    shake_line.refresh_from_db()
    assert (shake_line.unit_price, shake_line.unit_pv, shake_line.unit_cv) == (
        Decimal("39.99"),
        Decimal("40.00"),
        Decimal("35.00"),
    )
    assert _on_hand(catalogue["shake"]) == 98


def test_suspended_preferred_pricing_buys_at_retail(root, enroll, catalogue):
    dist = enroll(root)
    dist.preferred_pricing_suspended = True
    dist.save()
    order = order_place(lines=[LineRequest("SHAKE", 1)], placed_by=PlacedBy.DISTRIBUTOR, buyer_member=dist)
    assert order.price_tier == PriceTier.RETAIL
    assert order.subtotal == Decimal("49.99")


@pytest.mark.parametrize(
    ("customer_type", "tier", "subtotal", "tax", "total"),
    [
        ("retail", PriceTier.RETAIL, "99.98", "5.00", "104.98"),  # 99.98 × 5 % = 4.999
        ("preferred", PriceTier.PREFERRED, "89.98", "4.50", "94.48"),  # 89.98 × 5 % = 4.499
    ],
    ids=["retail-customer", "preferred-customer"],
)
def test_customer_order_is_credited_to_their_distributor(
    root, enroll, make_customer, catalogue, customer_type, tier, subtotal, tax, total
):
    dist = enroll(root)
    customer = make_customer(dist, customer_type=customer_type)
    order = order_place(
        lines=[LineRequest("SHAKE", 2)],
        placed_by=PlacedBy.CUSTOMER,
        buyer_customer=customer,
        ship_country="US",
        ship_region="OH",  # no Ohio rate: the country's 5 %
    )
    assert order.credited_member == dist
    assert order.price_tier == tier
    assert (order.subtotal, order.tax, order.total) == (Decimal(subtotal), Decimal(tax), Decimal(total))


def test_tax_rounds_half_up(in_alpha, root, enroll, catalogue):
    product_create(sku="TIE", name="Tie", retail_price=Decimal("49.70"), distributor_price=Decimal("49.70"))
    order = order_place(
        lines=[LineRequest("TIE", 1)],
        placed_by=PlacedBy.DISTRIBUTOR,
        buyer_member=enroll(root),
        ship_country="US",
        ship_region="",
        take_stock=False,
    )
    assert order.tax == Decimal("2.49")  # 49.70 × 5 % = 2.485: half up, not to even


def test_percent_coupon_is_spread_over_lines_and_tax_follows(root, enroll, catalogue):
    Coupon.objects.create(code="TEN", kind="percent", value=Decimal("10"), max_uses=1)
    order = _own_order(enroll(root), coupon_code="ten")
    assert order.discount == Decimal("9.50")  # 10 % of 94.98 = 9.498
    shake, book = order.lines.get(sku="SHAKE"), order.lines.get(sku="BOOK")
    assert (shake.line_discount, book.line_discount) == (Decimal("8.00"), Decimal("1.50"))
    assert order.tax == Decimal("5.94")  # (79.98 - 8.00) × 8.25 % = 5.93835
    assert order.total == Decimal("91.42")
    assert order.pv_total == Decimal("80.00")  # coupons never reduce volume
    with pytest.raises(ValidationError) as used_up:
        _own_order(enroll(root), coupon_code="TEN")
    assert used_up.value.message_dict == {"coupon_code": ["The coupon 'TEN' has been used up."]}
    order_cancel(order=order)
    assert Coupon.objects.get(code="TEN").times_used == 0


def test_bad_lines_are_refused_naming_the_field(root, enroll, catalogue):
    dist = enroll(root)
    product_retire(product=catalogue["book"])
    with pytest.raises(ValidationError) as error:
        order_place(
            lines=[LineRequest("NOPE", 1), LineRequest("BOOK", 1), LineRequest("SHAKE", 0)],
            placed_by=PlacedBy.DISTRIBUTOR,
            buyer_member=dist,
        )
    assert error.value.message_dict == {
        "lines": [
            "Line 3: the quantity must be a whole number of at least 1.",
            "There is no product with SKU 'NOPE'.",
            "BOOK is retired and can no longer be ordered.",
        ]
    }


def test_stock_is_never_oversold_unless_backorder_is_allowed(root, enroll, catalogue):
    dist = enroll(root)
    with pytest.raises(ValidationError) as error:
        order_place(lines=[LineRequest("SHAKE", 101)], placed_by=PlacedBy.DISTRIBUTOR, buyer_member=dist)
    assert error.value.message_dict == {"lines": ["Only 100 of SHAKE in stock at MAIN."]}
    assert _on_hand(catalogue["shake"]) == 100
    catalogue["shake"].allow_backorder = True
    catalogue["shake"].save()
    order_place(lines=[LineRequest("SHAKE", 101)], placed_by=PlacedBy.DISTRIBUTOR, buyer_member=dist)
    assert _on_hand(catalogue["shake"]) == -1


def test_lifecycle_pending_paid_shipped_and_cancel_only_when_pending(root, enroll, catalogue):
    dist = enroll(root)
    order = _own_order(dist)
    order_pay_offline(order=order, method="cash", reference="receipt 7", paid_at=JAN_10)
    order.refresh_from_db()
    assert (order.status, order.paid_on, order.period_start) == (
        OrderStatus.PAID,
        datetime.date(2026, 1, 10),
        datetime.date(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        order_cancel(order=order)
    assert "Only a pending order can be cancelled" in error.value.message_dict["status"][0]
    assert order_ship(order=order).status == OrderStatus.SHIPPED

    pending = _own_order(dist)
    assert _on_hand(catalogue["shake"]) == 96
    order_cancel(order=pending, reason="changed mind")
    assert _on_hand(catalogue["shake"]) == 98
    assert StockMovement.objects.filter(order=pending, kind=MovementKind.RETURN).count() == 2


def test_volume_per_period_pv_psv_cv(root, enroll, make_customer, catalogue):
    dist = enroll(root)
    customer = make_customer(dist)
    own = _own_order(dist)
    order_mark_paid(order=own, paid_at=JAN_10)
    bought = order_place(lines=[LineRequest("SHAKE", 1)], placed_by=PlacedBy.CUSTOMER, buyer_customer=customer)
    order_mark_paid(order=bought, paid_at=JAN_10)
    later = order_place(lines=[LineRequest("SHAKE", 1)], placed_by=PlacedBy.DISTRIBUTOR, buyer_member=dist)
    order_mark_paid(order=later, paid_at=FEB_3)
    _own_order(dist)  # pending: no volume

    jan = MemberVolume.objects.get(member=dist, period_start=datetime.date(2026, 1, 1))
    assert (jan.pv, jan.psv, jan.cv) == (Decimal("80.00"), Decimal("120.00"), Decimal("115.00"))
    feb = MemberVolume.objects.get(member=dist, period_start=datetime.date(2026, 2, 1))
    assert (feb.pv, feb.psv, feb.cv) == (Decimal("40.00"), Decimal("40.00"), Decimal("35.00"))

    volumes = volume_by_member(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert {k: (v.pv, v.psv, v.cv) for k, v in volumes.items()} == {
        dist.pk: (Decimal("80.00"), Decimal("120.00"), Decimal("115.00"))
    }
    assert psv_by_member_between(datetime.date(2026, 1, 10), datetime.date(2026, 2, 3)) == {dist.pk: Decimal("160.00")}
    assert pv_by_member_between(datetime.date(2026, 1, 11), datetime.date(2026, 2, 3)) == {dist.pk: Decimal("40.00")}

    # The set-based rebuild agrees with the per-member one.
    MemberVolume.objects.all().delete()
    assert volume_recompute_period(period_start=datetime.date(2026, 1, 1)) == 1
    jan = MemberVolume.objects.get(member=dist, period_start=datetime.date(2026, 1, 1))
    assert (jan.pv, jan.psv, jan.cv) == (Decimal("80.00"), Decimal("120.00"), Decimal("115.00"))


def test_refunds_reverse_money_stock_and_volume_exactly(root, enroll, catalogue):
    dist = enroll(root)
    order = _own_order(dist)
    order_pay_offline(order=order, method="check", paid_at=JAN_10)
    shake = order.lines.get(sku="SHAKE")

    first = order_refund(order=order, lines={shake.pk: 1}, reason="damaged")
    assert (first.amount, first.pv, first.cv) == (Decimal("43.29"), Decimal("40.00"), Decimal("35.00"))
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert _on_hand(catalogue["shake"]) == 99
    jan = MemberVolume.objects.get(member=dist)
    assert (jan.pv, jan.psv, jan.cv) == (Decimal("40.00"), Decimal("40.00"), Decimal("45.00"))

    rest = order_refund(order=order, lines=None, restock=False, reason="returned the rest")
    assert rest.amount == Decimal("58.29")  # 86.58 - 43.29 for the shake, 15.00 for the book
    order.refresh_from_db()
    assert order.refunded_amount == order.total == Decimal("101.58")
    assert order.status == OrderStatus.REFUNDED
    assert _on_hand(catalogue["shake"]) == 99  # not restocked
    jan.refresh_from_db()
    assert (jan.pv, jan.psv, jan.cv) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    assert volume_by_member(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))[dist.pk].psv == Decimal("0.00")
    assert ClawbackFlag.objects.count() == 0

    with pytest.raises(ValidationError) as error:
        order_refund(order=order, lines=None, reason="again")
    assert "only paid orders are refunded" in error.value.message_dict["status"][0]


def test_refund_in_a_closed_period_is_flagged_for_clawback(root, enroll, catalogue):
    dist = enroll(root)
    order = _own_order(dist)
    order_mark_paid(order=order, paid_at=JAN_10)
    commission_period_close(period_start=datetime.date(2026, 1, 1))
    refund = order_refund(order=order, lines={order.lines.get(sku="BOOK").pk: 1}, reason="late return")
    flag = ClawbackFlag.objects.get()
    assert (flag.refund, flag.member, flag.period_start, flag.pv, flag.cv, flag.amount) == (
        refund,
        dist,
        datetime.date(2026, 1, 1),
        Decimal("0.00"),
        Decimal("10.00"),
        Decimal("15.00"),
    )


def test_orders_for_commissions_carry_net_retail_profit_figures(root, enroll, make_customer, catalogue):
    dist = enroll(root)
    customer = make_customer(dist)
    order = order_place(lines=[LineRequest("SHAKE", 3)], placed_by=PlacedBy.CUSTOMER, buyer_customer=customer)
    order_mark_paid(order=order, paid_at=JAN_10)
    order_refund(order=order, lines={order.lines.get().pk: 1}, reason="one back")
    (row,) = orders_for_commissions(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert row["credited_member_id"] == dist.pk
    assert (row["net_pv"], row["net_cv"], row["net_retail"], row["net_distributor"]) == (
        Decimal("80.00"),
        Decimal("70.00"),
        Decimal("99.98"),
        Decimal("79.98"),
    )
