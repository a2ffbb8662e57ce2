"""What every page of a distributor's replicated site needs, its shop's pages included."""

from __future__ import annotations

from core.communications.selectors import company_pages_published
from core.members.models import Member


def site_root(request, member: Member) -> str:
    """Where this replicated site's pages start: /<username> on the company domain, nothing on its own subdomain."""
    return "" if getattr(request, "replicated_username", None) else f"/{member.username}"


def site_context(request, member: Member, **extra) -> dict:
    return {"owner": member, "site_root": site_root(request, member), "pages": company_pages_published(), **extra}


# The referral cookie: a visit to a distributor's replicated site (/<username>/ and its shop) remembers them for
# REFERRAL_DAYS, so a purchase the visitor makes later from the company's own site is credited to them (unless
# they pick another distributor). One cookie per host: a replicated site on its own subdomain sets it there.
REFERRAL_COOKIE = "canopy_ref"
REFERRAL_DAYS = 30


def referral_remember(request, response, member: Member):
    """Remember ``member`` as the visitor's referrer on ``response`` (a newer visit replaces an older one)."""
    if request.COOKIES.get(REFERRAL_COOKIE) != member.username:
        response.set_cookie(
            REFERRAL_COOKIE,
            member.username,
            max_age=REFERRAL_DAYS * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    return response


def referral_username(request) -> str:
    return (request.COOKIES.get(REFERRAL_COOKIE) or "")[:32]
