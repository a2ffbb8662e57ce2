"""What each role may do: one table, read by the API (``config.api.permissions.HasCapability``) and by the console
(``frontend.common.access.console_page``) alike, so the two can never disagree. docs/security.md prints it.

A capability says which roles may do a thing at all; which objects they may do it to (a distributor edits only their
own profile, a customer cancels only their own order) is decided by the selectors that find the object.
The console is the reference: where the console keeps company staff to reading, so does the API."""

from __future__ import annotations

from typing import Any

from core.accounts.models import Role
from core.accounts.selectors import ActorKind, actor_for

ADMIN = frozenset({Role.COMPANY_ADMIN})
COMPANY = frozenset({Role.COMPANY_ADMIN, Role.COMPANY_STAFF})
ADMIN_AND_DISTRIBUTOR = frozenset({Role.COMPANY_ADMIN, Role.DISTRIBUTOR})
ADMIN_AND_BUYERS = frozenset({Role.COMPANY_ADMIN, Role.DISTRIBUTOR, Role.CUSTOMER})

CAPABILITIES: dict[str, frozenset[str]] = {
    # reading
    "console.read": COMPANY,  # the console's pages and the staff-only reads of the API
    "payouts.export": ADMIN,  # the payout file (bank details of every payee)
    # catalogue, stock and prices
    "catalogue.write": ADMIN,  # products, their pictures, categories
    "stock.write": ADMIN,  # warehouses, receipts, adjustments, transfers
    "pricing.write": ADMIN,  # tax rates, coupons
    "commerce.settings.write": ADMIN,  # offline payments, the back-office fee, the Stripe keys, shipping methods
    "markets.write": ADMIN,  # markets (countries, currency, tax-inclusive prices), their price lists
    # orders
    "orders.place": ADMIN_AND_BUYERS,  # a distributor or customer for themself, an admin for anyone
    "orders.pay": ADMIN_AND_BUYERS,  # pay by card: one's own order
    "orders.cancel": ADMIN_AND_BUYERS,  # one's own pending order
    "orders.fulfil": ADMIN,  # record an offline payment, ship
    "orders.refund": ADMIN,
    "orders.import": ADMIN,  # partner sales files, order history
    "autoships.write": ADMIN_AND_BUYERS,  # one's own autoships
    "parties.write": ADMIN_AND_DISTRIBUTOR,  # a distributor their own parties
    "subscription.pay": frozenset({Role.DISTRIBUTOR}),  # the distributor's own back-office fee
    # members and the genealogy
    "members.enrol": ADMIN_AND_DISTRIBUTOR,  # a distributor enrols under themself
    "customers.write": ADMIN_AND_DISTRIBUTOR,  # a distributor adds their own customers
    "members.profile.write": ADMIN_AND_DISTRIBUTOR,  # a distributor their own profile
    "members.status.write": ADMIN,  # status, reinstatement
    "markets.assign": ADMIN,  # move a distributor or customer to another market (audited)
    "members.import": ADMIN,
    "genealogy.write": ADMIN,  # re-sponsor, re-place, frontline up, undo, customer transfer
    "genealogy.place": ADMIN_AND_DISTRIBUTOR,  # from the holding tank: a distributor the members they sponsor
    "genealogy.settings.write": ADMIN,
    # compensation plan and commissions
    "plans.write": ADMIN,  # plan versions: draft, validate, activate, simulate
    "commissions.run": ADMIN,  # periods and their preview runs
    "commissions.approve": ADMIN,  # approve and post a run
    "commissions.adjust": ADMIN,  # manual ledger adjustments
    "payouts.write": ADMIN,  # payout batches: create, mark paid, cancel
    "commissions.audit.read": COMPANY,  # the money audit log: who closed, approved, posted, adjusted, paid out
    # demotion
    "demotion.policy.write": ADMIN,
    "demotion.preview": COMPANY,  # who would change stage on a day: nothing is written
    "demotion.evaluate": ADMIN,  # run an evaluation now
    # the company
    "company.settings.write": ADMIN,  # company settings and branding, two-factor for admins
    "content.write": ADMIN,  # pages, announcements, training, e-mail templates
    "webhooks.write": ADMIN,  # endpoints, deliveries (reading them too: they carry secrets and payloads)
    "billing.read": ADMIN,  # the provider's invoices to the company
}

ROLES_IN_A_COMPANY = (Role.COMPANY_ADMIN, Role.COMPANY_STAFF, Role.DISTRIBUTOR, Role.CUSTOMER)


def capability_check_name(capability: str) -> str:
    """``capability`` itself, or a ``KeyError`` naming it: a misspelt capability fails when the module loads."""
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}: add it to core.accounts.permissions.CAPABILITIES.")
    return capability


def has_capability(user: Any, capability: str) -> bool:
    """Whether ``user`` (an account or an anonymous user) holds ``capability``. A distributor or customer login with
    no member or customer record holds nothing, like an anonymous visitor."""
    actor = actor_for(user)
    if actor.kind in (ActorKind.ANONYMOUS, ActorKind.PROVIDER_STAFF):
        return False
    return actor.role in CAPABILITIES[capability_check_name(capability)]
