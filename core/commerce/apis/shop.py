"""Commerce API under /api/v1/commerce/. Who sees what: staff everything; a distributor their own orders and the
orders credited to them (their customers', their parties'); a customer their own orders. An order outside a user's
reach is a 404, never a 403, so numbers cannot be probed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability
from config.api.schema import ApiErrorSerializer
from config.api.serializers import MONEY, NUMBER, QUANTITY, STOCK_MOVE_MAX, Input, number_param
from core.accounts.selectors import actor_for
from core.commerce.apis.common import OrderDetailOutput, OrderOutput, ProductOutput, paginated
from core.commerce.models import (
    BackOfficeSubscription,
    ImportStatus,
    MemberVolume,
    Order,
    OrderStatus,
    PaymentStatus,
    SalesImport,
)
from core.commerce.selectors.buyers import buyer_for
from core.commerce.selectors.catalogue import products_for_sale
from core.commerce.selectors.orders import orders_visible_to
from core.commerce.selectors.partner_imports import sales_imports_list
from core.commerce.selectors.stock import low_stock
from core.commerce.selectors.volume import member_volumes_all
from core.commerce.services.catalogue import product_create
from core.commerce.services.orders import LineRequest, order_cancel, order_place, order_ship
from core.commerce.services.partner_imports import sales_import
from core.commerce.services.payments import order_pay_card, order_pay_offline
from core.commerce.services.refunds import order_refund
from core.commerce.services.subscriptions import subscription_card_set, subscription_pay_now
from core.members.models import Member


def _visible_order(request, number: int) -> Order:
    return get_object_or_404(orders_visible_to(request.user), number=number)


class ProductListApi(APIView):
    """Products for sale (anyone signed in to the company); staff add products."""

    permission_classes = [HasCapability("catalogue.write")]

    class InputSerializer(Input):
        sku = serializers.CharField(max_length=40)
        name = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
        retail_price = serializers.DecimalField(**MONEY)
        preferred_price = serializers.DecimalField(**MONEY, required=False, allow_null=True)
        distributor_price = serializers.DecimalField(**MONEY)
        pv = serializers.DecimalField(**MONEY, required=False, default=0)
        cv = serializers.DecimalField(**MONEY, required=False, default=0)
        taxable = serializers.BooleanField(required=False, default=True)
        track_inventory = serializers.BooleanField(required=False, default=True)
        allow_backorder = serializers.BooleanField(required=False, default=False)
        low_stock_threshold = serializers.IntegerField(required=False, default=0, min_value=0, max_value=STOCK_MOVE_MAX)

    @extend_schema(responses=ProductOutput(many=True))
    def get(self, request):
        return paginated(request, self, products_for_sale(), ProductOutput)

    @extend_schema(request=InputSerializer, responses=ProductOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = product_create(**data.validated_data)
        return Response(ProductOutput(product).data, status=status.HTTP_201_CREATED)


class OrderListApi(APIView):
    """List the orders one may see; place an order. A distributor buys for themselves, a customer for themselves
    (credited to their distributor); staff name the buyer by member or customer number."""

    permission_classes = [HasCapability("orders.place")]

    class InputSerializer(Input):
        class LineInput(Input):
            sku = serializers.CharField(max_length=40)
            quantity = serializers.IntegerField(**QUANTITY)

        lines = LineInput(many=True, allow_empty=False)
        coupon_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
        ship_country = serializers.CharField(required=False, max_length=2)
        ship_region = serializers.CharField(required=False, allow_blank=True, max_length=100)
        buyer_member_number = serializers.IntegerField(**NUMBER, required=False, help_text="Staff only.")
        buyer_customer_number = serializers.IntegerField(**NUMBER, required=False, help_text="Staff only.")

    @extend_schema(parameters=[OpenApiParameter("status", enum=OrderStatus.values)], responses=OrderOutput(many=True))
    def get(self, request):
        orders = orders_visible_to(request.user)
        if status_filter := request.query_params.get("status"):
            if status_filter not in OrderStatus.values:
                raise serializers.ValidationError(
                    {"status": [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(OrderStatus.values)}]}
                )
            orders = orders.filter(status=status_filter)
        return paginated(request, self, orders, OrderOutput)

    @extend_schema(request=InputSerializer, responses=OrderDetailOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        buyer = buyer_for(
            user=request.user,
            member_number=values.get("buyer_member_number"),
            customer_number=values.get("buyer_customer_number"),
        )
        order = order_place(
            lines=[LineRequest(line["sku"], line["quantity"]) for line in values["lines"]],
            placed_by=buyer.placed_by,
            buyer_member=buyer.member,
            buyer_customer=buyer.customer,
            coupon_code=values["coupon_code"],
            ship_country=values.get("ship_country"),
            ship_region=values.get("ship_region"),
            created_by=request.user,
        )
        return Response(OrderDetailOutput(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    @extend_schema(responses=OrderDetailOutput)
    def get(self, request, number: int):
        return Response(OrderDetailOutput(_visible_order(request, number)).data)


def _own_or_staff(request, order: Order) -> None:
    """Paying or cancelling is for the buyer (or staff), not for the distributor credited with a customer's order."""
    user = request.user
    if actor_for(user).is_company_staff:
        return
    member, customer = actor_for(user).member, actor_for(user).customer
    if member is not None and order.buyer_member_id == member.pk:
        return
    if customer is not None and order.buyer_customer_id == customer.pk:
        return
    raise PermissionDenied


