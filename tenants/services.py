"""Onboarding, suspending and reactivating companies (public schema), and the template schema they clone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils.translation import gettext
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from config.hosts import company_host, site_url
from core.accounts.models import Role, User
from core.accounts.services import password_set_path, user_create
from core.company.services import company_settings_initialise
from tenants.models import Company, CompanyEvent, CompanyStatus, Domain

# Subdomains that would shadow the provider's own hosts or PostgreSQL's schemas.
RESERVED_SUBDOMAINS = frozenset(
    {
        "www",
        "api",
        "admin",
        "public",
        "static",
        "media",
        "mail",
        "smtp",
        "ftp",
        "app",
        "apps",
        "platform",
        "provider",
        "billing",
        "help",
        "support",
        "status",
        "docs",
        "blog",
        "dashboard",
        "login",
        "auth",
        "assets",
        "cdn",
        "test",
        "demo-template",
        "company-template",
        "information-schema",
        "root",
        "system",
    }
)
SUBDOMAIN_RE = re.compile(r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Onboarding:
    company: Company
    domain: Domain
    admin: User
    invitation_url: str


def subdomain_problems(subdomain: str) -> list[str]:
    """Every reason `subdomain` can't be used, in words a provider's staff member can act on."""
    problems: list[str] = []
    if not subdomain:
        return [gettext("Enter a subdomain.")]
    if subdomain != subdomain.lower():
        problems.append(gettext("Use lowercase letters only."))
    if len(subdomain) > 63:
        problems.append(
            gettext("At most 63 characters (DNS label limit); this one has %(count)s.") % {"count": len(subdomain)}
        )
    if not SUBDOMAIN_RE.match(subdomain.lower()):
        if not subdomain[0].isalpha():
            problems.append(gettext("Start with a letter."))
        if subdomain.endswith("-"):
            problems.append(gettext("Don't end with a hyphen."))
        if re.search(r"[^a-zA-Z0-9-]", subdomain):
            problems.append(gettext("Use only letters, digits and hyphens."))
        if not problems:
            problems.append(gettext("Not a valid DNS label."))
    if "--" in subdomain:
        problems.append(gettext("Don't use two hyphens in a row."))
    if subdomain.lower() in RESERVED_SUBDOMAINS or subdomain.lower().startswith("pg-"):
        problems.append(gettext("'%(subdomain)s' is reserved by the platform.") % {"subdomain": subdomain})
    if not problems:
        schema_name = schema_name_for(subdomain)
        if (
            Company.objects.filter(schema_name__iexact=schema_name).exists()
            or schema_exists(schema_name)
            or Domain.objects.filter(domain=company_domain(subdomain)).exists()
        ):
            problems.append(gettext("'%(subdomain)s' is already taken.") % {"subdomain": subdomain})
    return problems


def schema_name_for(subdomain: str) -> str:
    return subdomain.lower().replace("-", "_")


def company_domain(subdomain: str) -> str:
    return company_host(subdomain)


def company_base_url(company: Company) -> str:
    domain = company.get_primary_domain()
    return site_url(domain.domain if domain else company_domain(company.subdomain))


def company_template_ensure(*, verbosity: int = 0) -> None:
    """Create and migrate the template schema that new companies are cloned from. Run after every migration."""
    template = settings.TENANT_BASE_SCHEMA
    with schema_context(get_public_schema_name()):
        if not schema_exists(template):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{template}"')
        call_command("migrate_schemas", schema_name=template, tenant=True, interactive=False, verbosity=verbosity)


def public_company_ensure() -> Company:
    """The provider's own row: the public schema served on the bare platform domain."""
    company, _ = Company.objects.get_or_create(schema_name=get_public_schema_name(), defaults={"name": "Provider"})
    Domain.objects.get_or_create(domain=settings.PLATFORM_DOMAIN, defaults={"tenant": company, "is_primary": True})
    return company


