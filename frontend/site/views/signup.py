"""Joining a distributor's team and signing up as their customer, on their replicated site. Every write is one
members service credited to the site's distributor."""

from __future__ import annotations

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from core.members.selectors import replicated_site_owner
from core.members.services.customers import customer_create
from core.members.services.enrolment import member_join
from frontend.common.forms import errors_onto
from frontend.common.replicated import site_context, site_root
from frontend.site.forms import CustomerSignupForm, JoinForm

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
SIGNUP_LIMITED = "Too many sign-ups from your network in the last hour. Please try again later."


def _signup_allowed(request, form) -> bool:
    """Joins and customer sign-ups share one limit per IP (ACCOUNT_RATE_LIMITS["site_signup"], allauth's cache-based
    counter, whose keys carry the company's schema). Only complete forms count, so a visitor fixing a typo is not
    held back; when the limit is reached the form says so."""
    if ratelimit.consume(request, action="site_signup"):
        return True
    form.add_error(None, SIGNUP_LIMITED)
    return False


def _form_status(form) -> int:
    """429 while the sign-up limit holds the form back (its error says so), else 200."""
    return 429 if SIGNUP_LIMITED in form.non_field_errors() else 200


def replicated_join(request, username: str):
    """ "Join my team": enrol the visitor with this site's distributor as sponsor, then open their back office."""
    member = replicated_site_owner(username=username)
    if member is None:
        return redirect("company-home")
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _signup_allowed(request, form):
        try:
            recruit = member_join(sponsor=member, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            login(request, recruit.user, backend=AUTH_BACKEND)
            messages.success(request, f"Welcome to the team! Your member number is {recruit.number}.")
            return redirect("office-home")
    return render(request, "site/join.html", site_context(request, member, form=form), status=_form_status(form))


def replicated_customer_signup(request, username: str):
    member = replicated_site_owner(username=username)
    if member is None:
        return redirect("company-home")
    form = CustomerSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _signup_allowed(request, form):
        try:
            customer = customer_create(distributor=member, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request, f"Thank you, {customer.first_name}: you are now a {customer.get_customer_type_display()}."
            )
            if customer.user is not None:  # signed in straight away, so a checkout can go on
                login(request, customer.user, backend=AUTH_BACKEND)
            next_url = request.GET.get("next", "")
            if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url)
            return redirect(site_root(request, member) + "/")
    return render(
        request, "site/customer_signup.html", site_context(request, member, form=form), status=_form_status(form)
    )
