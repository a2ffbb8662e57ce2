"""Forms of the provider console: onboarding and suspending a company, closing a month."""

from __future__ import annotations

import datetime

from babel.dates import format_date
from django import forms
from django.utils.translation import gettext_lazy as _

from billing.reports import finished_months
from billing.selectors import price_plans
from frontend.common.formatting import current_locale


class OnboardForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Company name"))
    subdomain = forms.CharField(
        max_length=63, label=_("Subdomain"), help_text=_("The company's site: <subdomain>.<platform domain>.")
    )
    admin_email = forms.EmailField(label=_("First admin's e-mail"))
    admin_first_name = forms.CharField(max_length=150, required=False, label=_("Admin first name"))
    admin_last_name = forms.CharField(max_length=150, required=False, label=_("Admin last name"))
    billing_email = forms.EmailField(required=False, label=_("Billing email"))
    price_plan = forms.ModelChoiceField(queryset=None, required=False, label=_("Price plan"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_plan"].queryset = price_plans()


class SuspendForm(forms.Form):
    reason = forms.CharField(
        max_length=500, label=_("Reason"), help_text=_("The company's users see this on their site.")
    )


class MonthCloseForm(forms.Form):
    """The month to close: one of the last twelve that have ended (a running month cannot be closed)."""

    month = forms.TypedChoiceField(label=_("Month to close"), coerce=datetime.date.fromisoformat)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [
            (month.isoformat(), format_date(month, "LLLL y", locale=current_locale())) for month in finished_months()
        ]
