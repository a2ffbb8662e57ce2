"""A market's price list (issue 19): a product's retail, distributor and preferred price in the market's currency,
set one product at a time or imported from a CSV file. A product with no price in a market is not sold there.
Orders copy their prices onto their lines, so a price change never alters a placed order."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from core.commerce.models import MarketPrice, Product, ProductStatus
from core.commerce.pricing import q2
from core.company.models import Market

PRICE_MAX = Decimal("999999999.99")
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 20_000
PRICE_COLUMNS = ("retail_price", "distributor_price", "preferred_price")


@dataclass(frozen=True)
class PriceEntry:
    """One product's prices as typed (text or Decimal); all three empty: not sold in the market."""

    retail_price: Decimal | str | None
    distributor_price: Decimal | str | None
    preferred_price: Decimal | str | None = None


def _amount(value: Decimal | str | None) -> Decimal | None:
    """An amount from a form, an API or a CSV cell; None when empty; ValueError when it is not an amount."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        message = _("'%(value)s' is not an amount (use a dot for decimals: 12.50).") % {"value": value}
        raise ValueError(message) from None
    if not amount.is_finite() or amount < 0 or amount > PRICE_MAX:
        raise ValueError(_("An amount from 0 to %(max)s.") % {"max": PRICE_MAX})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("At most two decimals."))
    return q2(amount)


def price_entry_errors(entry: PriceEntry) -> tuple[dict[str, str], dict[str, Decimal | None]]:
    """(errors by column, the amounts) of one product's prices: retail and distributor go together, preferred is
    optional (empty: preferred customers pay retail)."""
    errors: dict[str, str] = {}
    amounts: dict[str, Decimal | None] = {}
    for column in PRICE_COLUMNS:
        try:
            amounts[column] = _amount(getattr(entry, column))
        except ValueError as exc:
            errors[column] = str(exc)
    if not errors and any(v is not None for v in amounts.values()):
        for column in ("retail_price", "distributor_price"):
            if amounts[column] is None:
                errors[column] = _("This field is required when the product is sold in the market.")
    return errors, amounts


@transaction.atomic
def market_price_set(*, market: Market, product: Product, entry: PriceEntry) -> MarketPrice | None:
    """Set (or, all prices empty, remove) ``product``'s prices in ``market``. A ValidationError names each bad
    field."""
    errors, amounts = price_entry_errors(entry)
    if errors:
        raise ValidationError({column: [message] for column, message in errors.items()})
    return _apply(market, product, amounts)


def _apply(market: Market, product: Product, amounts: dict[str, Decimal | None]) -> MarketPrice | None:
    if all(v is None for v in amounts.values()):
        MarketPrice.objects.filter(market=market, product=product).delete()
        return None
    row, _created = MarketPrice.objects.update_or_create(market=market, product=product, defaults=amounts)
    return row


@transaction.atomic
def market_prices_save(*, market: Market, entries: dict[str, PriceEntry]) -> int:
    """Save a whole price list as typed in the console's table (SKU -> prices; all empty: not sold). All or nothing:
    a ValidationError keyed "SKU.column" names each bad cell. Returns how many products are sold in the market."""
    products = {p.sku: p for p in Product.objects.filter(sku__in=list(entries), status=ProductStatus.ACTIVE)}
    errors: dict[str, list[str]] = {}
    changes: list[tuple[Product, dict[str, Decimal | None]]] = []
    for sku, entry in entries.items():
        if sku not in products:
            errors[f"{sku}.sku"] = [_("No active product has the SKU %(sku)s.") % {"sku": sku}]
            continue
        problems, amounts = price_entry_errors(entry)
        errors.update({f"{sku}.{column}": [message] for column, message in problems.items()})
        changes.append((products[sku], amounts))
    if errors:
        raise ValidationError(errors)
    return sum(1 for product, amounts in changes if _apply(market, product, amounts) is not None)


@dataclass(frozen=True)
class PriceImport:
    set: int  # products given prices
    removed: int  # products taken off the market's list (all prices empty)


@transaction.atomic
def market_prices_import(*, market: Market, content: bytes) -> PriceImport:
    """Import a price list (CSV with a header: sku, retail_price, distributor_price, preferred_price; other columns
    such as name are ignored). All or nothing: every problem is reported as "Row N, column: ..." under ``file`` and
    nothing is written."""
    rows = _csv_rows(content)
    problems: list[str] = []
    skus = [(row.get("sku") or "").strip().upper() for _n, row in rows]
    products = {
        p.u: p for p in Product.objects.annotate(u=Upper("sku")).filter(u__in=skus, status=ProductStatus.ACTIVE)
    }
    seen: dict[str, int] = {}
    changes: list[tuple[Product, dict[str, Decimal | None]]] = []
    for (number, row), sku in zip(rows, skus, strict=True):
        if not sku:
            problems.append(_("Row %(row)d, sku: this field is required.") % {"row": number})
            continue
        if sku in seen:
            again = {"row": number, "sku": sku, "first": seen[sku]}
            problems.append(_("Row %(row)d, sku: %(sku)s is already on row %(first)d.") % again)
            continue
        seen[sku] = number
        product = products.get(sku)
        if product is None:
            problems.append(_("Row %(row)d, sku: no active product has the SKU %(sku)s.") % {"row": number, "sku": sku})
            continue
        errors, amounts = price_entry_errors(PriceEntry(**{c: row.get(c) for c in PRICE_COLUMNS}))
        problems.extend(
            _("Row %(row)d, %(column)s: %(message)s") % {"row": number, "column": column, "message": message}
            for column, message in errors.items()
        )
        changes.append((product, amounts))
    if problems:
        raise ValidationError({"file": problems})
    removed = sum(1 for product, amounts in changes if _apply(market, product, amounts) is None)
    return PriceImport(set=len(changes) - removed, removed=removed)


def _csv_rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, the row by column) of a UTF-8 CSV file with a header row."""
    if len(content) > CSV_MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than 2 MB.")]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("Save the file as UTF-8 CSV.")]}) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    missing = [column for column in ("sku", "retail_price", "distributor_price") if column not in header]
    if missing:
        raise ValidationError(
            {"file": [_("Row 1: the header lacks the columns %(columns)s.") % {"columns": ", ".join(missing)}]}
        )
    reader.fieldnames = header
    rows = [(number, row) for number, row in enumerate(reader, start=2)]
    if len(rows) > CSV_MAX_ROWS:
        raise ValidationError({"file": [_("At most %(n)d rows per file.") % {"n": CSV_MAX_ROWS}]})
    if not rows:
        raise ValidationError({"file": [_("The file has no rows under its header.")]})
    return rows
