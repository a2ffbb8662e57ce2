"""Plan versions over the company API: drafts created from a document (every bad field named), a document checked
without saving, a version activated from a date (staff read, admins write)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability
from config.api.serializers import BusinessDateField, Input
from plans import selectors, services_plan_versions
from plans.apis import _page
from plans.models import PlanVersion


class PlanVersionOut(serializers.ModelSerializer):
    class Meta:
        model = PlanVersion
        fields = ["id", "number", "name", "is_draft", "effective_from", "document", "created_at", "activated_at"]


# ---------------------------------------------------------------------------------------------------- plan versions


class PlanVersionListApi(APIView):
    permission_classes = [HasCapability("plans.write", read="console.read")]

    class InputSerializer(Input):
        name = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
        document = serializers.JSONField()

    @extend_schema(responses=PlanVersionOut(many=True))
    def get(self, request):
        return _page(request, self, selectors.plan_versions_list(), lambda page: PlanVersionOut(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: PlanVersionOut})
    def post(self, request):
        """Create a draft version; an invalid document answers 400 with every bad field named."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services_plan_versions.plan_version_create(by=request.user, **data.validated_data)
        return Response(PlanVersionOut(version).data, status=status.HTTP_201_CREATED)


class PlanValidateApi(APIView):
    permission_classes = [HasCapability("plans.write")]

    class InputSerializer(Input):
        document = serializers.JSONField()

    class OutputSerializer(serializers.Serializer):
        valid = serializers.BooleanField()
        name = serializers.CharField()
        ranks = serializers.ListField(child=serializers.CharField())
        components = serializers.ListField(child=serializers.CharField())

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        """Check a document without saving it."""
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services_plan_versions.plan_document_check(document=data.validated_data["document"])
        out = {"valid": True, "name": plan.name, "ranks": [r.code for r in plan.ranks],
               "components": [c.code for c in plan.components]}  # fmt: skip
        return Response(self.OutputSerializer(out).data)


class PlanVersionDetailApi(APIView):
    permission_classes = [HasCapability("plans.write", read="console.read")]

    @extend_schema(responses=PlanVersionOut)
    def get(self, request, version_id: int):
        return Response(PlanVersionOut(get_object_or_404(PlanVersion, pk=version_id)).data)


class PlanVersionActivateApi(APIView):
    permission_classes = [HasCapability("plans.write")]

    class InputSerializer(Input):
        effective_from = BusinessDateField()

    @extend_schema(request=InputSerializer, responses=PlanVersionOut)
    def post(self, request, version_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = get_object_or_404(PlanVersion, pk=version_id)
        version = services_plan_versions.plan_version_activate(version=version, by=request.user, **data.validated_data)
        return Response(PlanVersionOut(version).data)
