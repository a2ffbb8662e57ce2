"""The replicated site's shop catalogue, at the right price for whoever looks, and the product pictures."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.commerce.selectors.catalogue import product_first_images, product_images_for_sale, products_for_sale_search
from core.commerce.services.catalogue import unit_price_for
from core.members.selectors import replicated_site_owner
from frontend.common.paging import paginate
from frontend.shop.shopping import shop_context, shopper_for


def catalogue(request, username: str):
    owner = replicated_site_owner(username=username)
    if owner is None:
        return redirect("company-home")
    shopper = shopper_for(request, owner)
    query = request.GET.get("q", "").strip()
    context = paginate(request, products_for_sale_search(query=query), 24)
    page = context["page_obj"]
    page.object_list = list(page.object_list)
    pictures = product_first_images(product_ids=[product.pk for product in page.object_list])
    for product in page.object_list:
        product.shop_price = unit_price_for(product=product, tier=shopper.tier)
        product.shop_picture = pictures.get(product.pk)
    return render(request, "shop/shop.html", shop_context(request, owner, shopper, q=query, **context))


def product_image(request, image_id: int):
    """A product picture on the company's own domain, for anyone: only pictures of products for sale."""
    image = get_object_or_404(product_images_for_sale(), pk=image_id)
    response = FileResponse(image.image.open("rb"))
    response["Cache-Control"] = "public, max-age=3600"
    return response
