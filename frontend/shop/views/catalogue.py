"""The replicated site's shop: the catalogue (categories, search, paged) and the product pages, at the right price
for whoever looks, and the product pictures. Visiting a shop remembers its distributor as the visitor's referrer
(frontend.common.replicated.referral_remember)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.commerce.selectors.catalogue import (
    SEARCH_QUERY_MAX,
    categories_for_sale,
    product_category_by_slug,
    product_first_images,
    product_for_sale,
    product_gallery,
    product_images_for_sale,
    products_for_sale_search,
)
from core.commerce.selectors.stock import stock_states
from core.commerce.services.catalogue import unit_price_for
from core.members.selectors import replicated_site_owner
from frontend.common.paging import paginate
from frontend.common.replicated import referral_remember
from frontend.shop.shopping import shop_context, shopper_for

SHOP_PAGE = 24


def catalogue(request, username: str):
    owner = replicated_site_owner(username=username)
    if owner is None:
        return redirect("company-home")
    shopper = shopper_for(request, owner)
    query = request.GET.get("q", "").strip()[:SEARCH_QUERY_MAX]
    category = product_category_by_slug(slug=request.GET.get("category", "")[:100])
    context = paginate(request, products_for_sale_search(query=query, category=category), SHOP_PAGE)
    page = context["page_obj"]
    page.object_list = list(page.object_list)
    pictures = product_first_images(product_ids=[product.pk for product in page.object_list])
    states = stock_states(products=page.object_list)
    for product in page.object_list:
        product.shop_price = unit_price_for(product=product, tier=shopper.tier)
        product.shop_picture = pictures.get(product.pk)
        product.stock = states[product.pk]
    response = render(
        request,
        "shop/shop.html",
        shop_context(request, owner, shopper, q=query, category=category, categories=categories_for_sale(), **context),
    )
    return referral_remember(request, response, owner)


def product_detail(request, username: str, product_id: int):
    """One product: its pictures, description, price for this shopper, stock state, and "add to cart"."""
    owner = replicated_site_owner(username=username)
    if owner is None:
        return redirect("company-home")
    product = product_for_sale(product_id=product_id)
    if product is None:
        raise Http404(_("This product is not for sale."))
    shopper = shopper_for(request, owner)
    context = shop_context(
        request,
        owner,
        shopper,
        product=product,
        price=unit_price_for(product=product, tier=shopper.tier),
        gallery=product_gallery(product=product),
        stock=stock_states(products=[product])[product.pk],
    )
    return referral_remember(request, render(request, "shop/product.html", context), owner)


def product_image(request, image_id: int):
    """A product picture on the company's own domain, for anyone: only pictures of products for sale."""
    image = get_object_or_404(product_images_for_sale(), pk=image_id)
    response = FileResponse(image.image.open("rb"))
    response["Cache-Control"] = "public, max-age=3600"
    return response