class OrderPayApi(APIView):
    """Pay by card: a PaymentMethod id from Stripe.js on the company's Stripe account. A decline answers 402."""

    permission_classes = [HasCapability("orders.pay")]

    class InputSerializer(Input):
        payment_method = serializers.CharField(max_length=100)

    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()
        failure_code = serializers.CharField()
        failure_message = serializers.CharField()
        order = OrderOutput()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request, number: int):
        order = _visible_order(request, number)
        _own_or_staff(request, order)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = order_pay_card(order=order, payment_method_id=data.validated_data["payment_method"], by=request.user)
        order.refresh_from_db()
        body = {
            "status": payment.status,
            "failure_code": payment.failure_code,
            "failure_message": payment.failure_message,
            "order": OrderOutput(order).data,
        }
        ok = payment.status == PaymentStatus.SUCCEEDED
        return Response(body, status=status.HTTP_200_OK if ok else status.HTTP_402_PAYMENT_REQUIRED)


class OrderOfflinePaymentApi(APIView):
    """Staff record a cash or check payment."""

    permission_classes = [HasCapability("orders.fulfil")]

    class InputSerializer(Input):
        method = serializers.CharField(max_length=10)
        reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    @extend_schema(request=InputSerializer, responses=OrderOutput)
    def post(self, request, number: int):
        order = _visible_order(request, number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = order_pay_offline(order=order, by=request.user, **data.validated_data)
        return Response(OrderOutput(payment.order).data)


class OrderCancelApi(APIView):
    permission_classes = [HasCapability("orders.cancel")]

    @extend_schema(request=None, responses=OrderOutput)
    def post(self, request, number: int):
        order = _visible_order(request, number)
        _own_or_staff(request, order)
        return Response(OrderOutput(order_cancel(order=order, by=request.user)).data)


class OrderShipApi(APIView):
    permission_classes = [HasCapability("orders.fulfil")]

    @extend_schema(request=None, responses=OrderOutput)
    def post(self, request, number: int):
        return Response(OrderOutput(order_ship(order=_visible_order(request, number))).data)


class OrderRefundApi(APIView):
    """Staff refund some units (``{"lines": [{"line": id, "quantity": n}]}``) or everything left (``{"full": true}``):
    a request must say which, so a client that forgot its lines never refunds a whole order by accident."""

    permission_classes = [HasCapability("orders.refund")]

    class InputSerializer(Input):
        class LineInput(Input):
            line = serializers.IntegerField(**NUMBER)
            quantity = serializers.IntegerField(**QUANTITY)

        lines = LineInput(many=True, required=False, help_text="The units to refund; or say `full`.")
        full = serializers.BooleanField(required=False, default=False, help_text="Refund everything not refunded yet.")
        restock = serializers.BooleanField(required=False, default=True)
        reason = serializers.CharField(max_length=500)

        def validate(self, attrs):
            if attrs.get("lines") and attrs["full"]:
                raise serializers.ValidationError({"full": [gettext("Name the lines or say full, not both.")]})
            if not attrs.get("lines") and not attrs["full"]:
                raise serializers.ValidationError({"lines": [gettext("Name the lines to refund, or say full: true.")]})
            return attrs

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        amount = serializers.DecimalField(max_digits=14, decimal_places=2)
        pv = serializers.DecimalField(max_digits=14, decimal_places=2)
        cv = serializers.DecimalField(max_digits=14, decimal_places=2)
        restocked = serializers.BooleanField()
        stripe_refund_id = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request, number: int):
        order = _visible_order(request, number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        lines = None
        if values.get("lines"):
            lines = {}
            for line in values["lines"]:
                lines[line["line"]] = lines.get(line["line"], 0) + line["quantity"]
        refund = order_refund(
            order=order, lines=lines, restock=values["restock"], reason=values["reason"], by=request.user
        )
        return Response(self.OutputSerializer(refund).data, status=status.HTTP_201_CREATED)


class VolumeApi(APIView):
    """A distributor's volume per period (PV, PSV, CV); staff read any member's with ?member=<number>."""

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = MemberVolume
            fields = ["period_start", "pv", "psv", "cv"]

    @extend_schema(
        parameters=[OpenApiParameter("member", int, description="Staff only: the member's number.")],
        responses=OutputSerializer(many=True),
    )
    def get(self, request):
        user = request.user
        number = number_param(request, "member")
        if actor_for(user).is_company_staff and number is not None:
            member = get_object_or_404(Member, number=number)
        else:
            member = actor_for(user).member
            if member is None:
                raise PermissionDenied
        volumes = member_volumes_all(member_id=member.pk)
        return paginated(request, self, volumes, self.OutputSerializer)


class LowStockApi(APIView):
    permission_classes = [HasCapability(read="console.read")]

    class OutputSerializer(serializers.Serializer):
        sku = serializers.CharField(source="product.sku")
        warehouse = serializers.CharField(source="warehouse.code")
        on_hand = serializers.IntegerField()
        threshold = serializers.IntegerField(source="product.low_stock_threshold")

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return paginated(request, self, low_stock(), self.OutputSerializer)


class SubscriptionOutput(serializers.ModelSerializer):
    class Meta:
        model = BackOfficeSubscription
        fields = ["status", "next_due_on", "card_brand", "card_last4", "card_exp_month", "card_exp_year"]


def _subscriber(request) -> Member:
    member = actor_for(request.user).member
    if member is None:
        raise PermissionDenied
    return member


class SubscriptionApi(APIView):
    """The signed-in distributor's back-office subscription."""

    @extend_schema(responses=SubscriptionOutput)
    def get(self, request):
        return Response(SubscriptionOutput(get_object_or_404(BackOfficeSubscription, member=_subscriber(request))).data)


class SubscriptionCardApi(APIView):
    """Replace the card the fee is charged on."""

    permission_classes = [HasCapability("subscription.pay")]

    class InputSerializer(Input):
        payment_method = serializers.CharField(max_length=100)

    @extend_schema(request=InputSerializer, responses=SubscriptionOutput)
    def post(self, request):
        member = _subscriber(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = subscription_card_set(member=member, payment_method_id=data.validated_data["payment_method"])
        return Response(SubscriptionOutput(subscription).data)


class SubscriptionPayApi(APIView):
    """Pay a past-due fee now (optionally with a new card). A decline answers 402 and is recorded."""

    permission_classes = [HasCapability("subscription.pay")]

    class InputSerializer(Input):
        payment_method = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)

    class OutputSerializer(serializers.Serializer):
        outcome = serializers.CharField()
        due_on = serializers.DateField()
        amount = serializers.DecimalField(max_digits=14, decimal_places=2)
        message = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        member = _subscriber(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = subscription_pay_now(member=member, payment_method_id=data.validated_data["payment_method"])
        code = status.HTTP_200_OK if attempt.outcome == "paid" else status.HTTP_402_PAYMENT_REQUIRED
        return Response(self.OutputSerializer(attempt).data, status=code)


class SalesImportApi(APIView):
    """Staff upload a partner's sales CSV (multipart: partner, file) and list past imports. A rejected file answers
    400 with its record (every problem's row and column); a file posted before answers 409 naming the earlier import,
    unless the upload says ``confirm_duplicate``."""

    permission_classes = [HasCapability("orders.import", read="console.read")]

    class InputSerializer(Input):
        partner = serializers.SlugField(max_length=50)
        file = serializers.FileField()
        confirm_duplicate = serializers.BooleanField(
            required=False, default=False, help_text="Import a file that was posted before (same SHA-256) again."
        )

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = SalesImport
            fields = [
                "id",
                "partner",
                "file_name",
                "status",
                "rows",
                "posted",
                "skipped",
                "errors",
                "duplicate_of",
                "imported_at",
            ]

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return paginated(request, self, sales_imports_list(), self.OutputSerializer)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={
            201: OutputSerializer,
            400: PolymorphicProxySerializer(
                component_name="SalesImportRejected",
                serializers=[OutputSerializer, ApiErrorSerializer],
                resource_type_field_name=None,
            ),
            409: OutputSerializer,
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        record = sales_import(
            partner=data.validated_data["partner"],
            file_name=upload.name,
            content=upload.read(),
            by=request.user,
            confirm_duplicate=data.validated_data["confirm_duplicate"],
        )
        code = status.HTTP_201_CREATED if record.status == ImportStatus.POSTED else status.HTTP_400_BAD_REQUEST
        if record.duplicate_of_id is not None:
            code = status.HTTP_409_CONFLICT
        return Response(self.OutputSerializer(record).data, status=code)
