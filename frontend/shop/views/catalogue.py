"""The replicated site's shop: the catalogue (categories, search, paged) and the product pages, at the right price
for whoever looks, and the product pictures. Visiting a shop remembers its distributor as the visitor's referrer
(frontend.common.replicated.referral_remember)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

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
from core.commerce.services.catalogue import unit_prices_in
from core.company.selectors import market_by_code
from core.members.selectors import replicated_site_owner
from frontend.common.paging import paginate
from frontend.common.replicated import referral_remember, site_root
from frontend.shop.shopping import MARKET_SESSION_KEY, shop_context, shopper_for

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
    prices = unit_prices_in(market=shopper.market, products=page.object_list, tier=shopper.tier)
    for product in page.object_list:
        product.shop_price = prices[product.pk]  # None: not sold in the shopper's market
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
        price=unit_prices_in(market=shopper.market, products=[product], tier=shopper.tier)[product.pk],
        gallery=product_gallery(product=product),
        stock=stock_states(products=[product])[product.pk],
    )
    return referral_remember(request, render(request, "shop/product.html", context), owner)


@require_POST
def market_choose(request, username: str):
    """A visitor picks the market they shop in (the selector on the shop's pages): kept in the session; its prices
    and currency apply from the next page on. The company's default is the empty choice; an unknown code is
    ignored."""
    owner = replicated_site_owner(username=username)
    if owner is None:
        return redirect("company-home")
    code = request.POST.get("market", "")[:20]
    market = market_by_code(code=code) if code else None
    if code and market is None:
        messages.error(request, _("Choose a market from the list."))
    else:
        request.session[MARKET_SESSION_KEY] = market.code if market is not None else ""
    back = request.POST.get("back", "")
    safe = back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    return redirect(back if safe else f"{site_root(request, owner)}/shop/")


def product_image(request, image_id: int):
    """A product picture on the company's own domain, for anyone: only pictures of products for sale."""
    image = get_object_or_404(product_images_for_sale(), pk=image_id)
    response = FileResponse(image.image.open("rb"))
    response["Cache-Control"] = "public, max-age=3600"
    return response
