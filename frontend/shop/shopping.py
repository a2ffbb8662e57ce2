"""What every shop page needs: who is shopping (and at which price tier), the session cart of a distributor's shop
and its lines at the shopper's prices.

Who buys decides the price and whom the order credits (core.commerce.services.order_place): a customer of this
distributor buys at retail or preferred price; the distributor shopping on their own site buys for themself at the
distributor price (retail while the demotion policy suspends it). Visitors see retail and sign in or sign up as this
distributor's customer at checkout."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.accounts.models import Role
from core.accounts.selectors import actor_for
from core.commerce.models import PriceTier, Product
from core.commerce.pricing import q2
from core.commerce.selectors.catalogue import products_for_sale_by_sku
from core.commerce.services.catalogue import customer_price_tier, member_price_tier, unit_price_for
from core.members.models import Customer, Member
from frontend.common.replicated import site_context, site_root

CART_MAX_LINES = 50


@dataclass
class Shopper:
    """Whoever looks at a distributor's shop, and the price tier they buy at."""

    tier: str
    member: Member | None = None
    customer: Customer | None = None
    blocked: str = ""  # why this signed-in person cannot check out here


def shopper_for(request, owner: Member) -> Shopper:
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


def cart_lines(request, owner: Member, tier: str) -> tuple[list[CartLine], list[str]]:
    """The cart's lines at the shopper's prices; SKUs no longer for sale are dropped (and named)."""
    cart = cart_get(request, owner)
    products = products_for_sale_by_sku(skus=list(cart))
    lines, dropped = [], []
    for sku, quantity in cart.items():
        product = products.get(sku)
        if product is None:
            dropped.append(sku)
            continue
        price = unit_price_for(product=product, tier=tier)
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
        **extra,
    )
