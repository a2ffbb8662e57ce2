"""Coupons: their rules, and the locked look-up an order makes when it uses one (so max_uses holds under
concurrency)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from core.commerce.models import Coupon, CouponKind

COUPON_EDITABLE = ("kind", "value", "is_active", "starts_at", "ends_at", "max_uses", "min_subtotal")


def _coupon_check(coupon: Coupon) -> None:
    errors = {}
    if coupon.kind not in CouponKind.values:
        errors["kind"] = [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(CouponKind.values)}]
    if coupon.value is None or Decimal(coupon.value) <= 0:
        errors["value"] = [gettext("Must be more than 0.")]
    elif coupon.kind == CouponKind.PERCENT and Decimal(coupon.value) > 100:
        errors["value"] = [gettext("A percentage cannot be more than 100.")]
    if coupon.starts_at and coupon.ends_at and coupon.ends_at <= coupon.starts_at:
        errors["ends_at"] = [gettext("Must be after starts_at.")]
    if coupon.min_subtotal is not None and Decimal(coupon.min_subtotal) < 0:
        errors["min_subtotal"] = [gettext("Must not be negative.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def coupon_create(*, code: str, kind: str, value: Decimal, **fields: object) -> Coupon:
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": [gettext("This field is required.")]})
    if Coupon.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": [gettext("The coupon code '%(code)s' is taken.") % {"code": code}]})
    coupon = Coupon(code=code, kind=kind, value=value, **{k: v for k, v in fields.items() if k in COUPON_EDITABLE})
    _coupon_check(coupon)
    coupon.save()
    return coupon


@transaction.atomic
def coupon_update(*, coupon: Coupon, **changes: object) -> Coupon:
    """The code is fixed (orders and printed flyers name it); everything else may change."""
    unknown = set(changes) - set(COUPON_EDITABLE)
    if unknown:
        raise ValidationError({name: [gettext("This field cannot be changed.")] for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(coupon, name, value)
    _coupon_check(coupon)
    coupon.save()
    return coupon


@transaction.atomic
def coupon_delete(*, coupon: Coupon) -> None:
    """Only a coupon no order used can go; a used one is deactivated instead."""
    if coupon.orders.exists():
        raise ValidationError(
            {"coupon": [gettext("'%(code)s' is on orders; deactivate it instead.") % {"code": coupon.code}]}
        )
    coupon.delete()


def coupon_for_order(*, code: str, subtotal: Decimal, now: datetime.datetime) -> Coupon:
    """The coupon an order uses, locked until the order's transaction ends (its use is counted there)."""
    coupon = Coupon.objects.select_for_update().filter(code__iexact=code.strip()).first()
    if coupon is None or not coupon.is_active:
        raise ValidationError(
            {"coupon_code": [gettext("The coupon '%(code)s' does not exist or is no longer active.") % {"code": code}]}
        )
    if (coupon.starts_at and now < coupon.starts_at) or (coupon.ends_at and now > coupon.ends_at):
        raise ValidationError({"coupon_code": [gettext("The coupon '%(code)s' is not valid today.") % {"code": code}]})
    if coupon.max_uses is not None and coupon.times_used >= coupon.max_uses:
        raise ValidationError({"coupon_code": [gettext("The coupon '%(code)s' has been used up.") % {"code": code}]})
    if subtotal < coupon.min_subtotal:
        raise ValidationError(
            {
                "coupon_code": [
                    gettext("The coupon '%(code)s' needs a subtotal of at least %(min_subtotal)s.")
                    % {"code": code, "min_subtotal": coupon.min_subtotal}
                ]
            }
        )
    return coupon
