"""Tree moves, each recorded as a TreeMove with its events so it can be explained and undone: re-sponsor, re-place,
frontline up, the move to the terminated tree, and undo."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts.models import User
from core.bulk import foreign_keys_checked_by_caller
from core.company.services import company_settings_get
from core.members.models import (
    Customer,
    CustomerTransfer,
    Member,
    MemberStatus,
    MoveKind,
    PlacementMethod,
    Tree,
    TreeEvent,
    TreeMove,
)
from core.members.placement import (
    automatic_slot,
    genealogy_settings_get,
    slot_is_free,
)
from core.members.services.customers import customer_move
from core.members.services.profiles import member_status_set
from core.members.tree import (
    children_reattach_to_ancestor,
    leaves_reattach_under,
    members_lift_out,
    members_refresh,
    parent_of,
    placement_lock,
    refuse_cycle,
    subtree_reattach,
)


def move_start(*, kind: str, subject: Member, by: User | None, reason: str, undoes: TreeMove | None = None) -> TreeMove:
    if not (reason or "").strip():
        raise ValidationError({"reason": [gettext("Say why the move is made; it is kept in the member's history.")]})
    return TreeMove.objects.create(
        kind=kind, subject=subject, moved_at=timezone.now(), moved_by=by, reason=reason.strip(), undoes=undoes
    )


def parent_change(*, move: TreeMove, member: Member, tree: str, new_parent: Member | None, position: int | None):
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


def mirrors_sponsor_tree() -> bool:
    return genealogy_settings_get().placement_method == PlacementMethod.UNILEVEL


@transaction.atomic
def member_responsor(*, member: Member, new_sponsor: Member, by: User | None, reason: str) -> TreeMove:
    """Give a member a new sponsor; their whole downline moves with them. In a unilevel company the placement
    tree is the sponsor tree, so it moves too."""
    placement_lock()
    members_refresh(member, new_sponsor)
    if member.sponsor_id is None:
        raise ValidationError({"member": [gettext("The company's root member has no sponsor to change.")]})
    if member.sponsor_id == new_sponsor.pk:
        raise ValidationError(
            {"new_sponsor": [gettext("#%(number)s is already the sponsor.") % {"number": new_sponsor.number}]}
        )
    move = move_start(kind=MoveKind.RESPONSOR, subject=member, by=by, reason=reason)
    parent_change(move=move, member=member, tree=Tree.SPONSOR, new_parent=new_sponsor, position=None)
    if mirrors_sponsor_tree():
        parent_change(move=move, member=member, tree=Tree.PLACEMENT, new_parent=new_sponsor, position=None)
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
            {
                "new_parent": [
                    gettext("This company places members in the enrolment tree: re-sponsor the member instead.")
                ]
            }
        )
    members_refresh(member, new_parent)
    errors = {}
    if settings_row.placement_method == PlacementMethod.BINARY and position not in (0, 1):
        errors["position"] = [gettext("Choose 0 (left) or 1 (right).")]
    elif settings_row.placement_method == PlacementMethod.MATRIX and (
        position is None or not 0 <= position < settings_row.matrix_width
    ):
        errors["position"] = [
            gettext("Choose a position from 0 to %(matrix_width)s.") % {"matrix_width": settings_row.matrix_width - 1}
        ]
    elif not new_parent.placement_path:
        errors["new_parent"] = [gettext("#%(number)s is not placed yet.") % {"number": new_parent.number}]
    elif not slot_is_free(parent=new_parent, position=position):
        errors["position"] = [
            gettext("That position under #%(number)s is already taken.") % {"number": new_parent.number}
        ]
    if errors:
        raise ValidationError(errors)
    move = move_start(kind=MoveKind.REPLACE, subject=member, by=by, reason=reason)
    parent_change(move=move, member=member, tree=Tree.PLACEMENT, new_parent=new_parent, position=position)
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
        raise ValidationError(
            {"member": [gettext("The company's root member has no sponsor to move the frontline to.")]}
        )
    move = move_start(kind=kind, subject=member, by=by, reason=reason)
    mirrors = mirrors_sponsor_tree()
    if target.pk in member.sponsor_path and (not mirrors or target.pk in member.placement_path):
        # Moving up the line: the whole frontline moves in a few set-based statements.
        trees = [Tree.SPONSOR, Tree.PLACEMENT] if mirrors else [Tree.SPONSOR]
        events = [
            TreeEvent(
                move=move, member_id=child, tree=tree, old_parent=member, new_parent=target, happened_at=move.moved_at
            )
            for tree in trees
            for child in children_reattach_to_ancestor(member=member, tree=tree, ancestor=target)
        ]
        TreeEvent.objects.bulk_create(events)
    else:
        for recruit in Member.objects.filter(sponsor=member).order_by("id"):
            parent_change(move=move, member=recruit, tree=Tree.SPONSOR, new_parent=target, position=None)
            if mirrors:
                parent_change(move=move, member=recruit, tree=Tree.PLACEMENT, new_parent=target, position=None)
    customers = list(Customer.objects.filter(distributor=member).order_by("id").values_list("id", flat=True))
    if customers:
        CustomerTransfer.objects.bulk_create(
            CustomerTransfer(
                customer_id=customer_id,
                from_distributor=member,
                to_distributor=target,
                moved_at=move.moved_at,
                moved_by=by,
                reason=f"{reason} (move #{move.pk})",
            )
            for customer_id in customers
        )
        Customer.objects.filter(pk__in=customers).update(distributor=target)
    return move


@transaction.atomic
def members_move_downlines_up(
    *, members: list[Member], by: User | None, reason: str
) -> dict[int, tuple[TreeMove, int]]:
    """The demotion policy's daily downline moves, for every member of the day at once: each one's personal
    recruits (with their downlines) and customers move to the nearest sponsor above who is neither terminated nor
    moving today, one undoable move per member. In a company whose placement tree is the sponsor tree this is a
    handful of set-based statements for the whole day (a member-at-a-time move costs tens of milliseconds, and a
    million-member company has thousands a day); otherwise, or when a terminated member still sits in a line
    above, each member moves on their own as before. Returns each member's move and the member their line moved
    to."""
    placement_lock()
    # The company's root has nobody above to take its line: it keeps it, and stays a target for the others.
    fresh = {pk: m for pk, m in Member.objects.in_bulk([m.pk for m in members]).items() if m.sponsor_id is not None}
    ids = set(fresh)
    above = {pk for m in fresh.values() for pk in m.sponsor_path[:-1]} - ids
    terminated_above = Member.objects.filter(pk__in=above, status=MemberStatus.TERMINATED).exists()
    if not mirrors_sponsor_tree() or terminated_above:
        one_by_one: dict[int, tuple[TreeMove, int]] = {}
        for member in sorted(fresh.values(), key=lambda m: m.pk):
            upline = nearest_sponsor_not_terminated(member)
            if upline is not None:
                move = member_move_frontline_up(
                    member=member, by=by, reason=reason, kind=MoveKind.DOWNLINE_MOVE, to=upline
                )
                one_by_one[member.pk] = (move, upline.pk)
        return one_by_one
    movable = list(fresh.values())
    targets = {m.pk: next(pk for pk in reversed(m.sponsor_path[:-1]) if pk not in ids) for m in movable}
    now = timezone.now()
    with connection.cursor() as cursor, foreign_keys_checked_by_caller(cursor):  # the members were just read
        created = TreeMove.objects.bulk_create(
            TreeMove(kind=MoveKind.DOWNLINE_MOVE, subject_id=m.pk, moved_at=now, moved_by=by, reason=reason.strip())
            for m in sorted(movable, key=lambda m: m.pk)
        )
    moves = {move.subject_id: move for move in created}
    changed = members_lift_out(member_ids=sorted(moves))  # the tree's own checks run on these member rows
    with connection.cursor() as cursor, foreign_keys_checked_by_caller(cursor):  # moves and members just written
        TreeEvent.objects.bulk_create(
            (
                TreeEvent(
                    move=moves[old_parent],
                    member_id=member_id,
                    tree=tree,
                    old_parent_id=old_parent,
                    new_parent_id=new_parent,
                    happened_at=now,
                )  # fmt: skip
                for member_id, old_parent, new_parent in changed
                if old_parent in moves
                for tree in (Tree.SPONSOR, Tree.PLACEMENT)
            ),
            batch_size=5000,
        )
    customers = list(Customer.objects.filter(distributor_id__in=list(moves)).values_list("id", "distributor_id"))
    if customers:
        CustomerTransfer.objects.bulk_create(
            (
                CustomerTransfer(
                    customer_id=customer_id,
                    from_distributor_id=distributor_id,
                    to_distributor_id=targets[distributor_id],
                    moved_at=now,
                    moved_by=by,
                    reason=f"{reason.strip()} (move #{moves[distributor_id].pk})",
                )
                for customer_id, distributor_id in customers
            ),
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {Customer._meta.db_table} c SET distributor_id = t.target
                  FROM unnest(%s::bigint[], %s::bigint[]) AS t(member, target)
                 WHERE c.distributor_id = t.member
                """,
                [list(targets), list(targets.values())],
            )
    return {pk: (move, targets[pk]) for pk, move in moves.items()}


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
        move = move_start(kind=MoveKind.TERMINATED_TREE, subject=member, by=by, reason=reason)
        parent_change(move=move, member=member, tree=Tree.SPONSOR, new_parent=root, position=None)
        settings_row = genealogy_settings_get()
        if settings_row.placement_method == PlacementMethod.UNILEVEL:
            parent_change(move=move, member=member, tree=Tree.PLACEMENT, new_parent=root, position=None)
        elif member.placement_path:
            root.refresh_from_db()
            slot = automatic_slot(sponsor=root, settings_row=settings_row)
            parent_change(move=move, member=member, tree=Tree.PLACEMENT, new_parent=slot.parent, position=slot.position)
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
    mirrors = mirrors_sponsor_tree()
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
    in_batch = {m.pk for m in batch}  # by id: a model's == per pair made this quadratic in the day's moves
    for member in fresh.values():
        if member.pk not in in_batch:
            move = member_move_to_terminated_tree(member=member, by=by, reason=reason)
            if move is not None:
                moves[member.pk] = move
    if not batch:
        return moves
    now = timezone.now()
    with connection.cursor() as cursor, foreign_keys_checked_by_caller(cursor):  # the members were just read
        created = TreeMove.objects.bulk_create(
            TreeMove(kind=MoveKind.TERMINATED_TREE, subject=m, moved_at=now, moved_by=by, reason=reason) for m in batch
        )
    events = []
    for move, member in zip(created, batch, strict=True):
        moves[member.pk] = move
        for tree in (Tree.SPONSOR, Tree.PLACEMENT):
            events.append(
                TreeEvent(
                    move=move,
                    member=member,
                    tree=tree,
                    old_parent_id=parent_of(member, tree),
                    new_parent=root,
                    happened_at=now,
                )
            )
    with connection.cursor() as cursor, foreign_keys_checked_by_caller(cursor):  # moves and members just read
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
        raise ValidationError({"move": [gettext("Move #%(pk)s has already been undone.") % {"pk": move.pk}]})
    undo = move_start(kind=MoveKind.UNDO, subject=move.subject, by=by, reason=reason, undoes=move)
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
            parent_change(move=undo, member=member, tree=event.tree, new_parent=old_parent, position=event.old_position)
        except ValidationError as exc:
            report.skipped.append(f"#{member.number}: {'; '.join(exc.messages)}")
            continue
        if member.number not in report.restored:
            report.restored.append(member.number)
    for transfer in CustomerTransfer.objects.filter(reason__endswith=f"(move #{move.pk})").select_related("customer"):
        customer = transfer.customer
        if customer.distributor_id == transfer.to_distributor_id:
            customer_move(
                customer=customer, to=transfer.from_distributor, by=by, reason=f"{reason} (undo of move #{move.pk})"
            )
    return report
