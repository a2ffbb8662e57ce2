"""What every shop page needs: who is shopping (and at which price tier), the session cart of a distributor's shop
and its lines at the shopper's prices.

Who buys decides the price and whom the order credits (core.commerce.services.order_place): a customer of this
distributor buys at retail or preferred price; the distributor shopping on their own site buys for themself at the
distributor price (retail while the demotion policy suspends it). Visitors see retail and sign in or sign up as this
distributor's customer at checkout.

Where they buy decides the price list and the currency (issue 19, docs/markets.md): a signed-in member or customer
shops in their own market; a visitor in the market they chose in the shop's selector (kept in the session), else the
market of the country their browser names (Accept-Language "es-ES" -> ES), else the company's default (no market:
the base currency and the products' own prices)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.accounts.models import Role
from core.accounts.selectors import actor_for
from core.commerce.models import PriceTier, Product
from core.commerce.pricing import q2
from core.commerce.selectors.catalogue import products_for_sale_by_sku
from core.commerce.services.catalogue import customer_price_tier, member_price_tier, unit_prices_in
from core.company.models import Market
from core.company.selectors import market_by_code, market_for_country, markets_active
from core.company.services import company_settings_get
from core.members.models import Customer, Member
from frontend.common.replicated import site_context, site_root

CART_MAX_LINES = 50


@dataclass
class Shopper:
    """Whoever looks at a distributor's shop, the price tier they buy at and the market they buy in."""

    tier: str
    member: Member | None = None
    customer: Customer | None = None
    blocked: str = ""  # why this signed-in person cannot check out here
    market: Market | None = None
    market_chosen: bool = False  # a visitor who may pick the market (signed-in people shop in their own)

    @property
    def currency(self) -> str:
        return self.market.currency if self.market is not None else company_settings_get().currency


MARKET_SESSION_KEY = "shop_market"  # the code of the market a visitor chose; "" for the company's default


def browser_country(request) -> str:
    """The country the browser's preferred language names ("es-ES" -> "ES"), or "" when it names none."""
    for part in request.META.get("HTTP_ACCEPT_LANGUAGE", "").split(",")[:5]:
        tag = part.split(";")[0].strip().replace("_", "-")
        pieces = tag.split("-")
        if len(pieces) >= 2 and len(pieces[-1]) == 2 and pieces[-1].isalpha():
            return pieces[-1].upper()
    return ""


def visitor_market(request) -> Market | None:
    """A visitor's market: the one chosen in the selector, else the one of the browser's country, else none."""
    if MARKET_SESSION_KEY in request.session:
        code = request.session[MARKET_SESSION_KEY]
        return market_by_code(code=code) if code else None
    return market_for_country(country=browser_country(request))


def shopper_for(request, owner: Member) -> Shopper:
    shopper = _shopper_for(request, owner)
    if request.user.is_authenticated:
        person = shopper.customer or shopper.member
        shopper.market = person.market if person is not None else None
    else:
        shopper.market, shopper.market_chosen = visitor_market(request), True
    return shopper


def _shopper_for(request, owner: Member) -> Shopper:
    actor = actor_for(request.user)
    if not request.user.is_authenticated:
        return Shopper(tier=PriceTier.RETAIL)
    if actor.role == Role.CUSTOMER:
        customer = actor.customer
        if customer is None:
            return Shopper(tier=PriceTier.RETAIL, blocked=_("Your account has no customer record with this company."))
        if customer.distributor_id != owner.pk:
            return Shopper(
                tier=customer_price_tier(customer),
                customer=customer,
                blocked=_("You are a customer of %(name)s: please order on their site, /%(username)s/shop/.")
                % {"name": customer.distributor.full_name, "username": customer.distributor.username},
            )
        return Shopper(tier=customer_price_tier(customer), customer=customer)
    if actor.role == Role.DISTRIBUTOR:
        member = actor.member
        if member is not None and member.pk == owner.pk:
            return Shopper(tier=member_price_tier(member), member=member)
        return Shopper(
            tier=PriceTier.RETAIL,
            blocked=_("This is another distributor's shop. Shop for yourself from your back office."),
        )
    return Shopper(tier=PriceTier.RETAIL, blocked=_("Company staff place orders from the console or the API."))


def cart_key(owner: Member) -> str:
    return f"cart:{owner.pk}"


def cart_get(request, owner: Member) -> dict[str, int]:
    return dict(request.session.get(cart_key(owner), {}))


def cart_save(request, owner: Member, cart: dict[str, int]) -> None:
    request.session[cart_key(owner)] = {sku: qty for sku, qty in cart.items() if qty > 0}


@dataclass
class CartLine:
    product: Product
    quantity: int
    unit_price: Decimal
    subtotal: Decimal


def cart_lines(request, owner: Member, shopper: Shopper) -> tuple[list[CartLine], list[str]]:
    """The cart's lines at the shopper's prices in their market; SKUs no longer for sale, or not sold in the
    shopper's market, are dropped (and named)."""
    cart = cart_get(request, owner)
    products = products_for_sale_by_sku(skus=list(cart))
    prices = unit_prices_in(market=shopper.market, products=products.values(), tier=shopper.tier)
    lines, dropped = [], []
    for sku, quantity in cart.items():
        product = products.get(sku)
        price = prices.get(product.pk) if product is not None else None
        if product is None or price is None:
            dropped.append(sku)
            continue
        lines.append(CartLine(product=product, quantity=quantity, unit_price=price, subtotal=q2(price * quantity)))
    if dropped:
        cart_save(request, owner, {sku: qty for sku, qty in cart.items() if sku not in dropped})
    return lines, dropped


def shop_context(request, owner: Member, shopper: Shopper, **extra) -> dict:
    """PV is for distributors (``show_pv``): shoppers see prices only."""
    return site_context(
        request,
        owner,
        shopper=shopper,
        cart_count=sum(cart_get(request, owner).values()),
        tier_label=PriceTier(shopper.tier).label,
        show_pv=actor_for(request.user).role == Role.DISTRIBUTOR,
        shop_root=site_root(request, owner),
        shop_currency=shopper.currency,
        markets=list(markets_active()) if shopper.market_chosen else [],
        **extra,
    )
