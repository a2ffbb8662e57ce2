"""The demotion policy over the company API: edit (with the fairness acknowledgement), preview, run, report,
reinstate, and each member's own explanation."""

from __future__ import annotations

import datetime
import io

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.pagination import StandardPagination
from config.api.permissions import HasCapability
from config.api.serializers import EARLIEST_DATE, LATEST_DATE, BusinessDateField, Input
from core.accounts.models import Role
from core.csv_safe import csv_writer
from core.demotion import selectors
from core.demotion.models import DemotionPolicyVersion, EvaluationRun, Notification, StageTransition
from core.demotion.policy import POLICY_TEMPLATES, fairness_warnings, policy_from_document
from core.demotion.services.evaluation import evaluation_enqueue, policy_preview
from core.demotion.services.policies import policy_current, policy_parse, policy_save
from core.demotion.services.reinstatement import member_reinstate
from core.members import selectors as member_selectors
from core.members.models import Member


def _day(value: str | None, field: str = "day") -> datetime.date:
    if not value:
        return datetime.date.today()
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(
            {field: [gettext("'%(value)s' is not a date (use YYYY-MM-DD).") % {"value": value}]}
        ) from exc
    if not EARLIEST_DATE <= day <= LATEST_DATE:  # 0001-01-01 minus 90 days would be an OverflowError
        raise ValidationError(
            {
                field: [
                    gettext("Give a day between %(earliest_date)s and %(latest_date)s.")
                    % {"earliest_date": EARLIEST_DATE, "latest_date": LATEST_DATE}
                ]
            }
        )
    return day


class PolicyOutput(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.email", default=None)
    acknowledged_by = serializers.CharField(source="acknowledged_by.email", default=None)
    warning_messages = serializers.SerializerMethodField()

    class Meta:
        model = DemotionPolicyVersion
        fields = [
            "id",
            "document",
            "created_at",
            "created_by",
            "warnings",
            "warning_messages",
            "acknowledged_warnings",
            "acknowledged_by",
            "acknowledged_at",
        ]

    def get_warning_messages(self, version) -> list[dict]:
        policy = policy_parse(version.document)
        return [{"code": w.code, "message": w.message} for w in fairness_warnings(policy)]


class PolicyApi(APIView):
    permission_classes = [HasCapability("demotion.policy.write", read="console.read")]

    class InputSerializer(Input):
        document = serializers.JSONField()
        acknowledge = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list)

    @extend_schema(responses=PolicyOutput)
    def get(self, request):
        return Response(PolicyOutput(policy_current()).data)

    @extend_schema(request=InputSerializer, responses={201: PolicyOutput})
    def put(self, request):
        """Save a new version. Fairness warnings must be acknowledged by code (answered 400 otherwise)."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = policy_save(
            document=data.validated_data["document"], by=request.user, acknowledge=data.validated_data["acknowledge"]
        )
        return Response(PolicyOutput(version).data, status=status.HTTP_201_CREATED)


class PolicyTemplatesApi(APIView):
    """The policies a company can start from: seed 003 as written, and a fairer one; each with the fairness
    warnings it raises."""

    permission_classes = [HasCapability("console.read")]

    @extend_schema(responses={200: dict})
    def get(self, request):
        templates = []
        for key, (build, title) in POLICY_TEMPLATES.items():
            document = build()
            warnings = fairness_warnings(policy_from_document(document))
            templates.append(
                {
                    "key": key,
                    "title": str(title),
                    "document": document,
                    "warnings": [{"code": w.code, "message": w.message} for w in warnings],
                }
            )
        return Response({"results": templates})


class PreviewApi(APIView):
    permission_classes = [HasCapability("demotion.preview")]

    class InputSerializer(Input):
        day = BusinessDateField()
        document = serializers.JSONField(required=False, help_text="A draft policy; default: the policy in force")

    @extend_schema(request=InputSerializer, responses={200: dict})
    def post(self, request):
        """Who would change stage on ``day``: counts per stage and the first 500 changes. Nothing is written."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preview = policy_preview(day=data.validated_data["day"], document=data.validated_data.get("document"))
        shown = preview.changes[:500]
        numbers = member_selectors.member_numbers([c.member_id for c in shown])
        return Response(
            {
                "day": preview.day,
                "members_evaluated": preview.members_evaluated,
                "counts": preview.counts,
                "changes_total": len(preview.changes),
                "changes": [
                    {"member": numbers[c.member_id], "from": c.from_stage, "to": c.to_stage}
                    for c in preview.changes[:500]
                ],
            }
        )


