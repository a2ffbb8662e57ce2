"""Forms of the console's shop pages: products, their categories and pictures, stock, tax rates, coupons, shipping
methods, offline payments and refunds. Shapes only, as in ``frontend.console.forms`` (which re-exports them)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from core.commerce.models import CouponKind
from core.commerce.selectors.catalogue import categories_list
from core.commerce.selectors.stock import warehouses_active
from core.company.selectors import markets_list
from frontend.common.forms import TranslatedForm

IMAGE_MAX_BYTES = 5 * 1024 * 1024


class ProductForm(TranslatedForm):
    translated_fields = ("name", "description")

    sku = forms.CharField(max_length=40, label=_("SKU"))
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=None,
        required=False,
        empty_label=_("(no category)"),
        help_text=_("Categories are kept under Products."),
    )
    retail_price = forms.DecimalField(label=_("Retail price"), max_digits=14, decimal_places=2)
    preferred_price = forms.DecimalField(
        label=_("Preferred price"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Empty: preferred customers pay retail."),
    )
    distributor_price = forms.DecimalField(label=_("Distributor price"), max_digits=14, decimal_places=2)
    pv = forms.DecimalField(max_digits=14, decimal_places=2, label=_("PV per unit"), initial=0)
    cv = forms.DecimalField(max_digits=14, decimal_places=2, label=_("CV per unit"), initial=0)
    taxable = forms.BooleanField(label=_("Taxable"), required=False, initial=True)
    track_inventory = forms.BooleanField(label=_("Track inventory"), required=False, initial=True)
    allow_backorder = forms.BooleanField(label=_("Allow backorder"), required=False)
    low_stock_threshold = forms.IntegerField(
        label=_("Low stock threshold"), min_value=0, max_value=1_000_000, initial=0
    )
    featured = forms.BooleanField(
        required=False,
        label=_("Featured on the company site"),
        help_text=_("Shown on the company's home page (up to eight, by name)."),
    )
    enrolment_pack = forms.BooleanField(
        required=False,
        label=_("Enrolment pack"),
        help_text=_("Offered to new distributors when they join."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_list()


class StockForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("receive", _("Receive")), ("adjust", _("Adjust (signed count correction)"))]
    )
    sku = forms.CharField(max_length=40, label=_("SKU"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text=_("Receipts are positive; an adjustment may be negative."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False, help_text=_("Required for an adjustment."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses_active()


class OfflinePaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[
            ("cash", _("Cash")),
            ("check", pgettext_lazy("payment method", "Check")),
            ("other", _("Other offline")),
        ],
    )
    reference = forms.CharField(
        label=_("Reference"), max_length=200, required=False, help_text=_("Check number, receipt ...")
    )


class RefundForm(forms.Form):
    """One quantity field per order line that still has units to refund, plus the reason."""

    restock = forms.BooleanField(required=False, initial=True, label=_("Put the units back in stock"))
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in lines:
            left = line.quantity - line.refunded_quantity
            if left <= 0:
                continue
            name = f"line_{line.pk}"
            self.fields[name] = forms.IntegerField(
                min_value=0,
                max_value=left,
                initial=0,
                label=_("%(sku)s %(name)s (up to %(left)s)") % {"sku": line.sku, "name": line.name, "left": left},
            )
            self.line_fields.append((name, line.pk))
        self.order_fields([name for name, _ in self.line_fields] + ["restock", "reason"])

    def refund_lines(self) -> dict[int, int]:
        return {pk: self.cleaned_data[name] for name, pk in self.line_fields if self.cleaned_data.get(name)}


class TaxRateForm(forms.Form):
    country = forms.CharField(label=_("Country"), max_length=2, help_text=_("Two-letter code, e.g. US."))
    region = forms.CharField(
        label=_("Region"), max_length=100, required=False, help_text=_("Empty: the rest of the country.")
    )
    rate = forms.DecimalField(
        label=_("Rate"), max_digits=6, decimal_places=4, help_text=_("A fraction: 0.0825 for 8.25 %.")
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))


class CouponForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("Customers type it at checkout; it never changes afterwards.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CouponKind.choices)
    value = forms.DecimalField(
        label=_("Value"), max_digits=14, decimal_places=2, help_text=_("Percent (e.g. 10) or an amount.")
    )
    min_subtotal = forms.DecimalField(max_digits=14, decimal_places=2, initial=0, label=_("Minimum subtotal"))
    max_uses = forms.IntegerField(label=_("Max uses"), min_value=1, required=False, help_text=_("Empty: no limit."))
    starts_at = forms.DateTimeField(
        required=False,
        label=_("Valid from"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        required=False,
        label=_("Valid until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    slug = forms.SlugField(
        label=_("Slug"), max_length=100, help_text=_("Lowercase letters, digits and hyphens; it never changes.")
    )


class CategoryRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class ProductCategoryForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=None, required=False, empty_label=_("(no category)")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_list()


class ProductImageForm(forms.Form):
    image = forms.ImageField(label=_("Image"), help_text=_("A JPEG, PNG or WebP picture, at most 5 MB."))
    alt_text = forms.CharField(max_length=200, required=False, label=_("Description (for screen readers)"))

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image.size > IMAGE_MAX_BYTES:
            raise ValidationError(_("The picture is larger than 5 MB."))
        return image


class ShippingMethodForm(forms.Form):
    country = forms.ChoiceField(
        required=False,
        label=_("Country"),
        help_text=_("Empty: every country that has no method of its own."),
    )
    name = forms.CharField(max_length=100, label=_("Name"), help_text=_("Shoppers see it, e.g. “Standard (3–5 days)”."))
    fee = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, label=_("Fee"))
    sort_order = forms.IntegerField(min_value=0, max_value=32767, initial=0, label=_("Position in the list"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Offered at checkout"))
    market = forms.ChoiceField(
        required=False,
        label=_("Market"),
        help_text=_("The fee is in this market's currency and only its orders are offered the method."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Every other country")), *countries]
        self.fields["market"].choices = [("", _("None (the company's base currency)"))] + [
            (m.code, f"{m.name} ({m.currency})") for m in markets_list()
        ]
