"""The console's inventory: stock per product and warehouse, receipts and count corrections, and what runs low."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.commerce.selectors.catalogue import product_by_sku
from core.commerce.selectors.stock import low_stock, stock_levels_list
from core.commerce.services.stock import stock_adjust, stock_receive
from frontend.common.access import console_page
from frontend.common.forms import form_status, submit
from frontend.common.paging import paginate
from frontend.console.forms import StockForm


@console_page("stock.write")
def inventory(request):
    form = StockForm(request.POST or None)

    def call(data):
        product = product_by_sku(sku=data["sku"])
        if product is None:
            raise ValidationError({"sku": [_("There is no product with SKU '%(sku)s'.") % {"sku": data["sku"]}]})
        if data["kind"] == "receive":
            return stock_receive(
                product=product,
                warehouse=data["warehouse"],
                quantity=data["quantity"],
                note=data["note"],
                by=request.user,
            )
        return stock_adjust(
            product=product,
            warehouse=data["warehouse"],
            quantity=data["quantity"],
            note=data["note"],
            by=request.user,
        )

    if request.method == "POST" and submit(form, call):
        messages.success(request, _("Stock of %(sku)s updated.") % {"sku": form.cleaned_data["sku"].upper()})
        return redirect("console-inventory")
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "console/inventory.html",
        {"form": form, "q": query, **paginate(request, stock_levels_list(query=query))},
        status=form_status(form),
    )


@console_page()
def inventory_low(request):
    return render(request, "console/inventory_low.html", paginate(request, low_stock()))
