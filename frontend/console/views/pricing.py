"""The console's tax rates and coupons. Orders keep the rate and the discount they were placed with."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.commerce.selectors.orders import coupon_orders
from core.commerce.selectors.pricing_rules import coupons_list, tax_rates_list
from core.commerce.services.coupons import coupon_create, coupon_update
from core.commerce.services.tax import tax_rate_create, tax_rate_delete, tax_rate_update
from frontend.common.access import console_page
from frontend.common.forms import form_status, submit
from frontend.common.paging import paginate
from frontend.console.forms import CouponForm, TaxRateForm


@console_page()
def tax_rates(request):
    return render(request, "console/tax_rates.html", paginate(request, tax_rates_list()))


@console_page("pricing.write")
def tax_rate_new(request):
    form = TaxRateForm(request.POST or None)
    if request.method == "POST" and submit(form, lambda data: tax_rate_create(**data)):
        messages.success(request, _("The tax rate is added. Orders placed from now on use it."))
        return redirect("console-tax-rates")
    return render(request, "console/tax_rate_edit.html", {"form": form}, status=form_status(form))


@console_page("pricing.write")
def tax_rate_edit(request, pk: int):
    """The rate, name and whether it applies; the place (country, region) is fixed. Orders keep the rate they used."""
    tax_rate = get_object_or_404(tax_rates_list(), pk=pk)
    if request.method == "POST" and request.POST.get("action") == "delete":
        tax_rate_delete(tax_rate=tax_rate)
        messages.success(
            request,
            _("The rate for %(place)s is deleted.") % {"place": f"{tax_rate.country}/{tax_rate.region or '*'}"},
        )
        return redirect("console-tax-rates")
    initial = {name: getattr(tax_rate, name) for name in TaxRateForm.base_fields}
    form = TaxRateForm(request.POST or None, initial=initial)
    for name in ("country", "region"):
        form.fields[name].disabled = True
    form.fields["region"].help_text = _("The place of a rate never changes; add a new rate for another place.")

    def call(data):
        return tax_rate_update(tax_rate=tax_rate, rate=data["rate"], name=data["name"], is_active=data["is_active"])

    if request.method == "POST" and submit(form, call):
        messages.success(request, _("The tax rate is saved. Orders already placed keep the rate they used."))
        return redirect("console-tax-rates")
    return render(request, "console/tax_rate_edit.html", {"form": form, "tax_rate": tax_rate}, status=form_status(form))


@console_page()
def coupons(request):
    return render(request, "console/coupons.html", paginate(request, coupons_list()))


def _coupon_fields(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "code"}


@console_page("pricing.write")
def coupon_new(request):
    form = CouponForm(request.POST or None)
    if request.method == "POST" and submit(form, lambda data: coupon_create(code=data["code"], **_coupon_fields(data))):
        messages.success(request, _("The coupon %(code)s is created.") % {"code": form.cleaned_data["code"].strip()})
        return redirect("console-coupons")
    return render(request, "console/coupon_edit.html", {"form": form}, status=form_status(form))


@console_page("pricing.write")
def coupon_edit(request, pk: int):
    coupon = get_object_or_404(coupons_list(), pk=pk)
    if request.method == "POST" and request.POST.get("action") == "deactivate":
        coupon_update(coupon=coupon, is_active=False)
        messages.success(request, _("%(code)s is deactivated: checkouts no longer accept it.") % {"code": coupon.code})
        return redirect("console-coupon", pk=coupon.pk)
    form = CouponForm(request.POST or None, initial={name: getattr(coupon, name) for name in CouponForm.base_fields})
    form.fields["code"].disabled = True
    form.fields["code"].help_text = _("The code never changes (orders and printed flyers name it).")
    if request.method == "POST" and submit(form, lambda data: coupon_update(coupon=coupon, **_coupon_fields(data))):
        messages.success(request, _("%(code)s is saved.") % {"code": coupon.code})
        return redirect("console-coupon", pk=coupon.pk)
    return render(
        request,
        "console/coupon_edit.html",
        {"form": form, "coupon": coupon, **paginate(request, coupon_orders(coupon=coupon), 25)},
        status=form_status(form),
    )
