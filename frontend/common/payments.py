"""How the web pages get a Stripe PaymentMethod without Stripe.js.

A real checkout collects the card with Stripe.js in the browser and sends only the PaymentMethod id to the server.
Stripe.js cannot load in the sandboxed demo and test browsers, so when ``settings.SHOP_TEST_CARDS`` is on (local and
test settings; off by default) the card step offers Stripe's documented test PaymentMethods instead — ids such as
``pm_card_visa`` that Stripe test mode (and the localstripe emulator) turn into a card on the server. No card number
ever reaches Canopy. With the setting off, the card step says card payments need Stripe.js and only the other ways to
pay are offered. Every charge still goes through core.commerce (order_pay_card, subscription_card_set)."""

from __future__ import annotations

from django import forms
from django.conf import settings

# Stripe's test PaymentMethods: https://docs.stripe.com/testing?testing-method=payment-methods
TEST_CARDS = {
    "pm_card_visa": "Visa ending 4242 (succeeds)",
    "pm_card_chargeCustomerFail": "Visa ending 0341 (declined when charged)",
}


def test_cards_enabled() -> bool:
    return bool(getattr(settings, "SHOP_TEST_CARDS", False))


def test_card_choices() -> list[tuple[str, str]]:
    return list(TEST_CARDS.items()) if test_cards_enabled() else []


def card_field(required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=test_card_choices(),
        required=required,
        label="Card",
        widget=forms.RadioSelect,
        help_text="Stripe test cards (this site runs in Stripe test mode).",
    )


class CardForm(forms.Form):
    """A card for a payment (the shop's order page, the back-office fee)."""

    card = card_field()
