"""A member's status, profile and tax id, and the company's genealogy settings."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import User
from core.members import crypto
from core.members.models import (
    GenealogySettings,
    Member,
    MemberStatus,
)
from core.members.placement import (
    genealogy_settings_get,
)


@transaction.atomic
def member_status_set(*, member: Member, status: str, by: User | None = None) -> Member:
    if status not in MemberStatus.values:
        choices = ", ".join(MemberStatus.values)
        raise ValidationError(
            {
                "status": [
                    gettext("Unknown status %(status)s; choose one of %(choices)s.")
                    % {"status": repr(status), "choices": choices}
                ]
            }
        )
    Member.objects.filter(pk=member.pk).update(status=status, status_changed_at=timezone.now())
    if member.user_id:
        User.objects.filter(pk=member.user_id).update(is_active=status != MemberStatus.TERMINATED)
    member.refresh_from_db()
    return member


PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "bio",
    "binary_preferred_side",
    "listed_in_directory",
)


@transaction.atomic
def member_profile_update(*, member: Member, changes: dict) -> Member:
    unknown = sorted(set(changes) - set(PROFILE_FIELDS) - {"tax_id", "avatar"})
    if unknown:
        raise ValidationError({name: [gettext("This field cannot be changed here.")] for name in unknown})
    member = Member.objects.select_for_update().get(pk=member.pk)
    for name, value in changes.items():
        if name == "tax_id":
            member_tax_id_set(member=member, tax_id=value, save=False)
        else:
            setattr(member, name, value)
    member.full_clean(exclude=["user", "sponsor", "placement_parent"])
    member.save()
    return member


def member_tax_id_set(*, member: Member, tax_id: str, save: bool = True) -> None:
    """Stored encrypted; views only ever show the last four characters."""
    digits = re.sub(r"[\s-]", "", tax_id or "")
    if digits and not re.fullmatch(r"[A-Za-z0-9]{4,20}", digits):
        raise ValidationError({"tax_id": [gettext("Use 4 to 20 letters or digits (spaces and hyphens are ignored).")]})
    member.tax_id_encrypted = crypto.encrypt(digits) if digits else None
    member.tax_id_last4 = digits[-4:] if digits else ""
    if save:
        member.save(update_fields=["tax_id_encrypted", "tax_id_last4"])


@transaction.atomic
def genealogy_settings_update(*, changes: dict) -> GenealogySettings:
    """Change how new members are placed. Members already placed stay where they are."""
    row = GenealogySettings.objects.select_for_update().get(pk=genealogy_settings_get().pk)
    for name, value in changes.items():
        setattr(row, name, value)
    errors = {}
    if row.matrix_width < 2 or row.matrix_width > 20:
        errors["matrix_width"] = [gettext("A matrix is 2 to 20 wide.")]
    if row.holding_tank_days > 60:
        errors["holding_tank_days"] = [gettext("A sponsor can be given at most 60 days to place a new member.")]
    if errors:
        raise ValidationError(errors)
    row.save()
    return row
