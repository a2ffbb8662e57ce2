"""Joining a distributor's team and signing up as their customer, on their replicated site: short wizards (account,
address, the company's current terms, and for distributors an optional enrolment pack and its payment). Each submit
is one service call credited to the site's distributor."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commerce.gateways.stripe import GatewayError
from core.commerce.selectors.catalogue import enrolment_packs
from core.commerce.services.catalogue import distributor_prices_in
from core.commerce.services.enrolment import Enrolment, distributor_enrol
from core.company.models import PolicyAudience
from core.company.selectors import company_languages, language_names, markets_active, policy_documents_current
from core.company.services import company_settings_get
from core.members.selectors import replicated_site_owner
from core.members.services.signup import customer_sign_up
from frontend.common import formatting
from frontend.common.forms import errors_onto
from frontend.common.payments import stripe_page
from frontend.common.replicated import site_context, site_root
from frontend.site.forms import CustomerSignupForm, JoinForm

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


SIGNUP_LIMITED = gettext_lazy("Too many sign-ups from your network in the last hour. Please try again later.")


def _signup_allowed(request, form) -> bool:
    """Joins and customer sign-ups share one limit per IP (ACCOUNT_RATE_LIMITS["site_signup"], allauth's cache-based
    counter, whose keys carry the company's schema). Only complete forms count, so a visitor fixing a typo is not
    held back; when the limit is reached the form says so."""
    if ratelimit.consume(request, action="site_signup"):
        return True
    form.add_error(None, str(SIGNUP_LIMITED))
    return False


def _language_choice(request) -> dict:
    """The company's languages offered at sign-up, the one this page is in pre-selected."""
    return {"languages": language_names(company_languages()), "language": translation.get_language()}


def _form_status(form) -> int:
    """429 while the sign-up limit holds the form back (its error says so), 400 for other errors, else 200."""
    if str(SIGNUP_LIMITED) in form.non_field_errors():
        return 429
    return 400 if form.is_bound and form.errors else 200


def _client_ip(request) -> str | None:
    """The visitor's address as allauth's rate limits see it (TRUSTED_PROXY_COUNT decides which header to trust)."""
    return get_adapter(request).get_client_ip(request) or None


def _joined_messages(request, enrolment: Enrolment) -> None:
    member = enrolment.member
    messages.success(request, _("Welcome to the team! Your member number is %(number)s.") % {"number": member.number})
    if enrolment.order is None or enrolment.charge is None:
        return
    if enrolment.charge.succeeded:
        messages.success(
            request,
            _("Your enrolment pack is paid (order #%(number)s): %(total)s %(currency)s.")
            % {
                "number": enrolment.order.number,
                "total": formatting.number(enrolment.order.total),
                "currency": enrolment.order.currency,
            },
        )
    else:
        messages.warning(
            request,
            _(
                "The payment for your enrolment pack did not go through, so order #%(number)s is waiting: "
                "you can pay it with another card from your back office."
            )
            % {"number": enrolment.order.number},
        )


@stripe_page  # the enrolment pack's payment step takes a card through Stripe.js
def replicated_join(request, username: str):
    """ "Join my team": enrol the visitor with this site's distributor as sponsor, then open their back office."""
    member = replicated_site_owner(username=username)
    if member is None:
        return redirect("company-home")
    documents = policy_documents_current(audience=PolicyAudience.DISTRIBUTORS)
    company = company_settings_get()
    packs = list(enrolment_packs())
    form = JoinForm(
        request.POST or None,
        **_language_choice(request),
        documents=documents,
        packs=packs,
        pack_required=company.enrolment_pack_required,
        currency=company.currency,
        market_prices=_pack_prices_in_markets(packs),
    )
    if request.method == "POST" and form.is_valid() and _signup_allowed(request, form):
        data = form.cleaned_data
        try:
            enrolment = distributor_enrol(
                sponsor=member,
                **form.account(),
                address=form.address(),
                accepted_document_ids=data["documents"],
                ip_address=_client_ip(request),
                pack_sku=data.get("pack") or "",
                payment_method_id=(data.get("card") or "") if data.get("pack") else "",
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        except GatewayError as exc:  # a plain sentence; the details are in the log
            form.add_error(None, str(exc))
        else:
            login(request, enrolment.member.user, backend=AUTH_BACKEND)
            _joined_messages(request, enrolment)
            if enrolment.charge is not None and not enrolment.charge.succeeded:
                return redirect("office-order", number=enrolment.order.number)
            return redirect("office-home")
    context = site_context(
        request,
        member,
        form=form,
        documents=documents,
        packs=packs,
        start_step=form.first_step_with_errors(),
        currency=company.currency,
    )
    return render(request, "site/join.html", context, status=_form_status(form))


def _pack_prices_in_markets(packs) -> dict[str, str]:
    """The suffix " (España: 119.00 EUR)" per pack SKU: a new distributor pays their market's price (none: the base)."""
    found: dict[str, list[str]] = {}
    for market in markets_active():
        for sku, price in distributor_prices_in(market=market, products=packs).items():
            found.setdefault(sku, []).append(f"{market.name}: {price} {market.currency}")
    return {sku: f" ({'; '.join(parts)})" for sku, parts in found.items()}


def replicated_customer_signup(request, username: str):
    member = replicated_site_owner(username=username)
    if member is None:
        return redirect("company-home")
    documents = policy_documents_current(audience=PolicyAudience.CUSTOMERS)
    form = CustomerSignupForm(request.POST or None, documents=documents, **_language_choice(request))
    if request.method == "POST" and form.is_valid() and _signup_allowed(request, form):
        try:
            customer = customer_sign_up(
                distributor=member,
                **form.account(),
                address=form.address(),
                accepted_document_ids=form.cleaned_data["documents"],
                ip_address=_client_ip(request),
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request,
                _("Thank you, %(name)s: you are now a %(type)s.")
                % {"name": customer.first_name, "type": customer.get_customer_type_display()},
            )
            login(request, customer.user, backend=AUTH_BACKEND)  # signed in straight away, so a checkout can go on
            next_url = request.GET.get("next", "")
            if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url)
            return redirect(site_root(request, member) + "/")
    context = site_context(request, member, form=form, documents=documents, start_step=form.first_step_with_errors())
    return render(request, "site/customer_signup.html", context, status=_form_status(form))
