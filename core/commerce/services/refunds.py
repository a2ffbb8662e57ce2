"""Refunds of paid orders, whole or in part: money back (on the card when it was paid by card), stock back, volume
out of the order's own period, and a clawback flag when that period was already closed for commissions."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import User
from core.commerce.gateways import stripe as stripe_gateway
from core.commerce.models import (
    REFUNDABLE_STATUSES,
    ZERO,
    ClawbackFlag,
    CommissionPeriodClose,
    MovementKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundLine,
)
from core.commerce.pricing import q2, to_minor_units
from core.commerce.services.commerce_settings import commerce_settings_get
from core.commerce.services.orders import order_lock, order_payload, order_period, order_warehouse
from core.commerce.services.stock import stock_move
from core.commerce.services.volume import volume_recompute
from core.webhooks.services import event_emit


@transaction.atomic
def order_refund(
    *,
    order: Order,
    lines: dict[int, int] | None = None,
    restock: bool = True,
    reason: str,
    by: User | None = None,
    refunded_at: datetime.datetime | None = None,
) -> Refund:
    """Refund some units of some lines (``{line_id: quantity}``), or everything not yet refunded (``lines=None``).

    Money: a line's share of the order's total (after discount, with tax); the last units of a line take exactly
    what is left of it, so the refunds of an order always add up to its total. Volume leaves the order's own period;
    if that period is closed, a ClawbackFlag tells the plan engine to claw back later."""
    order = order_lock(order)
    if order.status not in REFUNDABLE_STATUSES:
        raise ValidationError(
            {
                "status": [
                    gettext("Order %(number)s is %(status)s; only paid orders are refunded.")
                    % {"number": order.number, "status": order.status}
                ]
            }
        )
    period_start = order_period(order)  # volume leaves this period
    if not (reason or "").strip():
        raise ValidationError({"reason": [gettext("Say why the order is refunded.")]})
    order_lines = {line.pk: line for line in order.lines.select_related("product").select_for_update()}
    wanted = (
        {pk: line.quantity - line.refunded_quantity for pk, line in order_lines.items()} if lines is None else lines
    )
    wanted = {pk: qty for pk, qty in wanted.items() if qty}
    errors = []
    for pk, qty in wanted.items():
        line = order_lines.get(pk)
        if line is None:
            errors.append(gettext("Line %(pk)s is not on order %(number)s.") % {"pk": pk, "number": order.number})
        elif qty < 0 or qty > line.quantity - line.refunded_quantity:
            errors.append(
                gettext("%(sku)s: at most %(quantity)s can be refunded.")
                % {"sku": line.sku, "quantity": line.quantity - line.refunded_quantity}
            )
    if not wanted and not errors:
        errors.append(gettext("Nothing left to refund."))
    if errors:
        raise ValidationError({"lines": errors})

    refund = Refund.objects.create(
        order=order, restocked=restock, reason=reason.strip(), created_by=by, created_at=refunded_at or timezone.now()
    )
    amount = pv = cv = retail = distributor = ZERO
    for pk, qty in sorted(wanted.items()):
        line = order_lines[pk]
        already = line.refund_lines.aggregate(s=Coalesce(Sum("amount"), ZERO))["s"]
        if line.refunded_quantity + qty == line.quantity:
            line_amount = line.line_total - already
        else:
            line_amount = q2(line.line_total * qty / line.quantity)
        RefundLine.objects.create(refund=refund, line=line, quantity=qty, amount=line_amount)
        OrderLine.objects.filter(pk=pk).update(refunded_quantity=F("refunded_quantity") + qty)
        amount += line_amount
        pv += q2(line.unit_pv * qty)
        cv += q2(line.unit_cv * qty)
        retail += q2(line.unit_retail * qty)
        distributor += q2(line.unit_distributor * qty)
        if restock and line.product.track_inventory:
            stock_move(
                product=line.product,
                warehouse=order_warehouse(order),
                quantity=qty,
                kind=MovementKind.RETURN,
                order=order,
                note=f"Refund {refund.pk}",
                by=by,
            )
    refund.amount, refund.pv, refund.cv = amount, pv, cv
    order.refunded_amount += amount
    order.refunded_pv += pv
    order.refunded_cv += cv
    order.refunded_retail += retail
    order.refunded_distributor += distributor
    fully = not order.lines.filter(refunded_quantity__lt=F("quantity")).exists()
    order.status = OrderStatus.REFUNDED if fully else OrderStatus.PARTIALLY_REFUNDED
    order.save(
        update_fields=[
            "refunded_amount",
            "refunded_pv",
            "refunded_cv",
            "refunded_retail",
            "refunded_distributor",
            "status",
        ]
    )
    volume_recompute(member_id=order.credited_member_id, period_start=period_start)
    if CommissionPeriodClose.objects.filter(period_start=period_start).exists():
        ClawbackFlag.objects.create(
            order=order,
            refund=refund,
            member_id=order.credited_member_id,
            period_start=period_start,
            pv=pv,
            cv=cv,
            amount=amount,
            created_at=refund.created_at,
        )
    event_emit(
        event="order.refunded",
        payload=lambda: {
            **order_payload(order),
            "refund": {
                "id": refund.pk,
                "amount": refund.amount,
                "pv": refund.pv,
                "cv": refund.cv,
                "reason": refund.reason,
            },
        },
    )
    card = order.payments.filter(method=PaymentMethod.STRIPE, status=PaymentStatus.SUCCEEDED).first()
    if card is not None and amount > 0:
        # Last, so a refusal by Stripe rolls the whole refund back: nothing half-done.
        refund.stripe_refund_id = stripe_gateway.refund_create(
            api_key=commerce_settings_get().stripe_secret_key,
            payment_intent_id=card.stripe_payment_intent_id,
            amount_minor=to_minor_units(amount),
            metadata={"order_number": str(order.number), "refund": str(refund.pk)},
        )
    refund.save(update_fields=["amount", "pv", "cv", "stripe_refund_id"])
    return refund
