"""The rows in the public schema that belong to one company, in insertion order, and how the import remaps their keys.

Every public model with a foreign key to the company (directly or through another row here) must be listed: the
test tests/test_company_portability.py::test_every_public_model_pointing_at_a_company_travels fails otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models


@dataclass(frozen=True)
class PublicRows:
    label: str  # app_label.ModelName
    parent: str  # the label of the row this one belongs to ("" for the company itself)
    parent_column: str  # the column holding the parent's id

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def table(self) -> str:
        return str(self.model._meta.db_table)


COMPANY = "tenants.Company"
PUBLIC_ROWS: tuple[PublicRows, ...] = (
    PublicRows(COMPANY, "", "schema_name"),
    PublicRows("tenants.Domain", COMPANY, "tenant_id"),
    PublicRows("tenants.CustomDomain", COMPANY, "company_id"),
    PublicRows("tenants.CompanyEvent", COMPANY, "company_id"),
    PublicRows("billing.BillingAccount", COMPANY, "company_id"),
    PublicRows("billing.PlanAssignment", COMPANY, "company_id"),
    PublicRows("billing.UsageRecord", COMPANY, "company_id"),
    PublicRows("billing.Invoice", COMPANY, "company_id"),
    PublicRows("billing.InvoiceLine", "billing.Invoice", "invoice_id"),
    PublicRows("billing.StripeEvent", "billing.Invoice", "invoice_id"),
)
# Shared reference data the rows point at: matched in the target by their unique code, created there if missing.
PRICE_PLAN = "billing.PricePlan"
PRICE_PLAN_TIER = "billing.PricePlanTier"
# Provider staff differ between installations: who did something (an onboarding, a plan change) is not kept.
NULLED_REFERENCES = frozenset({settings.AUTH_USER_MODEL})
# Stripe references that must not be shared by two companies of one installation (an import as a copy clears them).
STRIPE_ID_COLUMNS = {"billing.BillingAccount": ("stripe_customer_id", "stripe_subscription_id")}


def foreign_keys(label: str) -> list[tuple[str, str]]:
    """(column, target label) of every foreign key of the model."""
    found = []
    for field in apps.get_model(label)._meta.concrete_fields:
        if field.is_relation and field.related_model is not None:
            found.append((field.column, field.related_model._meta.label))
    return found
