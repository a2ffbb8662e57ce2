"""A partner's monthly sales CSV (seed 002: "a monthly CSV file from third party, provided to you for upload and
post"), posted as paid orders credited to members.

Columns (header row required, any order): external_id, sale_date (YYYY-MM-DD), member_number, sku, quantity,
unit_price, and optionally buyer_name. One row is one order of one product, paid to the partner on sale_date.
Every row is validated first; one bad row rejects the file and nothing is posted (the errors name row and column).
A row whose (partner, external_id) was imported before is skipped, so re-importing a file never double counts; and a
file already posted (the same SHA-256, under any partner name) is refused unless the upload confirms it, so the same
sales are not posted twice under a second partner name. Every attempt, refused or posted, keeps its record."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core.accounts.models import User
from core.commerce.models import (
    ImportStatus,
    Order,
    Payment,
    PaymentMethod,
    PaymentStatus,
    PlacedBy,
    PriceTier,
    Product,
    ProductStatus,
    SalesImport,
)
from core.commerce.pricing import q2
from core.commerce.services.orders import LineRequest, order_period, order_place
from core.commerce.services.payments import order_mark_paid
from core.commerce.services.volume import volume_recompute_period
from core.company.services import company_settings_get
from core.members.models import Member

REQUIRED = ("external_id", "sale_date", "member_number", "sku", "quantity", "unit_price")
BIGINT_MAX = 2**63 - 1
QUANTITY_MAX = 10_000  # units on one row, as on one order line through the API
PRICE_MAX = Decimal("999999999999.99")  # numeric(14, 2)
EARLIEST_SALE = datetime.date(2000, 1, 1)
LATEST_SALE = datetime.date(2100, 12, 31)
REF_MAX = 200  # Order.external_ref: "<partner>:<external_id>"
BUYER_NAME_MAX = 200  # Order.buyer_name


class _RowRefused(Exception):
    """A row the order service refused while posting: the whole file is rolled back and the row named."""

    def __init__(self, errors: list[dict]):
        self.errors = errors


def _external_ref(partner: str, external_id: str) -> str:
    return f"{partner}:{external_id}"


def _validate(rows: list[dict], partner: str) -> tuple[list[dict], list[dict]]:
    """Parsed rows and errors [{row, field, message}] (row 2 is the first data row, as in a spreadsheet)."""
    errors: list[dict] = []
    members = {
        str(m.number): m
        for m in Member.objects.filter(number__in=[r["member_number"] for r in rows if _is_number(r["member_number"])])
    }
    products = {p.sku.upper(): p for p in Product.objects.all()}
    seen: set[str] = set()
    parsed = []
    for index, row in enumerate(rows, start=2):

        def bad(field: str, message: str, index=index) -> None:
            errors.append({"row": index, "field": field, "message": message})

        external_id = row["external_id"]
        if not external_id:
            bad("external_id", "Required.")
        elif len(_external_ref(partner, external_id)) > REF_MAX:
            bad("external_id", f"Longer than {REF_MAX - len(partner) - 1} characters.")
        elif external_id in seen:
            bad("external_id", f"'{external_id}' appears twice in this file.")
        seen.add(external_id)
        sale_date, problem = _sale_date(row["sale_date"])
        if problem:
            bad("sale_date", problem)
        member = members.get(row["member_number"])
        if member is None:
            bad("member_number", f"No member number '{row['member_number']}'.")
        product = products.get(row["sku"].upper())
        if product is None:
            bad("sku", f"No product with SKU '{row['sku']}'.")
        elif product.status != ProductStatus.ACTIVE:
            bad("sku", f"{product.sku} is retired and can no longer be sold.")
        quantity, problem = _quantity(row["quantity"])
        if problem:
            bad("quantity", problem)
        unit_price, problem = _unit_price(row["unit_price"])
        if problem:
            bad("unit_price", problem)
        if len(row.get("buyer_name", "")) > BUYER_NAME_MAX:
            bad("buyer_name", f"Longer than {BUYER_NAME_MAX} characters.")
        parsed.append(
            {
                "row": index,
                "ref": _external_ref(partner, external_id),
                "sale_date": sale_date,
                "member": member,
                "product": product,
                "quantity": quantity,
                "unit_price": unit_price,
                "buyer_name": row.get("buyer_name", ""),
            }
        )
    return parsed, errors


def _sale_date(raw: str) -> tuple[datetime.date | None, str | None]:
    try:
        sale_date = datetime.date.fromisoformat(raw)
    except ValueError:
        return None, f"'{raw}' is not a date (YYYY-MM-DD)."
    if not EARLIEST_SALE <= sale_date <= LATEST_SALE:
        return None, f"'{raw}' is not between {EARLIEST_SALE} and {LATEST_SALE}."
    return sale_date, None


def _quantity(raw: str) -> tuple[int | None, str | None]:
    try:
        quantity = int(raw)
    except ValueError:
        quantity = 0
    if quantity < 1:
        return None, f"'{raw}' is not a whole number of at least 1."
    if quantity > QUANTITY_MAX:
        return None, f"'{raw}' is more than {QUANTITY_MAX} units on one row."
    return quantity, None


def _unit_price(raw: str) -> tuple[Decimal | None, str | None]:
    try:
        unit_price = Decimal(raw)
        if unit_price < 0 or unit_price > PRICE_MAX or unit_price != q2(unit_price):
            raise InvalidOperation
    except InvalidOperation:
        return None, f"'{raw}' is not an amount with at most 2 decimals."
    return unit_price, None


def _is_number(value: str) -> bool:
    return value.isdigit() and len(value) <= 19 and int(value) <= BIGINT_MAX


def sales_import(
    *, partner: str, file_name: str, content: bytes, by: User | None = None, confirm_duplicate: bool = False
) -> SalesImport:
    """Validate and post a partner's CSV. Returns the import record: posted, or rejected with errors naming row and
    column (``duplicate_of`` set when the same file was posted before and the upload did not confirm it)."""
    sha = hashlib.sha256(content).hexdigest()
    record = SalesImport(partner=partner, file_name=file_name[:200], sha256=sha, imported_by=by)
    with transaction.atomic():
        _lock_file(sha)
        return _import(record, content=content, confirm_duplicate=confirm_duplicate)


def _lock_file(sha: str) -> None:
    """One upload of a given file at a time (until commit), so two concurrent uploads cannot both pass the check
    for an earlier import of it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"sales_import:{sha}"])


