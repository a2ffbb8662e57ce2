"""Parties and autoships under /api/v1/commerce/: what distributors and customers manage for themselves, and staff
for anyone. A distributor sees and manages their own parties and autoships, a customer their own autoships, staff
all of them; anything else is a 404 (ids cannot be probed)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.commerce import autoship as autoships
from core.commerce import services
from core.commerce.apis import OrderDetailOutput, _customer_of, _is_staff, _member_of, _paginated
from core.commerce.models import Autoship, Party, PaymentMethod
from core.commerce.selectors import parties_visible_to
from core.commerce.services import OFFLINE_METHODS, LineRequest
from core.members.models import Customer, Member


class LineInput(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1)


# ---------------------------------------------------------------------------------------------------- parties


class PartyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    consultant = serializers.IntegerField(source="consultant.number")
    host_name = serializers.CharField()
    host_email = serializers.EmailField()
    held_on = serializers.DateField()
    status = serializers.CharField()
    orders_count = serializers.IntegerField(default=0)
    sales_total = serializers.DecimalField(max_digits=14, decimal_places=2, default=0)


def _party(request, pk: int) -> Party:
    return get_object_or_404(parties_visible_to(request.user), pk=pk)


class PartyListApi(APIView):
    """A distributor's parties (staff: everyone's); a distributor holds a party, staff name the consultant."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        host_name = serializers.CharField(max_length=200)
        host_email = serializers.EmailField(required=False, allow_blank=True, default="")
        held_on = serializers.DateField()
        consultant_number = serializers.IntegerField(required=False, help_text="Staff only.")

    @extend_schema(responses=PartyOutput(many=True))
    def get(self, request):
        if not _is_staff(request.user) and _member_of(request.user) is None:
            raise PermissionDenied
        return _paginated(request, self, parties_visible_to(request.user), PartyOutput)

    @extend_schema(request=InputSerializer, responses=PartyOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        number = values.pop("consultant_number", None)
        if _is_staff(request.user):
            if number is None:
                raise ValidationError({"consultant_number": ["Name the consultant who holds the party."]})
            consultant = get_object_or_404(Member, number=number)
        elif (consultant := _member_of(request.user)) is None:
            raise PermissionDenied
        party = services.party_create(consultant=consultant, **values)
        return Response(PartyOutput(_party(request, party.pk)).data, status=status.HTTP_201_CREATED)


class PartyDetailApi(APIView):
    @extend_schema(responses=PartyOutput)
    def get(self, request, pk: int):
        return Response(PartyOutput(_party(request, pk)).data)


class PartyOrderApi(APIView):
    """A guest's order at the party, at retail, credited to the consultant; `paid_with` records the cash or check
    taken at the party (where the company allows offline payments)."""

    class InputSerializer(serializers.Serializer):
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
        with transaction.atomic():  # an order whose payment is refused is not left behind
            order = services.party_guest_order_place(
                party=party,
                guest_name=values["guest_name"],
                lines=[LineRequest(line["sku"], line["quantity"]) for line in values["lines"]],
                by=request.user,
                ship_country=values.get("ship_country"),
                ship_region=values.get("ship_region"),
            )
            if "paid_with" in values:
                services.order_pay_offline(
                    order=order,
                    method=PaymentMethod(values["paid_with"]),
                    reference=values["reference"],
                    by=request.user,
                )
                order.refresh_from_db()
        return Response(OrderDetailOutput(order).data, status=status.HTTP_201_CREATED)


class PartyCloseApi(APIView):
    @extend_schema(request=None, responses=PartyOutput)
    def post(self, request, pk: int):
        services.party_close(party=_party(request, pk))
        return Response(PartyOutput(_party(request, pk)).data)


# ---------------------------------------------------------------------------------------------------- autoship


def autoships_visible_to(user) -> QuerySet[Autoship]:
    found = Autoship.objects.select_related("member", "customer").prefetch_related("items__product").order_by("id")
    if _is_staff(user):
        return found
    if (member := _member_of(user)) is not None:
        return found.filter(member=member)
    if (customer := _customer_of(user)) is not None:
        return found.filter(customer=customer)
    return found.none()


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

    class InputSerializer(serializers.Serializer):
        items = LineInput(many=True, allow_empty=False)
        first_run_on = serializers.DateField()
        interval_months = serializers.IntegerField(min_value=1, max_value=12, required=False, default=1)
        payment_method = serializers.CharField(required=False, allow_blank=True, default="")
        ship_country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
        ship_region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        buyer_member_number = serializers.IntegerField(required=False, help_text="Staff only.")
        buyer_customer_number = serializers.IntegerField(required=False, help_text="Staff only.")

    @extend_schema(responses=AutoshipOutput(many=True))
    def get(self, request):
        return _paginated(request, self, autoships_visible_to(request.user), AutoshipOutput)

    @extend_schema(request=InputSerializer, responses=AutoshipOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        buyer: dict = {}
        if _is_staff(user):
            if "buyer_member_number" in values:
                buyer["member"] = get_object_or_404(Member, number=values["buyer_member_number"])
            elif "buyer_customer_number" in values:
                buyer["customer"] = get_object_or_404(Customer, number=values["buyer_customer_number"])
            else:
                raise ValidationError({"buyer_member_number": ["Name the buyer: a member or a customer number."]})
        elif (member := _member_of(user)) is not None:
            buyer["member"] = member
        elif (customer := _customer_of(user)) is not None:
            buyer["customer"] = customer
        else:
            raise PermissionDenied
        card = {}
        if values["payment_method"]:
            card = autoships.autoship_card_prepare(
                buyer=buyer.get("member") or buyer["customer"], payment_method_id=values["payment_method"]
            )
        created = autoships.autoship_create(
            items=[LineRequest(item["sku"], item["quantity"]) for item in values["items"]],
            first_run_on=values["first_run_on"],
            interval_months=values["interval_months"],
            ship_country=values["ship_country"],
            ship_region=values["ship_region"],
            **buyer,
            **card,
        )
        return Response(AutoshipOutput(_autoship(request, created.pk)).data, status=status.HTTP_201_CREATED)


class AutoshipDetailApi(APIView):
    @extend_schema(responses=AutoshipOutput)
    def get(self, request, pk: int):
        return Response(AutoshipOutput(_autoship(request, pk)).data)


class AutoshipActionApi(APIView):
    """POST .../pause/, .../resume/ or .../cancel/."""

    action: str = ""
    actions = {
        "pause": autoships.autoship_pause,
        "resume": autoships.autoship_resume,
        "cancel": autoships.autoship_cancel,
    }

    @extend_schema(request=None, responses=AutoshipOutput)
    def post(self, request, pk: int):
        self.actions[self.action](autoship=_autoship(request, pk))
        return Response(AutoshipOutput(_autoship(request, pk)).data)
