"""What every page of a distributor's replicated site needs, its shop's pages included."""

from __future__ import annotations

from core.communications.selectors import company_pages_published
from core.members.models import Member


def site_root(request, member: Member) -> str:
    """Where this replicated site's pages start: /<username> on the company domain, nothing on its own subdomain."""
    return "" if getattr(request, "replicated_username", None) else f"/{member.username}"


def site_context(request, member: Member, **extra) -> dict:
    return {"owner": member, "site_root": site_root(request, member), "pages": company_pages_published(), **extra}
