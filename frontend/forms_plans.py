"""Forms of the plans and commissions pages. Shapes only; the rules are plans.services' (errors_onto)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from plans.models import CommissionPeriod, PeriodStatus
from plans.synthetic import MAX_MEMBERS

# The console waits on the comparison page, which also runs the plan in effect on the same company: keep it quick.
CONSOLE_MAX_GENERATED = 200_000


class PlanDocumentForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, help_text="A label for this version (optional).")
    document = forms.CharField(
        label="Plan document (JSON)",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "code", "autocapitalize": "off"}),
        help_text="Every option is described in docs/plans.md. Check finds every problem at once.",
    )


def _periods(**filters):
    return CommissionPeriod.objects.filter(**filters).order_by("-start")


class PeriodChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: CommissionPeriod) -> str:
        return f"{obj.start:%Y-%m-%d} – {obj.end:%Y-%m-%d} ({obj.get_status_display()})"


class SimulateForm(forms.Form):
    period = PeriodChoice(queryset=_periods(), help_text="Run against this period's real orders and members.")


class GeneratedSimulateForm(forms.Form):
    members = forms.IntegerField(
        label="Members", min_value=1, initial=10_000,
        help_text=f"The size of the generated company (at most {CONSOLE_MAX_GENERATED:,}).",
    )  # fmt: skip
    orders_per_member = forms.DecimalField(
        label="Orders per member", min_value=Decimal("0.1"), max_value=20, max_digits=3, decimal_places=1,
        initial=Decimal("2.0"), help_text="On average, in the period (a quarter of them from customers).",
    )  # fmt: skip
    seed = forms.IntegerField(
        min_value=1, max_value=2**31 - 1, initial=1, help_text="The same seed generates the same company again."
    )

    def clean_members(self) -> int:
        members = self.cleaned_data["members"]
        if members > CONSOLE_MAX_GENERATED:
            raise forms.ValidationError(
                f"At most {CONSOLE_MAX_GENERATED:,} members here: a bigger company takes minutes to calculate "
                f"(the API takes up to {MAX_MEMBERS:,})."
            )
        return members

    def generated(self) -> dict:
        data = self.cleaned_data
        return {"members": data["members"], "orders_per_member": float(data["orders_per_member"]), "seed": data["seed"]}


class ActivateForm(forms.Form):
    effective_from = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The first day of the first commission period this version applies to.",
    )


class PeriodForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="Any day of the period.")


class AdjustmentForm(forms.Form):
    member = forms.IntegerField(label="Member number", min_value=1)
    amount = forms.DecimalField(max_digits=14, decimal_places=2, help_text="Negative to take money back.")
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="Required.")
    period = PeriodChoice(
        queryset=_periods(), required=False, help_text="Defaults to the period containing today.", empty_label="—"
    )


class PayoutForm(forms.Form):
    threshold = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, help_text="Balances below this wait for a later batch."
    )
    period = PeriodChoice(
        queryset=_periods(status__in=[PeriodStatus.POSTED, PeriodStatus.PAID]),
        required=False,
        empty_label="—",
        help_text="Marking the batch paid marks this posted period paid.",
    )
