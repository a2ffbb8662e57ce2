"""Company staff's commerce API under /api/v1/commerce/: the catalogue (products, categories, images), warehouses and
the stock ledger (tax rates, coupons and the commerce settings are in admin_settings.py). Reading the catalogue is
open to anyone signed in to the company (retired products only to staff); every write is staff-only. Objects of
another company are simply not there (404)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import HasCapability
from config.api.serializers import MONEY, STOCK_MOVE_MAX, Input
from core.commerce.apis.common import ProductOutput, paginated
from core.commerce.models import (
    MovementKind,
    Product,
    ProductCategory,
    ProductImage,
    Warehouse,
)
from core.commerce.selectors.catalogue import (
    categories_list,
    product_by_sku,
    product_category_by_slug,
    products_visible_to,
)
from core.commerce.selectors.stock import (
    stock_levels_by_codes,
    stock_movements_by_codes,
    warehouse_by_code,
    warehouses_list,
)
from core.commerce.services.catalogue import (
    product_category_create,
    product_category_rename,
    product_image_add,
    product_image_remove,
    product_retire,
    product_update,
)
from core.commerce.services.stock import stock_adjust, stock_receive, stock_transfer, warehouse_create, warehouse_update


def _product(request, sku: str) -> Product:
    return get_object_or_404(products_visible_to(user=request.user), sku__iexact=sku)


def _warehouse(code: str, field: str = "warehouse") -> Warehouse:
    warehouse = warehouse_by_code(code=code)
    if warehouse is None:
        raise ValidationError({field: [gettext("There is no warehouse '%(code)s'.") % {"code": code}]})
    return warehouse


def _product_by_sku(sku: str) -> Product:
    product = product_by_sku(sku=sku)
    if product is None:
        raise ValidationError({"sku": [gettext("There is no product with SKU '%(sku)s'.") % {"sku": sku}]})
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

    permission_classes = [HasCapability("catalogue.write")]

    class InputSerializer(Input):
        name = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
        category_slug = serializers.CharField(required=False, allow_blank=True, max_length=100)
        retail_price = serializers.DecimalField(**MONEY, required=False)
        preferred_price = serializers.DecimalField(**MONEY, required=False, allow_null=True)
        distributor_price = serializers.DecimalField(**MONEY, required=False)
        pv = serializers.DecimalField(**MONEY, required=False)
        cv = serializers.DecimalField(**MONEY, required=False)
        taxable = serializers.BooleanField(required=False)
        track_inventory = serializers.BooleanField(required=False)
        allow_backorder = serializers.BooleanField(required=False)
        low_stock_threshold = serializers.IntegerField(required=False, min_value=0, max_value=STOCK_MOVE_MAX)

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
                changes["category"] = product_category_by_slug(slug=slug)
                if changes["category"] is None:
                    raise ValidationError(
                        {"category_slug": [gettext("There is no category '%(slug)s'.") % {"slug": slug}]}
                    )
        return Response(ProductDetailOutput(product_update(product=product, **changes)).data)


class ProductRetireApi(APIView):
    """Retire a product: it stays on past orders and can no longer be ordered (products are never deleted)."""

    permission_classes = [HasCapability("catalogue.write")]

    @extend_schema(request=None, responses=ProductDetailOutput)
    def post(self, request, sku: str):
        return Response(ProductDetailOutput(product_retire(product=_product(request, sku))).data)


class ProductImageListApi(APIView):
    """Staff upload an image (multipart: image, alt_text, position)."""

    permission_classes = [HasCapability("catalogue.write")]

    class InputSerializer(Input):
        image = serializers.ImageField()
        alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        position = serializers.IntegerField(min_value=0, max_value=32_767, required=False)

    @extend_schema(request=InputSerializer, responses=ImageOutput)
    def post(self, request, sku: str):
        product = _product(request, sku)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = product_image_add(product=product, **data.validated_data)
        return Response(ImageOutput(image, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ProductImageDetailApi(APIView):
    permission_classes = [HasCapability("catalogue.write")]

    @extend_schema(request=None, responses=None)
    def delete(self, request, sku: str, pk: int):
        image = get_object_or_404(ProductImage, pk=pk, product=_product(request, sku))
        product_image_remove(image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class CategoryListApi(APIView):
    permission_classes = [HasCapability("catalogue.write")]

    class InputSerializer(Input):
        name = serializers.CharField(max_length=100)
        slug = serializers.SlugField(max_length=100)

    @extend_schema(responses=CategoryOutput(many=True))
    def get(self, request):
        return paginated(request, self, categories_list(), CategoryOutput)

    @extend_schema(request=InputSerializer, responses=CategoryOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        category = product_category_create(**data.validated_data)
        return Response(CategoryOutput(category).data, status=status.HTTP_201_CREATED)


class CategoryDetailApi(APIView):
    """Rename a category (categories are kept: products point at them)."""

    permission_classes = [HasCapability("catalogue.write")]

    class InputSerializer(Input):
        name = serializers.CharField(max_length=100)

    @extend_schema(request=InputSerializer, responses=CategoryOutput)
    def patch(self, request, pk: int):
        category = get_object_or_404(ProductCategory, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CategoryOutput(product_category_rename(category=category, **data.validated_data)).data)


# ---------------------------------------------------------------------------------------------------- stock


class WarehouseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField()
    is_active = serializers.BooleanField()


class WarehouseListApi(APIView):
    permission_classes = [HasCapability("stock.write", read="console.read")]

    class InputSerializer(Input):
        code = serializers.CharField(max_length=20)
        name = serializers.CharField(max_length=200)
        country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")

    @extend_schema(responses=WarehouseOutput(many=True))
    def get(self, request):
        return paginated(request, self, warehouses_list(), WarehouseOutput)

    @extend_schema(request=InputSerializer, responses=WarehouseOutput)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        warehouse = warehouse_create(**data.validated_data)
        return Response(WarehouseOutput(warehouse).data, status=status.HTTP_201_CREATED)


class WarehouseDetailApi(APIView):
    permission_classes = [HasCapability("stock.write")]

    class InputSerializer(Input):
        name = serializers.CharField(max_length=200, required=False)
        country = serializers.CharField(max_length=2, required=False, allow_blank=True)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(request=InputSerializer, responses=WarehouseOutput)
    def patch(self, request, code: str):
        warehouse = get_object_or_404(Warehouse, code__iexact=code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(WarehouseOutput(warehouse_update(warehouse=warehouse, **data.validated_data)).data)


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

    permission_classes = [HasCapability(read="console.read")]

    @extend_schema(responses=StockLevelOutput(many=True))
    def get(self, request):
        params = request.query_params
        levels = stock_levels_by_codes(sku=params.get("sku", ""), warehouse=params.get("warehouse", ""))
        return paginated(request, self, levels, StockLevelOutput)


class StockMovementListApi(APIView):
    """The movement ledger, newest first (?sku=, ?warehouse=, ?kind=receipt|sale|return|adjustment|transfer)."""

    permission_classes = [HasCapability(read="console.read")]

    @extend_schema(responses=MovementOutput(many=True))
    def get(self, request):
        params = request.query_params
        if (kind := params.get("kind", "")) and kind not in MovementKind.values:
            raise ValidationError(
                {"kind": [gettext("Choose one of %(choices)s.") % {"choices": ", ".join(MovementKind.values)}]}
            )
        movements = stock_movements_by_codes(
            sku=params.get("sku", ""), warehouse=params.get("warehouse", ""), kind=kind
        )
        return paginated(request, self, movements, MovementOutput)


class StockReceiptApi(APIView):
    """Goods received into a warehouse (a positive quantity)."""

    permission_classes = [HasCapability("stock.write")]

    class InputSerializer(Input):
        sku = serializers.CharField(max_length=40)
        warehouse = serializers.CharField(max_length=20)
        quantity = serializers.IntegerField(min_value=-STOCK_MOVE_MAX, max_value=STOCK_MOVE_MAX)
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    stock_change = staticmethod(stock_receive)

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

    stock_change = staticmethod(stock_adjust)


class StockTransferApi(APIView):
    """Move stock between warehouses: one ledger row out of the source and one into the destination."""

    permission_classes = [HasCapability("stock.write")]

    class InputSerializer(Input):
        sku = serializers.CharField(max_length=40)
        source = serializers.CharField(max_length=20)
        destination = serializers.CharField(max_length=20)
        quantity = serializers.IntegerField(min_value=1, max_value=STOCK_MOVE_MAX)
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=MovementOutput(many=True))
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        moved = stock_transfer(
            product=_product_by_sku(values["sku"]),
            source=_warehouse(values["source"], "source"),
            destination=_warehouse(values["destination"], "destination"),
            quantity=values["quantity"],
            note=values["note"],
            by=request.user,
        )
        return Response(MovementOutput(moved, many=True).data, status=status.HTTP_201_CREATED)
