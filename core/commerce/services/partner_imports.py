"""A partner's monthly sales CSV (seed 002: "a monthly CSV file from third party, provided to you for upload and
post"), posted as paid orders credited to members.

Columns (header row required, any order): external_id, sale_date (YYYY-MM-DD), member_number, sku, quantity,
unit_price, and optionally buyer_name. One row is one order of one product, paid to the partner on sale_date.
Every row is validated first; one bad row rejects the file and nothing is posted (the errors name row and column).
A row whose (partner, external_id) was imported before is skipped, so re-importing a file never double counts."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import transaction

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
    SalesImport,
)
from core.commerce.pricing import q2
from core.commerce.services.orders import LineRequest, order_place
from core.commerce.services.payments import order_mark_paid
from core.commerce.services.volume import volume_recompute_period
from core.company.services import company_settings_get
from core.members.models import Member

REQUIRED = ("external_id", "sale_date", "member_number", "sku", "quantity", "unit_price")


def _external_ref(partner: str, external_id: str) -> str:
    return f"{partner}:{external_id}"


def _validate(rows: list[dict], partner: str) -> tuple[list[dict], list[dict]]:
    """Parsed rows and errors [{row, field, message}] (row 2 is the first data row, as in a spreadsheet)."""
    errors: list[dict] = []
    members = {
        str(m.number): m
        for m in Member.objects.filter(number__in=[r["member_number"] for r in rows if r["member_number"].isdigit()])
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
        elif external_id in seen:
            bad("external_id", f"'{external_id}' appears twice in this file.")
        seen.add(external_id)
        try:
            sale_date = datetime.date.fromisoformat(row["sale_date"])
        except ValueError:
            bad("sale_date", f"'{row['sale_date']}' is not a date (YYYY-MM-DD).")
            sale_date = None
        member = members.get(row["member_number"])
        if member is None:
            bad("member_number", f"No member number '{row['member_number']}'.")
        product = products.get(row["sku"].upper())
        if product is None:
            bad("sku", f"No product with SKU '{row['sku']}'.")
        try:
            quantity = int(row["quantity"])
            if quantity < 1:
                raise ValueError
        except ValueError:
            bad("quantity", f"'{row['quantity']}' is not a whole number of at least 1.")
            quantity = None
        try:
            unit_price = Decimal(row["unit_price"])
            if unit_price < 0 or unit_price != q2(unit_price):
                raise InvalidOperation
        except InvalidOperation:
            bad("unit_price", f"'{row['unit_price']}' is not an amount with at most 2 decimals.")
            unit_price = None
        parsed.append(
            {
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


def sales_import(*, partner: str, file_name: str, content: bytes, by: User | None = None) -> SalesImport:
    """Validate and post a partner's CSV. Returns the import record (status posted or rejected, with errors)."""
    sha = hashlib.sha256(content).hexdigest()
    record = SalesImport(partner=partner, file_name=file_name, sha256=sha, imported_by=by)
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
    with transaction.atomic():
        done = set(
            Order.objects.filter(external_ref__in=[p["ref"] for p in parsed]).values_list("external_ref", flat=True)
        )
        zone = ZoneInfo(company_settings_get().timezone)
        periods = set()
        for row in parsed:
            if row["ref"] in done:
                record.skipped += 1
                continue
            order = order_place(
                lines=[LineRequest(row["product"].sku, row["quantity"], unit_price=row["unit_price"])],
                placed_by=PlacedBy.IMPORT,
                credited_member=row["member"],
                buyer_name=row["buyer_name"] or partner,
                price_tier=PriceTier.RETAIL,
                ship_country="",
                ship_region="",
                created_by=by,
                external_ref=row["ref"],
                take_stock=False,  # the partner ships
            )
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
            periods.add(order.period_start)
            record.posted += 1
        for period_start in sorted(periods):
            volume_recompute_period(period_start=period_start)
        record.status = ImportStatus.POSTED
        record.save()
    return record


def _rejected(record: SalesImport, errors: list[dict]) -> SalesImport:
    record.status = ImportStatus.REJECTED
    record.errors = errors
    record.save()
    return record
