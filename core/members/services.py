"""Writes on members, customers and the genealogy trees. Every parent change is recorded as a TreeEvent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from core.accounts.models import Role, User
from core.accounts.services import user_create
from core.company.services import company_settings_get
from core.members import crypto
from core.members.models import (
    Customer,
    CustomerTransfer,
    CustomerType,
    GenealogySettings,
    Member,
    MemberStatus,
    MoveKind,
    PlacementMethod,
    Tree,
    TreeEvent,
    TreeMove,
)
from core.members.placement import (
    Slot,
    automatic_slot,
    chosen_slot_check,
    genealogy_settings_get,
    slot_is_free,
)
from core.members.tree import (
    children_reattach_to_ancestor,
    leaves_reattach_under,
    members_refresh,
    parent_of,
    placement_lock,
    refuse_cycle,
    subtree_reattach,
)
from core.webhooks import services as webhooks

USERNAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,30}[a-z0-9])$")
# Names that would collide with the company site's own addresses (/<username>/ is a replicated site).
RESERVED_USERNAMES = frozenset(
    {
        *("about", "accounts", "admin", "api", "app", "cart", "checkout", "company", "console", "contact", "faq"),
        *("healthz", "help", "join", "login", "logout", "media", "office", "pages", "privacy", "shop", "signup"),
        *("start", "static", "support", "terms", "www"),
    }
)
SPONSORING_STATUSES = (MemberStatus.ACTIVE,)


# ---------------------------------------------------------------------------------------------------- numbering


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


def customer_number_next() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('members_customer_number_seq')")
        return cursor.fetchone()[0]


# ---------------------------------------------------------------------------------------------------- validation


def username_problems(username: str) -> list[str]:
    problems = []
    if not USERNAME_RE.match(username):
        problems.append(
            "Use 3 to 32 lowercase letters, digits or hyphens, starting and ending with a letter or digit."
        )
    if username in RESERVED_USERNAMES:
        problems.append(f"'{username}' is reserved for the company's site.")
    if not problems and Member.objects.filter(username__iexact=username).exists():
        problems.append(f"The username '{username}' is taken.")
    return problems


def sponsor_problems(sponsor: Member | None) -> list[str]:
    if sponsor is None:
        return ["Choose a sponsor."] if Member.objects.exists() else []
    if sponsor.status not in SPONSORING_STATUSES:
        return [f"#{sponsor.number} cannot sponsor new members while {sponsor.get_status_display().lower()}."]
    return []


# ---------------------------------------------------------------------------------------------------- enrolment


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
        errors["first_name"] = ["This field is required."]
    if not last_name.strip():
        errors["last_name"] = ["This field is required."]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid e-mail address."]
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


def _move_start(
    *, kind: str, subject: Member, by: User | None, reason: str, undoes: TreeMove | None = None
) -> TreeMove:
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Say why the move is made; it is kept in the member's history."]})
    return TreeMove.objects.create(
        kind=kind, subject=subject, moved_at=timezone.now(), moved_by=by, reason=reason.strip(), undoes=undoes
    )


def _parent_change(*, move: TreeMove, member: Member, tree: str, new_parent: Member | None, position: int | None):
    members_refresh(member, new_parent)
    old_parent_id = parent_of(member, tree)
    old_position = member.placement_position if tree == Tree.PLACEMENT else None
    refuse_cycle(member=member, new_parent=new_parent, tree=tree)
    subtree_reattach(member=member, tree=tree, new_parent=new_parent, position=position)
    TreeEvent.objects.create(
        move=move,
        member=member,
        tree=tree,
        old_parent_id=old_parent_id,
        new_parent=new_parent,
        old_position=old_position,
        new_position=position if tree == Tree.PLACEMENT else None,
        happened_at=move.moved_at,
    )


def _mirrors_sponsor_tree() -> bool:
    return genealogy_settings_get().placement_method == PlacementMethod.UNILEVEL


@transaction.atomic
def member_place_from_tank(*, member: Member, parent: Member, position: int | None, by: User | None) -> Member:
    """The sponsor (or an admin) places a member waiting in the holding tank."""
    placement_lock()
    members_refresh(member, parent)
    if not member.in_holding_tank or member.sponsor is None:
        raise ValidationError({"member": [f"#{member.number} is not waiting in the holding tank."]})
    slot = chosen_slot_check(
        sponsor=member.sponsor, parent=parent, position=position, settings_row=genealogy_settings_get()
    )
    move = _move_start(kind=MoveKind.PLACE, subject=member, by=by, reason="Placed from the holding tank")
    _parent_change(move=move, member=member, tree=Tree.PLACEMENT, new_parent=slot.parent, position=slot.position)
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
            move = _move_start(
                kind=MoveKind.PLACE, subject=member, by=None, reason="Holding-tank deadline passed: placed by rule"
            )
            _parent_change(
                move=move, member=member, tree=Tree.PLACEMENT, new_parent=slot.parent, position=slot.position
            )
            Member.objects.filter(pk=member.pk).update(holding_tank_until=None)
            placed += 1
    return placed


# ---------------------------------------------------------------------------------------------------- moves


@transaction.atomic
def member_responsor(*, member: Member, new_sponsor: Member, by: User | None, reason: str) -> TreeMove:
    """Give a member a new sponsor; their whole downline moves with them. In a unilevel company the placement
    tree is the sponsor tree, so it moves too."""
    placement_lock()
    members_refresh(member, new_sponsor)
    if member.sponsor_id is None:
        raise ValidationError({"member": ["The company's root member has no sponsor to change."]})
    if member.sponsor_id == new_sponsor.pk:
        raise ValidationError({"new_sponsor": [f"#{new_sponsor.number} is already the sponsor."]})
    move = _move_start(kind=MoveKind.RESPONSOR, subject=member, by=by, reason=reason)
    _parent_change(move=move, member=member, tree=Tree.SPONSOR, new_parent=new_sponsor, position=None)
    if _mirrors_sponsor_tree():
        _parent_change(move=move, member=member, tree=Tree.PLACEMENT, new_parent=new_sponsor, position=None)
    return move


@transaction.atomic
def member_replace(
    *, member: Member, new_parent: Member, position: int | None, by: User | None, reason: str
) -> TreeMove:
    """Move a member (and the placement leg under them) to another position in the placement tree."""
    placement_lock()
    settings_row = genealogy_settings_get()
    if settings_row.placement_method == PlacementMethod.UNILEVEL:
        raise ValidationError(
            {"new_parent": ["This company places members in the enrolment tree: re-sponsor the member instead."]}
        )
    members_refresh(member, new_parent)
    errors = {}
    if settings_row.placement_method == PlacementMethod.BINARY and position not in (0, 1):
        errors["position"] = ["Choose 0 (left) or 1 (right)."]
    elif settings_row.placement_method == PlacementMethod.MATRIX and (
        position is None or not 0 <= position < settings_row.matrix_width
    ):
        errors["position"] = [f"Choose a position from 0 to {settings_row.matrix_width - 1}."]
    elif not new_parent.placement_path:
        errors["new_parent"] = [f"#{new_parent.number} is not placed yet."]
    elif not slot_is_free(parent=new_parent, position=position):
        errors["position"] = [f"That position under #{new_parent.number} is already taken."]
    if errors:
        raise ValidationError(errors)
    move = _move_start(kind=MoveKind.REPLACE, subject=member, by=by, reason=reason)
    _parent_change(move=move, member=member, tree=Tree.PLACEMENT, new_parent=new_parent, position=position)
    Member.objects.filter(pk=member.pk).update(holding_tank_until=None)
    return move


@transaction.atomic
def member_move_frontline_up(
    *, member: Member, by: User | None, reason: str, kind: str = MoveKind.FRONTLINE_UP, to: Member | None = None
) -> TreeMove:
    """Re-sponsor every personally enrolled member of ``member`` to ``to`` (default: ``member``'s sponsor), with
    their downlines, in one undoable move. Personal customers follow in the same move."""
    placement_lock()
    members_refresh(member, to)
    target = to or member.sponsor
    if target is None:
        raise ValidationError({"member": ["The company's root member has no sponsor to move the frontline to."]})
    move = _move_start(kind=kind, subject=member, by=by, reason=reason)
    mirrors = _mirrors_sponsor_tree()
    if target.pk in member.sponsor_path and (not mirrors or target.pk in member.placement_path):
        # Moving up the line: the whole frontline moves in a few set-based statements.
        trees = [Tree.SPONSOR, Tree.PLACEMENT] if mirrors else [Tree.SPONSOR]
        events = [
            TreeEvent(move=move, member_id=child, tree=tree, old_parent=member, new_parent=target,
                      happened_at=move.moved_at)
            for tree in trees
            for child in children_reattach_to_ancestor(member=member, tree=tree, ancestor=target)
        ]
        TreeEvent.objects.bulk_create(events)
    else:
        for recruit in Member.objects.filter(sponsor=member).order_by("id"):
            _parent_change(move=move, member=recruit, tree=Tree.SPONSOR, new_parent=target, position=None)
            if mirrors:
                _parent_change(move=move, member=recruit, tree=Tree.PLACEMENT, new_parent=target, position=None)
    customers = list(Customer.objects.filter(distributor=member).order_by("id").values_list("id", flat=True))
    if customers:
        CustomerTransfer.objects.bulk_create(
            CustomerTransfer(customer_id=customer_id, from_distributor=member, to_distributor=target,
                             moved_at=move.moved_at, moved_by=by, reason=f"{reason} (move #{move.pk})")
            for customer_id in customers
        )
        Customer.objects.filter(pk__in=customers).update(distributor=target)
    return move


def nearest_sponsor_not_terminated(member: Member) -> Member | None:
    """The first sponsor up the enrolment line whose status is not terminated (the demotion policy's downline move
    sends a member's personal recruits and customers there)."""
    upline_ids = list(reversed(member.sponsor_path[:-1]))
    statuses = dict(Member.objects.filter(pk__in=upline_ids).values_list("pk", "status"))
    for pk in upline_ids:
        if statuses.get(pk) != MemberStatus.TERMINATED:
            return Member.objects.get(pk=pk)
    return None


def terminated_tree_root() -> Member | None:
    """The member the company reserved as the root of its terminated tree (setting), else the company's root."""
    number = company_settings_get().terminated_tree_root_number
    return Member.objects.filter(number=number).first() or Member.objects.filter(sponsor__isnull=True).first()


@transaction.atomic
def member_move_to_terminated_tree(*, member: Member, by: User | None, reason: str) -> TreeMove | None:
    """Re-sponsor (and re-place) a member under the terminated-tree root and mark them terminated. Their own
    recruits should have moved first (the policy's downline move); anyone still under them moves with them."""
    placement_lock()
    member.refresh_from_db()
    root = terminated_tree_root()
    move = None
    if root is not None and root.pk != member.pk and member.sponsor_id != root.pk and member.sponsor_id is not None:
        move = _move_start(kind=MoveKind.TERMINATED_TREE, subject=member, by=by, reason=reason)
        _parent_change(move=move, member=member, tree=Tree.SPONSOR, new_parent=root, position=None)
        settings_row = genealogy_settings_get()
        if settings_row.placement_method == PlacementMethod.UNILEVEL:
            _parent_change(move=move, member=member, tree=Tree.PLACEMENT, new_parent=root, position=None)
        elif member.placement_path:
            root.refresh_from_db()
            slot = automatic_slot(sponsor=root, settings_row=settings_row)
            _parent_change(
                move=move, member=member, tree=Tree.PLACEMENT, new_parent=slot.parent, position=slot.position
            )
    member_status_set(member=member, status=MemberStatus.TERMINATED, by=by)
    return move


@transaction.atomic
def members_move_to_terminated_tree(*, members: list[Member], by: User | None, reason: str) -> dict[int, TreeMove]:
    """Move many members under the terminated-tree root at once (the demotion policy's daily batch) and mark
    them terminated. Members with nobody under them, in a company whose placement tree is the sponsor tree, move
    in a handful of statements for the whole batch; anyone else moves one at a time. Returns each member's move."""
    placement_lock()
    root = terminated_tree_root()
    if root is None or not members:
        return {}
    fresh = Member.objects.in_bulk([m.pk for m in members])
    mirrors = _mirrors_sponsor_tree()
    batch = [
        m
        for m in fresh.values()
        if mirrors
        and m.pk != root.pk
        and m.sponsor_id not in (None, root.pk)
        and m.sponsor_downline_count == 0
        and m.placement_downline_count == 0
    ]
    moves: dict[int, TreeMove] = {}
    for member in fresh.values():
        if member not in batch:
            move = member_move_to_terminated_tree(member=member, by=by, reason=reason)
            if move is not None:
                moves[member.pk] = move
    if not batch:
        return moves
    now = timezone.now()
    created = TreeMove.objects.bulk_create(
        TreeMove(kind=MoveKind.TERMINATED_TREE, subject=m, moved_at=now, moved_by=by, reason=reason) for m in batch
    )
    events = []
    for move, member in zip(created, batch, strict=True):
        moves[member.pk] = move
        for tree in (Tree.SPONSOR, Tree.PLACEMENT):
            events.append(
                TreeEvent(move=move, member=member, tree=tree, old_parent_id=parent_of(member, tree), new_parent=root,
                          happened_at=now)
            )
    TreeEvent.objects.bulk_create(events, batch_size=5000)
    leaves_reattach_under(members=batch, root=root)
    ids = [m.pk for m in batch]
    Member.objects.filter(pk__in=ids).update(status=MemberStatus.TERMINATED, status_changed_at=now)
    User.objects.filter(member__in=ids).update(is_active=False)
    return moves


@dataclass
class UndoReport:
    move: TreeMove
    restored: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def tree_move_undo(*, move: TreeMove, by: User | None, reason: str) -> UndoReport:
    """Put back every parent a move changed, unless the member has moved again since: those are reported, not
    forced back, so a later deliberate move is never silently reverted."""
    placement_lock()
    if TreeMove.objects.filter(undoes=move).exists():
        raise ValidationError({"move": [f"Move #{move.pk} has already been undone."]})
    undo = _move_start(kind=MoveKind.UNDO, subject=move.subject, by=by, reason=reason, undoes=move)
    report = UndoReport(move=undo)
    for event in move.events.select_related("member").order_by("-id"):
        member = event.member
        member.refresh_from_db()
        if parent_of(member, event.tree) != event.new_parent_id:
            report.skipped.append(f"#{member.number} has moved again since; left where it is now.")
            continue
        old_parent = event.old_parent
        if (
            event.tree == Tree.PLACEMENT
            and event.old_position is not None
            and old_parent is not None
            and not slot_is_free(parent=old_parent, position=event.old_position)
        ):
            report.skipped.append(f"#{member.number}: its old position under #{old_parent.number} is taken.")
            continue
        try:
            _parent_change(
                move=undo, member=member, tree=event.tree, new_parent=old_parent, position=event.old_position
            )
        except ValidationError as exc:
            report.skipped.append(f"#{member.number}: {'; '.join(exc.messages)}")
            continue
        if member.number not in report.restored:
            report.restored.append(member.number)
    for transfer in CustomerTransfer.objects.filter(reason__endswith=f"(move #{move.pk})").select_related("customer"):
        customer = transfer.customer
        if customer.distributor_id == transfer.to_distributor_id:
            _customer_move(
                customer=customer, to=transfer.from_distributor, by=by, reason=f"{reason} (undo of move #{move.pk})"
            )
    return report


# ---------------------------------------------------------------------------------------------------- status, profile


@transaction.atomic
def member_status_set(*, member: Member, status: str, by: User | None = None) -> Member:
    if status not in MemberStatus.values:
        choices = ", ".join(MemberStatus.values)
        raise ValidationError({"status": [f"Unknown status {status!r}; choose one of {choices}."]})
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
)


@transaction.atomic
def member_profile_update(*, member: Member, changes: dict) -> Member:
    unknown = sorted(set(changes) - set(PROFILE_FIELDS) - {"tax_id", "avatar"})
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
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
        raise ValidationError({"tax_id": ["Use 4 to 20 letters or digits (spaces and hyphens are ignored)."]})
    member.tax_id_encrypted = crypto.encrypt(digits) if digits else None
    member.tax_id_last4 = digits[-4:] if digits else ""
    if save:
        member.save(update_fields=["tax_id_encrypted", "tax_id_last4"])


# ---------------------------------------------------------------------------------------------------- customers


@transaction.atomic
def customer_create(
    *,
    distributor: Member,
    email: str,
    first_name: str,
    last_name: str,
    customer_type: str = CustomerType.RETAIL,
    password: str | None = None,
    phone: str = "",
    country: str = "",
    joined_at: datetime | None = None,
    with_login: bool = True,
) -> Customer:
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid e-mail address."]
    if customer_type not in CustomerType.values:
        errors["customer_type"] = [f"Choose one of {', '.join(CustomerType.values)}."]
    if distributor.status == MemberStatus.TERMINATED:
        errors["distributor"] = [f"#{distributor.number} is terminated and cannot take new customers."]
    if not first_name.strip():
        errors["first_name"] = ["This field is required."]
    if errors:
        raise ValidationError(errors)
    user = None
    if with_login:
        user = user_create(
            email=email, role=Role.CUSTOMER, password=password, first_name=first_name, last_name=last_name
        )
    return Customer.objects.create(
        number=customer_number_next(),
        customer_type=customer_type,
        distributor=distributor,
        user=user,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone,
        country=country.upper(),
        joined_at=joined_at or timezone.now(),
    )


def _customer_move(*, customer: Customer, to: Member, by: User | None, reason: str) -> CustomerTransfer:
    transfer = CustomerTransfer.objects.create(
        customer=customer,
        from_distributor_id=customer.distributor_id,
        to_distributor=to,
        moved_at=timezone.now(),
        moved_by=by,
        reason=reason,
    )
    Customer.objects.filter(pk=customer.pk).update(distributor=to)
    return transfer


@transaction.atomic
def customer_transfer(*, customer: Customer, to: Member, by: User | None, reason: str) -> CustomerTransfer:
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Say why the customer is moved; it is kept in the customer's history."]})
    if customer.distributor_id == to.pk:
        raise ValidationError({"to": [f"The customer is already credited to #{to.number}."]})
    if to.status == MemberStatus.TERMINATED:
        raise ValidationError({"to": [f"#{to.number} is terminated and cannot take customers."]})
    return _customer_move(customer=customer, to=to, by=by, reason=reason.strip())


@transaction.atomic
def genealogy_settings_update(*, changes: dict) -> GenealogySettings:
    """Change how new members are placed. Members already placed stay where they are."""
    row = GenealogySettings.objects.select_for_update().get(pk=genealogy_settings_get().pk)
    for name, value in changes.items():
        setattr(row, name, value)
    errors = {}
    if row.matrix_width < 2 or row.matrix_width > 20:
        errors["matrix_width"] = ["A matrix is 2 to 20 wide."]
    if row.holding_tank_days > 60:
        errors["holding_tank_days"] = ["A sponsor can be given at most 60 days to place a new member."]
    if errors:
        raise ValidationError(errors)
    row.save()
    return row


def unused_slot_for(*, sponsor: Member) -> Slot:
    """Where the company's rule would place a new member under ``sponsor`` right now (for previews and forms)."""
    return automatic_slot(sponsor=sponsor, settings_row=genealogy_settings_get())
