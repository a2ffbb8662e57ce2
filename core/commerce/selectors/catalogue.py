"""What is for sale, and the pictures the public may see."""

from __future__ import annotations

from django.db.models import QuerySet

from core.commerce.models import Product, ProductImage, ProductStatus


def products_for_sale() -> QuerySet[Product]:
    return Product.objects.filter(status=ProductStatus.ACTIVE).select_related("category")


def product_images_for_sale() -> QuerySet[ProductImage]:
    """Pictures the public may see: those of products for sale (a retired product's pictures stay private)."""
    return ProductImage.objects.filter(product__status=ProductStatus.ACTIVE).exclude(image="")


def product_first_images(*, product_ids: list[int]) -> dict[int, ProductImage]:
    """product id -> its first picture (lowest position), for a page of products in one query."""
    images = (
        product_images_for_sale()
        .filter(product_id__in=product_ids)
        .order_by("product_id", "position", "id")
        .distinct("product_id")
    )
    return {image.product_id: image for image in images}
