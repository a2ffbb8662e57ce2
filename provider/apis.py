"""Provider API (platform domain): list, onboard, suspend and reactivate companies."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.selectors import price_plans
from config.api.pagination import StandardPagination
from config.api.permissions import IsProviderStaff
from config.api.serializers import Input
from provider.services import company_onboard
from tenants.models import Company
from tenants.selectors import company_list
from tenants.services import company_base_url, company_reactivate, company_suspend


class CompanyOutput(serializers.ModelSerializer):
    subdomain = serializers.CharField()
    url = serializers.SerializerMethodField()
    price_plan = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "subdomain",
            "schema_name",
            "status",
            "suspension_reason",
            "price_plan",
            "billing_email",
            "created_at",
            "url",
        ]

    def get_url(self, company: Company) -> str:
        return company_base_url(company)


class CompanyListCreateApi(APIView):
    permission_classes = [IsProviderStaff]

    class InputSerializer(Input):
        name = serializers.CharField(max_length=200)
        subdomain = serializers.CharField(max_length=100)
        admin_email = serializers.EmailField(max_length=254)
        admin_first_name = serializers.CharField(required=False, default="", allow_blank=True, max_length=150)
        admin_last_name = serializers.CharField(required=False, default="", allow_blank=True, max_length=150)
        price_plan = serializers.SlugRelatedField(
            slug_field="code", queryset=price_plans(), required=False, allow_null=True
        )
        billing_email = serializers.EmailField(required=False, default="", allow_blank=True, max_length=254)

    @extend_schema(responses=CompanyOutput(many=True))
    def get(self, request):
        paginator = StandardPagination()
        page = paginator.paginate_queryset(company_list().prefetch_related("domains"), request, view=self)
        return paginator.get_paginated_response(CompanyOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CompanyOutput})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = company_onboard(actor=request.user, **data.validated_data)
        return Response(CompanyOutput(result.company).data, status=status.HTTP_201_CREATED)


class CompanySuspendApi(APIView):
    permission_classes = [IsProviderStaff]

    class InputSerializer(Input):
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses=CompanyOutput)
    def post(self, request, company_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        company = get_object_or_404(company_list(), pk=company_id)
        company = company_suspend(company=company, reason=data.validated_data["reason"], actor=request.user)
        return Response(CompanyOutput(company).data)


class CompanyReactivateApi(APIView):
    permission_classes = [IsProviderStaff]

    @extend_schema(request=None, responses=CompanyOutput)
    def post(self, request, company_id: int):
        company = get_object_or_404(company_list(), pk=company_id)
        company = company_reactivate(company=company, actor=request.user)
        return Response(CompanyOutput(company).data)
