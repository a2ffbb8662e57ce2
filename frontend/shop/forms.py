"""Forms of the replicated sites' shop: the cart and the checkout."""

from __future__ import annotations

from django import forms

from frontend.common.payments import card_field, test_cards_enabled


class CartAddForm(forms.Form):
    sku = forms.CharField(max_length=40, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=0, max_value=999, initial=1)


class CheckoutForm(forms.Form):
    payment = forms.ChoiceField(widget=forms.RadioSelect, label="How would you like to pay?")
    card = forms.ChoiceField(required=False)
    ship_country = forms.CharField(max_length=2, required=False, label="Country", help_text="Two-letter code, e.g. US.")
    ship_region = forms.CharField(max_length=100, required=False, label="State or region")
    coupon_code = forms.CharField(max_length=40, required=False, label="Coupon code")

    def __init__(self, *args, offline_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if test_cards_enabled():
            choices.append(("card", "Card"))
        if offline_allowed:
            choices.append(("offline", "Pay offline (cash or check to your distributor)"))
        self.fields["payment"].choices = choices
        if choices:
            self.fields["payment"].initial = choices[0][0]
        self.fields["card"] = card_field(required=False)

    def clean(self):
        data = super().clean()
        if data.get("payment") == "card" and not data.get("card"):
            self.add_error("card", "Choose a card.")
        return data
