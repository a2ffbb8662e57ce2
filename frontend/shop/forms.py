"""Forms of the replicated sites' shop: the cart and the three checkout steps (details and addresses, shipping,
payment) and the account a guest may create from the confirmation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.commerce.addresses import CA_PROVINCES, MAX_LENGTHS, REGIONS, US_STATES
from frontend.common.payments import card_field, test_cards_enabled

ADDRESS_PARTS = ("name", "line1", "line2", "city", "postal_code", "country", "region", "region_other")


class CartAddForm(forms.Form):
    sku = forms.CharField(max_length=40, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=0, max_value=999, initial=1, label=_("Quantity"))


def _region_choices() -> list:
    """The states and provinces of the countries that have a list, grouped by country (values "US-TX")."""
    return [
        ("", _("Choose (United States and Canada)")),
        (_("United States"), [(f"US-{code}", name) for code, name in US_STATES.items()]),
        (_("Canada"), [(f"CA-{code}", name) for code, name in CA_PROVINCES.items()]),
    ]


def _address_fields(prefix: str, *, required: bool) -> dict[str, forms.Field]:
    text = {"required": required}
    return {
        f"{prefix}_name": forms.CharField(
            max_length=MAX_LENGTHS["name"],
            label=_("Full name"),
            widget=forms.TextInput({"autocomplete": "name"}),
            **text,
        ),
        f"{prefix}_line1": forms.CharField(
            max_length=MAX_LENGTHS["line1"],
            label=_("Street address"),
            widget=forms.TextInput({"autocomplete": f"{_section(prefix)} address-line1"}),
            **text,
        ),
        f"{prefix}_line2": forms.CharField(
            max_length=MAX_LENGTHS["line2"],
            required=False,
            label=_("Apartment, suite, etc. (optional)"),
            widget=forms.TextInput({"autocomplete": f"{_section(prefix)} address-line2"}),
        ),
        f"{prefix}_city": forms.CharField(
            max_length=MAX_LENGTHS["city"],
            label=_("City"),
            widget=forms.TextInput({"autocomplete": f"{_section(prefix)} address-level2"}),
            **text,
        ),
        f"{prefix}_postal_code": forms.CharField(
            max_length=MAX_LENGTHS["postal_code"],
            required=False,
            label=_("Postal code"),
            widget=forms.TextInput({"autocomplete": f"{_section(prefix)} postal-code"}),
        ),
        f"{prefix}_country": forms.ChoiceField(
            choices=[("", _("Choose a country")), *countries],
            label=_("Country"),
            widget=forms.Select({"autocomplete": f"{_section(prefix)} country"}),
            **text,
        ),
        f"{prefix}_region": forms.ChoiceField(
            choices=_region_choices(), required=False, label=_("State or province (United States and Canada)")
        ),
        f"{prefix}_region_other": forms.CharField(
            max_length=MAX_LENGTHS["region"], required=False, label=_("Region (other countries, optional)")
        ),
    }


def _section(prefix: str) -> str:
    return "shipping" if prefix == "ship" else "billing"


class CheckoutDetailsForm(forms.Form):
    """Step 1: who buys (a guest's e-mail and name) and where it goes; the billing address only when it differs."""

    email = forms.EmailField(max_length=254, label=_("E-mail"), widget=forms.EmailInput({"autocomplete": "email"}))
    first_name = forms.CharField(
        max_length=100, label=_("First name"), widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=100, required=False, label=_("Last name"), widget=forms.TextInput({"autocomplete": "family-name"})
    )
    bill_same = forms.BooleanField(required=False, initial=True, label=_("Billing address same as shipping"))

    def __init__(self, *args, guest: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not guest:
            for name in ("email", "first_name", "last_name"):
                del self.fields[name]
        self.fields.update(_address_fields("ship", required=True))
        self.fields.update(_address_fields("bill", required=False))
        self.order_fields([*("email", "first_name", "last_name"), *self._names("ship"), "bill_same"])

    @staticmethod
    def _names(prefix: str) -> list[str]:
        return [f"{prefix}_{part}" for part in ADDRESS_PARTS]

    def ship_fields(self) -> list:
        return [self[name] for name in self._names("ship")]

    def bill_fields(self) -> list:
        return [self[name] for name in self._names("bill")]

    def bill_same_list(self) -> list:
        return [self["bill_same"]]

    def contact(self) -> list:
        return [self[name] for name in ("email", "first_name", "last_name") if name in self.fields]

    def clean(self):
        data = super().clean()
        self._region_clean(data, "ship")
        if data.get("bill_same"):
            for part in ADDRESS_PARTS:
                data[f"bill_{part}"] = data.get(f"ship_{part}", "")
        else:
            for part in ("name", "line1", "city", "country"):
                if not data.get(f"bill_{part}") and f"bill_{part}" not in self.errors:
                    self.add_error(f"bill_{part}", _("This field is required."))
            self._region_clean(data, "bill")
        return data

    def _region_clean(self, data: dict, prefix: str) -> None:
        """One region per address: the listed state or province for the US and Canada, else the free text."""
        country, chosen = data.get(f"{prefix}_country") or "", data.get(f"{prefix}_region") or ""
        if country in REGIONS:
            code = chosen.partition("-")[2] if chosen.startswith(f"{country}-") else ""
            if not code:
                self.add_error(f"{prefix}_region", _("Choose the state or province."))
            data[f"{prefix}_region"] = code
        else:
            data[f"{prefix}_region"] = data.get(f"{prefix}_region_other") or ""


class CheckoutShippingForm(forms.Form):
    """Step 2: how it ships (the methods offered for the shipping country) and a coupon."""

    shipping_method = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label=_("Shipping method"))
    coupon_code = forms.CharField(max_length=40, required=False, label=_("Coupon code (optional)"))

    def __init__(self, *args, methods: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipping_method"].choices = methods
        if methods and not self.initial.get("shipping_method"):
            self.initial["shipping_method"] = methods[0][0]

    def coupon_list(self) -> list:
        return [self["coupon_code"]]


class CheckoutForm(forms.Form):
    """Step 3: how to pay. ``card`` is the payment field of frontend.common.payments (a Stripe PaymentMethod id)."""

    payment = forms.ChoiceField(widget=forms.RadioSelect, label=_("How would you like to pay?"))
    card = forms.ChoiceField(required=False)

    def __init__(self, *args, offline_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if test_cards_enabled():
            choices.append(("card", _("Card")))
        if offline_allowed:
            choices.append(("offline", _("Pay offline (cash or check to your distributor)")))
        self.fields["payment"].choices = choices
        if choices:
            self.fields["payment"].initial = choices[0][0]
        self.fields["card"] = card_field(required=False)

    def clean(self):
        data = super().clean()
        if data.get("payment") == "card" and not data.get("card"):
            self.add_error("card", _("Choose a card."))
        return data


class GuestAccountForm(forms.Form):
    """A password for the guest's customer record: their account is the e-mail they checked out with."""

    password1 = forms.CharField(
        max_length=128, label=_("Password"), widget=forms.PasswordInput({"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        max_length=128, label=_("Password (again)"), widget=forms.PasswordInput({"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data
