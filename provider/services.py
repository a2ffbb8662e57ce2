"""The provider's use cases that span tenants and billing.

Onboarding creates the company (tenants: schema, domain, settings, first admin) and puts it on a price plan
(billing's concept). Neither app imports the other for this: billing already depends on tenants (it bills
companies), and tenants stays unaware of billing, so the composition lives here, above both.
"""

from __future__ import annotations

from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from billing.models import PricePlan
from core.accounts.models import User
from tenants import services as tenants_services
from tenants.services import Onboarding


def company_onboard(
    *,
    name: str,
    subdomain: str,
    admin_email: str,
    admin_first_name: str = "",
    admin_last_name: str = "",
    price_plan: PricePlan | None = None,
    billing_email: str = "",
    actor: User | None = None,
    admin_password: str | None = None,
    send_invitation: bool = True,
) -> Onboarding:
    """Onboard a company (see tenants.services.company_onboard) on `price_plan`, in one transaction: the plan it is
    onboarded with is its plan from its first day (billing.selectors.plan_history reads it so)."""
    with schema_context(get_public_schema_name()), transaction.atomic():
        onboarding = tenants_services.company_onboard(
            name=name,
            subdomain=subdomain,
            admin_email=admin_email,
            admin_first_name=admin_first_name,
            admin_last_name=admin_last_name,
            billing_email=billing_email,
            actor=actor,
            admin_password=admin_password,
            send_invitation=send_invitation,
        )
        if price_plan is not None:
            onboarding.company.price_plan = price_plan
            onboarding.company.save(update_fields=["price_plan"])
    return onboarding
