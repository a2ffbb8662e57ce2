"""Members, customers and genealogy over the company API.

Staff see everyone; a distributor sees themself and their own downline (either tree) and nothing else; moves and
status changes are for company admins."""

from __future__ import annotations

import io

from allauth.core import ratelimit
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from config.api.pagination import StandardPagination
from config.api.permissions import IsCompanyAdmin
from core.accounts.selectors import actor_for
from core.members import importing, selectors, services
from core.members.models import Customer, GenealogySettings, Member, MemberStatus, Tree, TreeEvent, TreeMove
from core.members.placement import genealogy_settings_get

TREE_PARAM = OpenApiParameter("tree", enum=Tree.values, description="sponsor (default) or placement")


def viewer_member(request) -> Member | None:
    """None for company staff (they see everyone); the distributor's own record otherwise."""
    user = request.user
    if actor_for(user).is_company_staff:
        return None
    member = Member.objects.filter(user=user).first()
    if member is None:
        raise PermissionDenied("Only distributors and company staff can read the genealogy.")
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
        raise ValidationError({"tree": [f"Choose one of {', '.join(Tree.values)}."]})
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
    placement_parent_number = serializers.IntegerField(
        source="placement_parent.number", default=None, read_only=True
    )
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


class MemberListApi(APIView):
    """Staff: every member (search with ``q``, filter by ``status``). Distributors: their own sponsor downline."""

    class InputSerializer(serializers.Serializer):
        sponsor = serializers.IntegerField(required=False, help_text="Sponsor's member number (staff only)")
        username = serializers.CharField()
        email = serializers.EmailField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        phone = serializers.CharField(required=False, default="")
        country = serializers.CharField(required=False, default="", max_length=2)
        placement_parent = serializers.IntegerField(required=False)
        placement_position = serializers.IntegerField(required=False)

    @extend_schema(
        parameters=[OpenApiParameter("q"), OpenApiParameter("status", enum=MemberStatus.values)],
        responses=MemberBrief(many=True),
    )
    def get(self, request):
        viewer = viewer_member(request)
        query = request.query_params.get("q", "")
        if viewer is not None:
            members = selectors.downline_search(top=viewer, query=query)
        elif query:
            members = selectors.member_search(query=query)
        else:
            members = Member.objects.all()
        if wanted := request.query_params.get("status"):
            members = members.filter(status=wanted)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(members.select_related("sponsor"), request, view=self)
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
                raise ValidationError({"sponsor": [f"No member has the number {values['sponsor']}."]})
        else:
            sponsor = None
        values.pop("sponsor", None)
        member = services.member_enroll(sponsor=sponsor, placement=_placement(values), **values)
        return Response(MemberDetail(member).data, status=status.HTTP_201_CREATED)


def _placement(values: dict) -> services.Placement | None:
    parent_number = values.pop("placement_parent", None)
    position = values.pop("placement_position", None)
    if parent_number is None:
        return None
    parent = selectors.member_by_number(parent_number)
    if parent is None:
        raise ValidationError({"placement_parent": [f"No member has the number {parent_number}."]})
    return services.Placement(parent=parent, position=position)


class MemberDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        first_name = serializers.CharField(required=False)
        last_name = serializers.CharField(required=False)
        phone = serializers.CharField(required=False, allow_blank=True)
        address_line1 = serializers.CharField(required=False, allow_blank=True)
        address_line2 = serializers.CharField(required=False, allow_blank=True)
        city = serializers.CharField(required=False, allow_blank=True)
        region = serializers.CharField(required=False, allow_blank=True)
        postal_code = serializers.CharField(required=False, allow_blank=True)
        country = serializers.CharField(required=False, allow_blank=True, max_length=2)
        bio = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        tax_id = serializers.CharField(required=False, allow_blank=True, write_only=True)
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
            raise PermissionDenied("You can only edit your own profile.")
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        member = services.member_profile_update(member=member, changes=data.validated_data)
        return Response(MemberDetail(member).data)


class MyMemberApi(APIView):
    @extend_schema(responses=MemberDetail)
    def get(self, request):
        member = Member.objects.filter(user=request.user).first()
        if member is None:
            raise PermissionDenied("You are not a distributor of this company.")
        return Response(MemberDetail(member).data)


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
            raise ValidationError({"levels": ["Give a whole number from 0 (everything) to 50."]})
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


