"""Tree moves: re-sponsor, re-place, frontline up, placement from the holding tank, the move list and undo."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.pagination import StandardPagination
from config.api.permissions import HasCapability, IsCompanyAdmin
from config.api.serializers import NUMBER, POSITION, Input
from core.members import selectors
from core.members.apis.common import MemberDetail, MoveOutput, member_or_field_error, viewer_member
from core.members.models import Member, TreeMove
from core.members.services.enrolment import member_place_from_tank
from core.members.services.moves import member_move_frontline_up, member_replace, member_responsor, tree_move_undo


class ResponsorApi(APIView):
    permission_classes = [HasCapability("genealogy.write")]

    class InputSerializer(Input):
        new_sponsor = serializers.IntegerField(**NUMBER, help_text="Member number")
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses={201: MoveOutput})
    def post(self, request, number: int):
        member = get_object_or_404(Member, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        move = member_responsor(
            member=member,
            new_sponsor=member_or_field_error(data.validated_data["new_sponsor"], "new_sponsor"),
            by=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(MoveOutput(move).data, status=status.HTTP_201_CREATED)


class ReplaceApi(APIView):
    permission_classes = [HasCapability("genealogy.write")]

    class InputSerializer(Input):
        new_parent = serializers.IntegerField(**NUMBER, help_text="Member number")
        position = serializers.IntegerField(**POSITION, required=False, allow_null=True, default=None)
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses={201: MoveOutput})
    def post(self, request, number: int):
        member = get_object_or_404(Member, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        move = member_replace(
            member=member,
            new_parent=member_or_field_error(data.validated_data["new_parent"], "new_parent"),
            position=data.validated_data["position"],
            by=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(MoveOutput(move).data, status=status.HTTP_201_CREATED)


class FrontlineUpApi(APIView):
    permission_classes = [HasCapability("genealogy.write")]

    class InputSerializer(Input):
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses={201: MoveOutput})
    def post(self, request, number: int):
        member = get_object_or_404(Member, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        move = member_move_frontline_up(member=member, by=request.user, reason=data.validated_data["reason"])
        return Response(MoveOutput(move).data, status=status.HTTP_201_CREATED)


class PlaceFromTankApi(APIView):
    permission_classes = [HasCapability("genealogy.place")]

    class InputSerializer(Input):
        parent = serializers.IntegerField(**NUMBER, help_text="Member number of the new placement parent")
        position = serializers.IntegerField(**POSITION, required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses=MemberDetail)
    def post(self, request, number: int):
        """The sponsor (or an admin) places a member waiting in the holding tank."""
        member = get_object_or_404(Member, number=number)
        viewer = viewer_member(request)
        if viewer is not None and member.sponsor_id != viewer.pk:
            raise PermissionDenied(gettext("Only the member's sponsor can place them."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_place_from_tank(
            member=member,
            parent=member_or_field_error(data.validated_data["parent"], "parent"),
            position=data.validated_data["position"],
            by=request.user,
        )
        return Response(MemberDetail(member).data)


class MoveListApi(APIView):
    permission_classes = [IsCompanyAdmin]

    @extend_schema(responses=MoveOutput(many=True))
    def get(self, request):
        moves = selectors.tree_moves_list()
        paginator = StandardPagination()
        page = paginator.paginate_queryset(moves, request, view=self)
        return paginator.get_paginated_response(MoveOutput(page, many=True).data)


class MoveUndoApi(APIView):
    permission_classes = [HasCapability("genealogy.write")]

    class InputSerializer(Input):
        reason = serializers.CharField(max_length=500)

    class OutputSerializer(serializers.Serializer):
        move = MoveOutput()
        restored = serializers.ListField(child=serializers.IntegerField())
        skipped = serializers.ListField(child=serializers.CharField())

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request, move_id: int):
        move = get_object_or_404(TreeMove, pk=move_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = tree_move_undo(move=move, by=request.user, reason=data.validated_data["reason"])
        return Response(
            {"move": MoveOutput(report.move).data, "restored": report.restored, "skipped": report.skipped},
            status=status.HTTP_201_CREATED,
        )
