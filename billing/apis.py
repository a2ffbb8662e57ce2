"""Billing endpoints. Provider API (platform domain, provider staff): plans, plan changes, revenue, invoices, usage,
dunning actions and the Stripe webhook. Company API (company domain, company admins): its own invoices and usage,
read from the public schema and filtered to the company serving the request."""

from __future__ import annotations

import datetime
import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors, services, stripe_gateway
from billing.models import Invoice, InvoiceLine, InvoiceStatus, PricePlan, PricePlanTier, UsageRecord
from config.api.pagination import StandardPagination
from config.api.permissions import HasCapability, IsProviderStaff
from config.api.serializers import NUMBER, BusinessDateField, Input
from tenants.selectors import company_list

logger = logging.getLogger(__name__)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-10"})
class MonthField(serializers.Field):
    """A month as "YYYY-MM" (stored as its first day)."""

    default_error_messages = {"invalid": "Give a month as YYYY-MM, e.g. 2026-10."}

    def to_internal_value(self, data) -> datetime.date:
        try:
            return datetime.datetime.strptime(str(data), "%Y-%m").date()
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value: datetime.date) -> str:
        return f"{value:%Y-%m}"


# ------------------------------------------------------------------------------------------------------------------
# Output shapes shared by provider and company endpoints
# ------------------------------------------------------------------------------------------------------------------
class InvoiceLineOutput(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["kind", "description", "quantity", "amount"]


class InvoiceOutput(serializers.ModelSerializer):
    number = serializers.CharField()
    month = MonthField()
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lines = InvoiceLineOutput(many=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "month",
            "plan",
            "currency",
            "total",
            "status",
            "payment_attempts",
            "first_failed_on",
            "next_retry_on",
            "paid_at",
            "lines",
        ]


class ProviderInvoiceOutput(InvoiceOutput):
    company = serializers.CharField(source="company.schema_name")

    class Meta(InvoiceOutput.Meta):
        fields = [
            *InvoiceOutput.Meta.fields,
            "company",
            "stripe_invoice_id",
            "last_failure_message",
            "suspended_company_at",
        ]


class UsageOutput(serializers.ModelSerializer):
    month = MonthField()
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = UsageRecord
        fields = [
            "id",
            "month",
            "plan",
            "active_member_rule",
            "active_members",
            "members_logged_in",
            "members_ordered",
            "members_paid_subscription",
            "orders",
            "computed_at",
            "frozen_at",
        ]


class ProviderUsageOutput(UsageOutput):
    company = serializers.CharField(source="company.schema_name")

    class Meta(UsageOutput.Meta):
        fields = [*UsageOutput.Meta.fields, "company"]


class UsageToDateOutput(serializers.Serializer):
    """The running month's usage so far and the charge it would come to if the month closed now (not stored)."""

    class LineOutput(serializers.Serializer):
        kind = serializers.CharField()
        description = serializers.CharField()
        quantity = serializers.IntegerField()
        amount = serializers.DecimalField(max_digits=12, decimal_places=2)

    month = MonthField()
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    currency = serializers.CharField()
    active_member_rule = serializers.CharField()
    active_members = serializers.IntegerField()
    members_logged_in = serializers.IntegerField()
    members_ordered = serializers.IntegerField()
    members_paid_subscription = serializers.IntegerField()
    orders = serializers.IntegerField()
    lines = LineOutput(many=True)
    estimated_total = serializers.DecimalField(max_digits=12, decimal_places=2)


def _paginated(view: APIView, request, queryset, serializer_class) -> Response:
    paginator = StandardPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


# ------------------------------------------------------------------------------------------------------------------
# Provider API
# ------------------------------------------------------------------------------------------------------------------
class PricePlanListApi(APIView):
    permission_classes = [IsProviderStaff]

    class OutputSerializer(serializers.ModelSerializer):
        class TierOutput(serializers.ModelSerializer):
            class Meta:
                model = PricePlanTier
                fields = ["above_members", "fee_per_member"]

        tiers = TierOutput(many=True)

        class Meta:
            model = PricePlan
            fields = [
                "id",
                "code",
                "name",
                "currency",
                "monthly_hosting_fee",
                "fee_per_active_member",
                "active_member_rule",
                "tiers",
                "fee_per_transaction",
                "minimum_monthly_charge",
                "setup_fee",
                "is_active",
            ]

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return _paginated(self, request, selectors.price_plans_with_tiers(), self.OutputSerializer)


class CompanyPlanAssignApi(APIView):
    """Change a company's plan: from next month by default, or from a given day (prorated)."""

    permission_classes = [IsProviderStaff]

    class InputSerializer(Input):
        plan = serializers.SlugRelatedField(slug_field="code", queryset=selectors.price_plans())
        effective_from = BusinessDateField(required=False, allow_null=True, default=None)
        note = serializers.CharField(required=False, default="", allow_blank=True, max_length=300)

    class OutputSerializer(serializers.Serializer):
        company = serializers.CharField(source="company.schema_name")
        plan = serializers.CharField(source="plan.code")
        effective_from = serializers.DateField()
        note = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request, company_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        company = get_object_or_404(company_list(), pk=company_id)
        assignment = services.price_plan_assign(company=company, actor=request.user, **data.validated_data)
        return Response(self.OutputSerializer(assignment).data, status=status.HTTP_201_CREATED)


class RevenueApi(APIView):
    """Invoiced and collected amounts per month, company and plan."""

    permission_classes = [IsProviderStaff]

    class FilterSerializer(serializers.Serializer):
        month_from = MonthField(required=False)
        month_to = MonthField(required=False)

    class OutputSerializer(serializers.Serializer):
        month = MonthField()
        company_id = serializers.IntegerField()
        company = serializers.CharField(source="company__schema_name")
        company_name = serializers.CharField(source="company__name")
        plan = serializers.CharField(source="plan__code")
        plan_name = serializers.CharField(source="plan__name")
        currency = serializers.CharField()
        invoices = serializers.IntegerField()
        invoiced = serializers.DecimalField(max_digits=14, decimal_places=2)
        collected = serializers.DecimalField(max_digits=14, decimal_places=2)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return _paginated(self, request, selectors.revenue_by_month(**filters.validated_data), self.OutputSerializer)


class ProviderInvoiceListApi(APIView):
    permission_classes = [IsProviderStaff]

    class FilterSerializer(serializers.Serializer):
        company = serializers.IntegerField(**NUMBER, required=False)
        month = MonthField(required=False)
        status = serializers.ChoiceField(choices=InvoiceStatus.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=ProviderInvoiceOutput(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        if "company" in values:
            values["company"] = get_object_or_404(company_list(), pk=values["company"])
        return _paginated(self, request, selectors.invoice_list(**values), ProviderInvoiceOutput)


class InvoiceRetryApi(APIView):
    """Charge a failed invoice now (e.g. after the company updated its card)."""

    permission_classes = [IsProviderStaff]

    @extend_schema(request=None, responses=ProviderInvoiceOutput)
    def post(self, request, invoice_id: int):
        invoice = get_object_or_404(Invoice, pk=invoice_id)
        invoice = services.invoice_charge(invoice=invoice, today=timezone.localdate(), actor=request.user)
        return Response(ProviderInvoiceOutput(selectors.invoice_list().get(pk=invoice.pk)).data)


class InvoiceSuspendCompanyApi(APIView):
    """Suspend the company of an invoice unpaid past the grace period; paying the invoice reactivates it."""

    permission_classes = [IsProviderStaff]

    @extend_schema(request=None, responses=ProviderInvoiceOutput)
    def post(self, request, invoice_id: int):
        invoice = get_object_or_404(Invoice, pk=invoice_id)
        invoice = services.invoice_suspend_company(invoice=invoice, today=timezone.localdate(), actor=request.user)
        return Response(ProviderInvoiceOutput(selectors.invoice_list().get(pk=invoice.pk)).data)


class ProviderUsageListApi(APIView):
    permission_classes = [IsProviderStaff]

    class FilterSerializer(serializers.Serializer):
        company = serializers.IntegerField(**NUMBER, required=False)
        month = MonthField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=ProviderUsageOutput(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        if "company" in values:
            values["company"] = get_object_or_404(company_list(), pk=values["company"])
        return _paginated(self, request, selectors.usage_list(**values), ProviderUsageOutput)


class ProviderUsageToDateApi(APIView):
    """A company's usage so far this month and its estimated charge."""

    permission_classes = [IsProviderStaff]

    @extend_schema(responses=UsageToDateOutput)
    def get(self, request, company_id: int):
        company = get_object_or_404(company_list(), pk=company_id)
        return Response(UsageToDateOutput(selectors.usage_to_date(company=company)).data)


class MonthCloseApi(APIView):
    """Queue the close of a finished month for every company (what the beat job does on the 1st)."""

    permission_classes = [IsProviderStaff]

    class InputSerializer(Input):
        month = MonthField()

    @extend_schema(request=InputSerializer, responses={202: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        month_iso = services.month_close_enqueue(month=data.validated_data["month"])
        return Response({"month": month_iso[:7], "queued": True}, status=status.HTTP_202_ACCEPTED)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    """Stripe's calls: only events signed with STRIPE_WEBHOOK_SECRET are accepted."""
    signature = request.headers.get("Stripe-Signature", "")
    try:
        event = stripe_gateway.webhook_event(payload=request.body, signature=signature)
    except stripe_gateway.InvalidWebhook as error:
        return JsonResponse({"detail": str(error), "code": "invalid_webhook"}, status=400)
    recorded = services.stripe_event_record(event=event)
    logger.info("Stripe event %s %s recorded", event["type"], event["id"])
    return JsonResponse({"received": recorded.stripe_event_id})


# ------------------------------------------------------------------------------------------------------------------
# Company API: only the company serving the request
# ------------------------------------------------------------------------------------------------------------------
class CompanyInvoiceListApi(APIView):
    permission_classes = [HasCapability("billing.read", read="billing.read")]

    @extend_schema(responses=InvoiceOutput(many=True))
    def get(self, request):
        return _paginated(self, request, selectors.invoice_list(company=connection.tenant), InvoiceOutput)


class CompanyInvoiceDetailApi(APIView):
    permission_classes = [HasCapability("billing.read", read="billing.read")]

    @extend_schema(responses=InvoiceOutput)
    def get(self, request, invoice_id: int):
        invoice = get_object_or_404(selectors.invoice_list(company=connection.tenant), pk=invoice_id)
        return Response(InvoiceOutput(invoice).data)


class CompanyUsageListApi(APIView):
    permission_classes = [HasCapability("billing.read", read="billing.read")]

    @extend_schema(responses=UsageOutput(many=True))
    def get(self, request):
        return _paginated(self, request, selectors.usage_list(company=connection.tenant), UsageOutput)


class CompanyUsageToDateApi(APIView):
    permission_classes = [HasCapability("billing.read", read="billing.read")]

    @extend_schema(responses=UsageToDateOutput)
    def get(self, request):
        return Response(UsageToDateOutput(selectors.usage_to_date(company=connection.tenant)).data)
