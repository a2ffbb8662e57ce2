"""The company site as a storefront: whom a visitor's purchase is credited to, and what the home page shows.

How the company site's shop relates to the replicated shops: the company site has no cart of its own. Its "Shop"
link, its featured products and its "join" / "become a customer" calls go to the replicated site of the distributor
the visit is credited to (``shop_attribution``: the one the visitor picked under "Find a distributor", else the one
whose replicated site they came from — the referral cookie, 30 days, ``frontend.common.replicated`` — else the
company's house account). Checkout there credits that distributor, as every replicated shop does."""

from __future__ import annotations

from core.commerce.selectors.catalogue import product_first_images, products_featured
from core.commerce.selectors.stock import stock_states
from core.commerce.services.catalogue import unit_prices_in
from core.communications.selectors import company_pages_published
from core.company.services import company_settings_get
from core.members.models import Member
from core.members.selectors import Attribution, shop_attribution
from frontend.common.replicated import referral_username
from frontend.shop.shopping import shopper_for

PICKED_SESSION_KEY = "shop:picked"


def attribution_for(request) -> Attribution:
    return shop_attribution(picked=request.session.get(PICKED_SESSION_KEY, ""), referred_by=referral_username(request))


def distributor_pick(request, member: Member) -> None:
    """The visitor chose ``member`` under "Find a distributor": that choice wins over any referral (session-long)."""
    request.session[PICKED_SESSION_KEY] = member.username


def home_context(request, **extra) -> dict:
    """The company home: featured products priced for the visitor, and whom they shop with."""
    attribution = attribution_for(request)
    seller = attribution.member
    featured = products_featured() if seller is not None else []
    if seller is not None and featured:
        shopper = shopper_for(request, seller)
        pictures = product_first_images(product_ids=[p.pk for p in featured])
        states = stock_states(products=featured)
        prices = unit_prices_in(market=shopper.market, products=featured, tier=shopper.tier)
        for product in featured:
            product.shop_price = prices[product.pk]  # None: not sold in the visitor's market
            product.shop_picture = pictures.get(product.pk)
            product.stock = states[product.pk]
    return {
        "pages": company_pages_published(),
        "site_root": "",
        "attribution": attribution,
        "seller": seller,
        "seller_root": f"/{seller.username}" if seller is not None else "",
        "featured": featured,
        "shop_currency": shopper.currency if seller is not None and featured else company_settings_get().currency,
        **extra,
    }
