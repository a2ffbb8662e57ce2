"""Forms of the console's tax rate, coupon, category, product image, party and webhook pages and of the back office's
autoship and party pages. Shapes only; the rules are the services' (errors_onto)."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError

from core.commerce.models import CouponKind, Product, ProductCategory, ProductStatus
from core.commerce.services import OFFLINE_METHODS
from core.webhooks.models import WebhookEvent

IMAGE_MAX_BYTES = 5 * 1024 * 1024
LINE_ROWS = 5


class TaxRateForm(forms.Form):
    country = forms.CharField(max_length=2, help_text="Two-letter code, e.g. US.")
    region = forms.CharField(max_length=100, required=False, help_text="Empty: the rest of the country.")
    rate = forms.DecimalField(max_digits=6, decimal_places=4, help_text="A fraction: 0.0825 for 8.25 %.")
    name = forms.CharField(max_length=100, required=False)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")


class CouponForm(forms.Form):
    code = forms.CharField(max_length=40, help_text="Customers type it at checkout; it never changes afterwards.")
    kind = forms.ChoiceField(choices=CouponKind.choices)
    value = forms.DecimalField(max_digits=14, decimal_places=2, help_text="Percent (e.g. 10) or an amount.")
    min_subtotal = forms.DecimalField(max_digits=14, decimal_places=2, initial=0, label="Minimum subtotal")
    max_uses = forms.IntegerField(min_value=1, required=False, help_text="Empty: no limit.")
    starts_at = forms.DateTimeField(
        required=False,
        label="Valid from",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        required=False,
        label="Valid until",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=100)
    slug = forms.SlugField(max_length=100, help_text="Lowercase letters, digits and hyphens; it never changes.")


class CategoryRenameForm(forms.Form):
    name = forms.CharField(max_length=100)


class ProductCategoryForm(forms.Form):
    category = forms.ModelChoiceField(queryset=None, required=False, empty_label="(no category)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProductCategory.objects.order_by("name", "id")


class ProductImageForm(forms.Form):
    image = forms.ImageField(help_text="A JPEG, PNG or WebP picture, at most 5 MB.")
    alt_text = forms.CharField(max_length=200, required=False, label="Description (for screen readers)")

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image.size > IMAGE_MAX_BYTES:
            raise ValidationError("The picture is larger than 5 MB.")
        return image


class PartyForm(forms.Form):
    consultant = forms.IntegerField(label="Consultant's member number")
    name = forms.CharField(max_length=200, required=False, help_text="Empty: “Party of <host>”.")
    host_name = forms.CharField(max_length=200)
    host_email = forms.EmailField(required=False)
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class OwnPartyForm(PartyForm):
    """A consultant holds their own party: no member number to give."""

    consultant = None


def _line_fields(form: forms.Form, rows: int) -> None:
    products = Product.objects.filter(status=ProductStatus.ACTIVE).order_by("sku")
    choices = [("", "—")] + [(p.sku, f"{p.sku} {p.name}") for p in products]
    for row in range(rows):
        form.fields[f"sku_{row}"] = forms.ChoiceField(choices=choices, required=False, label=f"Product {row + 1}")
        form.fields[f"quantity_{row}"] = forms.IntegerField(
            min_value=1, max_value=999, required=False, label=f"Quantity {row + 1}"
        )


def _lines(form: forms.Form, rows: int) -> list[tuple[str, int]]:
    """The (sku, quantity) rows filled in; a product without a quantity, or the reverse, is an error on the row."""
    lines = []
    for row in range(rows):
        sku, quantity = form.cleaned_data.get(f"sku_{row}"), form.cleaned_data.get(f"quantity_{row}")
        if sku and not quantity:
            form.add_error(f"quantity_{row}", "How many?")
        elif quantity and not sku:
            form.add_error(f"sku_{row}", "Choose a product.")
        elif sku:
            lines.append((sku, quantity))
    if not lines and not form.errors:
        form.add_error("sku_0", "Choose at least one product.")
    return lines


class GuestOrderForm(forms.Form):
    """A guest's order at a party, at retail, paid offline at the party (or left to pay later)."""

    guest_name = forms.CharField(max_length=200)
    paid_with = forms.ChoiceField(
        choices=[("", "Not paid yet")] + [(m.value, m.label) for m in OFFLINE_METHODS],
        required=False,
        label="Paid with",
    )
    reference = forms.CharField(max_length=200, required=False, help_text="Check number, receipt ...")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _line_fields(self, LINE_ROWS)

    def clean(self):
        data = super().clean()
        data["lines"] = _lines(self, LINE_ROWS)
        return data


class AutoshipForm(forms.Form):
    interval_months = forms.TypedChoiceField(
        choices=[(n, f"Every {n} month{'s' if n > 1 else ''}") for n in (1, 2, 3, 6)],
        coerce=int,
        initial=1,
        label="How often",
    )
    first_run_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label="First order on", help_text="Today or later."
    )
    ship_country = forms.CharField(max_length=2, required=False, label="Country", help_text="Two-letter code, e.g. US.")
    ship_region = forms.CharField(max_length=100, required=False, label="State or region")
    card = forms.ChoiceField(required=False)

    def __init__(self, *args, today: datetime.date, **kwargs):
        from frontend.forms import _card_field

        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["first_run_on"].initial = today
        _line_fields(self, LINE_ROWS)
        self.fields["card"] = _card_field()
        self.order_fields([f"{k}_{r}" for r in range(LINE_ROWS) for k in ("sku", "quantity")])

    def clean_first_run_on(self):
        day = self.cleaned_data["first_run_on"]
        if day < self.today:
            raise ValidationError("Choose today or a later day.")
        return day

    def clean(self):
        data = super().clean()
        data["lines"] = _lines(self, LINE_ROWS)
        return data


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(max_length=500, label="URL", assume_scheme="https", help_text="Where the events are posted.")
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(max_length=200, required=False)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
