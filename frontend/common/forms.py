"""Form helpers shared by every audience: a service's ValidationError put next to the fields it names, one form
submission helper that hands back the service's result, the profile fields (back office and console) and the
product-and-quantity rows (party guest orders and autoships)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.commerce.gateways.stripe import GatewayError
from core.commerce.selectors.catalogue import products_for_sale
from core.company.selectors import company_languages

LINE_ROWS = 5


def errors_onto(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's errors next to the fields they name; errors about anything else go on top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, messages in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


@dataclass(frozen=True)
class Submission:
    """What became of a form posted to a service: ``ok`` (also its truth value) and the service's return value."""

    ok: bool
    result: Any = None

    def __bool__(self) -> bool:
        return self.ok


def submit(form: forms.Form, call: Callable[[dict], Any]) -> Submission:
    """Run ``call(cleaned_data)`` for a valid form and hand back its result; a ValidationError goes onto the form,
    a payment gateway's refusal on top of it."""
    if not form.is_valid():
        return Submission(ok=False)
    try:
        return Submission(ok=True, result=call(form.cleaned_data))
    except ValidationError as exc:
        errors_onto(form, exc)
    except GatewayError as exc:
        form.add_error(None, str(exc))  # a plain sentence (translated); the details are in the log
    return Submission(ok=False)


def form_status(form: forms.Form) -> int:
    """400 when a posted form has errors, else 200."""
    return 400 if form.errors else 200


class TranslatedForm(forms.Form):
    """A form of company-written content (issue 19). The fields named in ``translated_fields`` hold the company's
    default language; the same fields are added for each of its other languages (``title__es``, optional, shown in
    a fieldset per language by _form.html) and come back as one ``translations`` value, ``{"es": {"title": "…"}}``,
    for the service. ``initial["translations"]`` fills them. A company with one language sees the form as before."""

    translated_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        self.translation_languages = company_languages()[1:]
        written = (self.initial or {}).get("translations") or {}
        self._translation_groups: list[tuple[str, str, list[str]]] = []
        for lang in self.translation_languages:
            keys = []
            for name in self.translated_fields:
                base = self.fields[name]
                field = copy.deepcopy(base)
                field.required = False
                field.help_text = ""
                field.label = base.label or name.replace("_", " ").capitalize()
                field.widget.attrs = {**field.widget.attrs, "lang": lang}
                field.translation_language = lang  # type: ignore[attr-defined]  # _form.html groups by it
                key = f"{name}__{lang}"
                self.fields[key] = field
                self.initial[key] = (written.get(lang) or {}).get(name, "")
                keys.append(key)
            self._translation_groups.append((lang, names.get(lang, lang), keys))

    def translation_fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(code, language name, bound fields) per other language, for the template."""
        return [(lang, name, [self[key] for key in keys]) for lang, name, keys in self._translation_groups]

    def clean(self):
        data = super().clean()
        if self.translation_languages:
            data["translations"] = {
                lang: {name: data.pop(f"{name}__{lang}", "") or "" for name in self.translated_fields}
                for lang in self.translation_languages
            }
        return data


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=100, label=_("First name"))
    last_name = forms.CharField(max_length=100, label=_("Last name"))
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    address_line1 = forms.CharField(max_length=200, required=False, label=_("Address"))
    address_line2 = forms.CharField(max_length=200, required=False, label=_("Address (line 2)"))
    city = forms.CharField(max_length=100, required=False, label=_("City"))
    region = forms.CharField(max_length=100, required=False, label=_("Region"))
    postal_code = forms.CharField(max_length=20, required=False, label=_("Postal code"))
    country = forms.CharField(
        max_length=2, required=False, label=_("Country"), help_text=_("Two-letter code, e.g. US.")
    )
    bio = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2000,
        required=False,
        label=_("Bio"),
        help_text=_("Shown on your replicated site. Blank lines separate paragraphs."),
    )


def line_fields(form: forms.Form, rows: int = LINE_ROWS) -> None:
    """``rows`` pairs of product (any product for sale) and quantity fields."""
    products = products_for_sale().order_by("sku")
    choices = [("", "—")] + [(p.sku, f"{p.sku} {p.name}") for p in products]
    for row in range(rows):
        form.fields[f"sku_{row}"] = forms.ChoiceField(
            choices=choices, required=False, label=gettext("Product %(row)s") % {"row": row + 1}
        )
        form.fields[f"quantity_{row}"] = forms.IntegerField(
            min_value=1, max_value=999, required=False, label=gettext("Quantity %(row)s") % {"row": row + 1}
        )


def lines_from(form: forms.Form, rows: int = LINE_ROWS) -> list[tuple[str, int]]:
    """The (sku, quantity) rows filled in; a product without a quantity, or the reverse, is an error on the row."""
    lines = []
    for row in range(rows):
        sku, quantity = form.cleaned_data.get(f"sku_{row}"), form.cleaned_data.get(f"quantity_{row}")
        if sku and not quantity:
            form.add_error(f"quantity_{row}", gettext("How many?"))
        elif quantity and not sku:
            form.add_error(f"sku_{row}", gettext("Choose a product."))
        elif sku:
            lines.append((sku, quantity))
    if not lines and not form.errors:
        form.add_error("sku_0", gettext("Choose at least one product."))
    return lines
