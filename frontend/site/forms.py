"""Forms of the company's site and the replicated sites: join, customer sign-up, newsletter."""

from __future__ import annotations

from django import forms

from core.members.models import CustomerType


class JoinForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(max_length=254)  # the column's length (Django's form default allows 320)
    username = forms.CharField(
        max_length=32, help_text="Your own site's address: 3 to 32 lowercase letters, digits or hyphens."
    )
    password = forms.CharField(widget=forms.PasswordInput, min_length=8, max_length=128)
    phone = forms.CharField(max_length=40, required=False)
    country = forms.CharField(max_length=2, required=False, help_text="Two-letter code, e.g. US.")


class CustomerSignupForm(forms.Form):
    customer_type = forms.ChoiceField(
        choices=CustomerType.choices,
        widget=forms.RadioSelect,
        initial=CustomerType.RETAIL,
        help_text="Preferred customers buy at the preferred price.",
    )
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, min_length=8, max_length=128)


class NewsletterForm(forms.Form):
    email = forms.EmailField(label="Your e-mail", max_length=254)
