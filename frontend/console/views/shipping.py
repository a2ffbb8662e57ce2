"""The console's shipping methods: what each destination country is offered at checkout and at which fee. Orders keep
the method's name and fee they were placed with."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.commerce.selectors.shipping import shipping_methods_list
from core.commerce.services.shipping import shipping_method_create, shipping_method_delete, shipping_method_update
from core.company.selectors import market_by_code
from core.company.services import company_settings_get
from frontend.common.access import console_page
from frontend.common.forms import form_status, submit
from frontend.common.paging import paginate
from frontend.console.forms import ShippingMethodForm


@console_page()
def shipping_methods(request):
    context = {
        "currency": company_settings_get().currency,
        **paginate(request, shipping_methods_list().select_related("market")),
    }
    return render(request, "console/shipping_methods.html", context)


@console_page("commerce.settings.write")
def shipping_method_new(request):
    form = ShippingMethodForm(request.POST or None)

    def call(data):
        market = market_by_code(code=data.pop("market"), active_only=False) if data.get("market") else None
        return shipping_method_create(**{k: v for k, v in data.items() if k != "market"}, market=market)

    if request.method == "POST" and submit(form, call):
        messages.success(request, _("The shipping method is added: checkouts offer it from now on."))
        return redirect("console-shipping-methods")
    return render(request, "console/shipping_method_edit.html", {"form": form}, status=form_status(form))


@console_page("commerce.settings.write")
def shipping_method_edit(request, pk: int):
    """The name, fee, position and whether it is offered; the country is fixed (add a method for another one)."""
    method = get_object_or_404(shipping_methods_list(), pk=pk)
    if request.method == "POST" and request.POST.get("action") == "delete":
        shipping_method_delete(method=method)
        messages.success(request, _("The shipping method “%(name)s” is deleted.") % {"name": method.name})
        return redirect("console-shipping-methods")
    initial = {name: getattr(method, name) for name in ShippingMethodForm.base_fields if name != "market"}
    form = ShippingMethodForm(request.POST or None, initial={**initial, "market": getattr(method.market, "code", "")})
    form.fields["country"].disabled = True
    form.fields["market"].disabled = True

    def call(data):
        return shipping_method_update(
            method=method,
            name=data["name"],
            fee=data["fee"],
            sort_order=data["sort_order"],
            is_active=data["is_active"],
        )

    if request.method == "POST" and submit(form, call):
        messages.success(request, _("The shipping method is saved. Orders already placed keep their fee."))
        return redirect("console-shipping-methods")
    context = {"form": form, "method": method}
    return render(request, "console/shipping_method_edit.html", context, status=form_status(form))
