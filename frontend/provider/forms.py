"""Forms of the provider console: onboarding and suspending a company."""

from __future__ import annotations

from django import forms

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
