"""The company's public site: its main page, its fixed pages, and each distributor's replicated site at
/<username>/ (or <username>.<company domain>, see config.middleware). Visitors join, sign up as customers and
subscribe to the newsletter here; every write is a service call credited to the site's distributor."""

from __future__ import annotations

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from core.communications.selectors import company_page_published, company_pages_published
from core.communications.services import member_welcome_send, newsletter_subscribe
from core.members.models import Member
from core.members.selectors import replicated_site_owner
from core.members.services import customer_create, member_enroll
from frontend.forms import CustomerSignupForm, JoinForm, NewsletterForm, errors_onto

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
SIGNUP_LIMITED = "Too many sign-ups from your network in the last hour. Please try again later."


def _signup_allowed(request, form) -> bool:
    """Joins and customer sign-ups share one limit per IP (ACCOUNT_RATE_LIMITS["site_signup"], allauth's cache-based
    counter, whose keys carry the company's schema). Only complete forms count, so a visitor fixing a typo is not
    held back; when the limit is reached the form says so."""
    if ratelimit.consume(request, action="site_signup"):
        return True
    form.add_error(None, SIGNUP_LIMITED)
    form.rate_limited = True
    return False


def _site_root(request, member: Member) -> str:
    """Where this replicated site's pages start: /<username> on the company domain, nothing on its own subdomain."""
    return "" if getattr(request, "replicated_username", None) else f"/{member.username}"


def _site_context(request, member: Member, **extra) -> dict:
    return {"owner": member, "site_root": _site_root(request, member), "pages": company_pages_published(), **extra}


def company_home(request):
    return render(
        request,
        "site/home.html",
        {"pages": company_pages_published(), "newsletter_form": NewsletterForm(), "site_root": ""},
    )


def company_page(request, slug: str):
    page = company_page_published(slug=slug)
    if page is None:
        raise Http404("This page is not published.")
    return render(request, "site/page.html", {"page": page, "pages": company_pages_published()})


def _form_status(form) -> int:
    return 429 if getattr(form, "rate_limited", False) else 200


def replicated_home(request, username: str):
    member = replicated_site_owner(username=username)
    if member is None:  # unknown, terminated or suspended: the company's own site, never an error
        return company_home(request)
    return render(request, "site/replicated.html", _site_context(request, member, newsletter_form=NewsletterForm()))


def replicated_avatar(request, username: str):
    member = replicated_site_owner(username=username)
    if member is None or not member.avatar:
        raise Http404("No photo.")
    return FileResponse(member.avatar.open("rb"))


def replicated_join(request, username: str):
    """ "Join my team": enrol the visitor with this site's distributor as sponsor, then open their back office."""
    member = replicated_site_owner(username=username)
    if member is None:
        return redirect("company-home")
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _signup_allowed(request, form):
        try:
            recruit = member_enroll(sponsor=member, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            member_welcome_send(member=recruit)
            login(request, recruit.user, backend=AUTH_BACKEND)
            messages.success(request, f"Welcome to the team! Your member number is {recruit.number}.")
            return redirect("office-home")
    return render(request, "site/join.html", _site_context(request, member, form=form), status=_form_status(form))


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
            return redirect(_site_root(request, member) + "/")
    return render(
        request, "site/customer_signup.html", _site_context(request, member, form=form), status=_form_status(form)
    )


def newsletter_signup(request, username: str | None = None):
    """Newsletter sign-up on a replicated site (credited to its distributor) or on the company's site. With htmx
    the form swaps for the answer in place; without it the page reloads with the same answer."""
    member = replicated_site_owner(username=username) if username else None
    form = NewsletterForm(request.POST or None)
    subscribed = False
    if request.method == "POST" and form.is_valid():
        try:
            newsletter_subscribe(email=form.cleaned_data["email"], distributor=member)
            subscribed = True
        except ValidationError as exc:
            errors_onto(form, exc)
    context = {"newsletter_form": form, "subscribed": subscribed, "owner": member}
    if member is not None:
        context["site_root"] = _site_root(request, member)
    if request.headers.get("HX-Request"):
        return render(request, "site/_newsletter.html", context)
    if subscribed:
        messages.success(request, "You are subscribed to the newsletter.")
        return redirect((context.get("site_root") or "") + "/")
    if member is not None:
        return render(request, "site/replicated.html", _site_context(request, member, newsletter_form=form))
    return render(request, "site/home.html", {"pages": company_pages_published(), "newsletter_form": form})
