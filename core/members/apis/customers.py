"""Customers: list and create, and transfer to another distributor."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.pagination import StandardPagination
from config.api.permissions import HasCapability
from config.api.serializers import NUMBER, Input
from core.members import selectors
from core.members.apis.common import member_or_field_error, viewer_member
from core.members.models import Customer
from core.members.services.customers import customer_create, customer_transfer


class CustomerOutput(serializers.ModelSerializer):
    distributor_number = serializers.IntegerField(source="distributor.number")

    class Meta:
        model = Customer
        fields = [
            "number",
            "customer_type",
            "distributor_number",
            "first_name",
            "last_name",
            "email",
            "phone",
            "country",
            "is_active",
            "joined_at",
        ]


class CustomerListApi(APIView):
    permission_classes = [HasCapability("customers.write")]

    class InputSerializer(Input):
        distributor = serializers.IntegerField(
            **NUMBER, required=False, help_text="Staff only; distributors add their own"
        )
        customer_type = serializers.ChoiceField(choices=["retail", "preferred"], default="retail")
        email = serializers.EmailField(max_length=254)
        first_name = serializers.CharField(max_length=100)
        last_name = serializers.CharField(max_length=100)
        phone = serializers.CharField(required=False, default="", max_length=40)
        country = serializers.CharField(required=False, default="", max_length=2)

    @extend_schema(responses=CustomerOutput(many=True))
    def get(self, request):
        """Staff: every customer. Distributors: their own personal customers."""
        viewer = viewer_member(request)
        customers = selectors.customers_visible_to(viewer=viewer)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(customers, request, view=self)
        return paginator.get_paginated_response(CustomerOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CustomerOutput})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        viewer = viewer_member(request)
        number = values.pop("distributor", None)
        distributor = viewer or member_or_field_error(number, "distributor")
        customer = customer_create(distributor=distributor, **values)
        return Response(CustomerOutput(customer).data, status=status.HTTP_201_CREATED)


class CustomerTransferApi(APIView):
    permission_classes = [HasCapability("genealogy.write")]

    class InputSerializer(Input):
        to = serializers.IntegerField(**NUMBER, help_text="Member number of the distributor who gets the customer")
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses=CustomerOutput)
    def post(self, request, number: int):
        customer = get_object_or_404(Customer, number=number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer_transfer(
            customer=customer,
            to=member_or_field_error(data.validated_data["to"], "to"),
            by=request.user,
            reason=data.validated_data["reason"],
        )
        customer.refresh_from_db()
        return Response(CustomerOutput(customer).data)
