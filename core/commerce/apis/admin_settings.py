"""Company staff's commerce API under /api/v1/commerce/, the rules an order is priced by: tax rates, coupons, and the
commerce settings (offline payments, the back-office fee, the Stripe keys). Split from admin.py (catalogue and
stock) to keep each module readable; every write is staff-only, the settings admin-only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability
from config.api.serializers import MONEY, Input
from core.commerce.apis.common import paginated
from core.commerce.models import (
    Coupon,
    CouponKind,
    TaxRate,
)
from core.commerce.selectors.pricing_rules import coupons_list, tax_rates_list
from core.commerce.services.commerce_settings import commerce_settings_get, commerce_settings_update
from core.commerce.services.coupons import coupon_create, coupon_delete, coupon_update
from core.commerce.services.tax import tax_rate_create, tax_rate_delete, tax_rate_update

# ---------------------------------------------------------------------------------------------------- tax, coupons


class TaxRateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    country = serializers.CharField()
    region = serializers.CharField()
    rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    name = serializers.CharField()
    is_active = serializers.BooleanField()


class TaxRateListApi(APIView):
    permission_classes = [HasCapability("pricing.write", read="console.read")]

    class InputSerializer(Input):
        country = serializers.CharField(max_length=2)
        region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        rate = serializers.DecimalField(max_digits=6, decimal_places=4, min_value=0, max_value=1)
        name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        is_active = serializers.BooleanField(required=False, default=True)

    @extend_schema(responses=TaxRateOutput(many=True))
    def get(self, request):
        return paginated(request, self, tax_rates_list(), TaxRateOutput)

    @extend_schema(request=InputSerializer, responses=TaxRateOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tax_rate = tax_rate_create(**data.validated_data)
        return Response(TaxRateOutput(tax_rate).data, status=status.HTTP_201_CREATED)


class TaxRateDetailApi(APIView):
    """Change or remove a rate. Orders keep the rate they were taxed at, so neither touches a placed order."""

    permission_classes = [HasCapability("pricing.write", read="console.read")]

    class InputSerializer(Input):
        rate = serializers.DecimalField(max_digits=6, decimal_places=4, min_value=0, max_value=1, required=False)
        name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(responses=TaxRateOutput)
    def get(self, request, pk: int):
        return Response(TaxRateOutput(get_object_or_404(TaxRate, pk=pk)).data)

    @extend_schema(request=InputSerializer, responses=TaxRateOutput)
    def patch(self, request, pk: int):
        tax_rate = get_object_or_404(TaxRate, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(TaxRateOutput(tax_rate_update(tax_rate=tax_rate, **data.validated_data)).data)

    @extend_schema(request=None, responses=None)
    def delete(self, request, pk: int):
        tax_rate_delete(tax_rate=get_object_or_404(TaxRate, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CouponOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    kind = serializers.CharField()
    value = serializers.DecimalField(**MONEY)
    is_active = serializers.BooleanField()
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    max_uses = serializers.IntegerField(allow_null=True)
    times_used = serializers.IntegerField()
    min_subtotal = serializers.DecimalField(**MONEY)


class CouponFields(Input):
    kind = serializers.ChoiceField(choices=CouponKind.values)
    value = serializers.DecimalField(**MONEY)
    is_active = serializers.BooleanField(required=False)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    max_uses = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2_147_483_647)
    min_subtotal = serializers.DecimalField(**MONEY, required=False)


class CouponListApi(APIView):
    permission_classes = [HasCapability("pricing.write", read="console.read")]

    class InputSerializer(CouponFields):
        code = serializers.CharField(max_length=40)

    @extend_schema(responses=CouponOutput(many=True))
    def get(self, request):
        active = request.query_params.get("active")
        coupons = coupons_list(active=active == "true" if active in ("true", "false") else None)
        return paginated(request, self, coupons, CouponOutput)

    @extend_schema(request=InputSerializer, responses=CouponOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        coupon = coupon_create(**data.validated_data)
        return Response(CouponOutput(coupon).data, status=status.HTTP_201_CREATED)


class CouponDetailApi(APIView):
    """Change a coupon (not its code); delete one no order used (a used one is deactivated instead)."""

    permission_classes = [HasCapability("pricing.write", read="console.read")]

    class InputSerializer(CouponFields):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                field.required = False

    @extend_schema(responses=CouponOutput)
    def get(self, request, pk: int):
        return Response(CouponOutput(get_object_or_404(Coupon, pk=pk)).data)

    @extend_schema(request=InputSerializer, responses=CouponOutput)
    def patch(self, request, pk: int):
        coupon = get_object_or_404(Coupon, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CouponOutput(coupon_update(coupon=coupon, **data.validated_data)).data)

    @extend_schema(request=None, responses=None)
    def delete(self, request, pk: int):
        coupon_delete(coupon=get_object_or_404(Coupon, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------------- settings


class CommerceSettingsApi(APIView):
    """The company's commerce settings, for its admins. The Stripe secret key is write-only: reads only say whether
    one is set and its last four characters."""

    permission_classes = [HasCapability("commerce.settings.write", read="commerce.settings.write")]

    class InputSerializer(Input):
        offline_payments_allowed = serializers.BooleanField(required=False)
        subscription_enabled = serializers.BooleanField(required=False)
        subscription_fee = serializers.DecimalField(**MONEY, required=False)
        subscription_first_charge_delay_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
        stripe_publishable_key = serializers.CharField(max_length=200, required=False, allow_blank=True)
        stripe_secret_key = serializers.CharField(max_length=200, required=False, allow_blank=True, write_only=True)

    class OutputSerializer(serializers.Serializer):
        offline_payments_allowed = serializers.BooleanField()
        subscription_enabled = serializers.BooleanField()
        subscription_fee = serializers.DecimalField(**MONEY)
        subscription_first_charge_delay_days = serializers.IntegerField()
        stripe_publishable_key = serializers.CharField()
        stripe_secret_key_set = serializers.SerializerMethodField()
        stripe_secret_key_last4 = serializers.SerializerMethodField()
        updated_at = serializers.DateTimeField()

        def get_stripe_secret_key_set(self, row) -> bool:
            return bool(row.stripe_secret_key)

        def get_stripe_secret_key_last4(self, row) -> str:
            return row.stripe_secret_key[-4:] if row.stripe_secret_key else ""

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(commerce_settings_get()).data)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(self.OutputSerializer(commerce_settings_update(**data.validated_data)).data)
