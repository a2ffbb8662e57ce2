"""Reads about the current company (the schema the connection is on)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation.trans_real import parse_accept_lang_header
from django_tenants.utils import get_public_schema_name, get_tenant_domain_model, get_tenant_model

from config.hosts import company_host, site_url
from config.tenancy import current_schema
from core.accounts.models import User
from core.company.models import CompanySettings, Market, PolicyAudience, PolicyDocument


def company_url() -> str:
    """The current company's address, e.g. https://acme.example (e-mails need absolute links): its primary domain,
    else its default host; "" when no company owns the schema.

    The company and domain rows belong to django-tenants' models (reached through its settings), so core reads
    where it is served without importing the provider's `tenants` app."""
    schema_name = current_schema()
    domains = get_tenant_domain_model().objects.filter(tenant__schema_name=schema_name)
    primary = domains.filter(is_primary=True).values_list("domain", flat=True).first()
    if primary:
        return site_url(primary)
    if not get_tenant_model().objects.filter(schema_name=schema_name).exists():
        return ""
    return site_url(company_host(schema_name.replace("_", "-")))


def policy_documents_current(*, audience: str) -> list[PolicyDocument]:
    """The latest published version of each of the company's documents that applies to ``audience``
    ("distributors" or "customers"), in the order they are shown: by key."""
    applies = [PolicyAudience.EVERYONE, audience]
    latest = (
        PolicyDocument.objects.filter(key=OuterRef("key"), published_at__lte=timezone.now())
        .order_by("-version")
        .values("pk")[:1]
    )
    return list(PolicyDocument.objects.filter(pk=Subquery(latest), applies_to__in=applies).order_by("key"))


def policy_document_versions(*, key: str) -> QuerySet[PolicyDocument]:
    """Every version of one document, newest first, with how many people accepted each."""
    return PolicyDocument.objects.filter(key=key).annotate(accepted=Count("acceptances")).order_by("-version")


def policy_documents_latest() -> list[PolicyDocument]:
    """The latest version of every document (the console's list)."""
    latest = PolicyDocument.objects.filter(key=OuterRef("key")).order_by("-version").values("pk")[:1]
    return list(PolicyDocument.objects.filter(pk=Subquery(latest)).order_by("key"))


# ------------------------------------------------------------------------------------------------------ languages
# Which language a page or an e-mail is in (issue 19). A company enables some of settings.LANGUAGES (the first is its
# default); each person may have chosen one (User.language). The platform itself (provider console) offers them all.


def languages_known() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_names(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, name in its own language) for each code, e.g. ("es", "Español"): how a language is offered to a person."""
    names = dict(settings.LANGUAGES)
    return [(code, names[code]) for code in codes if code in names]


def company_languages() -> list[str]:
    """The current company's enabled languages, its default first; on the platform (public schema), and for a company
    that has not chosen, every language of settings.LANGUAGES with settings.LANGUAGE_CODE first. Codes no longer in
    settings.LANGUAGES are ignored."""
    known = languages_known()
    if current_schema() == get_public_schema_name():
        return sorted(known, key=lambda code: code != settings.LANGUAGE_CODE)
    stored = CompanySettings.objects.order_by("id").values_list("languages", flat=True).first() or []
    enabled = [code for code in dict.fromkeys(stored) if code in known]
    # A company that has not chosen offers every language Canopy ships (English, the source, first).
    return enabled or sorted(known, key=lambda code: code != settings.LANGUAGE_CODE)


def language_pick(*, enabled: Sequence[str], chosen: Iterable[str | None] = (), accept_language: str = "") -> str:
    """The language to serve, from the most to the least deliberate choice: the first of ``chosen`` (the person's
    own language, then the switcher's cookie) that is enabled; else the browser's most preferred enabled language
    (``es-ES`` matches ``es``); else the default (the first enabled)."""
    for code in chosen:
        if code and code in enabled:
            return code
    for tag, _quality in parse_accept_lang_header(accept_language[:1000]):
        tag = tag.lower()
        for candidate in (tag, tag.split("-")[0]):
            if candidate in enabled:
                return candidate
    return enabled[0] if enabled else settings.LANGUAGE_CODE


def language_for(*, user: Any = None, email: str = "") -> str:
    """The language to write to a person in (every e-mail the company sends): their own language when the company
    still enables it, else the company's default. A person known only by an e-mail address is looked up by it."""
    if user is None and email:
        user = User.objects.filter(email__iexact=email).only("language").first()
    return language_pick(enabled=company_languages(), chosen=[getattr(user, "language", "")])


def translated(obj: Any, field: str, language: str | None = None) -> str:
    """Company-written text (``obj.<field>``) in ``language`` (the active language when None): the text written for
    that language in ``obj.translations``, else the field itself, which holds the company's default language."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    text = ((getattr(obj, "translations", None) or {}).get(language) or {}).get(field)
    return text if isinstance(text, str) and text.strip() else getattr(obj, field)


def translated_pair(obj: Any, first: str, second: str, language: str | None = None) -> tuple[str, str]:
    """Two fields that go together (an e-mail's subject and body, a page's title and body) from the same language:
    both written for ``language``, else both the default language's, never a mix."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    texts = (getattr(obj, "translations", None) or {}).get(language) or {}
    if all(isinstance(texts.get(name), str) and texts[name].strip() for name in (first, second)):
        return texts[first], texts[second]
    return getattr(obj, first), getattr(obj, second)


# ---------------------------------------------------------------------------------------------------- markets


def markets_list() -> QuerySet[Market]:
    """Every market, the inactive ones too (orders point to them), by code."""
    return Market.objects.order_by("code")


def markets_active() -> QuerySet[Market]:
    return Market.objects.filter(is_active=True).order_by("code")


def market_by_code(*, code: str, active_only: bool = True) -> Market | None:
    found = Market.objects.filter(code__iexact=(code or "").strip()[:20])
    return (found.filter(is_active=True) if active_only else found).first()


def market_for_country(*, country: str) -> Market | None:
    """The active market that sells in ``country`` (an ISO 3166 code), or None (the company's default: its base
    currency and the products' own prices). A country belongs to at most one active market."""
    country = (country or "").strip().upper()
    if not country:
        return None
    return Market.objects.filter(is_active=True, countries__contains=[country]).first()
