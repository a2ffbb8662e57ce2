"""The party pages that the console and the back office share: the party and guest order forms, the page's
context and placing a guest's order."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.commerce.models import PartyStatus
from core.commerce.selectors.parties import party_orders
from core.commerce.services.orders import LineRequest
from core.commerce.services.parties import party_guest_order_take
from core.commerce.services.payments import OFFLINE_METHODS
from frontend.common.forms import LINE_ROWS, errors_onto, line_fields, lines_from
from frontend.common.paging import paginate


class PartyForm(forms.Form):
    consultant = forms.IntegerField(label=_("Consultant's member number"), min_value=1, max_value=2**63 - 1)
    name = forms.CharField(max_length=200, required=False, label=_("Name"), help_text=_("Empty: “Party of <host>”."))
    host_name = forms.CharField(
        max_length=200, required=False, label=_("Host's name"), help_text=_("Empty: the host's own name.")
    )
    host_email = forms.EmailField(required=False, max_length=254, label=_("Host's e-mail"))
    host_member_number = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        label=_("Host's member number"),
        help_text=_("A distributor hosting: the host reward is paid to them."),
    )
    host_customer_number = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        label=_("Host's customer number"),
        help_text=_("A customer hosting: the host reward is credited to them."),
    )
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Held on"))


class GuestOrderForm(forms.Form):
    """A guest's order at a party, at retail, paid offline at the party (or left to pay later)."""

    guest_name = forms.CharField(max_length=200, label=_("Guest's name"))
    paid_with = forms.ChoiceField(
        choices=[("", _("Not paid yet"))] + [(m.value, m.label) for m in OFFLINE_METHODS],
        required=False,
        label=_("Paid with"),
    )
    reference = forms.CharField(
        max_length=200, required=False, label=_("Reference"), help_text=_("Check number, receipt ...")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        line_fields(self, LINE_ROWS)

    def clean(self):
        data = super().clean()
        data["lines"] = lines_from(self, LINE_ROWS)
        return data


def party_guest_order(*, party, form: GuestOrderForm, by):
    """Place a guest's order and record the cash or check taken at the party (one service, one transaction). The
    order, or None with the errors on the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return party_guest_order_take(
            party=party,
            guest_name=data["guest_name"],
            lines=[LineRequest(sku, quantity) for sku, quantity in data["lines"]],
            by=by,
            paid_with=data["paid_with"],
            reference=data["reference"],
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "method" in exc.error_dict:  # the payment's field is "paid_with" here
            exc = ValidationError({"paid_with" if k == "method" else k: v for k, v in exc.error_dict.items()})
        errors_onto(form, exc)
        return None


def party_page_context(request, party, guest_form: GuestOrderForm | None = None) -> dict:
    return {
        "party": party,
        "guest_form": guest_form or GuestOrderForm(),
        "open": party.status == PartyStatus.OPEN,
        **paginate(request, party_orders(party=party), 25),
    }
