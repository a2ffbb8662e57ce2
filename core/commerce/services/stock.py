"""Writes on stock: warehouses and the movement ledger. Every change of a level is one StockMovement row plus an F()
update of the level under its row lock (stock_move), so the ledger always explains the level."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from core.accounts.models import User
from core.commerce.models import MovementKind, Order, Product, StockLevel, StockMovement, Warehouse


def warehouse_default() -> Warehouse:
    warehouse = Warehouse.objects.filter(is_active=True).order_by("id").first()
    if warehouse is None:
        warehouse = Warehouse.objects.create(code="MAIN", name="Main warehouse")
    return warehouse


@transaction.atomic
def warehouse_create(*, code: str, name: str, country: str = "") -> Warehouse:
    code = (code or "").strip().upper()
    errors = {}
    if not code:
        errors["code"] = [gettext("This field is required.")]
    elif Warehouse.objects.filter(code__iexact=code).exists():
        errors["code"] = [gettext("The code '%(code)s' is taken.") % {"code": code}]
    if not (name or "").strip():
        errors["name"] = [gettext("This field is required.")]
    if errors:
        raise ValidationError(errors)
    return Warehouse.objects.create(code=code, name=name.strip(), country=(country or "").upper())


@transaction.atomic
def warehouse_update(
    *, warehouse: Warehouse, name: str | None = None, country: str | None = None, is_active: bool | None = None
) -> Warehouse:
    """Warehouses are never deleted (the ledger points at them); an inactive one takes no new orders."""
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": [gettext("This field is required.")]})
        warehouse.name = name.strip()
    if country is not None:
        warehouse.country = country.upper()
    if is_active is not None:
        warehouse.is_active = is_active
    warehouse.save()
    return warehouse


ON_HAND_MIN, ON_HAND_MAX = -(2**31), 2**31 - 1  # StockLevel.on_hand is a 32-bit integer column


def stock_move(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    kind: str,
    order: Order | None = None,
    note: str = "",
    by: User | None = None,
    check: bool = True,
) -> StockMovement:
    """One ledger row and the matching change of the level, under a row lock (no read-modify-write race)."""
    level, _ = StockLevel.objects.get_or_create(product=product, warehouse=warehouse)
    level = StockLevel.objects.select_for_update().get(pk=level.pk)
    if check and quantity < 0 and level.on_hand + quantity < 0 and not product.allow_backorder:
        raise ValidationError(
            {
                "lines": [
                    gettext("Only %(count)s of %(sku)s in stock at %(code)s.")
                    % {"count": max(level.on_hand, 0), "sku": product.sku, "code": warehouse.code}
                ]
            }
        )
    if not ON_HAND_MIN <= level.on_hand + quantity <= ON_HAND_MAX:
        raise ValidationError(
            {
                "quantity": [
                    gettext("%(sku)s at %(code)s would hold %(on_hand)s: out of range.")
                    % {"sku": product.sku, "code": warehouse.code, "on_hand": level.on_hand + quantity}
                ]
            }
        )
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
    return StockMovement.objects.create(
        product=product, warehouse=warehouse, kind=kind, quantity=quantity, order=order, note=note, created_by=by
    )


@transaction.atomic
def stock_receive(
    *, product: Product, warehouse: Warehouse, quantity: int, note: str = "", by: User | None = None
) -> StockMovement:
    if quantity <= 0:
        raise ValidationError({"quantity": [gettext("A receipt must be a positive quantity.")]})
    return stock_move(
        product=product, warehouse=warehouse, quantity=quantity, kind=MovementKind.RECEIPT, note=note, by=by
    )


@transaction.atomic
def stock_adjust(
    *, product: Product, warehouse: Warehouse, quantity: int, note: str, by: User | None = None
) -> StockMovement:
    """A count correction (signed). The reason is required: the ledger must explain every change."""
    if quantity == 0:
        raise ValidationError({"quantity": [gettext("An adjustment of 0 changes nothing.")]})
    if not note.strip():
        raise ValidationError({"note": [gettext("Say why the stock is adjusted.")]})
    return stock_move(
        product=product,
        warehouse=warehouse,
        quantity=quantity,
        kind=MovementKind.ADJUSTMENT,
        note=note,
        by=by,
        check=False,
    )


@transaction.atomic
def stock_transfer(
    *,
    product: Product,
    source: Warehouse,
    destination: Warehouse,
    quantity: int,
    note: str = "",
    by: User | None = None,
) -> tuple[StockMovement, StockMovement]:
    if quantity <= 0:
        raise ValidationError({"quantity": [gettext("A transfer must be a positive quantity.")]})
    if source.pk == destination.pk:
        raise ValidationError({"destination": [gettext("Choose a different warehouse.")]})
    first, second = sorted([source, destination], key=lambda w: w.pk)  # lock in a fixed order: no deadlock
    for warehouse in (first, second):
        StockLevel.objects.get_or_create(product=product, warehouse=warehouse)
    out = stock_move(
        product=product, warehouse=source, quantity=-quantity, kind=MovementKind.TRANSFER, note=note, by=by
    )
    into = stock_move(
        product=product, warehouse=destination, quantity=quantity, kind=MovementKind.TRANSFER, note=note, by=by
    )
    return out, into
