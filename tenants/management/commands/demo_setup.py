"""Seed the demo: provider staff, a price plan and the company `acme` with its people. Idempotent."""

from django.core.management.base import BaseCommand
from django_tenants.utils import get_public_schema_name, schema_context

from billing.models import PricePlan
from core.accounts.models import Role, User
from core.accounts.services import user_create
from infra.demo_data import demo_company_populate
from tenants.models import Company
from tenants.services import company_onboard

PROVIDER_LOGIN = ("provider@canopy.local", "canopy-demo-2026")
ACME_ADMIN = ("admin@acme.example", "acme-demo-2026")


class Command(BaseCommand):
    help = "Create the demo data (provider staff, price plan, company acme). Safe to run again."

    def handle(self, *args, **opts):
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
                self.stdout.write("Created company acme.")
        with schema_context("acme"):
            if demo_company_populate(log=self.stdout.write):
                self.stdout.write("Filled acme with distributors, orders, commission runs and demotion stages.")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
