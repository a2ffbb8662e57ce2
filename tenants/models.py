"""Companies (tenants) and their domains, in the public schema. Each company's own data lives in its schema."""

from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext_lazy
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists

from tenants.cloning import schema_clone_from_template


class CompanyStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Active")
    SUSPENDED = "suspended", gettext_lazy("Suspended")


class Company(TenantMixin):
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=CompanyStatus.choices, default=CompanyStatus.ACTIVE)
    suspension_reason = models.CharField(max_length=500, blank=True)
    price_plan = models.ForeignKey(
        "billing.PricePlan", null=True, blank=True, on_delete=models.PROTECT, related_name="companies"
    )
    billing_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Schemas are created by tenants.services.company_onboard inside its transaction (cloned from the template);
    # a schema is never dropped automatically.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]

    def create_schema(self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1) -> bool:
        """Copy the migrated template with tenants.cloning (one round trip; its migration history comes with it),
        instead of django-tenants' PL/pgSQL clone followed by a faked migrate."""
        if check_if_exists and schema_exists(self.schema_name):
            return False
        if not (sync_schema and schema_exists(settings.TENANT_BASE_SCHEMA)):
            return bool(super().create_schema(check_if_exists, sync_schema, verbosity))
        schema_clone_from_template(self.schema_name)
        connection.set_schema_to_public()
        return True

    @property
    def is_active(self) -> bool:
        return self.status == CompanyStatus.ACTIVE

    @property
    def subdomain(self) -> str:
        return self.schema_name.replace("_", "-")

    def __str__(self) -> str:
        return self.name


class Domain(DomainMixin):
    pass


class CompanyEvent(models.Model):
    """What happened to a company and who did it (onboarded, suspended, reactivated)."""

    class Kind(models.TextChoices):
        ONBOARDED = "onboarded", gettext_lazy("Onboarded")
        SUSPENDED = "suspended", gettext_lazy("Suspended")
        REACTIVATED = "reactivated", gettext_lazy("Reactivated")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.company} {self.kind} at {self.created_at:%Y-%m-%d %H:%M}"


class CustomDomain(models.Model):
    """A company's own domain (``shop.acmewellness.com``), added from the company console or the provider console.
    It is served only once verified: then it also has a ``Domain`` row (django-tenants routes by it) and Caddy's
    on-demand TLS may get it a certificate (the ask endpoint answers 200)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="custom_domains")
    domain = models.CharField(max_length=253, unique=True)
    # Served at http://<domain>/.well-known/canopy-domain-verification once the domain points at the platform.
    token = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())
    verified_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="", db_default="")

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def txt_name(self) -> str:
        """The DNS TXT record that verifies the domain without pointing it at the platform first."""
        return f"_canopy-verification.{self.domain}"

    @property
    def txt_value(self) -> str:
        return f"canopy-verification={self.token}"
