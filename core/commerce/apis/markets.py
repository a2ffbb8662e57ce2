"""Company admins' markets API (issue 19, docs/markets.md): markets (where the company sells, in which currency,
whether prices include tax) and each market's price list. Markets are never deleted (orders point to them): they are
deactivated. Reads are for company staff; writes need ``markets.write``."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability
from config.api.serializers import MONEY, Input
from core.commerce.models import Product
from core.commerce.selectors.market_prices import market_price_list
from core.commerce.services.market_prices import PriceEntry, market_price_set, market_prices_import
from core.company.models import Market
from core.company.selectors import market_by_code, markets_list
from core.company.services import market_create, market_deactivate, market_update

MARKETS_WRITE = HasCapability("markets.write", read="console.read")


def _market(code: str) -> Market:
    market = market_by_code(code=code, active_only=False)
    if market is None:
        raise Http404("No such market.")
    return market


class MarketOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    countries = serializers.ListField(child=serializers.CharField())
    currency = serializers.CharField()
    language = serializers.CharField()
    prices_include_tax = serializers.BooleanField()
    is_active = serializers.BooleanField()


class MarketFields(Input):
    name = serializers.CharField(max_length=100)
    countries = serializers.ListField(child=serializers.CharField(max_length=2), max_length=250)
    currency = serializers.CharField(max_length=3)
    language = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    prices_include_tax = serializers.BooleanField(required=False, default=False)


class MarketListApi(APIView):
    permission_classes = [MARKETS_WRITE]

    class InputSerializer(MarketFields):
        code = serializers.CharField(max_length=20)

    @extend_schema(responses=MarketOutput(many=True))
    def get(self, request):
        return Response(MarketOutput(markets_list(), many=True).data)

    @extend_schema(request=InputSerializer, responses=MarketOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(MarketOutput(market_create(**data.validated_data)).data, status=status.HTTP_201_CREATED)


class MarketDetailApi(APIView):
    """Change a market (not its code). Reactivating one (``is_active``) checks that its countries are free."""

    permission_classes = [MARKETS_WRITE]

    class InputSerializer(MarketFields):
        is_active = serializers.BooleanField(required=False)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                field.required = False
                field.default = serializers.empty

    @extend_schema(responses=MarketOutput)
    def get(self, request, code: str):
        return Response(MarketOutput(_market(code)).data)

    @extend_schema(request=InputSerializer, responses=MarketOutput)
    def patch(self, request, code: str):
        market = _market(code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(MarketOutput(market_update(market=market, **data.validated_data)).data)


class MarketDeactivateApi(APIView):
    """Stop selling in a market: its people and orders keep it; its countries are free for another market."""

    permission_classes = [MARKETS_WRITE]

    @extend_schema(request=None, responses=MarketOutput)
    def post(self, request, code: str):
        return Response(MarketOutput(market_deactivate(market=_market(code))).data)


class MarketPriceOutput(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    sold = serializers.SerializerMethodField()
    retail_price = serializers.DecimalField(**MONEY, source="price.retail_price", default=None, allow_null=True)
    distributor_price = serializers.DecimalField(
        **MONEY, source="price.distributor_price", default=None, allow_null=True
    )
    preferred_price = serializers.DecimalField(**MONEY, source="price.preferred_price", default=None, allow_null=True)

    def get_sold(self, row) -> bool:
        return row.price is not None


class MarketPriceListApi(APIView):
    """GET: every active product with its prices in the market (null where it is not sold there). POST: import a
    price list (multipart ``file``: CSV with sku, retail_price, distributor_price, preferred_price); all or nothing,
    each problem named by row and column."""

    permission_classes = [MARKETS_WRITE]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(Input):
        file = serializers.FileField()

    class ImportOutput(serializers.Serializer):
        set = serializers.IntegerField()
        removed = serializers.IntegerField()

    @extend_schema(responses=MarketPriceOutput(many=True))
    def get(self, request, code: str):
        return Response(MarketPriceOutput(market_price_list(market=_market(code)), many=True).data)

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses=ImportOutput)
    def post(self, request, code: str):
        market = _market(code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = market_prices_import(market=market, content=data.validated_data["file"].read())
        return Response(self.ImportOutput(result).data)


class MarketPriceDetailApi(APIView):
    """Set one product's prices in the market (all three null: it is no longer sold there)."""

    permission_classes = [MARKETS_WRITE]

    class InputSerializer(Input):
        retail_price = serializers.DecimalField(**MONEY, allow_null=True)
        distributor_price = serializers.DecimalField(**MONEY, allow_null=True)
        preferred_price = serializers.DecimalField(**MONEY, allow_null=True, required=False, default=None)

    class OutputSerializer(serializers.Serializer):
        sku = serializers.CharField()
        sold = serializers.BooleanField()
        retail_price = serializers.DecimalField(**MONEY, allow_null=True)
        distributor_price = serializers.DecimalField(**MONEY, allow_null=True)
        preferred_price = serializers.DecimalField(**MONEY, allow_null=True)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def put(self, request, code: str, sku: str):
        market = _market(code)
        product = get_object_or_404(Product, sku__iexact=sku)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = market_price_set(market=market, product=product, entry=PriceEntry(**data.validated_data))
        return Response(
            self.OutputSerializer(
                {
                    "sku": product.sku,
                    "sold": row is not None,
                    "retail_price": row.retail_price if row else None,
                    "distributor_price": row.distributor_price if row else None,
                    "preferred_price": row.preferred_price if row else None,
                }
            ).data
        )
