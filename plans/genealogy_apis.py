"""The genealogy viewer's API: one node's children as cards (paged for wide nodes), a search inside a downline with
the path to each member found, and a member's binary legs. A distributor reads only their own downline in the tree
asked for; company staff read everyone. Session-authenticated for the back-office page, token for API clients."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.accounts.selectors import actor_for
from core.members.apis.common import TREE_PARAM, tree_param
from core.members.models import Member, Tree
from core.members.selectors import downline_contains, member_by_number
from plans.genealogy import (
    BINARY_LEVELS,
    BINARY_LEVELS_MAX,
    CHILDREN_PAGE_MAX,
    TreeNotInPlan,
    binary_legs,
    genealogy_children,
    genealogy_search,
)


def _node_in_downline(request, number: int, tree: str) -> Member:
    """The member ``number`` if the caller may open their branch in ``tree``: staff always, a distributor only inside
    their own downline in that very tree (a sponsor-downline member's placement children may be anyone's). Two
    queries: the caller's member record (cached on the login) and the node."""
    actor = actor_for(request.user)
    if not actor.is_company_staff and actor.member is None:
        raise PermissionDenied(_("Only distributors and company staff can read the genealogy."))
    node = member_by_number(number)
    if node is None:
        raise NotFound(_("No such member."))
    if actor.member is not None and not downline_contains(top=actor.member, member=node, tree=tree):
        raise PermissionDenied(_("That member is not in your downline."))
    return node


def _whole(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name, str(default))
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationError({name: [_("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}]})
    return int(raw)


class NodeCardOutput(serializers.Serializer):
    number = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    rank = serializers.CharField(help_text="Paid-as rank code (empty: none yet).")
    rank_name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    active = serializers.BooleanField()
    pv = serializers.DecimalField(max_digits=14, decimal_places=2)
    gv = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    gv_basis = serializers.ChoiceField(choices=["run", "live", "pending"])
    new_this_period = serializers.BooleanField()
    joined_on = serializers.DateField()
    children = serializers.IntegerField(help_text="Frontline size in this tree.")
    downline = serializers.IntegerField(help_text="Members anywhere under this one in this tree.")
    position = serializers.IntegerField(allow_null=True, help_text="Placement slot: binary 0 left, 1 right.")


class GenealogyChildrenApi(APIView):
    class OutputSerializer(serializers.Serializer):
        node = NodeCardOutput()
        count = serializers.IntegerField()
        page = serializers.IntegerField()
        pages = serializers.IntegerField()
        results = NodeCardOutput(many=True)

    @extend_schema(
        parameters=[
            TREE_PARAM,
            OpenApiParameter("page", int, description="Page of the frontline, from 1"),
            OpenApiParameter("page_size", int, description=f"1 to {CHILDREN_PAGE_MAX} (default 50)"),
        ],
        responses=OutputSerializer,
    )
    def get(self, request, number: int):
        """A node's card and one page of its frontline as cards (rank, PV and GV of the period, active, new)."""
        tree = tree_param(request)
        page = _whole(request, "page", 1, 1, 1_000_000)
        page_size = _whole(request, "page_size", 50, 1, CHILDREN_PAGE_MAX)
        node = _node_in_downline(request, number, tree)
        try:
            result = genealogy_children(parent=node, tree=tree, page=page, page_size=page_size)
        except TreeNotInPlan as exc:
            raise NotFound(str(exc)) from exc
        return Response(self.OutputSerializer(result).data)


class GenealogySearchApi(APIView):
    class OutputSerializer(serializers.Serializer):
        card = NodeCardOutput()
        path = serializers.ListField(child=serializers.IntegerField(), help_text="Member numbers from the top down.")

    @extend_schema(
        parameters=[TREE_PARAM, OpenApiParameter("q", description="Name, username or member number")],
        responses=OutputSerializer(many=True),
    )
    def get(self, request, number: int):
        """Members under ``number`` matching a name, username or member number (at most 20, nearest first), each
        with the path to open in the tree."""
        tree = tree_param(request)
        query = request.query_params.get("q", "")
        if len(query) > 100:
            raise ValidationError({"q": [_("At most 100 characters.")]})
        top = _node_in_downline(request, number, tree)
        try:
            hits = genealogy_search(top=top, query=query, tree=tree)
        except TreeNotInPlan as exc:
            raise NotFound(str(exc)) from exc
        return Response(self.OutputSerializer(hits, many=True).data)


class LegVolumesOutput(serializers.Serializer):
    left = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Carry-in + the period's left-leg CV.")
    right = serializers.DecimalField(max_digits=16, decimal_places=2)
    carry_left = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, help_text="Carries to the next period (null: not run yet)."
    )
    carry_right = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class BinarySlotOutput(serializers.Serializer):
    side = serializers.ChoiceField(choices=["left", "right"])
    card = NodeCardOutput(allow_null=True, help_text="The member placed here; null: an empty slot.")
    legs = LegVolumesOutput(allow_null=True, help_text="This member's own leg volumes (null: an empty slot).")
    more = serializers.BooleanField(
        help_text="Members are placed below this one beyond the levels returned: `load_more` opens them."
    )
    load_more = serializers.SerializerMethodField(help_text="This member's own legs (only when `more`).")
    slots = serializers.SerializerMethodField(help_text="The two slots below (empty on the last level returned).")

    def get_load_more(self, slot) -> str | None:
        if not slot.more:
            return None
        return reverse("genealogy-binary", args=[slot.card.number]) + f"?levels={self.context['levels']}"

    def get_slots(self, slot) -> list[dict]:
        return BinarySlotOutput(slot.slots, many=True, context=self.context).data


class GenealogyBinaryApi(APIView):
    class OutputSerializer(serializers.Serializer):
        side = serializers.ChoiceField(choices=["left", "right"])
        head = NodeCardOutput(allow_null=True)
        members = serializers.IntegerField()
        carry_in = serializers.DecimalField(max_digits=16, decimal_places=2)
        volume_this_period = serializers.DecimalField(max_digits=16, decimal_places=2)
        volume = serializers.DecimalField(max_digits=16, decimal_places=2)
        carry_out = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
        basis = serializers.ChoiceField(
            choices=["live", "run"],
            help_text="live: the period's latest calculation plus orders since (so far); run: the posted run's.",
        )
        as_of = serializers.DateTimeField(allow_null=True, help_text="When the figures' run was calculated or posted.")
        slots = BinarySlotOutput(help_text="The leg's first `levels` levels, from its head down.")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "levels",
                int,
                description=f"Levels of each leg's slots, 1 to {BINARY_LEVELS_MAX} (default {BINARY_LEVELS})",
            )
        ],
        responses=OutputSerializer(many=True),
    )
    def get(self, request, number: int):
        """The member's left and right legs: head, size, CV carried in, this period's CV, what carries on, and the
        first levels of each leg as slots (bounded; a slot on the last level with members below links to its own
        legs: the "load more")."""
        levels = _whole(request, "levels", BINARY_LEVELS, 1, BINARY_LEVELS_MAX)
        node = _node_in_downline(request, number, Tree.PLACEMENT)
        try:
            legs = binary_legs(member=node, levels=levels)
        except TreeNotInPlan as exc:
            raise NotFound(str(exc)) from exc
        return Response(self.OutputSerializer(legs, many=True, context={"levels": levels}).data)
