"""Company staff's commerce API under /api/v1/commerce/: the catalogue (products, categories, images), warehouses and
the stock ledger, tax rates, coupons and the commerce settings. Reading the catalogue is open to anyone signed in
to the company (retired products only to staff); every write is staff-only, the settings admin-only. Objects of
another company are simply not there (404)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import IsCompanyAdmin, IsCompanyStaff
from core.commerce import services
from core.commerce.apis import ProductOutput, _is_staff, _paginated
from core.commerce.models import (
    Coupon,
    CouponKind,
    MovementKind,
    Product,
    ProductCategory,
    ProductImage,
    ProductStatus,
    StockLevel,
    StockMovement,
    TaxRate,
    Warehouse,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


def _staff_reads_open(view) -> list:
    return [IsAuthenticated()] if view.request.method == "GET" else [IsCompanyStaff()]


def _product(request, sku: str) -> Product:
    products = Product.objects.select_related("category")
    if not _is_staff(request.user):
        products = products.filter(status=ProductStatus.ACTIVE)
    return get_object_or_404(products, sku__iexact=sku)


def _warehouse(code: str, field: str = "warehouse") -> Warehouse:
    warehouse = Warehouse.objects.filter(code__iexact=code).first()
    if warehouse is None:
        raise ValidationError({field: [f"There is no warehouse '{code}'."]})
    return warehouse


def _product_by_sku(sku: str) -> Product:
    product = Product.objects.filter(sku__iexact=sku).first()
    if product is None:
        raise ValidationError({"sku": [f"There is no product with SKU '{sku}'."]})
    return product


# ---------------------------------------------------------------------------------------------------- catalogue


class ImageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.ImageField(source="image", use_url=True)
    alt_text = serializers.CharField()
    position = serializers.IntegerField()


class ProductDetailOutput(ProductOutput):
    category_slug = serializers.CharField(source="category.slug", default="")
    track_inventory = serializers.BooleanField()
    allow_backorder = serializers.BooleanField()
    low_stock_threshold = serializers.IntegerField()
    images = ImageOutput(many=True, source="images.all")


class ProductDetailApi(APIView):
    """Read a product; staff change it (the SKU is fixed; orders keep the prices and volumes they were sold at)."""

    def get_permissions(self):
        return _staff_reads_open(self)

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(required=False, allow_blank=True)
        category_slug = serializers.CharField(required=False, allow_blank=True)
        retail_price = serializers.DecimalField(**MONEY, required=False)
        preferred_price = serializers.DecimalField(**MONEY, required=False, allow_null=True)
        distributor_price = serializers.DecimalField(**MONEY, required=False)
        pv = serializers.DecimalField(**MONEY, required=False)
        cv = serializers.DecimalField(**MONEY, required=False)
        taxable = serializers.BooleanField(required=False)
        track_inventory = serializers.BooleanField(required=False)
        allow_backorder = serializers.BooleanField(required=False)
        low_stock_threshold = serializers.IntegerField(required=False, min_value=0)

    @extend_schema(responses=ProductDetailOutput)
    def get(self, request, sku: str):
        return Response(ProductDetailOutput(_product(request, sku)).data)

    @extend_schema(request=InputSerializer, responses=ProductDetailOutput)
    def patch(self, request, sku: str):
        product = _product(request, sku)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "category_slug" in changes:
            slug = changes.pop("category_slug")
            changes["category"] = None
            if slug:
                changes["category"] = ProductCategory.objects.filter(slug=slug).first()
                if changes["category"] is None:
                    raise ValidationError({"category_slug": [f"There is no category '{slug}'."]})
        return Response(ProductDetailOutput(services.product_update(product=product, **changes)).data)


class ProductRetireApi(APIView):
    """Retire a product: it stays on past orders and can no longer be ordered (products are never deleted)."""

    permission_classes = [IsCompanyStaff]

    @extend_schema(request=None, responses=ProductDetailOutput)
    def post(self, request, sku: str):
        return Response(ProductDetailOutput(services.product_retire(product=_product(request, sku))).data)


class ProductImageListApi(APIView):
    """Staff upload an image (multipart: image, alt_text, position)."""

    permission_classes = [IsCompanyStaff]

    class InputSerializer(serializers.Serializer):
        image = serializers.ImageField()
        alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        position = serializers.IntegerField(min_value=0, required=False)

    @extend_schema(request=InputSerializer, responses=ImageOutput)
    def post(self, request, sku: str):
        product = _product(request, sku)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = services.product_image_add(product=product, **data.validated_data)
        return Response(ImageOutput(image, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ProductImageDetailApi(APIView):
    permission_classes = [IsCompanyStaff]

    @extend_schema(request=None, responses=None)
    def delete(self, request, sku: str, pk: int):
        image = get_object_or_404(ProductImage, pk=pk, product=_product(request, sku))
        services.product_image_remove(image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class CategoryListApi(APIView):
    def get_permissions(self):
        return _staff_reads_open(self)

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        slug = serializers.SlugField(max_length=100)

    @extend_schema(responses=CategoryOutput(many=True))
    def get(self, request):
        return _paginated(request, self, ProductCategory.objects.order_by("name", "id"), CategoryOutput)

    @extend_schema(request=InputSerializer, responses=CategoryOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.product_category_create(**data.validated_data)
        return Response(CategoryOutput(category).data, status=status.HTTP_201_CREATED)


class CategoryDetailApi(APIView):
    """Rename a category (categories are kept: products point at them)."""

    permission_classes = [IsCompanyStaff]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)

    @extend_schema(request=InputSerializer, responses=CategoryOutput)
    def patch(self, request, pk: int):
        category = get_object_or_404(ProductCategory, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CategoryOutput(services.product_category_rename(category=category, **data.validated_data)).data)


# ---------------------------------------------------------------------------------------------------- stock


class WarehouseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField()
    is_active = serializers.BooleanField()


class WarehouseListApi(APIView):
    permission_classes = [IsCompanyStaff]

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=20)
        name = serializers.CharField(max_length=200)
        country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")

    @extend_schema(responses=WarehouseOutput(many=True))
    def get(self, request):
        return _paginated(request, self, Warehouse.objects.order_by("id"), WarehouseOutput)

    @extend_schema(request=InputSerializer, responses=WarehouseOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        warehouse = services.warehouse_create(**data.validated_data)
        return Response(WarehouseOutput(warehouse).data, status=status.HTTP_201_CREATED)


class WarehouseDetailApi(APIView):
    permission_classes = [IsCompanyStaff]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        country = serializers.CharField(max_length=2, required=False, allow_blank=True)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(request=InputSerializer, responses=WarehouseOutput)
    def patch(self, request, code: str):
        warehouse = get_object_or_404(Warehouse, code__iexact=code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(WarehouseOutput(services.warehouse_update(warehouse=warehouse, **data.validated_data)).data)


class MovementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField(source="product.sku")
    warehouse = serializers.CharField(source="warehouse.code")
    kind = serializers.CharField()
    quantity = serializers.IntegerField()
    order = serializers.IntegerField(source="order.number", default=None)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.EmailField(source="created_by.email", default=None)


class StockLevelOutput(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    warehouse = serializers.CharField(source="warehouse.code")
    on_hand = serializers.IntegerField()


class StockLevelListApi(APIView):
    """Quantities on hand per product and warehouse (?sku=, ?warehouse=)."""

    permission_classes = [IsCompanyStaff]

    @extend_schema(responses=StockLevelOutput(many=True))
    def get(self, request):
        levels = StockLevel.objects.select_related("product", "warehouse").order_by("product__sku", "warehouse__code")
        if sku := request.query_params.get("sku"):
            levels = levels.filter(product__sku__iexact=sku)
        if code := request.query_params.get("warehouse"):
            levels = levels.filter(warehouse__code__iexact=code)
        return _paginated(request, self, levels, StockLevelOutput)


class StockMovementListApi(APIView):
    """The movement ledger, newest first (?sku=, ?warehouse=, ?kind=receipt|sale|return|adjustment|transfer)."""

    permission_classes = [IsCompanyStaff]

    @extend_schema(responses=MovementOutput(many=True))
    def get(self, request):
        movements = StockMovement.objects.select_related("product", "warehouse", "order", "created_by").order_by("-id")
        if sku := request.query_params.get("sku"):
            movements = movements.filter(product__sku__iexact=sku)
        if code := request.query_params.get("warehouse"):
            movements = movements.filter(warehouse__code__iexact=code)
        if kind := request.query_params.get("kind"):
            if kind not in MovementKind.values:
                raise ValidationError({"kind": [f"Choose one of {', '.join(MovementKind.values)}."]})
            movements = movements.filter(kind=kind)
        return _paginated(request, self, movements, MovementOutput)


class StockReceiptApi(APIView):
    """Goods received into a warehouse (a positive quantity)."""

    permission_classes = [IsCompanyStaff]

    class InputSerializer(serializers.Serializer):
        sku = serializers.CharField()
        warehouse = serializers.CharField()
        quantity = serializers.IntegerField()
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    stock_change = staticmethod(services.stock_receive)

    @extend_schema(request=InputSerializer, responses=MovementOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        movement = self.stock_change(
            product=_product_by_sku(values["sku"]),
            warehouse=_warehouse(values["warehouse"]),
            quantity=values["quantity"],
            note=values["note"],
            by=request.user,
        )
        return Response(MovementOutput(movement).data, status=status.HTTP_201_CREATED)


class StockAdjustmentApi(StockReceiptApi):
    """A count correction, signed (-3 for three units found missing); the note says why."""

    stock_change = staticmethod(services.stock_adjust)


class StockTransferApi(APIView):
    """Move stock between warehouses: one ledger row out of the source and one into the destination."""

    permission_classes = [IsCompanyStaff]

    class InputSerializer(serializers.Serializer):
        sku = serializers.CharField()
        source = serializers.CharField()
        destination = serializers.CharField()
        quantity = serializers.IntegerField()
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=MovementOutput(many=True))
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        moved = services.stock_transfer(
            product=_product_by_sku(values["sku"]),
            source=_warehouse(values["source"], "source"),
            destination=_warehouse(values["destination"], "destination"),
            quantity=values["quantity"],
            note=values["note"],
            by=request.user,
        )
        return Response(MovementOutput(moved, many=True).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------------- tax, coupons


class TaxRateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    country = serializers.CharField()
    region = serializers.CharField()
    rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    name = serializers.CharField()
    is_active = serializers.BooleanField()


class TaxRateListApi(APIView):
    permission_classes = [IsCompanyStaff]

    class InputSerializer(serializers.Serializer):
        country = serializers.CharField(max_length=2)
        region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        rate = serializers.DecimalField(max_digits=6, decimal_places=4)
        name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        is_active = serializers.BooleanField(required=False, default=True)

    @extend_schema(responses=TaxRateOutput(many=True))
    def get(self, request):
        return _paginated(request, self, TaxRate.objects.order_by("country", "region", "id"), TaxRateOutput)

    @extend_schema(request=InputSerializer, responses=TaxRateOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tax_rate = services.tax_rate_create(**data.validated_data)
        return Response(TaxRateOutput(tax_rate).data, status=status.HTTP_201_CREATED)


class TaxRateDetailApi(APIView):
    """Change or remove a rate. Orders keep the rate they were taxed at, so neither touches a placed order."""

    permission_classes = [IsCompanyStaff]

    class InputSerializer(serializers.Serializer):
        rate = serializers.DecimalField(max_digits=6, decimal_places=4, required=False)
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
        return Response(TaxRateOutput(services.tax_rate_update(tax_rate=tax_rate, **data.validated_data)).data)

    @extend_schema(request=None, responses=None)
    def delete(self, request, pk: int):
        services.tax_rate_delete(tax_rate=get_object_or_404(TaxRate, pk=pk))
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


class CouponFields(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CouponKind.values)
    value = serializers.DecimalField(**MONEY)
    is_active = serializers.BooleanField(required=False)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    max_uses = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    min_subtotal = serializers.DecimalField(**MONEY, required=False)


class CouponListApi(APIView):
    permission_classes = [IsCompanyStaff]

    class InputSerializer(CouponFields):
        code = serializers.CharField(max_length=40)

    @extend_schema(responses=CouponOutput(many=True))
    def get(self, request):
        coupons = Coupon.objects.order_by("code", "id")
        if (active := request.query_params.get("active")) in ("true", "false"):
            coupons = coupons.filter(is_active=active == "true")
        return _paginated(request, self, coupons, CouponOutput)

    @extend_schema(request=InputSerializer, responses=CouponOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        coupon = services.coupon_create(**data.validated_data)
        return Response(CouponOutput(coupon).data, status=status.HTTP_201_CREATED)


class CouponDetailApi(APIView):
    """Change a coupon (not its code); delete one no order used (a used one is deactivated instead)."""

    permission_classes = [IsCompanyStaff]

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
        return Response(CouponOutput(services.coupon_update(coupon=coupon, **data.validated_data)).data)

    @extend_schema(request=None, responses=None)
    def delete(self, request, pk: int):
        services.coupon_delete(coupon=get_object_or_404(Coupon, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------------- settings


class CommerceSettingsApi(APIView):
    """The company's commerce settings, for its admins. The Stripe secret key is write-only: reads only say whether
    one is set and its last four characters."""

    permission_classes = [IsCompanyAdmin]

    class InputSerializer(serializers.Serializer):
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
        return Response(self.OutputSerializer(services.commerce_settings_get()).data)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(self.OutputSerializer(services.commerce_settings_update(**data.validated_data)).data)