def _import(record: SalesImport, *, content: bytes, confirm_duplicate: bool) -> SalesImport:
    partner = record.partner
    earlier = SalesImport.objects.filter(sha256=record.sha256, status=ImportStatus.POSTED).order_by("id").first()
    if earlier is not None and not confirm_duplicate:
        record.duplicate_of = earlier
        message = (
            f"This file was posted before: import {earlier.pk} ({earlier.partner}, {earlier.file_name}, "
            f"{earlier.imported_at:%Y-%m-%d}). Upload it with confirm_duplicate=true to import it again."
        )
        return _rejected(record, [{"row": 0, "field": "file", "message": message}])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _rejected(record, [{"row": 0, "field": "file", "message": "The file is not UTF-8 text."}])
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return _rejected(record, [{"row": 1, "field": c, "message": "Missing column."} for c in missing])
    rows = [{k.strip().lower(): (v or "").strip() for k, v in raw.items() if k} for raw in reader]
    record.rows = len(rows)
    parsed, errors = _validate(rows, partner)
    if errors:
        return _rejected(record, errors)
    try:
        with transaction.atomic():
            _post(record, parsed)
    except _RowRefused as refused:
        record.posted = record.skipped = 0
        return _rejected(record, refused.errors)
    return record


def _post(record: SalesImport, parsed: list[dict]) -> None:
    """Post every new row (inside the caller's savepoint: one refused row rolls every order back)."""
    partner, file_name, by = record.partner, record.file_name, record.imported_by
    done = set(Order.objects.filter(external_ref__in=[p["ref"] for p in parsed]).values_list("external_ref", flat=True))
    zone = ZoneInfo(company_settings_get().timezone)
    periods: set[datetime.date] = set()
    for row in parsed:
        if row["ref"] in done:
            record.skipped += 1
            continue
        try:
            order = order_place(
                lines=[LineRequest(row["product"].sku, row["quantity"], unit_price=row["unit_price"])],
                placed_by=PlacedBy.IMPORT,
                credited_member=row["member"],
                buyer_name=(row["buyer_name"] or partner)[:BUYER_NAME_MAX],
                price_tier=PriceTier.RETAIL,
                ship_country="",
                ship_region="",
                created_by=by,
                external_ref=row["ref"],
                take_stock=False,  # the partner ships
            )
        except ValidationError as refused:
            raise _RowRefused(_row_errors(row["row"], refused)) from None
        paid_at = datetime.datetime.combine(row["sale_date"], datetime.time(12), tzinfo=zone)
        order = order_mark_paid(order=order, paid_at=paid_at, recompute_volume=False)
        Payment.objects.create(
            order=order,
            method=PaymentMethod.EXTERNAL,
            status=PaymentStatus.SUCCEEDED,
            amount=order.total,
            reference=f"{partner} {file_name}",
            recorded_by=by,
        )
        periods.add(order_period(order))
        record.posted += 1
    for period_start in sorted(periods):
        volume_recompute_period(period_start=period_start)
    record.status = ImportStatus.POSTED
    record.save()


# order_place's field names -> the file's columns. Its "lines" problems left after the row checks are amounts
# beyond the columns (quantity times price).
_COLUMN_OF = {"lines": "quantity", "buyer": "member_number"}


def _row_errors(row: int, error: ValidationError) -> list[dict]:
    """The order service's refusal of one row, as row errors in the file's own column names."""
    if not hasattr(error, "error_dict"):
        return [{"row": row, "field": "sku", "message": message} for message in error.messages]
    return [
        {"row": row, "field": _COLUMN_OF.get(field, field), "message": message}
        for field, messages in error.message_dict.items()
        for message in messages
    ]


def _rejected(record: SalesImport, errors: list[dict]) -> SalesImport:
    record.status = ImportStatus.REJECTED
    record.errors = errors
    record.save()
    return record