class EvaluationApi(APIView):
    permission_classes = [HasCapability("demotion.evaluate", read="demotion.evaluate")]

    class RunOutput(serializers.ModelSerializer):
        class Meta:
            model = EvaluationRun
            fields = ["day", "status", "members_evaluated", "transitions", "counts", "seconds", "finished_at"]

    class InputSerializer(Input):
        day = BusinessDateField()

    @extend_schema(responses=RunOutput(many=True))
    def get(self, request):
        paginator = StandardPagination()
        page = paginator.paginate_queryset(selectors.evaluation_runs_list(), request, view=self)
        return paginator.get_paginated_response(self.RunOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={202: dict})
    def post(self, request):
        """Evaluate up to a day now (in the background; missed days are caught up in order)."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        day_iso = evaluation_enqueue(day=data.validated_data["day"])
        return Response({"queued": day_iso}, status=status.HTTP_202_ACCEPTED)


class ReportApi(APIView):
    permission_classes = [HasCapability(read="console.read")]

    @extend_schema(
        parameters=[OpenApiParameter("day"), OpenApiParameter("stage"), OpenApiParameter("export", enum=["csv"])],
        responses={(200, "application/json"): dict, (200, "text/csv"): str},
    )
    def get(self, request):
        """Members at each stage on a day (from the recorded history), with the list; ``export=csv`` exports it."""
        day = _day(request.query_params.get("day"))
        stages = selectors.stages_as_of(day=day)
        wanted = request.query_params.get("stage")
        ids = [pk for pk, key in stages.items() if not wanted or key == wanted]
        members = member_selectors.members_for_export(ids)
        if request.query_params.get("export") == "csv":
            buffer = io.StringIO()
            writer = csv_writer(buffer)
            writer.writerow(["member_number", "name", "email", "stage", "day"])
            for member in members.iterator(chunk_size=5000):
                writer.writerow([member.number, member.full_name, member.email, stages[member.pk], day.isoformat()])
            response = HttpResponse(buffer.getvalue(), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="demotion-{day.isoformat()}.csv"'
            return response
        paginator = StandardPagination()
        page = paginator.paginate_queryset(members, request, view=self)
        response = paginator.get_paginated_response(
            [{"member": m.number, "name": m.full_name, "stage": stages[m.pk]} for m in page]
        )
        response.data["day"] = day
        response.data["counts"] = selectors.stage_counts_as_of(day=day)
        return response


class SeriesApi(APIView):
    permission_classes = [HasCapability(read="console.read")]

    @extend_schema(parameters=[OpenApiParameter("start"), OpenApiParameter("end")], responses={200: dict})
    def get(self, request):
        """Members per stage for each day between two dates (at most a year), for the report's chart."""
        end = _day(request.query_params.get("end"), "end")
        start = _day(request.query_params.get("start") or (end - datetime.timedelta(days=90)).isoformat(), "start")
        if abs((end - start).days) > 366:
            raise ValidationError({"start": [gettext("Ask for at most a year at a time.")]})
        return Response(selectors.stage_series(start=start, end=end))


class TransitionOutput(serializers.ModelSerializer):
    by = serializers.CharField(source="by.email", default=None)

    class Meta:
        model = StageTransition
        fields = [
            "day",
            "kind",
            "from_stage",
            "to_stage",
            "actions_applied",
            "actions_lifted",
            "evidence",
            "by",
            "reason",
        ]


def _standing_response(member: Member) -> dict:
    standing = selectors.member_standing(member=member)
    history = selectors.stage_history(member=member)[:50]
    return {
        "member": member.number,
        "stage": standing.stage_key,
        "stage_name": standing.stage_name,
        "since": standing.since,
        "actions": standing.actions,
        "why": standing.why,
        "what_lifts_it": standing.lifts,
        "next_stage": standing.next_stage,
        "history": TransitionOutput(history, many=True).data,
    }


class MemberStandingApi(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, number: int):
        """A member's stage, why, what lifts it, and their history (staff, or the member themself)."""
        member = get_object_or_404(Member, number=number)
        if request.user.role not in (Role.COMPANY_ADMIN, Role.COMPANY_STAFF) and member.user_id != request.user.pk:
            raise PermissionDenied(gettext("You can only read your own standing."))
        return Response(_standing_response(member))


class MyStandingApi(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        member = member_selectors.member_for_user(user=request.user)
        if member is None:
            raise PermissionDenied(gettext("You are not a distributor of this company."))
        return Response(_standing_response(member))


class ReinstateApi(APIView):
    permission_classes = [HasCapability("members.status.write")]

    class InputSerializer(Input):
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses={201: dict})
    def post(self, request, number: int):
        member = get_object_or_404(Member, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = member_reinstate(member=member, by=request.user, reason=data.validated_data["reason"])
        return Response(
            {"member": member.number, "restored": report.restored, "skipped": report.skipped},
            status=status.HTTP_201_CREATED,
        )


class NotificationListApi(APIView):
    permission_classes = [HasCapability(read="console.read")]

    class Output(serializers.ModelSerializer):
        member = serializers.IntegerField(source="member.number")

        class Meta:
            model = Notification
            fields = [
                "id",
                "member",
                "stage_key",
                "to_email",
                "subject",
                "status",
                "attempts",
                "last_error",
                "created_at",
                "sent_at",
            ]

    @extend_schema(responses=Output(many=True))
    def get(self, request):
        paginator = StandardPagination()
        page = paginator.paginate_queryset(selectors.notifications_list(), request, view=self)
        return paginator.get_paginated_response(self.Output(page, many=True).data)
