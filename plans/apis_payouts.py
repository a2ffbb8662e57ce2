"""Payout batches over the company API (create from balances, the provider's file, marked paid: each a confirmed
money action) and the money log of every such action."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability
from config.api.serializers import MONEY
from plans import selectors, services_payouts
from plans.apis import Confirmed, PayoutBatchOut, _page
from plans.models import CommissionPeriod, MoneyAuditEntry, PayoutBatch


class MoneyAuditOut(serializers.ModelSerializer):
    period_start = serializers.DateField(source="period.start", default=None, read_only=True)
    member_number = serializers.IntegerField(source="member.number", default=None, read_only=True)

    class Meta:
        model = MoneyAuditEntry
        fields = [
            "id", "action", "at", "by_email", "period", "period_start", "run", "batch", "member_number", "amount",
            "currency", "payees", "note", "detail",
        ]  # fmt: skip


# ---------------------------------------------------------------------------------------------------- payouts


class PayoutBatchListApi(APIView):
    permission_classes = [HasCapability("payouts.write", read="console.read")]

    class InputSerializer(Confirmed):
        threshold = serializers.DecimalField(**MONEY)
        period = serializers.PrimaryKeyRelatedField(
            queryset=CommissionPeriod.objects.all(), required=False, allow_null=True,
            help_text="Pay balances up to and including this posted period (default: the latest posted one).",
        )  # fmt: skip

    @extend_schema(responses=PayoutBatchOut(many=True))
    def get(self, request):
        return _page(request, self, selectors.payout_batches_list(), lambda page: PayoutBatchOut(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: PayoutBatchOut})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services_payouts.payout_batch_create(by=request.user, **data.validated_data)
        return Response(PayoutBatchOut(batch).data, status=status.HTTP_201_CREATED)


class PayoutBatchCsvApi(APIView):
    permission_classes = [HasCapability("payouts.export", read="payouts.export")]

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request, batch_id: int):
        """The file for the company's payment provider."""
        batch = get_object_or_404(PayoutBatch, pk=batch_id)
        response = HttpResponse(selectors.payout_batch_csv(batch=batch), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="payout-{batch.pk}.csv"'
        return response


class PayoutBatchPaidApi(APIView):
    permission_classes = [HasCapability("payouts.write")]

    @extend_schema(request=Confirmed, responses=PayoutBatchOut)
    def post(self, request, batch_id: int):
        """The provider paid the file: ``expected_total`` must be the batch's total (409 otherwise)."""
        batch = get_object_or_404(PayoutBatch, pk=batch_id)
        data = Confirmed(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services_payouts.payout_batch_mark_paid(batch=batch, by=request.user, **data.validated_data)
        return Response(PayoutBatchOut(batch).data)


class MoneyAuditApi(APIView):
    permission_classes = [HasCapability(read="commissions.audit.read")]

    @extend_schema(responses=MoneyAuditOut(many=True))
    def get(self, request):
        """Every money action (close, approve, post, adjustment, payout), newest first: who, when, what, amount."""
        return _page(request, self, selectors.money_audit_entries(), lambda page: MoneyAuditOut(page, many=True).data)
