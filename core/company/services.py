from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import TypedDict, Unpack

from babel.numbers import list_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django_countries import countries as django_countries
from PIL import Image, UnidentifiedImageError

from core.accounts.models import User
from core.company.models import CompanySettings, Market, PolicyAcceptance, PolicyAudience, PolicyDocument
from core.company.selectors import company_languages, policy_documents_current
from core.members.models import Member

EDITABLE_FIELDS = (
    "display_name",
    "currency",
    "timezone",
    "support_email",
    "from_email",
    "first_member_number",
    "terminated_tree_root_number",
    "commission_period",
    "primary_color",
    "secondary_color",
    "logo",
    "hero_title",
    "hero_text",
    "hero_image",
    "house_member_number",
    "replicated_subdomains_enabled",
    "require_two_factor_for_admins",
    "statement_attached_to_email",
    "enrolment_pack_required",
    "office_contact_email",
    "office_contact_phone",
    "translations",  # the storefront's hero title and text in the company's other languages
)


def company_settings_initialise(*, display_name: str, support_email: str = "") -> CompanySettings:
    """The defaults a new company starts with (called once, by onboarding, inside the new schema)."""
    return CompanySettings.objects.create(display_name=display_name, support_email=support_email)


def company_settings_get() -> CompanySettings:
    settings_row = CompanySettings.objects.order_by("id").first()
    if settings_row is None:
        raise CompanySettings.DoesNotExist("This company has no settings row; it was not onboarded properly.")
    return settings_row


BRANDING_IMAGES = ("logo", "hero_image")
BRANDING_IMAGE_MAX_BYTES = 2 * 1024 * 1024
BRANDING_IMAGE_MAX_PIXELS = 4000 * 4000  # a decompression bomb is refused before it is decoded
BRANDING_IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


def branding_errors(upload: UploadedFile) -> list[str]:
    """Why an uploaded logo or hero picture is refused (empty when it is fine): the public site serves it, so only
    common picture formats of bounded size and dimensions."""
    if upload.size is None or upload.size > BRANDING_IMAGE_MAX_BYTES:
        return [_("The picture is larger than 2 MB.")]
    try:
        upload.seek(0)
        with Image.open(upload) as picture:
            kind, (width, height) = picture.format, picture.size
            picture.verify()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return [_("Upload a PNG, JPEG, WebP or GIF picture.")]
    finally:
        upload.seek(0)
    if kind not in BRANDING_IMAGE_FORMATS:
        return [_("Upload a PNG, JPEG, WebP or GIF picture.")]
    if width * height > BRANDING_IMAGE_MAX_PIXELS:
        return [_("The picture is larger than 4000 × 4000 pixels.")]
    return []


@transaction.atomic
def company_settings_update(*, changes: dict) -> CompanySettings:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: [gettext("This setting does not exist or cannot be edited.")] for name in unknown})
    errors = {
        name: errors
        for name in BRANDING_IMAGES
        if isinstance(changes.get(name), UploadedFile) and (errors := branding_errors(changes[name]))
    }
    house = changes.get("house_member_number")
    if house and not Member.objects.filter(number=house).exists():
        errors["house_member_number"] = [_("No member has the number %(number)s.") % {"number": house}]
    if errors:
        raise ValidationError(errors)
    settings_row = CompanySettings.objects.select_for_update().get(pk=company_settings_get().pk)
    if "translations" in changes:
        changes = {
            **changes,
            "translations": translations_checked(
                translations=changes["translations"],
                fields={"hero_title": 120, "hero_text": 600},
                existing=settings_row.translations,
            ),
        }
    for name, value in changes.items():
        setattr(settings_row, name, value)
    settings_row.full_clean()
    settings_row.save()
    return settings_row


@transaction.atomic
def company_languages_set(*, languages: Iterable[str], default: str) -> CompanySettings:
    """The languages the company's people may use; ``default`` (one of them) is stored first: visitors whose browser
    prefers none of the others get it, and company-written content falls back to it (issue 19)."""
    known = [code for code, _name in settings.LANGUAGES]
    chosen = list(dict.fromkeys(code[:10] for code in languages))
    errors: dict[str, list[str]] = {}
    if unknown := [code for code in chosen if code not in known]:
        errors["languages"] = [_("Unknown language: %(codes)s.") % {"codes": ", ".join(unknown)}]
    elif not chosen:
        errors["languages"] = [_("Enable at least one language.")]
    if default not in chosen and "languages" not in errors:
        errors["default_language"] = [_("The default language must be one of the enabled languages.")]
    if errors:
        raise ValidationError(errors)
    settings_row = CompanySettings.objects.select_for_update().get(pk=company_settings_get().pk)
    settings_row.languages = [default, *(code for code in chosen if code != default)]
    settings_row.save(update_fields=["languages", "updated_at"])
    return settings_row


