"""Historic orders import for a company migrating from another system: its past orders, as paid (or refunded)
orders on their own dates, so members' volume history (PV, PSV, CV per commission period) is there from day one.

Columns (header row required, any order): order_ref (the old system's order id; rows with the same order_ref are the
lines of one order), order_date (YYYY-MM-DD), buyer_member_number or buyer_customer_number (exactly one per order),
credited_member_number (optional: the buying member, or the customer's current distributor), sku, quantity,
unit_price, pv and cv per unit (optional: the product's current PV/CV), status (paid, the default, or refunded).

Like the members import (core.members.importing) it is all-or-nothing: every row is checked first and each problem is
reported with line, column and reason; only a file without problems is written, in one transaction, with COPY (no
per-order ORM call: 100k orders take seconds, not the minutes order_place would). Orders carry the external_ref
"history:<order_ref>", so re-importing a file skips the orders already there. Deliberately not done for history:
no stock is taken, no tax is added (the old system's prices are kept as paid), no webhooks are sent.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from config.tenancy import current_schema
from core.bulk import copy_escape, copy_rows, gc_paused, sequence_next_values
from core.commerce.models import (
    ZERO,
    CommissionPeriodClose,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    PlacedBy,
    PriceTier,
    Product,
    Refund,
    RefundLine,
)
from core.commerce.pricing import q2
from core.commerce.selectors.periods import company_date, period_start_for
from core.commerce.services.stock import warehouse_default
from core.commerce.services.volume import volume_recompute_period
from core.company.services import company_settings_get
from core.members.importing.common import BIGINT_MAX, ImportRejected, ImportReport, csv_rows, lines_read
from core.members.models import Customer, CustomerType, Member
from core.progress import ProgressFn, no_progress

COLUMNS = [
    "order_ref",
    "order_date",
    "buyer_member_number",
    "buyer_customer_number",
    "credited_member_number",
    "sku",
    "quantity",
    "unit_price",
    "pv",
    "cv",
    "status",
]
REQUIRED_COLUMNS = ["order_ref", "order_date", "sku", "quantity", "unit_price"]
BUYER_COLUMNS = ("buyer_member_number", "buyer_customer_number")
STATUSES = (OrderStatus.PAID, OrderStatus.REFUNDED)
REF_PREFIX = "history:"
_EXTERNAL_REF_LENGTH = Order._meta.get_field("external_ref").max_length
assert _EXTERNAL_REF_LENGTH is not None  # a CharField always has one
MAX_REF_LENGTH = _EXTERNAL_REF_LENGTH - len(REF_PREFIX)
MAX_AMOUNT = Decimal("1000000000000")  # money and volume columns hold 14 digits, 2 of them decimals
MAX_QUANTITY = 2**31 - 1
REFUND_REASON = "Refunded in the previous system (history import)."


@dataclass
class OrdersImportReport(ImportReport):
    """``rows``, ``created`` and ``skipped`` count CSV rows (rows = created + skipped); the orders they make up are
    counted separately."""

    skipped: int = 0
    orders_created: int = 0
    orders_skipped: int = 0


@dataclass(slots=True)
class _Line:
    product: tuple  # (id, sku, name, pv, cv, retail_price, distributor_price, taxable); sku and name as COPY text
    quantity: int
    unit_price: Decimal
    unit_pv: Decimal
    unit_cv: Decimal
    subtotal: Decimal = field(init=False)
    pv: Decimal = field(init=False)
    cv: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self.subtotal = q2(self.unit_price * self.quantity)
        self.pv = q2(self.unit_pv * self.quantity)
        self.cv = q2(self.unit_cv * self.quantity)


@dataclass(slots=True)
class _Order:
    ref: str
    line: int  # the order's first line in the file: order-level problems are reported there
    first: dict[str, str]  # the order-level cells of the first line, which every other line must repeat
    day: datetime.date | None
    buyer_member_number: int | None
    buyer_customer_number: int | None
    credited_number: int | None
    status: str
    rows: int = 0
    lines: list[_Line] = field(default_factory=list)
    buyer_member_id: int | None = None
    buyer_customer_id: int | None = None
    credited_id: int | None = None
    price_tier: str = PriceTier.RETAIL


ORDER_LEVEL = ("order_date", "buyer_member_number", "buyer_customer_number", "credited_member_number", "status")


def orders_history_import(*, text: Iterable[str], progress: ProgressFn | None = None) -> OrdersImportReport:
    """Validate the whole file, then write the orders not imported before in one transaction and rebuild the
    volume of the periods they fall in. Raises ImportRejected (nothing written) when any row is bad."""
    progress = progress or no_progress
    report = OrdersImportReport()
    with gc_paused():
        orders = _orders_checked(text, report, progress)
    if not report.ok:
        position = {name: i for i, name in enumerate(COLUMNS)}
        report.errors.sort(key=lambda e: (e.line, position.get(e.column.split(",")[0], -1)))
        raise ImportRejected(report)
    with transaction.atomic(), gc_paused():
        with connection.cursor() as cursor:
            # Two imports of the same file at once: the second waits and then finds every order already there.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{current_schema()}:order-history"])
        new = _not_imported_yet(orders, report)
        periods = sorted(_write(new, report, progress))
        for done, period_start in enumerate(periods, start=1):
            volume_recompute_period(period_start=period_start)
            progress("recomputing volume", done, len(periods))
    return report


# ---------------------------------------------------------------------------------------------------- checking


def _header_checked(header: list[str], report: OrdersImportReport) -> bool:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.add(1, ",".join(missing), "missing column(s) in the header")
    if not any(c in header for c in BUYER_COLUMNS):
        report.add(1, ",".join(BUYER_COLUMNS), "missing column: the file needs at least one of them")
    return report.ok


def _order_for_line(
    orders: dict[str, _Order], ref: str, line: int, cell: dict, today: datetime.date, report: OrdersImportReport
) -> _Order:
    """The order this line belongs to: a new one on its first line, else the one started earlier, whose order-level
    cells every later line must repeat."""
    order = orders.get(ref) if ref else None
    if order is None:
        order = _order_started(ref, line, cell, today, report)
        if ref:
            orders[ref] = order
        return order
    for column in ORDER_LEVEL:
        if cell.get(column, "") != order.first.get(column, ""):
            report.add(
                line,
                column,
                f"'{cell.get(column, '')}' differs from line {order.line} of order {ref} "
                f"('{order.first.get(column, '')}'): every line of an order repeats it",
            )
    return order


def _orders_checked(text: Iterable[str], report: OrdersImportReport, progress: ProgressFn) -> list[_Order]:
    reader = csv.reader(lines_read(text, report))
    rows = csv_rows(reader, report)
    header = [name.strip().lower() for name in next(rows, [])]
    if not _header_checked(header, report):
        return []
    index = {name: i for i, name in enumerate(header) if name in COLUMNS}
    products = {
        sku.upper(): (pk, copy_escape(sku), copy_escape(name), *rest)
        for pk, sku, name, *rest in Product.objects.values_list(
            "id", "sku", "name", "pv", "cv", "retail_price", "distributor_price", "taxable"
        )
    }
    today = company_date(timezone.now())
    orders: dict[str, _Order] = {}
    for raw in rows:
        if not any(cell.strip() for cell in raw):
            continue  # a blank line
        line = reader.line_num
        report.rows += 1
        cell = {name: (raw[i].strip() if i < len(raw) else "") for name, i in index.items()}
        cell["status"] = cell.get("status", "").lower() or OrderStatus.PAID
        ref = cell["order_ref"]
        if not ref:
            report.add(line, "order_ref", "required")
        elif len(ref) > MAX_REF_LENGTH:
            report.add(line, "order_ref", f"longer than {MAX_REF_LENGTH} characters")
        order = _order_for_line(orders, ref, line, cell, today, report)
        order.rows += 1
        product = products.get(cell["sku"].upper())
        if not cell["sku"]:
            report.add(line, "sku", "required")
        elif product is None:
            report.add(line, "sku", f"no product with SKU '{cell['sku']}'")
        quantity = _quantity(cell["quantity"], line, report)
        unit_price = _amount(cell["unit_price"], line, "unit_price", report, required=True)
        unit_pv = _amount(cell.get("pv", ""), line, "pv", report)
        unit_cv = _amount(cell.get("cv", ""), line, "cv", report)
        if product is not None and quantity is not None and unit_price is not None:
            order.lines.append(
                _Line(
                    product=product,
                    quantity=quantity,
                    unit_price=unit_price,
                    unit_pv=product[3] if unit_pv is None else unit_pv,
                    unit_cv=product[4] if unit_cv is None else unit_cv,
                )
            )
        if report.rows % 50_000 == 0:
            progress("checking rows", report.rows, 0)  # total unknown while reading
    progress("checking rows", report.rows, report.rows)
    if report.rows == 0 and report.ok:
        report.add(2, "order_ref", "the file has no orders")
    _check_against_company(list(orders.values()), report)
    return list(orders.values())


def _order_started(ref: str, line: int, cell: dict, today: datetime.date, report: ImportReport) -> _Order:
    """An order from its first line: the order-level cells are checked here, once."""
    day = None
    if not cell["order_date"]:
        report.add(line, "order_date", "required")
    else:
        try:
            day = datetime.date.fromisoformat(cell["order_date"])
        except ValueError:
            report.add(line, "order_date", f"'{cell['order_date']}' is not a date (use YYYY-MM-DD)")
        else:
            if day > today:
                report.add(line, "order_date", f"{day} is in the future: only past orders can be imported")
    member_text, customer_text = cell.get("buyer_member_number", ""), cell.get("buyer_customer_number", "")
    if member_text and customer_text:
        report.add(line, "buyer_customer_number", "give buyer_member_number or buyer_customer_number, not both")
    elif not member_text and not customer_text:
        report.add(line, "buyer_member_number", "required: give buyer_member_number or buyer_customer_number")
    status = cell["status"]
    if status not in STATUSES:
        report.add(line, "status", f"'{status}' is not one of {', '.join(STATUSES)}")
    return _Order(
        ref=ref,
        line=line,
        first={column: cell.get(column, "") for column in ORDER_LEVEL},
        day=day,
        buyer_member_number=_number(member_text, line, "buyer_member_number", report),
        buyer_customer_number=_number(customer_text, line, "buyer_customer_number", report),
        credited_number=_number(cell.get("credited_member_number", ""), line, "credited_member_number", report),
        status=status,
    )


def _number(value: str, line: int, column: str, report: ImportReport) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        report.add(line, column, f"'{value}' is not a whole number")
        return None
    if len(value) > 19 or int(value) > BIGINT_MAX:
        report.add(line, column, f"'{value}' is larger than {BIGINT_MAX}")
        return None
    return int(value)


def _quantity(value: str, line: int, report: ImportReport) -> int | None:
    if not value:
        report.add(line, "quantity", "required")
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 10 or not 0 < int(value) <= MAX_QUANTITY:
        report.add(line, "quantity", f"'{value}' is not a whole number of at least 1")
        return None
    return int(value)


def _amount(value: str, line: int, column: str, report: ImportReport, required: bool = False) -> Decimal | None:
    """A non-negative amount with at most two decimals (money, PV or CV)."""
    if not value:
        if required:
            report.add(line, column, "required")
        return None
    try:
        amount = Decimal(value)
        if not amount.is_finite() or amount < 0 or amount != q2(amount) or amount >= MAX_AMOUNT:
            raise InvalidOperation
    except InvalidOperation:
        report.add(line, column, f"'{value}' is not an amount of at least 0 with at most 2 decimals")
        return None
    return q2(amount)


def _check_against_company(orders: list[_Order], report: ImportReport) -> None:
    """Buyers and credited members must exist in the company; totals must fit the columns; a new order may not
    fall in a period whose commissions were already paid (that would change paid volume behind the plan's back)."""
    closed = set(CommissionPeriodClose.objects.values_list("period_start", flat=True))
    if closed:
        period, imported = company_settings_get().commission_period, _imported_refs(orders)
        for order in orders:
            if order.day is not None and order.ref not in imported:
                period_start = period_start_for(order.day, period=period)
                if period_start in closed:
                    report.add(
                        order.line,
                        "order_date",
                        f"{order.day} is in the period of {period_start}, already closed for commissions",
                    )
    members = _ids(
        Member._meta.db_table,
        "number, id",
        {o.buyer_member_number for o in orders} | {o.credited_number for o in orders},
    )
    customers = _ids(
        Customer._meta.db_table,
        "number, id, distributor_id, customer_type",
        {o.buyer_customer_number for o in orders},
    )
    for order in orders:
        if order.buyer_member_number is not None:
            order.buyer_member_id = members.get(order.buyer_member_number)
            order.credited_id = order.buyer_member_id
            order.price_tier = PriceTier.DISTRIBUTOR
            if order.buyer_member_id is None:
                report.add(order.line, "buyer_member_number", f"no member {order.buyer_member_number} in this company")
        elif order.buyer_customer_number is not None:
            customer = customers.get(order.buyer_customer_number)
            if customer is None:
                report.add(
                    order.line, "buyer_customer_number", f"no customer {order.buyer_customer_number} in this company"
                )
            else:
                order.buyer_customer_id, order.credited_id, customer_type = customer
                order.price_tier = PriceTier.PREFERRED if customer_type == CustomerType.PREFERRED else PriceTier.RETAIL
        if order.credited_number is not None:
            order.credited_id = members.get(order.credited_number)
            if order.credited_id is None:
                report.add(order.line, "credited_member_number", f"no member {order.credited_number} in this company")
        for total, column in (
            (sum((line.subtotal for line in order.lines), ZERO), "unit_price"),
            (sum((line.pv for line in order.lines), ZERO), "pv"),
            (sum((line.cv for line in order.lines), ZERO), "cv"),
        ):
            if total >= MAX_AMOUNT:
                report.add(order.line, column, f"order {order.ref} adds up to {total}, more than the books can hold")


def _ids(table: str, columns: str, numbers: set[int | None]) -> dict:
    """number -> id (or the other columns, as a tuple): one query with an array parameter, whatever the file size."""
    given = [n for n in numbers if n is not None]
    if not given:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE number = ANY(%s::bigint[])", [given])
        return {row[0]: row[1] if len(row) == 2 else row[1:] for row in cursor.fetchall()}


# ---------------------------------------------------------------------------------------------------- writing


def _imported_refs(orders: list[_Order]) -> set[str]:
    """The order_refs of the file that an earlier import already wrote."""
    refs = [REF_PREFIX + order.ref for order in orders]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT external_ref FROM {Order._meta.db_table} WHERE external_ref = ANY(%s)", [refs])
        return {row[0][len(REF_PREFIX) :] for row in cursor.fetchall()}


def _not_imported_yet(orders: list[_Order], report: OrdersImportReport) -> list[_Order]:
    done = _imported_refs(orders)
    new = []
    for order in orders:
        if order.ref in done:
            report.orders_skipped += 1
            report.skipped += order.rows
        else:
            new.append(order)
    return new


def _write(orders: list[_Order], report: OrdersImportReport, progress: ProgressFn) -> set[datetime.date]:
    """COPY the orders with their lines, payments and (for refunded ones) refunds; returns the periods touched."""
    if not orders:
        return set()
    orders = sorted(orders, key=lambda order: (order.day, order.line))  # order numbers follow the order dates
    settings = company_settings_get()
    zone, period, currency = ZoneInfo(settings.timezone), settings.commission_period, settings.currency
    warehouse_id = warehouse_default().pk  # so a later refund with restock has a place to put the goods back
    line_count = sum(len(order.lines) for order in orders)
    refunded = [order for order in orders if order.status == OrderStatus.REFUNDED]
    order_ids = sequence_next_values(f"pg_get_serial_sequence('{Order._meta.db_table}', 'id')", len(orders))
    numbers = sequence_next_values("'commerce_order_number_seq'", len(orders))
    line_ids = iter(sequence_next_values(f"pg_get_serial_sequence('{OrderLine._meta.db_table}', 'id')", line_count))
    refund_ids = iter(sequence_next_values(f"pg_get_serial_sequence('{Refund._meta.db_table}', 'id')", len(refunded)))

    days: dict[datetime.date, tuple[str, str, datetime.date]] = {}  # day -> (paid_at, paid_on, period_start)
    order_rows, line_rows, payment_rows, refund_rows, refund_line_rows = [], [], [], [], []
    for order, order_id, number in zip(orders, order_ids, numbers, strict=True):
        day = order.day
        assert day is not None  # only a file without errors is written, and an order without a date is an error
        if day not in days:
            noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)
            days[day] = (noon.isoformat(), day.isoformat(), period_start_for(day, period=period))
        paid_at, paid_on, period_start = days[day]
        subtotal = pv_total = cv_total = retail_total = distributor_total = ZERO
        refund_id = next(refund_ids) if order.status == OrderStatus.REFUNDED else None
        ref = copy_escape(REF_PREFIX + order.ref)
        for line in order.lines:
            line_id = next(line_ids)
            product_id, sku, name, _, _, retail, distributor, taxable = line.product
            line_subtotal = line.subtotal
            subtotal += line_subtotal
            pv_total += line.pv
            cv_total += line.cv
            retail_total += q2(retail * line.quantity)
            distributor_total += q2(distributor * line.quantity)
            refunded_quantity = line.quantity if refund_id else 0
            line_rows.append(
                (line_id, order_id, product_id, sku, name, line.quantity, line.unit_price, line.unit_pv,
                 line.unit_cv, retail, distributor, taxable, line_subtotal, ZERO, ZERO, line_subtotal,
                 refunded_quantity)
            )  # fmt: skip
            if refund_id:
                refund_line_rows.append((refund_id, line_id, line.quantity, line_subtotal))
        refunds = (subtotal, pv_total, cv_total, retail_total, distributor_total) if refund_id else (ZERO,) * 5
        order_rows.append(
            (order_id, number, PlacedBy.IMPORT, order.buyer_member_id, order.buyer_customer_id, "",
             order.credited_id, None, order.price_tier, order.status, currency, subtotal, ZERO, ZERO, subtotal,
             ZERO, pv_total, cv_total, retail_total, distributor_total, *refunds, None, "", "", warehouse_id,
             paid_at, paid_at, paid_on, period_start, None, None, None, ref, None)
        )  # fmt: skip
        payment_rows.append(
            (order_id, PaymentMethod.EXTERNAL, PaymentStatus.SUCCEEDED, subtotal, ref, "", "",
             "", None, paid_at)
        )  # fmt: skip
        if refund_id:
            refund_rows.append((refund_id, order_id, subtotal, pv_total, cv_total, False, REFUND_REASON, "",
                                paid_at, None))  # fmt: skip

    _copy(Order, ORDER_COPY_COLUMNS, order_rows, progress, "writing orders")
    _copy(OrderLine, LINE_COPY_COLUMNS, line_rows, progress, "writing order lines")
    _copy(Payment, PAYMENT_COPY_COLUMNS, payment_rows, progress, "writing payments")
    if refund_rows:
        _copy(Refund, REFUND_COPY_COLUMNS, refund_rows, progress, "writing refunds")
        _copy(RefundLine, REFUND_LINE_COPY_COLUMNS, refund_line_rows, progress, "writing refund lines")
    report.orders_created = len(orders)
    report.created = sum(order.rows for order in orders)
    return {period_start for _, _, period_start in days.values()}


