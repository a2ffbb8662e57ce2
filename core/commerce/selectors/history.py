"""Historic orders export: every paid order as rows of the history import's CSV (core.commerce.history_import), so a
company's sales history can be read by people and re-imported into another company (with the same members, customers
and SKUs there).

One row per order line, in the import's columns. What the import's format cannot hold is left out on purpose:
- orders never paid (pending, cancelled): the import only knows paid and refunded orders;
- party-guest orders (no member or customer buyer): the import needs a buyer number;
- discounts and tax: unit_price is the line's unit price, as the import keeps prices "as paid";
- partial refunds: a partially refunded order is exported as paid with the quantities not refunded (lines refunded
  in full are left out), so its volume matches what still counts.
order_ref is the old system's ref for orders that came from a history import, else the order's external_ref, else
its number.
"""

from __future__ import annotations

from collections.abc import Iterator

from config.replica import reads_from_replica
from core.commerce.models import OrderLine, OrderStatus
from core.commerce.services.history import COLUMNS, REF_PREFIX
from core.csv_safe import csv_writer

EXPORTED_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.PARTIALLY_REFUNDED,
    OrderStatus.REFUNDED,
)
ITERATOR_CHUNK = 5_000  # lines fetched per round trip: memory stays flat whatever the history size


class _Echo:
    """A file-like object whose write returns the line: csv.writer makes text that is yielded, never buffered."""

    def write(self, value: str) -> str:
        return value


@reads_from_replica
def orders_history_export_rows() -> Iterator[str]:
    """The header, then one CSV line per exported order line, oldest order first."""
    writer = csv_writer(_Echo())
    yield writer.writerow(COLUMNS)
    lines = (
        OrderLine.objects.filter(
            order__status__in=EXPORTED_STATUSES,
            order__paid_on__isnull=False,
        )
        .exclude(order__buyer_member__isnull=True, order__buyer_customer__isnull=True)
        .order_by("order__paid_on", "order__number", "id")
        .values_list(
            "order__number",
            "order__external_ref",
            "order__paid_on",
            "order__status",
            "order__buyer_member__number",
            "order__buyer_customer__number",
            "order__credited_member__number",
            "sku",
            "quantity",
            "refunded_quantity",
            "unit_price",
            "unit_pv",
            "unit_cv",
        )
    )
    for (
        number,
        external_ref,
        paid_on,
        status,
        member_number,
        customer_number,
        credited_number,
        sku,
        quantity,
        refunded_quantity,
        unit_price,
        unit_pv,
        unit_cv,
    ) in lines.iterator(chunk_size=ITERATOR_CHUNK):
        if status == OrderStatus.PARTIALLY_REFUNDED:
            quantity -= refunded_quantity
            if quantity <= 0:
                continue
        yield writer.writerow(
            [
                _order_ref(number, external_ref),
                paid_on.isoformat(),  # type: ignore[union-attr]  # the query keeps only orders with paid_on set
                member_number or "",
                customer_number or "",
                credited_number,
                sku,
                quantity,
                unit_price,
                unit_pv,
                unit_cv,
                OrderStatus.REFUNDED if status == OrderStatus.REFUNDED else OrderStatus.PAID,
            ]
        )


def _order_ref(number: int, external_ref: str | None) -> str:
    if not external_ref:
        return str(number)
    return external_ref.removeprefix(REF_PREFIX)
