"""Forms of the company's site and the replicated sites: the join and customer sign-up wizards, newsletter.

The wizards are one form each, shown a step at a time (frontend/static/frontend/wizard.js; without JavaScript every
step shows at once). ``steps`` names each step's fields, so the template and the error handling agree on them."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.commerce.models import Product
from core.members.models import CustomerType
from core.members.services.signup import Address
from frontend.common import formatting
from frontend.common.payments import card_field

ACCOUNT_NAMES = ("first_name", "last_name", "email", "password", "phone", "language")
ADDRESS_NAMES = ("address_line1", "address_line2", "city", "region", "postal_code", "country")


class _SignupForm(forms.Form):
    """The account, address and terms steps both wizards share."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)  # the column's length (Django's default allows 320)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        min_length=8,
        max_length=128,
        help_text=_("At least 8 characters."),
    )
    phone = forms.CharField(label=_("Phone (optional)"), max_length=40, required=False)
    # The company's languages, the page's own pre-selected (issue 19); hidden when the company has only one.
    language = forms.ChoiceField(label=_("Language"), required=False)
    address_line1 = forms.CharField(label=_("Street and number"), max_length=200)
    address_line2 = forms.CharField(label=_("Apartment, suite (optional)"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    region = forms.CharField(label=_("State or region (optional)"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    country = forms.ChoiceField(label=_("Country"))
    accept_terms = forms.BooleanField(label=_("I have read and accept the documents above."))
    documents = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    def __init__(self, *args, documents=(), languages: Sequence[tuple[str, str]] = (), language: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = list(languages)
        self.fields["language"].initial = language
        if len(languages) < 2:
            self.fields["language"].widget = forms.HiddenInput()
        self.fields["country"].choices = [("", _("Choose a country"))] + list(countries)
        self.fields["documents"].initial = ",".join(str(d.pk) for d in documents)
        for name in ("first_name", "last_name"):
            self.fields[name].widget.attrs["autocomplete"] = {"first_name": "given-name", "last_name": "family-name"}[
                name
            ]
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["address_line1"].widget.attrs["autocomplete"] = "address-line1"
        self.fields["address_line2"].widget.attrs["autocomplete"] = "address-line2"
        self.fields["city"].widget.attrs["autocomplete"] = "address-level2"
        self.fields["region"].widget.attrs["autocomplete"] = "address-level1"
        self.fields["postal_code"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["country"].widget.attrs["autocomplete"] = "country"
        if not documents:
            del self.fields["accept_terms"]

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.fields["language"].initial or ""

    def clean_documents(self) -> list[int]:
        """The document versions the visitor was shown (the service checks they are still the current ones)."""
        raw = self.cleaned_data.get("documents") or ""
        try:
            return [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Reload the page and accept the terms again.")) from None

    def address(self) -> Address:
        data = self.cleaned_data
        return Address(
            line1=data["address_line1"],
            line2=data.get("address_line2", ""),
            city=data["city"],
            region=data.get("region", ""),
            postal_code=data["postal_code"],
            country=data["country"],
        )

    def account(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.account_names}

    account_names: tuple[str, ...] = ACCOUNT_NAMES

    def steps(self) -> list[dict]:
        """The wizard's steps in order: key, title and bound fields (the template renders them, the page script walks
        them, and the first step holding an error is the one shown after a failed submit)."""
        return [
            {"key": key, "title": title, "fields": [self[name] for name in names if name in self.fields]}
            for key, title, names in self.step_plan()
        ]

    def step_plan(self) -> list[tuple[str, str, tuple[str, ...]]]:
        return [
            ("account", _("Your account"), self.account_names),
            ("address", _("Your address"), ADDRESS_NAMES),
            ("terms", _("Terms"), ("accept_terms", "documents")),
        ]

    def first_step_with_errors(self) -> str:
        if not self.is_bound or not self.errors:
            return ""
        for key, _title, names in self.step_plan():
            if any(name in self.errors for name in names):
                return key
        return self.step_plan()[-1][0]


class JoinForm(_SignupForm):
    """Joining a distributor's team: account (with the site's username), address, terms, pack, payment."""

    username = forms.CharField(
        label=_("Username"),
        max_length=32,
        help_text=_("Your own site's address: 3 to 32 lowercase letters, digits or hyphens."),
    )
    pack = forms.ChoiceField(label=_("Enrolment pack"), widget=forms.RadioSelect, required=False)
    card = card_field(required=False)

    account_names = ("first_name", "last_name", "email", "username", "password", "phone", "language")

    def __init__(
        self,
        *args,
        packs: list[Product] = (),
        pack_required: bool = False,
        currency: str = "",
        market_prices: dict[str, str] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # the price where the new distributor lives: their market's (issue 19), named after the base price
        elsewhere = market_prices or {}
        choices = [
            (p.sku, f"{p.name} — {formatting.number(p.distributor_price)} {currency}{elsewhere.get(p.sku, '')}")
            for p in packs
        ]
        if not pack_required:
            choices = [("", _("No pack: just join (no purchase necessary)"))] + choices
        self.fields["pack"].choices = choices
        self.fields["pack"].required = pack_required
        if not packs and not pack_required:
            del self.fields["pack"]
            del self.fields["card"]
        elif not pack_required:
            self.fields["pack"].initial = ""

    def step_plan(self) -> list[tuple[str, str, tuple[str, ...]]]:
        plan = super().step_plan()
        if "pack" in self.fields:
            plan += [("pack", _("Enrolment pack"), ("pack",)), ("payment", _("Payment"), ("card",))]
        return plan


class CustomerSignupForm(_SignupForm):
    """Becoming a distributor's customer: account (with the customer type), address, terms."""

    customer_type = forms.ChoiceField(
        label=_("Customer type"),
        choices=CustomerType.choices,
        widget=forms.RadioSelect,
        initial=CustomerType.RETAIL,
        help_text=_("Preferred customers buy at the preferred price."),
    )

    account_names = ("customer_type", "first_name", "last_name", "email", "password", "phone", "language")


class NewsletterForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail"), max_length=254)
