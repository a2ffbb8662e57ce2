"""Enrolment: member numbers, username and sponsor checks, joining (with placement or the holding tank), and placing or
expiring members who wait in the holding tank."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import Role, User
from core.accounts.services import user_create
from core.communications.services import member_welcome_send
from core.company.selectors import market_for_country
from core.company.services import company_settings_get
from core.members.models import (
    Member,
    MemberStatus,
    MoveKind,
    PlacementMethod,
    Tree,
)
from core.members.placement import (
    Slot,
    automatic_slot,
    chosen_slot_check,
    genealogy_settings_get,
)
from core.members.services.moves import move_start, parent_change
from core.members.tree import (
    members_refresh,
    placement_lock,
    subtree_reattach,
)
from core.webhooks import services as webhooks

USERNAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,30}[a-z0-9])$")


# Names that would collide with the company site's own addresses (/<username>/ is a replicated site).
RESERVED_USERNAMES = frozenset(
    {
        *("about", "accounts", "admin", "api", "app", "cart", "checkout", "company", "console", "contact", "faq"),
        *("distributors", "language"),
        *("healthz", "help", "join", "login", "logout", "media", "office", "pages", "privacy", "shop", "signup"),
        *("start", "static", "support", "terms", "www"),
    }
)


SPONSORING_STATUSES = (MemberStatus.ACTIVE,)


def member_number_next() -> int:
    """The next member number: the company's sequence, starting at its first member number setting."""
    first = company_settings_get().first_member_number
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('members_member_number_seq')")
        number = cursor.fetchone()[0]
        if number < first:
            cursor.execute("SELECT setval('members_member_number_seq', %s)", [first])
            number = first
    return number


