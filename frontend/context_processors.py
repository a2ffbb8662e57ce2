import re

from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django_tenants.utils import get_public_schema_name

from core.accounts.selectors import actor_for
from core.company.selectors import language_names, translated
from core.company.services import company_settings_get

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _branding() -> dict:
    row = company_settings_get()
    color = row.primary_color if HEX_COLOR.match(row.primary_color or "") else "#2f6f4e"
    secondary = row.secondary_color if HEX_COLOR.match(row.secondary_color or "") else "#f0b429"
    return {
        "display_name": row.display_name,
        "primary_color": color,
        "secondary_color": secondary,
        "support_email": row.support_email,
        "currency": row.currency,
        "has_logo": bool(row.logo),
        "has_hero_image": bool(row.hero_image),
        # The storefront's hero in the reader's language, else the company's default language's.
        "hero_title": translated(row, "hero_title"),
        "hero_text": translated(row, "hero_text"),
    }


def platform(request) -> dict:
    company = getattr(request, "tenant", None)
    is_company = company is not None and company.schema_name != get_public_schema_name()
    return {
        "company": company if is_company else None,
        "platform_domain": settings.PLATFORM_DOMAIN,
        # Read only by pages that show the company's branding (one query, on first use).
        "branding": SimpleLazyObject(_branding) if is_company else None,
        # Every role question a template asks ("is this a company admin?") is answered by actor_for.
        "actor": SimpleLazyObject(lambda: actor_for(getattr(request, "user", None))),
        # The footer's language switcher: the company's languages (config.middleware.CompanyLocaleMiddleware).
        "languages_offered": language_names(getattr(request, "company_languages", ())),
    }