ORDER_COPY_COLUMNS = [
    "id", "number", "placed_by", "buyer_member_id", "buyer_customer_id", "buyer_name", "credited_member_id",
    "party_id", "price_tier", "status", "currency", "subtotal", "discount", "tax", "total", "tax_rate", "pv_total",
    "cv_total", "retail_total", "distributor_total", "refunded_amount", "refunded_pv", "refunded_cv",
    "refunded_retail", "refunded_distributor", "coupon_id", "ship_country", "ship_region", "warehouse_id",
    "placed_at", "paid_at", "paid_on", "period_start", "shipped_at", "cancelled_at", "created_by_id", "external_ref",
    "autoship_id",
]  # fmt: skip
LINE_COPY_COLUMNS = [
    "id", "order_id", "product_id", "sku", "name", "quantity", "unit_price", "unit_pv", "unit_cv", "unit_retail",
    "unit_distributor", "taxable", "line_subtotal", "line_discount", "line_tax", "line_total", "refunded_quantity",
]  # fmt: skip
PAYMENT_COPY_COLUMNS = [
    "order_id", "method", "status", "amount", "reference", "stripe_payment_intent_id", "failure_code",
    "failure_message", "recorded_by_id", "created_at",
]  # fmt: skip
REFUND_COPY_COLUMNS = [
    "id", "order_id", "amount", "pv", "cv", "restocked", "reason", "stripe_refund_id", "created_at", "created_by_id",
]  # fmt: skip
REFUND_LINE_COPY_COLUMNS = ["refund_id", "line_id", "quantity", "amount"]


def _copy(model, columns: list[str], rows: list[tuple], progress: ProgressFn, stage: str) -> None:
    copy_rows(model._meta.db_table, columns, rows, progress=progress, stage=stage, total=len(rows))
