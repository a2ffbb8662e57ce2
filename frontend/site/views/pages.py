"""The company's public site (its main page and fixed pages) and each distributor's replicated site at /<username>/
(or <username>.<company domain>, see config.middleware), with the newsletter sign-up of both."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.communications.selectors import company_page_published, company_pages_published
from core.communications.services import newsletter_subscribe
from core.members.selectors import replicated_site_owner
from frontend.common.forms import errors_onto
from frontend.common.replicated import referral_remember, site_context, site_root
from frontend.site.forms import NewsletterForm
from frontend.site.storefront import home_context


def company_home(request):
    return render(request, "site/home.html", home_context(request, newsletter_form=NewsletterForm()))


def company_page(request, slug: str):
    page = company_page_published(slug=slug)
    if page is None:
        raise Http404(_("This page is not published."))
    return render(request, "site/page.html", {"page": page, "pages": company_pages_published()})


def replicated_home(request, username: str):
    member = replicated_site_owner(username=username)
    if member is None:  # unknown, terminated or suspended: the company's own site, never an error
        return company_home(request)
    response = render(request, "site/replicated.html", site_context(request, member, newsletter_form=NewsletterForm()))
    return referral_remember(request, response, member)


def replicated_avatar(request, username: str):
    member = replicated_site_owner(username=username)
    if member is None or not member.avatar:
        raise Http404(_("No photo."))
    return FileResponse(member.avatar.open("rb"))


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
        context["site_root"] = site_root(request, member)
    if request.headers.get("HX-Request"):
        return render(request, "site/_newsletter.html", context)
    if subscribed:
        messages.success(request, _("You are subscribed to the newsletter."))
        return redirect((context.get("site_root") or "") + "/")
    if member is not None:
        return render(request, "site/replicated.html", site_context(request, member, newsletter_form=form))
    return render(request, "site/home.html", home_context(request, newsletter_form=form))
