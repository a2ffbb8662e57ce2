"""Forms of the provider console: onboarding and suspending a company, closing a month."""

from __future__ import annotations

import datetime

from django import forms

from billing.reports import finished_months
from billing.selectors import price_plans


class OnboardForm(forms.Form):
    name = forms.CharField(max_length=200, label="Company name")
    subdomain = forms.CharField(max_length=63, help_text="The company's site: <subdomain>.<platform domain>.")
    admin_email = forms.EmailField(label="First admin's e-mail")
    admin_first_name = forms.CharField(max_length=150, required=False)
    admin_last_name = forms.CharField(max_length=150, required=False)
    billing_email = forms.EmailField(required=False)
    price_plan = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_plan"].queryset = price_plans()


class SuspendForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="The company's users see this on their site.")


class MonthCloseForm(forms.Form):
    """The month to close: one of the last twelve that have ended (a running month cannot be closed)."""

    month = forms.TypedChoiceField(label="Month to close", coerce=datetime.date.fromisoformat)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(month.isoformat(), f"{month:%B %Y}") for month in finished_months()]
