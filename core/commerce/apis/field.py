"""Parties and autoships under /api/v1/commerce/: what distributors and customers manage for themselves, and staff
for anyone. A distributor sees and manages their own parties and autoships, a customer their own autoships, staff
all of them; anything else is a 404 (ids cannot be probed)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability
from config.api.serializers import NUMBER, BusinessDateField, Input
from core.accounts.selectors import actor_for
from core.commerce.apis.common import LineInput, OrderDetailOutput, paginated
from core.commerce.models import Autoship, Party
from core.commerce.selectors.autoship import autoships_visible_to
from core.commerce.selectors.buyers import buyer_for
from core.commerce.selectors.parties import parties_visible_to
from core.commerce.services.autoship import (
    autoship_cancel,
    autoship_create_with_card,
    autoship_pause,
    autoship_resume,
)
from core.commerce.services.orders import LineRequest
from core.commerce.services.parties import party_close, party_create, party_guest_order_take
from core.commerce.services.payments import OFFLINE_METHODS
from core.members.models import Member

# ---------------------------------------------------------------------------------------------------- parties


class PartyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    consultant = serializers.IntegerField(source="consultant.number")
    host_name = serializers.CharField()
    host_email = serializers.CharField(help_text="An e-mail address, or empty.")
    host_member_number = serializers.IntegerField(source="host_member.number", default=None, allow_null=True)
    host_customer_number = serializers.IntegerField(source="host_customer.number", default=None, allow_null=True)
    held_on = BusinessDateField()
    status = serializers.CharField()
    orders_count = serializers.IntegerField(default=0)
    sales_total = serializers.DecimalField(max_digits=14, decimal_places=2, default=0, allow_null=True)


def _party(request, pk: int) -> Party:
    return get_object_or_404(parties_visible_to(request.user), pk=pk)


class PartyListApi(APIView):
    """A distributor's parties (staff: everyone's); a distributor holds a party, staff name the consultant."""

    permission_classes = [HasCapability("parties.write")]

    class InputSerializer(Input):
        name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        host_name = serializers.CharField(
            max_length=200, required=False, allow_blank=True, default="", help_text="Empty: the host's own name."
        )
        host_email = serializers.EmailField(required=False, allow_blank=True, default="", max_length=254)
        host_member_number = serializers.IntegerField(
            **NUMBER, required=False, help_text="The host is this member (paid the reward)."
        )
        host_customer_number = serializers.IntegerField(
            **NUMBER, required=False, help_text="The host is this customer (credited it)."
        )
        held_on = BusinessDateField()
        consultant_number = serializers.IntegerField(**NUMBER, required=False, help_text="Staff only.")

    @extend_schema(responses=PartyOutput(many=True))
    def get(self, request):
        actor = actor_for(request.user)
        if not actor.is_company_staff and actor.member is None:
            raise PermissionDenied
        return paginated(request, self, parties_visible_to(request.user), PartyOutput)

    @extend_schema(request=InputSerializer, responses=PartyOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        number = values.pop("consultant_number", None)
        actor = actor_for(request.user)
        if actor.is_company_staff:
            if number is None:
                raise ValidationError({"consultant_number": [gettext("Name the consultant who holds the party.")]})
            consultant = get_object_or_404(Member, number=number)
        elif (consultant := actor.member) is None:
            raise PermissionDenied
        party = party_create(consultant=consultant, **values)
        return Response(PartyOutput(_party(request, party.pk)).data, status=status.HTTP_201_CREATED)


class PartyDetailApi(APIView):
    @extend_schema(responses=PartyOutput)
    def get(self, request, pk: int):
        return Response(PartyOutput(_party(request, pk)).data)


class PartyOrderApi(APIView):
    """A guest's order at the party, at retail, credited to the consultant; `paid_with` records the cash or check
    taken at the party (where the company allows offline payments)."""

    permission_classes = [HasCapability("parties.write")]

    class InputSerializer(Input):
        guest_name = serializers.CharField(max_length=200)
        lines = LineInput(many=True, allow_empty=False)
        ship_country = serializers.CharField(max_length=2, required=False)
        ship_region = serializers.CharField(max_length=100, required=False, allow_blank=True)
        paid_with = serializers.ChoiceField(choices=list(OFFLINE_METHODS), required=False)
        reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=OrderDetailOutput)
    def post(self, request, pk: int):
        party = _party(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = party_guest_order_take(
            party=party,
            guest_name=values["guest_name"],
            lines=[LineRequest(line["sku"], line["quantity"]) for line in values["lines"]],
            by=request.user,
            paid_with=values.get("paid_with", ""),
            reference=values["reference"],
            ship_country=values.get("ship_country"),
            ship_region=values.get("ship_region"),
        )
        return Response(OrderDetailOutput(order).data, status=status.HTTP_201_CREATED)


class PartyCloseApi(APIView):
    permission_classes = [HasCapability("parties.write")]

    @extend_schema(request=None, responses=PartyOutput)
    def post(self, request, pk: int):
        party_close(party=_party(request, pk))
        return Response(PartyOutput(_party(request, pk)).data)


# ---------------------------------------------------------------------------------------------------- autoship


class AutoshipOutput(serializers.Serializer):
    class ItemOutput(serializers.Serializer):
        sku = serializers.CharField(source="product.sku")
        quantity = serializers.IntegerField()

    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member.number", default=None)
    customer = serializers.IntegerField(source="customer.number", default=None)
    status = serializers.CharField()
    interval_months = serializers.IntegerField()
    next_run_on = serializers.DateField()
    failures = serializers.IntegerField()
    max_retries = serializers.IntegerField()
    card_on_file = serializers.SerializerMethodField()
    items = ItemOutput(many=True, source="items.all")

    def get_card_on_file(self, autoship) -> bool:
        return bool(autoship.stripe_payment_method_id)


def _autoship(request, pk: int) -> Autoship:
    return get_object_or_404(autoships_visible_to(request.user), pk=pk)


class AutoshipListApi(APIView):
    """One's own autoships (staff: all). A distributor or customer sets up their own, with a card (a PaymentMethod
    from Stripe.js, attached to them on the company's Stripe account); staff name the buyer."""

    permission_classes = [HasCapability("autoships.write")]

    class InputSerializer(Input):
        items = LineInput(many=True, allow_empty=False)
        first_run_on = BusinessDateField()
        interval_months = serializers.IntegerField(min_value=1, max_value=12, required=False, default=1)
        payment_method = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
        ship_country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
        ship_region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        buyer_member_number = serializers.IntegerField(**NUMBER, required=False, help_text="Staff only.")
        buyer_customer_number = serializers.IntegerField(**NUMBER, required=False, help_text="Staff only.")

    @extend_schema(responses=AutoshipOutput(many=True))
    def get(self, request):
        return paginated(request, self, autoships_visible_to(request.user), AutoshipOutput)

    @extend_schema(request=InputSerializer, responses=AutoshipOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        buyer = buyer_for(
            user=request.user,
            member_number=values.get("buyer_member_number"),
            customer_number=values.get("buyer_customer_number"),
        )
        created = autoship_create_with_card(
            buyer=buyer.person,
            items=[LineRequest(item["sku"], item["quantity"]) for item in values["items"]],
            first_run_on=values["first_run_on"],
            interval_months=values["interval_months"],
            ship_country=values["ship_country"],
            ship_region=values["ship_region"],
            payment_method_id=values["payment_method"],
        )
        return Response(AutoshipOutput(_autoship(request, created.pk)).data, status=status.HTTP_201_CREATED)


class AutoshipDetailApi(APIView):
    @extend_schema(responses=AutoshipOutput)
    def get(self, request, pk: int):
        return Response(AutoshipOutput(_autoship(request, pk)).data)


class AutoshipActionApi(APIView):
    """POST .../pause/, .../resume/ or .../cancel/."""

    permission_classes = [HasCapability("autoships.write")]

    action: str = ""
    actions = {
        "pause": autoship_pause,
        "resume": autoship_resume,
        "cancel": autoship_cancel,
    }

    @extend_schema(request=None, responses=AutoshipOutput)
    def post(self, request, pk: int):
        self.actions[self.action](autoship=_autoship(request, pk))
        return Response(AutoshipOutput(_autoship(request, pk)).data)