class MemberHistoryApi(APIView):
    @extend_schema(responses=MoveOutput(many=True))
    def get(self, request, number: int):
        """Every move that changed this member's sponsor or placement, newest first."""
        member = visible_member(request, number)
        move_ids = TreeEvent.objects.filter(member=member).values("move_id")
        moves = TreeMove.objects.filter(pk__in=move_ids).select_related("subject", "moved_by")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(moves, request, view=self)
        return paginator.get_paginated_response(MoveOutput(page, many=True).data)


def _member_or_field_error(number, field: str) -> Member:
    member = selectors.member_by_number(number) if number is not None else None
    if member is None:
        raise ValidationError({field: [f"No member has the number {number}."]})
    return member


class ResponsorApi(APIView):
    permission_classes = [IsCompanyAdmin]

    class InputSerializer(serializers.Serializer):
        new_sponsor = serializers.IntegerField(help_text="Member number")
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: MoveOutput})
    def post(self, request, number: int):
        member = get_object_or_404(Member, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.member_responsor(
            member=member,
            new_sponsor=_member_or_field_error(data.validated_data["new_sponsor"], "new_sponsor"),
            by=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(MoveOutput(move).data, status=status.HTTP_201_CREATED)


class ReplaceApi(APIView):
    permission_classes = [IsCompanyAdmin]

    class InputSerializer(serializers.Serializer):
        new_parent = serializers.IntegerField(help_text="Member number")
        position = serializers.IntegerField(required=False, allow_null=True, default=None)
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: MoveOutput})
    def post(self, request, number: int):
        member = get_object_or_404(Member, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.member_replace(
            member=member,
            new_parent=_member_or_field_error(data.validated_data["new_parent"], "new_parent"),
            position=data.validated_data["position"],
            by=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(MoveOutput(move).data, status=status.HTTP_201_CREATED)


class FrontlineUpApi(APIView):
    permission_classes = [IsCompanyAdmin]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: MoveOutput})
    def post(self, request, number: int):
        member = get_object_or_404(Member, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.member_move_frontline_up(member=member, by=request.user, reason=data.validated_data["reason"])
        return Response(MoveOutput(move).data, status=status.HTTP_201_CREATED)


class PlaceFromTankApi(APIView):
    class InputSerializer(serializers.Serializer):
        parent = serializers.IntegerField(help_text="Member number of the new placement parent")
        position = serializers.IntegerField(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses=MemberDetail)
    def post(self, request, number: int):
        """The sponsor (or an admin) places a member waiting in the holding tank."""
        member = get_object_or_404(Member, number=number)
        viewer = viewer_member(request)
        if viewer is not None and member.sponsor_id != viewer.pk:
            raise PermissionDenied("Only the member's sponsor can place them.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_place_from_tank(
            member=member,
            parent=_member_or_field_error(data.validated_data["parent"], "parent"),
            position=data.validated_data["position"],
            by=request.user,
        )
        return Response(MemberDetail(member).data)


class MemberStatusApi(APIView):
    permission_classes = [IsCompanyAdmin]

    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=MemberStatus.choices)

    @extend_schema(request=InputSerializer, responses=MemberDetail)
    def post(self, request, number: int):
        member = get_object_or_404(Member, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_status_set(member=member, status=data.validated_data["status"], by=request.user)
        return Response(MemberDetail(member).data)


class MoveListApi(APIView):
    permission_classes = [IsCompanyAdmin]

    @extend_schema(responses=MoveOutput(many=True))
    def get(self, request):
        moves = TreeMove.objects.select_related("subject", "moved_by")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(moves, request, view=self)
        return paginator.get_paginated_response(MoveOutput(page, many=True).data)


class MoveUndoApi(APIView):
    permission_classes = [IsCompanyAdmin]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        move = MoveOutput()
        restored = serializers.ListField(child=serializers.IntegerField())
        skipped = serializers.ListField(child=serializers.CharField())

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request, move_id: int):
        move = get_object_or_404(TreeMove, pk=move_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.tree_move_undo(move=move, by=request.user, reason=data.validated_data["reason"])
        return Response(
            {"move": MoveOutput(report.move).data, "restored": report.restored, "skipped": report.skipped},
            status=status.HTTP_201_CREATED,
        )


class GenealogySettingsApi(APIView):
    class Serializer(serializers.ModelSerializer):
        class Meta:
            model = GenealogySettings
            fields = ["placement_method", "binary_spillover", "matrix_width", "holding_tank_days", "updated_at"]
            read_only_fields = ["updated_at"]

    def get_permissions(self):
        return [IsCompanyAdmin()] if self.request.method == "PUT" else [IsAuthenticated()]

    @extend_schema(responses=Serializer)
    def get(self, request):
        return Response(self.Serializer(genealogy_settings_get()).data)

    @extend_schema(request=Serializer, responses=Serializer)
    def put(self, request):
        data = self.Serializer(genealogy_settings_get(), data=request.data)
        data.is_valid(raise_exception=True)
        return Response(self.Serializer(services.genealogy_settings_update(changes=data.validated_data)).data)


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

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        email = serializers.EmailField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        password = serializers.CharField(write_only=True)
        phone = serializers.CharField(required=False, default="")
        country = serializers.CharField(required=False, default="", max_length=2)

    def _sponsor(self, username: str) -> Member:
        sponsor = selectors.member_by_username(username)
        if sponsor is None:
            raise Http404("No distributor has that username.")
        return sponsor

    @extend_schema(responses=SponsorOutput)
    def get(self, request, username: str):
        sponsor = self._sponsor(username)
        problems = services.sponsor_problems(sponsor)
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
        member = services.member_enroll(sponsor=sponsor, **data.validated_data)
        return Response(MemberDetail(member).data, status=status.HTTP_201_CREATED)


class CustomerOutput(serializers.ModelSerializer):
    distributor_number = serializers.IntegerField(source="distributor.number")

    class Meta:
        model = Customer
        fields = [
            "number",
            "customer_type",
            "distributor_number",
            "first_name",
            "last_name",
            "email",
            "phone",
            "country",
            "is_active",
            "joined_at",
        ]


class CustomerListApi(APIView):
    class InputSerializer(serializers.Serializer):
        distributor = serializers.IntegerField(required=False, help_text="Staff only; distributors add their own")
        customer_type = serializers.ChoiceField(choices=["retail", "preferred"], default="retail")
        email = serializers.EmailField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        phone = serializers.CharField(required=False, default="")
        country = serializers.CharField(required=False, default="", max_length=2)

    @extend_schema(responses=CustomerOutput(many=True))
    def get(self, request):
        """Staff: every customer. Distributors: their own personal customers."""
        viewer = viewer_member(request)
        customers = Customer.objects.select_related("distributor")
        if viewer is not None:
            customers = customers.filter(distributor=viewer)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(customers, request, view=self)
        return paginator.get_paginated_response(CustomerOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CustomerOutput})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        viewer = viewer_member(request)
        number = values.pop("distributor", None)
        distributor = viewer or _member_or_field_error(number, "distributor")
        customer = services.customer_create(distributor=distributor, **values)
        return Response(CustomerOutput(customer).data, status=status.HTTP_201_CREATED)


