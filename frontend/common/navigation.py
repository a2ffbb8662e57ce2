"""The sidebars of the console, the back office and the provider console, declared once.

Each entry names its label (marked for translation), the URL it links to and the URL-name prefixes that make it the
current page. When several entries match the page's URL name, the one with the longest matching prefix wins (so
"provider-company-new" is "Onboard a company", not "Companies"). The base templates render these lists with
``{% sidebar "console" %}`` (frontend.templatetags.navigation); nothing in a template matches URL names by hand."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.accounts.selectors import actor_for


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str = ""  # the entry's page; or:
    member_path: str = ""  # a path on the signed-in distributor's replicated site ("shop/" is /<username>/shop/)
    active: tuple[str, ...] = ()  # URL-name prefixes that make this entry the current page
    admin_only: bool = False


CONSOLE = (
    NavEntry(_("Overview"), "console-home", active=("console-home",)),
    NavEntry(_("Members"), "console-members", active=("console-member",)),
    NavEntry(_("Genealogy settings"), "console-genealogy", active=("console-genealogy",)),
    NavEntry(_("Products"), "console-products", active=("console-product",)),
    NavEntry(_("Inventory"), "console-inventory", active=("console-inventory",)),
    NavEntry(_("Orders"), "console-orders", active=("console-order",)),
    NavEntry(_("Markets"), "console-markets", active=("console-market",)),
    NavEntry(_("Tax rates"), "console-tax-rates", active=("console-tax-rate",)),
    NavEntry(_("Shipping methods"), "console-shipping-methods", active=("console-shipping-method",)),
    NavEntry(_("Coupons"), "console-coupons", active=("console-coupon",)),
    NavEntry(_("Parties"), "console-parties", active=("console-parties", "console-party")),
    NavEntry(_("Subscriptions"), "console-subscriptions", active=("console-subscriptions",)),
    NavEntry(_("Demotion policy"), "console-demotion", active=("console-demotion",)),
    NavEntry(_("Reports"), "console-reports", active=("console-reports",)),
    NavEntry(_("Compensation plan"), "console-plans", active=("console-plan",)),
    NavEntry(
        _("Commissions"),
        "console-periods",
        active=("console-period", "console-run", "console-adjustments", "console-payout", "console-report-"),
    ),
    NavEntry(_("E-mail templates"), "console-emails", active=("console-email",)),
    NavEntry(_("Announcements"), "console-announcements", active=("console-announcement",)),
    NavEntry(_("Training"), "console-training", active=("console-training",)),
    NavEntry(_("Company pages"), "console-pages", active=("console-page",)),
    NavEntry(_("Branding"), "console-branding", active=("console-branding",)),
    NavEntry(_("Languages"), "console-languages", active=("console-languages",), admin_only=True),
    NavEntry(_("Domains"), "console-domains", active=("console-domain",), admin_only=True),
    NavEntry(_("Joining & terms"), "console-joining", active=("console-joining", "console-policy"), admin_only=True),
    NavEntry(_("Billing"), "console-billing", active=("console-billing",), admin_only=True),
    NavEntry(_("Webhooks"), "console-webhooks", active=("console-webhook",), admin_only=True),
)

OFFICE = (
    NavEntry(_("Dashboard"), "office-home", active=("office-home",)),
    NavEntry(_("Genealogy"), "office-genealogy", active=("office-genealogy",)),
    NavEntry(_("Downline by level"), "office-levels", active=("office-levels",)),
    NavEntry(_("Customers"), "office-customers", active=("office-customers",)),
    NavEntry(_("Newsletter subscribers"), "office-subscribers", active=("office-subscribers",)),
    NavEntry(_("Orders"), "office-orders", active=("office-order",)),
    NavEntry(_("Shop for myself"), member_path="shop/"),
    NavEntry(_("Autoship"), "office-autoships", active=("office-autoship",)),
    NavEntry(_("Parties"), "office-parties", active=("office-parties", "office-party")),
    NavEntry(_("Commissions"), "office-earnings", active=("office-earnings",)),
    NavEntry(_("Announcements"), "office-announcements", active=("office-announcements",)),
    NavEntry(_("Training"), "office-training", active=("office-training",)),
    NavEntry(_("Subscription & payment"), "office-subscription", active=("office-subscription",)),
    NavEntry(_("Account standing"), "office-standing", active=("office-standing",)),
    NavEntry(_("Profile & site"), "office-profile", active=("office-profile",)),
    NavEntry(_("My replicated site"), member_path=""),
)

# What a member restricted by the demotion policy can still open.
OFFICE_RESTRICTED = (
    NavEntry(_("Profile"), "office-profile", active=("office-profile",)),
    NavEntry(_("Subscription & payment"), "office-subscription", active=("office-subscription",)),
)

PROVIDER = (
    NavEntry(_("Overview"), "provider-home", active=("provider-home",)),
    NavEntry(_("Companies"), "provider-companies-page", active=("provider-companies-page", "provider-company")),
    NavEntry(_("Onboard a company"), "provider-company-new", active=("provider-company-new",)),
    NavEntry(_("Billing"), "provider-billing", active=("provider-billing", "provider-month-close")),
    NavEntry(_("Platform health"), "provider-health", active=("provider-health",)),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str
    current: bool


def _match(entry: NavEntry, url_name: str) -> int:
    """The length of the longest of the entry's prefixes that ``url_name`` starts with (0: none)."""
    return max((len(prefix) for prefix in entry.active if url_name.startswith(prefix)), default=0)


def sidebar_links(*, area: str, url_name: str, user, member=None) -> list[NavLink]:
    """The sidebar of ``area`` ("console", "office", "provider") for this user on the page named ``url_name``."""
    if area == "office":
        entries = OFFICE_RESTRICTED if member is not None and member.access_restricted else OFFICE
    else:
        entries = {"console": CONSOLE, "provider": PROVIDER}[area]
    is_admin = actor_for(user).is_company_admin
    shown = [
        entry
        for entry in entries
        if (is_admin or not entry.admin_only) and (entry.url_name or member is not None)  # member paths need a member
    ]
    best = max((_match(entry, url_name or "") for entry in shown), default=0)
    links = []
    for entry in shown:
        href = reverse(entry.url_name) if entry.url_name else f"/{member.username}/{entry.member_path}"
        links.append(NavLink(label=entry.label, href=href, current=best > 0 and _match(entry, url_name or "") == best))
    return links
