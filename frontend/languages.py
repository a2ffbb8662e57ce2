"""Choosing a language (issue 19), on a company's host and on the platform alike:

- ``POST /language/``: the footer's switcher. Stores the choice in Django's language cookie (and, for a signed-in
  person, as their own language), then goes back to the page it came from. Only the company's languages are taken.
- ``/accounts/language/``: a signed-in person's own language (members, customers, company admins, provider staff).

Which language a request is then served in is config.middleware.CompanyLocaleMiddleware's choice."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.accounts.services import language_errors, user_language_set
from core.company.selectors import company_languages, language_names


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_names(company_languages())


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")[:10]
    if errors := language_errors(language):
        return HttpResponseBadRequest(f"language: {errors[0]}", content_type="text/plain; charset=utf-8")
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    response = redirect(_back(request))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


@login_required
def language_account(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own language: their pages and the e-mails sent to them."""
    user = request.user
    form = LanguageForm(request.POST or None, initial={"language": user.language or translation.get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            user_language_set(user=user, language=form.cleaned_data["language"])
        except ValidationError as exc:
            form.add_error("language", exc.message_dict.get("language", exc.messages))
        else:
            translation.activate(user.language)
            messages.success(request, _("Your language is saved."))
            return redirect("account-language")
    return render(request, "account/language.html", {"form": form}, status=400 if form.errors else 200)


urlpatterns = [
    path("language/", language_switch, name="language-switch"),
    path("accounts/language/", language_account, name="account-language"),
]
