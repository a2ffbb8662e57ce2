"""What the members API views share: who is looking (staff see everyone, a distributor their downline), the tree
parameter, and the member serializers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from core.accounts.selectors import actor_for
from core.members import selectors
from core.members.models import Member, Tree, TreeMove
from core.members.services.enrolment import Placement

TREE_PARAM = OpenApiParameter("tree", enum=Tree.values, description="sponsor (default) or placement")


def viewer_member(request) -> Member | None:
    """None for company staff (they see everyone); the distributor's own record otherwise."""
    user = request.user
    if actor_for(user).is_company_staff:
        return None
    member = selectors.member_for_user(user=user)
    if member is None:
        raise PermissionDenied(gettext("Only distributors and company staff can read the genealogy."))
    return member


def visible_member(request, number: int) -> Member:
    member = get_object_or_404(Member, number=number)
    try:
        selectors.visible_or_denied(viewer=viewer_member(request), member=member)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    return member


def tree_param(request) -> str:
    tree = request.query_params.get("tree", Tree.SPONSOR)
    if tree not in Tree.values:
        raise ValidationError({"tree": [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(Tree.values)}]})
    return tree


class MemberBrief(serializers.ModelSerializer):
    sponsor_number = serializers.IntegerField(source="sponsor.number", default=None, read_only=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Member
        fields = ["number", "username", "full_name", "status", "paid_as_rank", "sponsor_number", "joined_at"]


class MemberInLevel(MemberBrief):
    level = serializers.IntegerField(read_only=True)

    class Meta(MemberBrief.Meta):
        fields = [*MemberBrief.Meta.fields, "level"]


class MemberDetail(serializers.ModelSerializer):
    sponsor_number = serializers.IntegerField(source="sponsor.number", default=None, read_only=True)
    placement_parent_number = serializers.IntegerField(source="placement_parent.number", default=None, read_only=True)
    tax_id = serializers.CharField(source="tax_id_masked", read_only=True)
    in_holding_tank = serializers.BooleanField(read_only=True)
    sponsor_depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = Member
        fields = [
            "number",
            "username",
            "status",
            "joined_at",
            "sponsor_number",
            "sponsor_depth",
            "placement_parent_number",
            "placement_position",
            "in_holding_tank",
            "holding_tank_until",
            "paid_as_rank",
            "highest_rank",
            "first_name",
            "last_name",
            "email",
            "phone",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
            "country",
            "bio",
            "avatar",
            "tax_id",
            "binary_preferred_side",
        ]


def placement_from(values: dict) -> Placement | None:
    parent_number = values.pop("placement_parent", None)
    position = values.pop("placement_position", None)
    if parent_number is None:
        return None
    parent = selectors.member_by_number(parent_number)
    if parent is None:
        raise ValidationError(
            {
                "placement_parent": [
                    gettext("No member has the number %(parent_number)s.") % {"parent_number": parent_number}
                ]
            }
        )
    return Placement(parent=parent, position=position)


class MoveOutput(serializers.ModelSerializer):
    subject_number = serializers.IntegerField(source="subject.number")
    moved_by = serializers.CharField(source="moved_by.email", default=None)
    undone_by = serializers.IntegerField(source="undone_by.pk", default=None)
    events = serializers.SerializerMethodField()

    class Meta:
        model = TreeMove
        fields = ["id", "kind", "subject_number", "moved_at", "moved_by", "reason", "undoes", "undone_by", "events"]

    def get_events(self, move) -> list[dict]:
        return [
            {
                "member": event.member.number,
                "tree": event.tree,
                "from": event.old_parent.number if event.old_parent else None,
                "to": event.new_parent.number if event.new_parent else None,
                "from_position": event.old_position,
                "to_position": event.new_position,
            }
            for event in move.events.select_related("member", "old_parent", "new_parent")
        ]


def member_or_field_error(number, field: str) -> Member:
    member = selectors.member_by_number(number) if number is not None else None
    if member is None:
        raise ValidationError({field: [gettext("No member has the number %(number)s.") % {"number": number}]})
    return member
