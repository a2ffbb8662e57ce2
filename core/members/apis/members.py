"""Members: list and enrol, one member's record and status, a distributor's own record, and joining through a sponsor's
site."""

from __future__ import annotations

from allauth.core import ratelimit
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from config.api.pagination import StandardPagination
from config.api.permissions import HasCapability
from config.api.serializers import NUMBER, POSITION, Input
from core.members import selectors
from core.members.apis.common import MemberBrief, MemberDetail, placement_from, viewer_member, visible_member
from core.members.models import Member, MemberStatus
from core.members.services.enrolment import member_enroll, member_join, sponsor_problems
from core.members.services.profiles import member_profile_update, member_status_set


class MemberListApi(APIView):
    """Staff: every member (search with ``q``, filter by ``status``). Distributors: their own sponsor downline."""

    permission_classes = [HasCapability("members.enrol")]

    class InputSerializer(Input):
        sponsor = serializers.IntegerField(**NUMBER, required=False, help_text="Sponsor's member number (staff only)")
        username = serializers.CharField(max_length=32)
        email = serializers.EmailField(max_length=254)
        first_name = serializers.CharField(max_length=100)
        last_name = serializers.CharField(max_length=100)
        phone = serializers.CharField(required=False, default="", max_length=40)
        country = serializers.CharField(required=False, default="", max_length=2)
        placement_parent = serializers.IntegerField(**NUMBER, required=False)
        placement_position = serializers.IntegerField(**POSITION, required=False)

    @extend_schema(
        parameters=[OpenApiParameter("q"), OpenApiParameter("status", enum=MemberStatus.values)],
        responses=MemberBrief(many=True),
    )
    def get(self, request):
        viewer = viewer_member(request)
        query = request.query_params.get("q", "")
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in MemberStatus.values:
            raise ValidationError(
                {"status": [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(MemberStatus.values)}]}
            )
        members = selectors.members_visible_search(viewer=viewer, query=query, status=wanted)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(members, request, view=self)
        return paginator.get_paginated_response(MemberBrief(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: MemberDetail})
    def post(self, request):
        """Enrol a member: staff name any sponsor; a distributor enrols under themself."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        viewer = viewer_member(request)
        if viewer is not None:
            sponsor = viewer
        elif "sponsor" in values:
            sponsor = selectors.member_by_number(values["sponsor"])
            if sponsor is None:
                raise ValidationError(
                    {"sponsor": [gettext("No member has the number %(sponsor)s.") % {"sponsor": values["sponsor"]}]}
                )
        else:
            sponsor = None
        values.pop("sponsor", None)
        member = member_enroll(sponsor=sponsor, placement=placement_from(values), **values)
        return Response(MemberDetail(member).data, status=status.HTTP_201_CREATED)


class MemberDetailApi(APIView):
    permission_classes = [HasCapability("members.profile.write")]

    class InputSerializer(Input):
        first_name = serializers.CharField(required=False, max_length=100)
        last_name = serializers.CharField(required=False, max_length=100)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
        address_line1 = serializers.CharField(required=False, allow_blank=True, max_length=200)
        address_line2 = serializers.CharField(required=False, allow_blank=True, max_length=200)
        city = serializers.CharField(required=False, allow_blank=True, max_length=100)
        region = serializers.CharField(required=False, allow_blank=True, max_length=100)
        postal_code = serializers.CharField(required=False, allow_blank=True, max_length=20)
        country = serializers.CharField(required=False, allow_blank=True, max_length=2)
        bio = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        tax_id = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=40)
        binary_preferred_side = serializers.ChoiceField(choices=[0, 1], required=False)

    @extend_schema(responses=MemberDetail)
    def get(self, request, number: int):
        return Response(MemberDetail(visible_member(request, number)).data)

    @extend_schema(request=InputSerializer, responses=MemberDetail)
    def patch(self, request, number: int):
        """The member edits their own profile; staff edit anyone's."""
        member = visible_member(request, number)
        viewer = viewer_member(request)
        if viewer is not None and viewer.pk != member.pk:
            raise PermissionDenied(gettext("You can only edit your own profile."))
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        member = member_profile_update(member=member, changes=data.validated_data)
        return Response(MemberDetail(member).data)


class MyMemberApi(APIView):
    @extend_schema(responses=MemberDetail)
    def get(self, request):
        member = selectors.member_for_user(user=request.user)
        if member is None:
            raise PermissionDenied(gettext("You are not a distributor of this company."))
        return Response(MemberDetail(member).data)


class MemberStatusApi(APIView):
    permission_classes = [HasCapability("members.status.write")]

    class InputSerializer(Input):
        status = serializers.ChoiceField(choices=MemberStatus.choices)

    @extend_schema(request=InputSerializer, responses=MemberDetail)
    def post(self, request, number: int):
        member = get_object_or_404(Member, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_status_set(member=member, status=data.validated_data["status"], by=request.user)
        return Response(MemberDetail(member).data)


SIGNUP_LIMITED = "Too many sign-ups from your network in the last hour. Please try again later."


class JoinApi(APIView):
    """Public sign-up through a sponsor's replicated site: GET prefills the sponsor, POST enrols."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signup"

    class SponsorOutput(serializers.Serializer):
        number = serializers.IntegerField()
        username = serializers.CharField()
        full_name = serializers.CharField()

    class InputSerializer(Input):
        username = serializers.CharField(max_length=32)
        email = serializers.EmailField(max_length=254)
        first_name = serializers.CharField(max_length=100)
        last_name = serializers.CharField(max_length=100)
        password = serializers.CharField(write_only=True, max_length=128)
        phone = serializers.CharField(required=False, default="", max_length=40)
        country = serializers.CharField(required=False, default="", max_length=2)

    def _sponsor(self, username: str) -> Member:
        sponsor = selectors.member_by_username(username)
        if sponsor is None:
            raise Http404("No distributor has that username.")
        return sponsor

    @extend_schema(responses=SponsorOutput)
    def get(self, request, username: str):
        sponsor = self._sponsor(username)
        problems = sponsor_problems(sponsor)
        if problems:
            raise ValidationError({"sponsor": problems})
        return Response({"number": sponsor.number, "username": sponsor.username, "full_name": sponsor.full_name})

    @extend_schema(request=InputSerializer, responses={201: MemberDetail})
    def post(self, request, username: str):
        sponsor = self._sponsor(username)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The join form's own limit (ACCOUNT_RATE_LIMITS["site_signup"], per client IP and company): the API and the
        # replicated site's forms draw from one counter. Only complete requests count, as on the form.
        if not ratelimit.consume(request._request, action="site_signup"):
            raise Throttled(detail=SIGNUP_LIMITED)
        member = member_join(sponsor=sponsor, **data.validated_data)
        return Response(MemberDetail(member).data, status=status.HTTP_201_CREATED)
