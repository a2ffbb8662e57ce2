"""Moving a distributor or a customer to another market (issue 19): admins only (``markets.assign``), recorded as a
MarketChange; past orders keep their market and currency."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability
from config.api.serializers import Input
from core.company.models import Market
from core.company.selectors import market_by_code
from core.members.models import Customer, Member
from core.members.services.markets import customer_market_set, member_market_set


class MarketInput(Input):
    market = serializers.CharField(
        max_length=20, allow_blank=True, help_text="The market's code; empty: the company's default (no market)."
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PersonMarketOutput(serializers.Serializer):
    number = serializers.IntegerField()
    market = serializers.CharField(source="market.code", default=None, allow_null=True)


def _market_named(code: str) -> Market | None:
    if not code:
        return None
    market = market_by_code(code=code)
    if market is None:
        raise ValidationError({"market": [f"No active market has the code {code!r}."]})
    return market


class MemberMarketApi(APIView):
    permission_classes = [HasCapability("markets.assign")]

    @extend_schema(request=MarketInput, responses=PersonMarketOutput)
    def post(self, request, number: int):
        member = get_object_or_404(Member, number=number)
        data = MarketInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_market_set(
            member=member,
            market=_market_named(data.validated_data["market"]),
            by=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(PersonMarketOutput(member).data)


class CustomerMarketApi(APIView):
    permission_classes = [HasCapability("markets.assign")]

    @extend_schema(request=MarketInput, responses=PersonMarketOutput)
    def post(self, request, number: int):
        customer = get_object_or_404(Customer, number=number)
        data = MarketInput(data=request.data)
        data.is_valid(raise_exception=True)
        customer = customer_market_set(
            customer=customer,
            market=_market_named(data.validated_data["market"]),
            by=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(PersonMarketOutput(customer).data)