class CustomerTransferApi(APIView):
    permission_classes = [IsCompanyAdmin]

    class InputSerializer(serializers.Serializer):
        to = serializers.IntegerField(help_text="Member number of the distributor who gets the customer")
        reason = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=CustomerOutput)
    def post(self, request, number: int):
        customer = get_object_or_404(Customer, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.customer_transfer(
            customer=customer,
            to=_member_or_field_error(data.validated_data["to"], "to"),
            by=request.user,
            reason=data.validated_data["reason"],
        )
        customer.refresh_from_db()
        return Response(CustomerOutput(customer).data)


class ImportApi(APIView):
    """Upload a members or customers CSV: all rows are written or none; a rejected file answers with every
    problem's line, column and reason."""

    permission_classes = [IsCompanyAdmin]

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=["members", "customers"])
        file = serializers.FileField()

    class OutputSerializer(serializers.Serializer):
        rows = serializers.IntegerField()
        created = serializers.IntegerField()

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: OutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        importer = importing.members_import if data.validated_data["kind"] == "members" else importing.customers_import
        text = io.TextIOWrapper(data.validated_data["file"].file, encoding="utf-8-sig", newline="")
        try:
            report = importer(text=text)
        except importing.ImportRejected as rejected:
            return Response(
                {
                    "detail": f"{rejected.report.error_count} problem(s); nothing was imported.",
                    "errors": [
                        {"line": e.line, "column": e.column, "reason": e.reason} for e in rejected.report.errors
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"rows": report.rows, "created": report.created}, status=status.HTTP_201_CREATED)


class ExportApi(APIView):
    permission_classes = [IsCompanyAdmin]

    @extend_schema(parameters=[OpenApiParameter("kind", enum=["members", "customers"])], responses={200: str})
    def get(self, request):
        """The whole list as CSV, streamed, in the import's own format."""
        kind = request.query_params.get("kind", "members")
        if kind not in ("members", "customers"):
            raise ValidationError({"kind": ["Choose members or customers."]})
        rows = importing.members_export_rows() if kind == "members" else importing.customers_export_rows()
        response = StreamingHttpResponse(importing.rows_to_csv(rows), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
        return response
