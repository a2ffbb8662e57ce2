"""Webhook API under /api/v1/webhooks/, for company admins only: register endpoints (the signing secret is shown
when an endpoint is created or its secret rotated, never in lists) and read the delivery log with every attempt."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.pagination import StandardPagination
from config.api.permissions import HasCapability, IsCompanyAdmin
from config.api.serializers import NUMBER, Input
from core.webhooks import selectors, services
from core.webhooks.models import DeliveryStatus, WebhookEndpoint, WebhookEvent


def _paginated(request, view, queryset, serializer_class):
    paginator = StandardPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class EndpointOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    description = serializers.CharField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class EndpointWithSecretOutput(EndpointOutput):
    secret = serializers.CharField()


class WebhookEndpointListApi(APIView):
    permission_classes = [HasCapability("webhooks.write", read="webhooks.write")]

    class InputSerializer(Input):
        url = serializers.CharField(max_length=500)
        events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.values), allow_empty=False)
        description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(responses=EndpointOutput(many=True))
    def get(self, request):
        return _paginated(request, self, selectors.endpoints_list(), EndpointOutput)

    @extend_schema(request=InputSerializer, responses=EndpointWithSecretOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(**data.validated_data)
        return Response(EndpointWithSecretOutput(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailApi(APIView):
    """Change an endpoint; {"is_active": false} stops it (endpoints with history are never deleted)."""

    permission_classes = [HasCapability("webhooks.write", read="webhooks.write")]

    class InputSerializer(Input):
        url = serializers.CharField(max_length=500, required=False)
        events = serializers.ListField(
            child=serializers.ChoiceField(choices=WebhookEvent.values), allow_empty=False, required=False
        )
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)
        is_active = serializers.BooleanField(required=False)
        rotate_secret = serializers.BooleanField(required=False, default=False)

    @extend_schema(responses=EndpointOutput)
    def get(self, request, pk: int):
        return Response(EndpointOutput(get_object_or_404(WebhookEndpoint, pk=pk)).data)

    @extend_schema(request=InputSerializer, responses=EndpointWithSecretOutput)
    def patch(self, request, pk: int):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(endpoint=endpoint, **data.validated_data)
        output = EndpointWithSecretOutput if data.validated_data["rotate_secret"] else EndpointOutput
        return Response(output(endpoint).data)


class AttemptOutput(serializers.Serializer):
    number = serializers.IntegerField()
    attempted_at = serializers.DateTimeField()
    response_code = serializers.IntegerField(allow_null=True)
    response_body = serializers.CharField()
    error = serializers.CharField()
    succeeded = serializers.BooleanField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)


class DeliveryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.IntegerField(source="endpoint_id")
    url = serializers.CharField(source="endpoint.url")
    event = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    response_code = serializers.IntegerField(allow_null=True)
    response_body = serializers.CharField()
    error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class DeliveryDetailOutput(DeliveryOutput):
    payload = serializers.JSONField()
    attempt_log = AttemptOutput(many=True, source="attempt_log.all")


class WebhookDeliveryListApi(APIView):
    """The delivery log, newest first; filter with ?endpoint=<id>&event=order.paid&status=failed."""

    permission_classes = [IsCompanyAdmin]

    class FilterSerializer(serializers.Serializer):
        endpoint = serializers.IntegerField(**NUMBER, required=False)
        event = serializers.ChoiceField(choices=WebhookEvent.values, required=False)
        status = serializers.ChoiceField(choices=DeliveryStatus.values, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=DeliveryOutput(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        deliveries = selectors.deliveries_list(
            endpoint_id=values.get("endpoint"), event=values.get("event", ""), status=values.get("status", "")
        )
        return _paginated(request, self, deliveries, DeliveryOutput)


class WebhookDeliveryDetailApi(APIView):
    permission_classes = [IsCompanyAdmin]

    @extend_schema(responses=DeliveryDetailOutput)
    def get(self, request, pk: int):
        return Response(DeliveryDetailOutput(get_object_or_404(selectors.deliveries_list(), pk=pk)).data)


class WebhookDeliveryRedeliverApi(APIView):
    """Send a failed delivery again (same payload, fresh signature); 400 unless it is failed and its endpoint
    active."""

    permission_classes = [HasCapability("webhooks.write")]

    @extend_schema(request=None, responses={202: DeliveryDetailOutput})
    def post(self, request, pk: int):
        delivery = services.delivery_redeliver(delivery=get_object_or_404(selectors.deliveries_list(), pk=pk))
        return Response(DeliveryDetailOutput(delivery).data, status=status.HTTP_202_ACCEPTED)
