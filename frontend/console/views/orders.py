"""The console's orders: the list, and an order's page with offline payment, shipping, refunds and cancellation,
each posted to one core.commerce service."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.commerce.models import Order, OrderStatus
from core.commerce.selectors.orders import order_by_number, order_list
from core.commerce.services.orders import order_cancel, order_ship
from core.commerce.services.payments import order_pay_offline
from core.commerce.services.refunds import order_refund
from frontend.common.access import console_page
from frontend.common.forms import submit
from frontend.common.paging import paginate
from frontend.console.forms import OfflinePaymentForm, ReasonForm, RefundForm


@console_page()
def orders(request):
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status in OrderStatus.values else ""
    return render(
        request,
        "console/orders.html",
        {
            "q": query,
            "status": status,
            "statuses": OrderStatus.choices,
            **paginate(request, order_list(query=query, status=status)),
        },
    )


def _order_or_404(number: int) -> Order:
    order = order_by_number(number=number)
    if order is None:
        raise Http404(_("No such order."))
    return order


def _order_page(order: Order, **forms) -> dict:
    context = {
        "order": order,
        "pay_form": OfflinePaymentForm(prefix="pay"),
        "refund_form": RefundForm(prefix="refund", lines=order.lines.all()),
        "cancel_form": ReasonForm(prefix="cancel"),
    }
    context.update(forms)
    return context


@console_page()
def order_detail(request, number: int):
    return render(request, "console/order_detail.html", _order_page(_order_or_404(number)))


# The capability each of the order page's actions needs (core.accounts.permissions; the API's are the same).
ORDER_ACTIONS = {"pay": "orders.fulfil", "ship": "orders.fulfil", "cancel": "orders.fulfil", "refund": "orders.refund"}


@console_page(ORDER_ACTIONS)
def order_action(request, number: int, action: str):
    order = _order_or_404(number)
    if request.method != "POST":
        return redirect("console-order", number=number)
    by = request.user
    if action == "pay":
        form = OfflinePaymentForm(request.POST, prefix="pay")

        def call(data):
            return order_pay_offline(order=order, method=data["method"], reference=data["reference"], by=by)

        done = _("Order %(number)s is paid.") % {"number": order.number}
    elif action == "ship":
        form = ReasonForm({"reason": "ship"})

        def call(data):
            return order_ship(order=order)

        done = _("Order %(number)s is shipped.") % {"number": order.number}
    elif action == "refund":
        form = RefundForm(request.POST, prefix="refund", lines=order.lines.all())

        def call(data):
            return order_refund(
                order=order, lines=form.refund_lines(), restock=data["restock"], reason=data["reason"], by=by
            )

        done = _("Order %(number)s is refunded.") % {"number": order.number}
    elif action == "cancel":
        form = ReasonForm(request.POST, prefix="cancel")

        def call(data):
            return order_cancel(order=order, by=by, reason=data["reason"])

        done = _("Order %(number)s is cancelled.") % {"number": order.number}
    else:
        raise Http404(_("No such action."))
    if submit(form, call):
        messages.success(request, done)
        return redirect("console-order", number=order.number)
    if action == "ship":
        for error in form.non_field_errors() or form.errors.get("status", []):
            messages.error(request, error)
        return redirect("console-order", number=order.number)
    return render(
        request, "console/order_detail.html", _order_page(_order_or_404(number), **{f"{action}_form": form}), status=400
    )
