"""Forms of the console's commission pages: plan versions, simulations and what-ifs, periods, runs' exchange rates,
adjustments and payouts, and the confirmation every money action asks for. Shapes only, as in
``frontend.console.forms`` (which re-exports them)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from plans.models import CommissionPeriod, PeriodStatus
from plans.selectors import commission_periods
from plans.synthetic import MAX_MEMBERS
from plans.whatif import OPTIONS as WHATIF_OPTIONS

# The console waits on the comparison page, which also runs the plan in effect on the same company: keep it quick.
CONSOLE_MAX_GENERATED = 200_000


def _lazy_format(message, **values) -> str:
    """A translated message with fixed values put in when it is shown (in the language of that request)."""
    return lazy(lambda: str(message) % values, str)()


class PlanDocumentForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, help_text=_("A label for this version (optional).")
    )
    document = forms.CharField(
        label=_("Plan document (JSON)"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "code", "autocapitalize": "off"}),
        help_text=_(
            "Every option is explained in the plan reference (Help, linked above). Check finds every problem at once."
        ),
    )


class PeriodChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: CommissionPeriod) -> str:
        return f"{obj.start:%Y-%m-%d} – {obj.end:%Y-%m-%d} ({obj.get_status_display()})"


class SimulateForm(forms.Form):
    period = PeriodChoice(
        label=_("Period"),
        queryset=commission_periods(),
        help_text=_("Run against this period's real orders and members."),
    )


class GeneratedSimulateForm(forms.Form):
    members = forms.IntegerField(
        label=_("Members"), min_value=1, initial=10_000,
        help_text=_lazy_format(
            _("The size of the generated company (at most %(max)s)."), max=f"{CONSOLE_MAX_GENERATED:,}"
        ),
    )  # fmt: skip
    orders_per_member = forms.DecimalField(
        label=_("Orders per member"), min_value=Decimal("0.1"), max_value=20, max_digits=3, decimal_places=1,
        initial=Decimal("2.0"), help_text=_("On average, in the period (a quarter of them from customers)."),
    )  # fmt: skip
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=1,
        max_value=2**31 - 1,
        initial=1,
        help_text=_("The same seed generates the same company again."),
    )

    def clean_members(self) -> int:
        members = self.cleaned_data["members"]
        if members > CONSOLE_MAX_GENERATED:
            raise forms.ValidationError(
                _(
                    "At most %(max)s members here: a bigger company takes minutes to calculate "
                    "(the API takes up to %(api_max)s)."
                )
                % {"max": f"{CONSOLE_MAX_GENERATED:,}", "api_max": f"{MAX_MEMBERS:,}"}
            )
        return members

    def generated(self) -> dict:
        data = self.cleaned_data
        return {"members": data["members"], "orders_per_member": float(data["orders_per_member"]), "seed": data["seed"]}


class ActivateForm(forms.Form):
    effective_from = forms.DateField(
        label=_("Effective from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The first day of the first commission period this version applies to."),
    )


class PeriodForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("Any day of the period.")
    )


class AdjustmentForm(forms.Form):
    member = forms.IntegerField(label=_("Member number"), min_value=1)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, help_text=_("Negative to take money back.")
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Required.")
    )
    period = PeriodChoice(
        label=_("Period"),
        queryset=commission_periods(),
        required=False,
        help_text=_("Defaults to the period containing today."),
        empty_label="—",
    )


class PayoutForm(forms.Form):
    threshold = forms.DecimalField(
        label=_("Threshold"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        help_text=_("Balances below this wait for a later batch."),
    )
    period = PeriodChoice(label=_("Period"),
        queryset=commission_periods(statuses=[PeriodStatus.POSTED, PeriodStatus.PAID]),
        required=False,
        empty_label="—",
        help_text=_("The batch pays what is unpaid of each member's commissions up to and including this posted "
                    "period (—: the latest posted period). Marking the batch paid marks this period paid."),
    )  # fmt: skip


class ConfirmForm(forms.Form):
    """The second step of a money action: the total the admin was shown, and their explicit confirmation. A total
    that no longer matches is refused by the service (plans.audit.expected_check)."""

    expected_total = forms.DecimalField(max_digits=14, decimal_places=2, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I have checked the amount, the number of payees and the period."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class ExchangeRateForm(forms.Form):
    """One currency's rate on a run's exchange-rates page (a form per currency, prefixed with its code)."""

    currency = forms.CharField(max_length=3, widget=forms.HiddenInput)
    rate = forms.CharField(
        max_length=40,
        label=pgettext_lazy("exchange rate", "Rate"),
        help_text=_("Units of this currency for 1 unit of the base currency, such as 0.9137."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class ExchangeRatesFileForm(forms.Form):
    file = forms.FileField(
        label=_("Rates file (CSV)"),
        help_text=_("One row per currency: currency,rate (such as EUR,0.9137); a first row currency,rate is skipped. "
                    "Every row is checked before any rate is recorded."),
    )  # fmt: skip


class WhatIfForm(forms.Form):
    """One option of the plan document tried on a copy of the plan in effect (plans.whatif)."""

    option = forms.ChoiceField(label=_("Option"), choices=[])
    period = PeriodChoice(
        label=_("Period"),
        queryset=commission_periods(),
        help_text=_("Both the plan and the copy with the option are calculated on this period's orders and members."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [(key, option.label) for key, option in WHATIF_OPTIONS.items()]
