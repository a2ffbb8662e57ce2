"""What the commerce API modules share: paging and the product and order representations."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.pagination import StandardPagination
from config.api.serializers import QUANTITY, Input


def paginated(
    request: Request, view: APIView, queryset: QuerySet, serializer_class: type[serializers.Serializer]
) -> Response:
    paginator = StandardPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class LineInput(Input):
    sku = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(**QUANTITY)


class ProductOutput(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField(source="category.name", default="")
    retail_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    preferred_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    distributor_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    pv = serializers.DecimalField(max_digits=14, decimal_places=2)
    cv = serializers.DecimalField(max_digits=14, decimal_places=2)
    taxable = serializers.BooleanField()
    status = serializers.CharField()


class OrderLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit_pv = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit_cv = serializers.DecimalField(max_digits=14, decimal_places=2)
    line_discount = serializers.DecimalField(max_digits=14, decimal_places=2)
    line_tax = serializers.DecimalField(max_digits=14, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    refunded_quantity = serializers.IntegerField()


class OrderOutput(serializers.Serializer):
    number = serializers.IntegerField()
    placed_by = serializers.CharField()
    status = serializers.CharField()
    price_tier = serializers.CharField()
    currency = serializers.CharField()
    market = serializers.CharField(source="market.code", default=None, allow_null=True)
    tax_included = serializers.BooleanField(help_text="The prices included the tax: it is part of the total.")
    buyer_member = serializers.IntegerField(source="buyer_member.number", default=None)
    buyer_customer = serializers.IntegerField(source="buyer_customer.number", default=None)
    credited_member = serializers.IntegerField(source="credited_member.number")
    subtotal = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax = serializers.DecimalField(max_digits=14, decimal_places=2)
    shipping = serializers.DecimalField(max_digits=14, decimal_places=2)
    shipping_method = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    pv_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    cv_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    refunded_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    placed_at = serializers.DateTimeField()
    paid_on = serializers.DateField()
    period_start = serializers.DateField()


class OrderDetailOutput(OrderOutput):
    lines = OrderLineOutput(many=True, source="lines.all")
