"""Seed the demo: provider staff, a price plan and the company `acme` with its people. Idempotent.

Run by `make demo` (infra/demo.py) as `python -m infra.demo_setup`. A script of infra, not a management command of an
app: the demo data (infra.demo_data) is tooling, and no app imports it.
"""

import os
import sys

import django
from django_tenants.utils import get_public_schema_name, schema_context

PROVIDER_LOGIN = ("provider@canopy.local", "canopy-demo-2026")
ACME_ADMIN = ("admin@acme.example", "acme-demo-2026")


def demo_setup(*, log=print) -> None:
    """Create the demo data (provider staff, price plan, company acme). Safe to run again."""
    from billing.models import PricePlan
    from core.accounts.models import Role, User
    from core.accounts.services import user_create
    from infra.demo_data import demo_checkout_ensure, demo_company_populate
    from infra.demo_markets import demo_markets_ensure
    from provider.services import company_onboard
    from tenants.models import Company

    with schema_context(get_public_schema_name()):
        if not User.objects.filter(email=PROVIDER_LOGIN[0]).exists():
            user = user_create(
                email=PROVIDER_LOGIN[0],
                role=Role.PROVIDER_STAFF,
                password=PROVIDER_LOGIN[1],
                first_name="Pat",
                last_name="Provider",
                is_staff=True,
            )
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        plan, _ = PricePlan.objects.get_or_create(
            code="growth", defaults={"name": "Growth", "monthly_hosting_fee": "499.00"}
        )
        if not Company.objects.filter(schema_name="acme").exists():
            company_onboard(
                name="Acme Wellness",
                subdomain="acme",
                admin_email=ACME_ADMIN[0],
                admin_password=ACME_ADMIN[1],
                admin_first_name="Alex",
                admin_last_name="Admin",
                price_plan=plan,
                send_invitation=False,
            )
            log("Created company acme.")
    with schema_context("acme"):
        if demo_company_populate(log=log):
            log("Filled acme with distributors, orders, commission runs and demotion stages.")
        if demo_checkout_ensure():
            log("Added acme's shipping methods and sales-tax rates.")
        if _joining_setup():
            log("Acme offers its Starter Kit as an enrolment pack and publishes its terms.")
        if demo_markets_ensure():
            log("Acme sells in Spain: the ES market in EUR (VAT included) with Spanish distributors and customers.")
    log("Demo data ready.")


DEMO_TERMS = (
    (
        "terms",
        "Distributor agreement",
        "distributors",
        "You sell Acme products honestly and make no income claims.\n\nYou may leave at any time; joining needs no "
        "purchase.",
    ),
    (
        "privacy",
        "Privacy policy",
        "everyone",
        "We keep your name, address and orders to run your account and never sell them.",
    ),
)


def _joining_setup() -> bool:
    """Joining in the demo: the Starter Kit is an optional enrolment pack and the company has terms to accept.
    Returns False when this was done before."""
    from core.commerce.selectors.catalogue import product_by_sku
    from core.commerce.services.catalogue import product_update
    from core.company.models import PolicyDocument
    from core.company.services import policy_document_publish

    if PolicyDocument.objects.exists():
        return False
    kit = product_by_sku(sku="KIT")
    if kit is not None:
        product_update(product=kit, enrolment_pack=True)
    for key, title, applies_to, body in DEMO_TERMS:
        policy_document_publish(key=key, title=title, body=body, applies_to=applies_to)
    return True


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    demo_setup(log=lambda line: print(line, flush=True))
    sys.exit(0)
