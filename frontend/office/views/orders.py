"""The distributor's orders: their own and those credited to them (their customers', their parties')."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.commerce.selectors.orders import order_visible_to, orders_of_distributor
from frontend.common.access import office_page
from frontend.common.paging import paginate


@office_page()
def orders(request):
    """The distributor's own orders and the orders credited to them (their customers', their parties')."""
    me = request.member
    kind = request.GET.get("kind", "")
    kind = kind if kind in ("mine", "customers") else ""
    found = orders_of_distributor(request.user, member=me, kind=kind)
    return render(
        request,
        "office/orders.html",
        {"me": me, "kind": kind, **paginate(request, found, 25)},
    )


@office_page()
def order_detail(request, number: int):
    order = order_visible_to(request.user, number=number)
    if order is None:
        raise Http404(_("No such order."))
    return render(request, "office/order_detail.html", {"me": request.member, "order": order})
