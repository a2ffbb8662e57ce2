from django.core.exceptions import ValidationError
from django.db import transaction

from core.company.models import CompanySettings

EDITABLE_FIELDS = (
    "display_name",
    "currency",
    "timezone",
    "support_email",
    "first_member_number",
    "terminated_tree_root_number",
    "commission_period",
    "primary_color",
    "replicated_subdomains_enabled",
    "require_two_factor_for_admins",
    "office_contact_email",
    "office_contact_phone",
)


def company_settings_initialise(*, display_name: str, support_email: str = "") -> CompanySettings:
    """The defaults a new company starts with (called once, by onboarding, inside the new schema)."""
    return CompanySettings.objects.create(display_name=display_name, support_email=support_email)


def company_settings_get() -> CompanySettings:
    settings_row = CompanySettings.objects.order_by("id").first()
    if settings_row is None:
        raise CompanySettings.DoesNotExist("This company has no settings row; it was not onboarded properly.")
    return settings_row


@transaction.atomic
def company_settings_update(*, changes: dict) -> CompanySettings:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: ["This setting does not exist or cannot be edited."] for name in unknown})
    settings_row = CompanySettings.objects.select_for_update().get(pk=company_settings_get().pk)
    for name, value in changes.items():
        setattr(settings_row, name, value)
    settings_row.full_clean()
    settings_row.save()
    return settings_row