def member_number_sequence_catch_up() -> None:
    """After an import that kept old member numbers, new numbers continue above the highest one."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval('members_member_number_seq', GREATEST((SELECT max(number) FROM {Member._meta.db_table}),"
            " (SELECT last_value FROM members_member_number_seq)))"
        )


def username_problems(username: str) -> list[str]:
    problems = []
    if not USERNAME_RE.match(username):
        problems.append(
            gettext("Use 3 to 32 lowercase letters, digits or hyphens, starting and ending with a letter or digit.")
        )
    if username in RESERVED_USERNAMES:
        problems.append(gettext("'%(username)s' is reserved for the company's site.") % {"username": username})
    if not problems and Member.objects.filter(username__iexact=username).exists():
        problems.append(gettext("The username '%(username)s' is taken.") % {"username": username})
    return problems


def sponsor_problems(sponsor: Member | None) -> list[str]:
    if sponsor is None:
        return ["Choose a sponsor."] if Member.objects.exists() else []
    if sponsor.status not in SPONSORING_STATUSES:
        return [
            gettext("#%(number)s cannot sponsor new members while %(status)s.")
            % {"number": sponsor.number, "status": sponsor.get_status_display().lower()}
        ]
    return []


@dataclass
class Placement:
    """An explicit placement request (sponsor picks): parent and position."""

    parent: Member
    position: int | None = None


@transaction.atomic
def member_enroll(
    *,
    sponsor: Member | None,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    password: str | None = None,
    phone: str = "",
    country: str = "",
    placement: Placement | None = None,
    binary_preferred_side: int | None = None,
    joined_at: datetime | None = None,
    status: str = MemberStatus.ACTIVE,
) -> Member:
    """Enrol a distributor under ``sponsor`` and place them by the company's rule (or the sponsor's pick).

    The very first member of a company has no sponsor: it is the root of both trees."""
    username = (username or "").strip().lower()
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if problems := username_problems(username):
        errors["username"] = problems
    if problems := sponsor_problems(sponsor):
        errors["sponsor"] = problems
    if not first_name.strip():
        errors["first_name"] = [gettext("This field is required.")]
    if not last_name.strip():
        errors["last_name"] = [gettext("This field is required.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [gettext("Enter a valid e-mail address.")]
    if errors:
        raise ValidationError(errors)

    user = user_create(
        email=email, role=Role.DISTRIBUTOR, password=password, first_name=first_name, last_name=last_name
    )
    joined_at = joined_at or timezone.now()
    member = Member.objects.create(
        number=member_number_next(),
        username=username,
        user=user,
        status=status,
        status_changed_at=joined_at,
        joined_at=joined_at,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone,
        country=country.upper(),
        market=market_for_country(country=country),  # the market follows the country (none: the company default)
        binary_preferred_side=binary_preferred_side if binary_preferred_side is not None else 0,
    )
    webhooks.event_emit(
        event="member.joined",
        payload={
            "number": member.number,
            "username": member.username,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "email": member.email,
            "country": member.country,
            "status": member.status,
            "sponsor_number": sponsor.number if sponsor else None,
            "joined_at": member.joined_at,
        },
    )
    placement_lock()
    members_refresh(sponsor, placement.parent if placement is not None else None)
    if sponsor is None:
        Member.objects.filter(pk=member.pk).update(sponsor_path=[member.pk], placement_path=[member.pk])
        member.refresh_from_db()
        return member
    subtree_reattach(member=member, tree=Tree.SPONSOR, new_parent=sponsor, position=None)
    settings_row = genealogy_settings_get()
    if settings_row.placement_method == PlacementMethod.UNILEVEL:
        subtree_reattach(member=member, tree=Tree.PLACEMENT, new_parent=sponsor, position=None)
    elif placement is not None:
        slot = chosen_slot_check(
            sponsor=sponsor, parent=placement.parent, position=placement.position, settings_row=settings_row
        )
        subtree_reattach(member=member, tree=Tree.PLACEMENT, new_parent=slot.parent, position=slot.position)
    elif settings_row.holding_tank_days:
        Member.objects.filter(pk=member.pk).update(
            holding_tank_until=joined_at + timedelta(days=settings_row.holding_tank_days)
        )
    else:
        slot = automatic_slot(sponsor=sponsor, settings_row=settings_row, preferred_side=binary_preferred_side)
        subtree_reattach(member=member, tree=Tree.PLACEMENT, new_parent=slot.parent, position=slot.position)
    member.refresh_from_db()
    return member


@transaction.atomic
def member_join(
    *,
    sponsor: Member,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    phone: str = "",
    country: str = "",
) -> Member:
    """A visitor joins a distributor's team (the replicated site's join page and the join API): enrolled under the
    sponsor and welcomed by e-mail, sent once the enrolment commits."""
    member = member_enroll(
        sponsor=sponsor,
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        password=password,
        phone=phone,
        country=country,
    )
    member_welcome_send(member=member)
    return member


@transaction.atomic
def member_place_from_tank(*, member: Member, parent: Member, position: int | None, by: User | None) -> Member:
    """The sponsor (or an admin) places a member waiting in the holding tank."""
    placement_lock()
    members_refresh(member, parent)
    if not member.in_holding_tank or member.sponsor is None:
        raise ValidationError(
            {"member": [gettext("#%(number)s is not waiting in the holding tank.") % {"number": member.number}]}
        )
    slot = chosen_slot_check(
        sponsor=member.sponsor, parent=parent, position=position, settings_row=genealogy_settings_get()
    )
    move = move_start(kind=MoveKind.PLACE, subject=member, by=by, reason="Placed from the holding tank")
    parent_change(move=move, member=member, tree=Tree.PLACEMENT, new_parent=slot.parent, position=slot.position)
    Member.objects.filter(pk=member.pk).update(holding_tank_until=None)
    member.refresh_from_db()
    return member


def holding_tank_expire(*, now: datetime | None = None) -> int:
    """Place every member whose holding-tank deadline has passed by the company's default rule. Returns the count."""
    now = now or timezone.now()
    settings_row = genealogy_settings_get()
    placed = 0
    waiting = Member.objects.filter(holding_tank_until__lte=now, placement_parent__isnull=True, sponsor__isnull=False)
    for member in waiting.select_related("sponsor").order_by("id"):
        assert member.sponsor is not None  # filtered above: only sponsored members wait in the holding tank
        with transaction.atomic():
            placement_lock()
            members_refresh(member)
            if not member.in_holding_tank:  # placed by the sponsor while we waited for the lock
                continue
            slot = automatic_slot(sponsor=member.sponsor, settings_row=settings_row)
            move = move_start(
                kind=MoveKind.PLACE, subject=member, by=None, reason="Holding-tank deadline passed: placed by rule"
            )
            parent_change(move=move, member=member, tree=Tree.PLACEMENT, new_parent=slot.parent, position=slot.position)
            Member.objects.filter(pk=member.pk).update(holding_tank_until=None)
            placed += 1
    return placed


def unused_slot_for(*, sponsor: Member) -> Slot:
    """Where the company's rule would place a new member under ``sponsor`` right now (for previews and forms)."""
    return automatic_slot(sponsor=sponsor, settings_row=genealogy_settings_get())
