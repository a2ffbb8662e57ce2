"""Forms of the back office: the profile photo, autoships and a consultant's own party. The profile's fields are
frontend.common.forms.ProfileForm (the console edits the same)."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from frontend.common.forms import LINE_ROWS, ProfileForm, line_fields, lines_from
from frontend.common.parties import PartyForm
from frontend.common.payments import card_field


class OfficeProfileForm(ProfileForm):
    """The distributor's own profile: the shared fields plus choices only they make (never the console)."""

    listed_in_directory = forms.BooleanField(
        required=False,
        label=_("List me under “Find a distributor” on the company site"),
        help_text=_("Shows your name, city and a link to your site. Off by default; turn it off at any time."),
    )


class AvatarForm(forms.Form):
    avatar = forms.ImageField(label=_("Photo"), help_text=_("A JPEG or PNG photo, at most 5 MB."))

    def clean_avatar(self):
        avatar = self.cleaned_data["avatar"]
        if avatar.size > 5 * 1024 * 1024:
            raise ValidationError(_("The photo is larger than 5 MB."))
        return avatar


class OwnPartyForm(PartyForm):
    """A consultant holds their own party: no member number to give."""

    consultant = None


class AutoshipForm(forms.Form):
    interval_months = forms.TypedChoiceField(
        choices=[(n, ngettext_lazy("Every %(n)s month", "Every %(n)s months", n) % {"n": n}) for n in (1, 2, 3, 6)],
        coerce=int,
        initial=1,
        label=_("How often"),
    )
    first_run_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label=_("First order on"), help_text=_("Today or later.")
    )
    ship_country = forms.CharField(
        max_length=2, required=False, label=_("Country"), help_text=_("Two-letter code, e.g. US.")
    )
    ship_region = forms.CharField(max_length=100, required=False, label=_("State or region"))
    card = forms.ChoiceField(required=False)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["first_run_on"].initial = today
        line_fields(self, LINE_ROWS)
        self.fields["card"] = card_field()
        self.order_fields([f"{k}_{r}" for r in range(LINE_ROWS) for k in ("sku", "quantity")])

    def clean_first_run_on(self):
        day = self.cleaned_data["first_run_on"]
        if day < self.today:
            raise ValidationError(_("Choose today or a later day."))
        return day

    def clean(self):
        data = super().clean()
        data["lines"] = lines_from(self, LINE_ROWS)
        return data
