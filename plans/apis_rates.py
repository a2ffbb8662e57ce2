"""A commission run's exchange rates over the company API (issue 19, docs/currencies.md): which currencies its
payees need and the rates recorded (staff read), a rate entered or a ``currency,rate`` file imported (admins, the
capability that posts the run: the rate fixes what posting pays)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability
from config.api.serializers import Input
from plans import selectors
from plans.currencies import RATE_DIGITS, RATE_PLACES
from plans.models import CommissionRun
from plans.selectors_rates import base_currency, run_rates_overview
from plans.services_rates import run_rate_set, run_rates_import

MAX_FILE_BYTES = 64 * 1024  # a rates file is one short row per currency


class RateOut(serializers.Serializer):
    currency = serializers.CharField()
    needed = serializers.BooleanField(help_text="Whether a member paid by the run is paid in this currency.")
    payees = serializers.IntegerField(help_text="Members paid by the run in this currency.")
    base_total = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="What the run pays them, in the base currency."
    )
    rate = serializers.DecimalField(
        max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, allow_null=True, source="rate.rate",
        help_text="1 unit of the base currency = rate units of this one; null: not recorded yet.",
    )  # fmt: skip
    source = serializers.CharField(source="rate.source", allow_null=True, default=None)
    entered_by = serializers.EmailField(source="rate.entered_by.email", allow_null=True, default=None)
    entered_at = serializers.DateTimeField(source="rate.entered_at", allow_null=True, default=None)


class RatesOut(serializers.Serializer):
    run = serializers.IntegerField()
    base_currency = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField(), help_text="Needed currencies with no rate yet.")
    currencies = RateOut(many=True)


def run_found(run_id: int) -> CommissionRun:
    """The company's run (another company's is not found: each company has its own schema)."""
    return get_object_or_404(selectors.commission_runs_search(), pk=run_id)


def _rates_out(run: CommissionRun) -> dict:
    rows = run_rates_overview(run=run)
    missing = [row["currency"] for row in rows if row["needed"] and row["rate"] is None]
    return RatesOut({"run": run.pk, "base_currency": base_currency(), "missing": missing, "currencies": rows}).data


class RunRatesApi(APIView):
    permission_classes = [HasCapability("commissions.approve", read="console.read")]

    class InputSerializer(Input):
        currency = serializers.CharField(max_length=10, help_text="ISO 4217 code of a market's currency, e.g. EUR.")
        rate = serializers.CharField(
            max_length=40, help_text="1 base unit = rate units, e.g. 0.9137 (up to 10 places)."
        )

    @extend_schema(responses=RatesOut)
    def get(self, request, run_id: int):
        """The currencies the run's payees are paid in (other than the base), each with its rate or null."""
        return Response(_rates_out(run_found(run_id)))

    @extend_schema(request=InputSerializer, responses={200: RatesOut})
    def post(self, request, run_id: int):
        """Record or replace one rate. 409 once the run is posted (its rates are fixed)."""
        run = run_found(run_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run_rate_set(run=run, by=request.user, **data.validated_data)
        return Response(_rates_out(run))


class RunRatesImportApi(APIView):
    permission_classes = [HasCapability("commissions.approve")]

    class InputSerializer(Input):
        file = serializers.FileField(help_text="CSV rows currency,rate (an optional first row currency,rate).")

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: RatesOut})
    def post(self, request, run_id: int):
        """Every rate of the file or none: a 400 names each bad row (``Row 3: …``); 409 once the run is posted."""
        run = run_found(run_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        content = data.validated_data["file"].read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise ValidationError({"file": [_("The file is larger than 64 KB.")]})
        run_rates_import(run=run, content=content, by=request.user)
        return Response(_rates_out(run), status=status.HTTP_201_CREATED)
