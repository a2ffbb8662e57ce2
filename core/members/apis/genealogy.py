"""Genealogy reads: upline, downline (by level and summarised), a member's move history, and the company's genealogy
settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.pagination import StandardPagination
from config.api.permissions import HasCapability
from core.members import selectors
from core.members.apis.common import (
    TREE_PARAM,
    MemberBrief,
    MemberInLevel,
    MoveOutput,
    tree_param,
    viewer_member,
    visible_member,
)
from core.members.models import GenealogySettings, MemberStatus
from core.members.placement import genealogy_settings_get
from core.members.services.profiles import genealogy_settings_update


class UplineApi(APIView):
    @extend_schema(parameters=[TREE_PARAM], responses=MemberBrief(many=True))
    def get(self, request, number: int):
        """Nearest first, up to the root (a distributor sees their upline only as far as themself)."""
        member = visible_member(request, number)
        viewer = viewer_member(request)
        chain = selectors.upline(member=member, tree=tree_param(request))
        if viewer is not None:
            ids = [m.pk for m in chain]
            chain = chain[: ids.index(viewer.pk) + 1] if viewer.pk in ids else []
        return Response(MemberBrief(chain, many=True).data)


class DownlineApi(APIView):
    @extend_schema(
        parameters=[
            TREE_PARAM,
            OpenApiParameter("levels", int, description="How many levels (default 3; 0 for the whole downline)"),
            OpenApiParameter("status", enum=MemberStatus.values),
            OpenApiParameter("rank"),
        ],
        responses=MemberInLevel(many=True),
    )
    def get(self, request, number: int):
        member = visible_member(request, number)
        try:
            levels = int(request.query_params.get("levels", 3))
        except ValueError:
            levels = -1
        if levels < 0 or levels > 50:
            raise ValidationError({"levels": [gettext("Give a whole number from 0 (everything) to 50.")]})
        members = selectors.downline(
            top=member,
            tree=tree_param(request),
            max_levels=levels or None,
            status=request.query_params.get("status") or None,
            rank=request.query_params.get("rank") or None,
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(members.select_related("sponsor"), request, view=self)
        return paginator.get_paginated_response(MemberInLevel(page, many=True).data)


class DownlineSummaryApi(APIView):
    class OutputSerializer(serializers.Serializer):
        total = serializers.IntegerField()
        levels = serializers.ListField(child=serializers.DictField())
        legs = serializers.ListField(child=serializers.DictField())

    @extend_schema(parameters=[TREE_PARAM], responses=OutputSerializer)
    def get(self, request, number: int):
        """Totals for a member: whole downline, members per level, and the size of each frontline leg."""
        member = visible_member(request, number)
        tree = tree_param(request)
        return Response(
            {
                "total": selectors.downline_count(top=member, tree=tree),
                "levels": [
                    {"level": level, "members": count}
                    for level, count in selectors.downline_level_counts(top=member, tree=tree)
                ],
                "legs": [
                    {
                        "head": MemberBrief(leg.head).data,
                        "position": leg.head.placement_position,
                        "members": leg.members,
                        "active_members": leg.active_members,
                    }
                    for leg in selectors.leg_totals(top=member, tree=tree)
                ],
            }
        )


class MemberHistoryApi(APIView):
    @extend_schema(responses=MoveOutput(many=True))
    def get(self, request, number: int):
        """Every move that changed this member's sponsor or placement, newest first."""
        member = visible_member(request, number)
        moves = selectors.tree_moves_changing(member=member)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(moves, request, view=self)
        return paginator.get_paginated_response(MoveOutput(page, many=True).data)


class GenealogySettingsApi(APIView):
    permission_classes = [HasCapability("genealogy.settings.write")]

    class Serializer(serializers.ModelSerializer):
        class Meta:
            model = GenealogySettings
            fields = ["placement_method", "binary_spillover", "matrix_width", "holding_tank_days", "updated_at"]
            read_only_fields = ["updated_at"]

    @extend_schema(responses=Serializer)
    def get(self, request):
        return Response(self.Serializer(genealogy_settings_get()).data)

    @extend_schema(request=Serializer, responses=Serializer)
    def put(self, request):
        data = self.Serializer(genealogy_settings_get(), data=request.data)
        data.is_valid(raise_exception=True)
        return Response(self.Serializer(genealogy_settings_update(changes=data.validated_data)).data)