def company_onboard(
    *,
    name: str,
    subdomain: str,
    admin_email: str,
    admin_first_name: str = "",
    admin_last_name: str = "",
    billing_email: str = "",
    actor: User | None = None,
    admin_password: str | None = None,
    send_invitation: bool = True,
) -> Onboarding:
    """Create a company: schema (cloned from the template), domain, default settings and first admin.

    Everything happens in one transaction (PostgreSQL DDL is transactional), so a failure at any step leaves no
    schema, domain or row behind. The price plan is billing's: provider.services.company_onboard sets it.
    """
    subdomain = (subdomain or "").strip()
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [gettext("Enter the company's name.")]
    try:
        validate_email((admin_email or "").strip())
    except ValidationError:
        errors["admin_email"] = [gettext("Enter a valid e-mail address for the company's first admin.")]
    problems = subdomain_problems(subdomain)
    if problems:
        errors["subdomain"] = problems
    if errors:
        raise ValidationError(errors)
    subdomain = subdomain.lower()

    with schema_context(get_public_schema_name()), transaction.atomic():
        company = Company(
            schema_name=schema_name_for(subdomain),
            name=name.strip(),
            billing_email=billing_email or admin_email,
        )
        company.save()
        company.create_schema(check_if_exists=False, verbosity=0)
        domain = Domain.objects.create(domain=company_domain(subdomain), tenant=company, is_primary=True)
        with schema_context(company.schema_name):
            company_settings_initialise(display_name=company.name, support_email=admin_email)
            admin = user_create(
                email=admin_email,
                role=Role.COMPANY_ADMIN,
                password=admin_password,
                first_name=admin_first_name,
                last_name=admin_last_name,
                is_staff=True,
            )
            invitation_url = company_base_url(company) + password_set_path(user=admin)
        CompanyEvent.objects.create(company=company, kind=CompanyEvent.Kind.ONBOARDED, actor=actor)
        if send_invitation:
            transaction.on_commit(lambda: _send_invitation(company, admin.email, invitation_url))
    return Onboarding(company=company, domain=domain, admin=admin, invitation_url=invitation_url)


def _send_invitation(company: Company, email: str, url: str) -> None:
    send_mail(
        subject=gettext("Your %(company)s admin account on Canopy") % {"company": company.name},
        message=gettext(
            "Hello,\n\nAn admin account was created for you at %(company)s.\n"
            "Choose your password here (the link works once):\n\n%(url)s\n\n"
            "Then sign in at %(login_url)s\n"
        )
        % {"company": company.name, "url": url, "login_url": f"{company_base_url(company)}/accounts/login/"},
        from_email=None,
        recipient_list=[email],
    )


def company_suspend(*, company: Company, reason: str, actor: User | None = None) -> Company:
    """Close a company's site and API. No data is touched; reactivating restores everything."""
    if company.schema_name == get_public_schema_name():
        raise ValidationError({"company": [gettext("The provider's own schema cannot be suspended.")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [gettext("Say why the company is suspended; its users will see it.")]})
    with schema_context(get_public_schema_name()), transaction.atomic():
        return _company_set_status(company=company, status=CompanyStatus.SUSPENDED, reason=reason.strip(), actor=actor)


def company_reactivate(*, company: Company, actor: User | None = None, reason: str = "") -> Company:
    with schema_context(get_public_schema_name()), transaction.atomic():
        return _company_set_status(company=company, status=CompanyStatus.ACTIVE, reason=reason, actor=actor)


def _company_set_status(*, company: Company, status: str, reason: str, actor: User | None) -> Company:
    company = Company.objects.select_for_update().get(pk=company.pk)
    if company.status == status:
        raise ValidationError(
            {"status": [gettext("This company is already %(label)s.") % {"label": CompanyStatus(status).label.lower()}]}
        )
    company.status = status
    company.suspension_reason = reason if status == CompanyStatus.SUSPENDED else ""
    company.save(update_fields=["status", "suspension_reason"])
    kind = CompanyEvent.Kind.SUSPENDED if status == CompanyStatus.SUSPENDED else CompanyEvent.Kind.REACTIVATED
    CompanyEvent.objects.create(company=company, kind=kind, reason=reason, actor=actor)
    return company
