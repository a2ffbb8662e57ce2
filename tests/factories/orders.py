"""Order factories: an order placed through ``order_place`` (priced, stock taken), and a paid one.

``OrderFactory(buyer_member=ann, lines=[("KIT", 2)])``: lines are (sku, quantity) pairs or ``LineRequest``s; the
products must exist (``tests.factories.catalogue``). A distributor's own order by default; pass ``placed_by`` and
``buyer_customer`` / ``party`` for the others. ``PaidOrderFactory(..., paid_at=moment)`` also marks it paid, which is
when its volume counts (in the period containing ``paid_at``)."""

from __future__ import annotations

import datetime

import factory

from core.commerce.models import Order, PlacedBy
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_mark_paid


def _line_requests(lines) -> list[LineRequest]:
    return [line if isinstance(line, LineRequest) else LineRequest(sku=line[0], quantity=line[1]) for line in lines]


class OrderFactory(factory.Factory):
    class Meta:
        model = Order

    lines = ()
    placed_by = PlacedBy.DISTRIBUTOR
    buyer_member = None

    @classmethod
    def _create(cls, model_class, *, lines, **kwargs) -> Order:
        return order_place(lines=_line_requests(lines), **kwargs)


class PaidOrderFactory(OrderFactory):
    paid_at = None  # None: now

    @classmethod
    def _create(cls, model_class, *, paid_at: datetime.datetime | None, **kwargs) -> Order:
        order = super()._create(model_class, **kwargs)
        return order_mark_paid(order=order, paid_at=paid_at)