def translations_checked(
    *, translations: dict | None, fields: dict[str, int], existing: dict | None = None
) -> dict[str, dict[str, str]]:
    """Company-written texts in the company's other languages (``{"es": {"title": "…"}}``), as they are stored:
    ``existing`` with the languages given replaced. Only enabled languages other than the default (whose text is the
    fields themselves) and only ``fields`` (name -> most characters); a blank text is dropped, so the default
    language's shows. Errors name the form's field, e.g. ``title__es``."""
    stored = {lang: dict(texts) for lang, texts in (existing or {}).items() if isinstance(texts, dict)}
    if not translations:
        return stored
    if not isinstance(translations, dict):
        raise ValidationError({"translations": [_("Give the texts per language.")]})
    others = company_languages()[1:]
    errors: dict[str, list[str]] = {}
    for lang, texts in translations.items():
        if lang not in others or not isinstance(texts, dict):
            errors["translations"] = [_("Write texts only for the company's other languages: %(codes)s.")
                                      % {"codes": ", ".join(others) or "-"}]  # fmt: skip
            continue
        kept = {}
        for name, text in texts.items():
            if name not in fields or not isinstance(text, str):
                errors[f"{name}__{lang}"] = [_("This text can't be translated here.")]
            elif len(text) > fields[name]:
                errors[f"{name}__{lang}"] = [_("Keep it to %(max)s characters.") % {"max": fields[name]}]
            elif text.strip():
                kept[name] = text.replace("\r\n", "\n").strip()
        stored[lang] = kept
    if errors:
        raise ValidationError(errors)
    return {lang: texts for lang, texts in stored.items() if texts}


@dataclass(frozen=True)
class Sender:
    """The From and Reply-To of the company's e-mails."""

    from_email: str
    reply_to: list[str]


def sending_domain_verified(address: str) -> bool:
    """Whether the platform may send as ``address``: its domain is one the operator verified with the mail
    provider (SPF/DKIM), listed in settings.VERIFIED_SENDING_DOMAINS. Mail "from" any other domain would fail
    the receivers' DMARC checks and land in spam."""
    domain = address.rpartition("@")[2].strip().lower()
    return bool(domain) and domain in {d.strip().lower() for d in settings.VERIFIED_SENDING_DOMAINS if d.strip()}


def company_sender() -> Sender:
    """Every e-mail the company sends (its templates, demotion notices, allauth's password resets and invitations)
    comes "Display name <address>": the company's own sender address when its domain is verified for sending; else
    the platform's address under the company's name, with Reply-To the company's address so replies still reach
    it. No sender address set: the platform's address under the company's name."""
    row = company_settings_get()
    _name, platform_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    platform_address = platform_address or settings.DEFAULT_FROM_EMAIL
    own = row.from_email
    if own and sending_domain_verified(own):
        return Sender(from_email=formataddr((row.display_name, own)), reply_to=[])
    return Sender(from_email=formataddr((row.display_name, platform_address)), reply_to=[own] if own else [])


def company_from_email() -> str:
    """The From header of the company's e-mails (see company_sender)."""
    return company_sender().from_email


@transaction.atomic
def policy_document_publish(
    *,
    key: str,
    title: str,
    body: str,
    applies_to: str = PolicyAudience.EVERYONE,
    by: User | None = None,
    translations: dict | None = None,
) -> PolicyDocument:
    """Publish a new version of the document ``key`` (its first version when new). Earlier versions stay as they
    were: the acceptances recorded against them keep pointing at the text that was agreed to."""
    key, title, body = key.strip().lower(), title.strip(), body.strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("This field is required.")]
    if not body:
        errors["body"] = [_("This field is required.")]
    if applies_to not in PolicyAudience.values:
        errors["applies_to"] = [_("Choose who the document applies to.")]
    if errors:
        raise ValidationError(errors)
    texts = translations_checked(translations=translations, fields={"title": 200, "body": 100_000})
    # Lock the document's versions so two admins publishing at once get versions n+1 and n+2, not a clash.
    list(PolicyDocument.objects.select_for_update().filter(key=key).values_list("pk", flat=True))
    latest = PolicyDocument.objects.filter(key=key).aggregate(v=Max("version"))["v"] or 0
    document = PolicyDocument(
        key=key,
        title=title,
        body=body,
        applies_to=applies_to,
        version=latest + 1,
        published_at=timezone.now(),
        published_by=by,
        translations=texts,
    )
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def policies_accept(
    *, user: User, audience: str, document_ids: Iterable[int], ip_address: str | None
) -> list[PolicyAcceptance]:
    """Record ``user``'s agreement to every current document for ``audience`` (version, time and IP address).

    ``document_ids`` are the versions the person was shown: if one was replaced meanwhile, nothing is recorded and
    the error asks them to read the current version, so nobody is held to a text they did not see."""
    current = policy_documents_current(audience=audience)
    shown = set(document_ids)
    if shown != {document.pk for document in current}:
        raise ValidationError(
            {"accept_terms": [_("The terms changed while you were signing up: please read and accept them again.")]}
        )
    now = timezone.now()
    return PolicyAcceptance.objects.bulk_create(
        PolicyAcceptance(document=document, version=document.version, user=user, accepted_at=now, ip_address=ip_address)
        for document in current
    )


# ---------------------------------------------------------------------------------------------------- markets

MARKET_CODE_MAX = 20


