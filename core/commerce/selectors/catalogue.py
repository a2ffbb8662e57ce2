"""What is for sale, and the pictures the public may see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from core.accounts.models import User
from core.accounts.selectors import actor_for
from core.commerce.models import (
    Product,
    ProductCategory,
    ProductImage,
    ProductStatus,
)


def products_for_sale() -> QuerySet[Product]:
    return Product.objects.filter(status=ProductStatus.ACTIVE).select_related("category")


def enrolment_packs() -> QuerySet[Product]:
    """The packs offered to new distributors when they join: products for sale flagged as enrolment packs."""
    return products_for_sale().filter(enrolment_pack=True).order_by("distributor_price", "name")


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


SEARCH_QUERY_MAX = 100  # characters of a shop search; longer input is cut, never an error


def products_for_sale_search(*, query: str = "", category: ProductCategory | None = None) -> QuerySet[Product]:
    """The shop's catalogue: products for sale by name or description, or the one whose SKU is ``query``; only
    ``category``'s when one is given."""
    products = products_for_sale().order_by("name", "sku")
    if category is not None:
        products = products.filter(category=category)
    query = (query or "").strip()[:SEARCH_QUERY_MAX]
    if query:
        products = products.filter(Q(name__icontains=query) | Q(description__icontains=query) | Q(sku__iexact=query))
    return products


def product_for_sale(*, product_id: int) -> Product | None:
    return products_for_sale().filter(pk=product_id).first()


def products_featured(*, limit: int = 8) -> list[Product]:
    """The company site's featured products (``featured``, for sale), at most ``limit``."""
    return list(products_for_sale().filter(featured=True).order_by("name", "sku")[:limit])


def product_gallery(*, product: Product) -> list[ProductImage]:
    """Every picture the public may see of ``product``, in the console's order."""
    return list(product_images_for_sale().filter(product=product).order_by("position", "id"))


def categories_for_sale() -> QuerySet[ProductCategory]:
    """Categories holding at least one product for sale: the shop's category links."""
    return ProductCategory.objects.filter(product__status=ProductStatus.ACTIVE).distinct().order_by("name", "id")


def products_for_sale_by_sku(*, skus: list[str]) -> dict[str, Product]:
    return {product.sku: product for product in products_for_sale().filter(sku__in=skus)}


def products_all() -> QuerySet[Product]:
    return Product.objects.select_related("category").order_by("sku")


def product_list(*, query: str = "", status: str = "") -> QuerySet[Product]:
    """The console's products: SKU or name containing ``query``, in ``status``."""
    found = products_all()
    if query:
        found = found.filter(Q(sku__icontains=query) | Q(name__icontains=query))
    return found.filter(status=status) if status else found


def products_visible_to(*, user: User | AnonymousUser) -> QuerySet[Product]:
    """The API's products for ``user``: staff see every product, anyone else only those for sale."""
    products = Product.objects.select_related("category")
    if not actor_for(user).is_company_staff:
        products = products.filter(status=ProductStatus.ACTIVE)
    return products


def product_by_sku(*, sku: str) -> Product | None:
    return Product.objects.filter(sku__iexact=sku.strip()).first()


def product_images(*, product: Product) -> list[ProductImage]:
    return list(product.images.order_by("position", "id"))


def product_image_get(*, product_id: int, image_id: int) -> ProductImage | None:
    return ProductImage.objects.filter(pk=image_id, product_id=product_id).first()


def categories_list() -> QuerySet[ProductCategory]:
    return ProductCategory.objects.order_by("name", "id")


def product_category_by_slug(*, slug: str) -> ProductCategory | None:
    return ProductCategory.objects.filter(slug=slug).first()


def products_in_category(*, category: ProductCategory) -> QuerySet[Product]:
    return Product.objects.filter(category=category).order_by("sku")
