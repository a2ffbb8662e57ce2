"""The console's market forms (issue 19): a market, one price list row, a price list file, a person's market."""

from __future__ import annotations

from babel import Locale
from babel.numbers import list_currencies
from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.company.selectors import company_languages, markets_active


def currency_choices() -> list[tuple[str, str]]:
    """ISO 4217 codes Babel knows, with their names in the page's language ("EUR · Euro")."""
    try:
        locale = Locale.parse(translation.to_locale(translation.get_language() or "en"))
    except (ValueError, LookupError):
        locale = Locale.parse("en")
    return [(code, f"{code} · {locale.currencies.get(code, code)}") for code in sorted(list_currencies())]


class MarketForm(forms.Form):
    code = forms.CharField(max_length=20, label=_("Code"), help_text=_("Short name, e.g. ES. It cannot change later."))
    name = forms.CharField(max_length=100, label=_("Name"))
    countries = forms.MultipleChoiceField(
        label=_("Countries"),
        help_text=_("A country belongs to at most one active market. Hold Ctrl (⌘ on a Mac) to pick several."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    currency = forms.ChoiceField(label=_("Currency"))
    language = forms.ChoiceField(required=False, label=_("Default language"))
    prices_include_tax = forms.BooleanField(
        required=False,
        label=_("Prices include tax"),
        help_text=_("On for VAT countries (prices shown with the tax in them); off where tax is added at checkout."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["countries"].choices = list(countries)
        self.fields["currency"].choices = currency_choices()
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [("", _("The company's default"))] + [
            (code, names.get(code, code)) for code in company_languages()
        ]


class PriceListFileForm(forms.Form):
    file = forms.FileField(
        label=_("Price list file (CSV)"),
        help_text=_("Columns sku, retail_price, distributor_price, preferred_price; empty prices: not sold here."),
    )


class PersonMarketForm(forms.Form):
    market = forms.ChoiceField(required=False, label=_("Market"))
    reason = forms.CharField(max_length=500, required=False, label=_("Reason"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].choices = [("", _("None (the company's base currency)"))] + [
            (m.code, f"{m.name} ({m.currency})") for m in markets_active()
        ]