def market_errors(
    *,
    code: str,
    name: str,
    countries: Iterable[str],
    currency: str,
    language: str,
    is_active: bool,
    market: Market | None = None,
) -> dict[str, list[str]]:
    """Every problem with a market's fields, by field. A country belongs to at most one active market."""
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("This field is required.")]
    elif len(code) > MARKET_CODE_MAX or not all(ch.isalnum() or ch in "-_" for ch in code) or not code.isascii():
        errors["code"] = [_("Use up to 20 letters, digits, dashes or underscores.")]
    elif _other_markets(market).filter(code__iexact=code).exists():
        errors["code"] = [_("The code %(code)s is taken.") % {"code": code}]
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 100:
        errors["name"] = [_("Keep it to %(limit)d characters.") % {"limit": 100}]
    errors.update(_market_country_errors(countries, is_active=is_active, market=market))
    if currency not in list_currencies():
        errors["currency"] = [_("Choose an ISO 4217 currency code, e.g. EUR.")]
    if language and language not in company_languages():
        codes = ", ".join(company_languages())
        errors["language"] = [_("Choose one of the company's languages: %(codes)s.") % {"codes": codes}]
    return errors


def _other_markets(market: Market | None) -> QuerySet[Market]:
    return Market.objects.all() if market is None else Market.objects.exclude(pk=market.pk)


def _market_country_errors(countries: Iterable[str], *, is_active: bool, market: Market | None) -> dict[str, list[str]]:
    countries = list(countries)
    if not countries:
        return {"countries": [_("Choose at least one country.")]}
    unknown = [c for c in countries if c not in dict(django_countries)]
    if unknown:
        return {"countries": [_("Unknown country codes: %(codes)s.") % {"codes": ", ".join(unknown)}]}
    if not is_active:
        return {}
    taken = _other_markets(market).filter(is_active=True, countries__overlap=countries)
    messages = [
        _("%(country)s already belongs to the active market %(market)s.") % {"country": country, "market": other.code}
        for other in taken
        for country in countries
        if country in other.countries
    ]
    return {"countries": messages} if messages else {}


def _market_fields(
    *, code: str, name: str, countries: Iterable[str], currency: str, language: str
) -> tuple[str, str, list[str], str, str]:
    unique_countries = list(dict.fromkeys((c or "").strip().upper() for c in countries if (c or "").strip()))
    return (
        (code or "").strip().upper(),
        (name or "").strip(),
        unique_countries,
        (currency or "").strip().upper(),
        (language or "").strip(),
    )


@transaction.atomic
def market_create(
    *,
    code: str,
    name: str,
    countries: Iterable[str],
    currency: str,
    language: str = "",
    prices_include_tax: bool = False,
) -> Market:
    """A new active market. Every bad field is named at once (a ValidationError); nothing is written then."""
    Market.objects.select_for_update().filter(is_active=True).exists()  # one market change at a time: countries
    code, name, country_list, currency, language = _market_fields(
        code=code, name=name, countries=countries, currency=currency, language=language
    )
    errors = market_errors(
        code=code, name=name, countries=country_list, currency=currency, language=language, is_active=True
    )
    if errors:
        raise ValidationError(errors)
    return Market.objects.create(
        code=code,
        name=name,
        countries=country_list,
        currency=currency,
        language=language,
        prices_include_tax=prices_include_tax,
    )


class MarketChanges(TypedDict, total=False):
    name: str
    countries: list[str]
    currency: str
    language: str
    prices_include_tax: bool
    is_active: bool


@transaction.atomic
def market_update(*, market: Market, **changes: Unpack[MarketChanges]) -> Market:
    """Change a market (not its code: price lists, imports and people name it). Reactivating one checks its countries
    again. Orders already placed keep their currency and amounts."""
    unknown = set(changes) - set(MarketChanges.__annotations__)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    market = Market.objects.select_for_update().get(pk=market.pk)
    _code, name, country_list, currency, language = _market_fields(
        code=market.code,
        name=changes.get("name", market.name),
        countries=changes.get("countries", market.countries),
        currency=changes.get("currency", market.currency),
        language=changes.get("language", market.language),
    )
    is_active = changes.get("is_active", market.is_active)
    errors = market_errors(
        code=market.code,
        name=name,
        countries=country_list,
        currency=currency,
        language=language,
        is_active=is_active,
        market=market,
    )
    if currency != market.currency and market.is_active and "currency" in changes and market.prices.exists():
        errors.setdefault("currency", []).append(
            _("This market has a price list in %(currency)s: export it, clear it, then change the currency.")
            % {"currency": market.currency}
        )
    if errors:
        raise ValidationError(errors)
    market.name, market.countries, market.currency, market.language = name, country_list, currency, language
    market.prices_include_tax = changes.get("prices_include_tax", market.prices_include_tax)
    market.is_active = is_active
    market.save()
    return market


@transaction.atomic
def market_deactivate(*, market: Market) -> Market:
    """A market stops selling (its people keep it, its orders keep pointing to it); it is never deleted. Its
    countries become free for another market."""
    Market.objects.filter(pk=market.pk).update(is_active=False)
    market.refresh_from_db()
    return market
