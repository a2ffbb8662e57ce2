"""Card entry on the web pages: Stripe.js Elements in the browser, only a PaymentMethod id through our server.

A form gets a card with ``card_field()``: a hidden ``card`` input that the card-entry partial (_card_entry.html, with
frontend/static/frontend/card-entry.js) fills with the ``pm_…`` id Stripe.js made from the card the buyer typed into
Stripe's Element. Card numbers never reach Canopy. The page's view is wrapped in ``stripe_page`` so its
Content-Security-Policy lets Stripe.js (and only on these pages) load, frame and call Stripe.

Stripe.js comes from settings.STRIPE_JS_URL, or, when STRIPE_API_BASE points at the localstripe emulator (demo, tests),
from the emulator's Stripe.js stand-in at ``<emulator>/js.stripe.com/v3/``. The stand-in has no createPaymentMethod,
so the script then confirms a SetupIntent (``card_setup`` view) and posts its PaymentMethod; with real Stripe.js it
calls createPaymentMethod. Every charge still goes through core.commerce (order_pay_card, subscription_card_set)."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.commerce.services.commerce_settings import commerce_settings_get

PAYMENT_METHOD_ID = RegexValidator(r"^pm_[A-Za-z0-9_]{1,200}$", _("Enter your card again."), code="invalid")


def stripe_js_url() -> str:
    explicit = getattr(settings, "STRIPE_JS_URL", "") or ""
    if explicit:
        return explicit
    base = (getattr(settings, "STRIPE_API_BASE", "") or "").rstrip("/")
    return f"{base}/js.stripe.com/v3/" if base else "https://js.stripe.com/v3/"


def publishable_key() -> str:
    """The company's own publishable key, else the platform's (development and the demo)."""
    return commerce_settings_get().stripe_publishable_key or getattr(settings, "STRIPE_PUBLISHABLE_KEY", "")


def card_payments_enabled() -> bool:
    """Cards can be taken when the page can start Stripe.js, i.e. a publishable key is known."""
    return bool(publishable_key())


test_cards_enabled = card_payments_enabled  # the name the pages used before card entry moved to Stripe.js


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def stripe_csp() -> dict[str, list[str]]:
    """What a card page adds to the Content-Security-Policy: Stripe.js's origin for scripts and frames, and the
    origins Stripe.js calls (real Stripe's API, or the emulator that serves the stand-in)."""
    js = _origin(stripe_js_url())
    api = _origin(getattr(settings, "STRIPE_API_BASE", "") or "") or "https://api.stripe.com"
    connect = sorted({js, api} - {""})
    return {"script-src": [js], "frame-src": [js], "connect-src": connect}


def stripe_page(view):
    """Let this page load Stripe.js: the CSP gains Stripe's origins on this response only."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response._csp_update = stripe_csp()
        return response

    return wrapped


class CardEntryWidget(forms.HiddenInput):
    """The hidden ``card`` input plus Stripe's card Element and its messages (templates/_card_entry.html). Not
    ``is_hidden``, so _form.html shows it with its label and errors like any other field."""

    template_name = "_card_entry.html"
    input_type = "hidden"

    @property
    def is_hidden(self) -> bool:  # type: ignore[override]
        return False

    def id_for_label(self, id_):
        return f"{id_}_element" if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["stripe"] = {
            "js_url": stripe_js_url(),
            "key": publishable_key(),
            "setup_url": reverse("card-setup"),
        }
        context["optional"] = not self.is_required
        return context


def card_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=255,
        label=_("Card"),
        widget=CardEntryWidget,
        validators=[PAYMENT_METHOD_ID],
        error_messages={"required": _("Enter your card details.")},
    )


class CardForm(forms.Form):
    """A card for a payment (the shop's order page, the back-office fee)."""

    card = card_field()
