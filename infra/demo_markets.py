"""The demo company's Spanish market (issue 19): an ES market in EUR with prices that include 21 % VAT, its own price
list (the recipe book has no Spanish edition, so it shows as unavailable there), shipping in euros, and a few Spanish
distributors and customers under Jane with paid orders in euros. Idempotent: does nothing once the market exists.

Lucía signs in to her back office at lucia@acme.example / lucia-demo-2026; a visitor sees euro prices on Jane's shop
by choosing "España (EUR)" in the market selector (or with a browser set to es-ES)."""

from __future__ import annotations

from decimal import Decimal

SPANISH_LOGIN = ("lucia@acme.example", "lucia-demo-2026")
# sku -> retail, distributor, preferred (EUR, VAT included); BOOK is not sold in Spain
ES_PRICES = {
    "GREENS": ("54.90", "41.90", "48.90"),
    "SHAKE": ("45.90", "36.50", "40.90"),
    "OMEGA": ("29.90", "22.50", "25.90"),
    "SLEEP": ("21.90", "16.90", "19.50"),
    "KIT": ("139.00", "119.00", "129.00"),
}
# username, first name, last name, city, postal code, street
SPANISH_MEMBERS = [
    ("lucia", "Lucía", "García Fernández", "Madrid", "28013", "Calle Mayor 12"),
    ("javier", "Javier", "Martínez López", "Barcelona", "08002", "Carrer de Ferran 7"),
    ("carmen", "Carmen", "Sánchez Ruiz", "Valencia", "46002", "Calle de la Paz 21"),
    ("alejandro", "Alejandro", "Gómez Díaz", "Sevilla", "41004", "Calle Sierpes 40"),
]
SPANISH_CUSTOMERS = [
    ("Marta", "Romero Gil", "Madrid", "28004", "Calle de Fuencarral 88"),
    ("Pablo", "Navarro Torres", "Zaragoza", "50001", "Paseo de la Independencia 3"),
    ("Elena", "Molina Ortega", "Bilbao", "48001", "Gran Vía 19"),
]


def demo_markets_ensure() -> bool:
    """Add the ES market and its people (inside the company's schema). False when it is already there."""
    from core.accounts.models import User
    from core.commerce.addresses import Address
    from core.commerce.models import PlacedBy, Product, TaxRate
    from core.commerce.services.market_prices import PriceEntry, market_price_set
    from core.commerce.services.orders import Destination, LineRequest, order_place
    from core.commerce.services.payments import order_pay_offline
    from core.commerce.services.shipping import shipping_method_create
    from core.commerce.services.tax import tax_rate_create
    from core.company.models import Market
    from core.company.services import market_create
    from core.members.models import Member
    from core.members.services.customers import customer_create
    from core.members.services.enrolment import member_enroll
    from core.members.services.profiles import member_profile_update

    if Market.objects.filter(code="ES").exists():
        return False
    jane = Member.objects.filter(username="jane").first()
    if jane is None:
        return False
    spain = market_create(
        code="ES", name="España", countries=["ES"], currency="EUR", language="es", prices_include_tax=True
    )
    for product in Product.objects.filter(sku__in=list(ES_PRICES)):
        market_price_set(market=spain, product=product, entry=PriceEntry(*ES_PRICES[product.sku]))
    if not TaxRate.objects.filter(country="ES", is_active=True).exists():
        tax_rate_create(country="ES", region="", rate=Decimal("0.2100"), name="IVA")
    standard = shipping_method_create(
        country="ES", name="Estándar (2-4 días laborables)", fee=Decimal("4.95"), market=spain
    )
    shipping_method_create(country="ES", name="Urgente (24 h)", fee=Decimal("9.95"), sort_order=1, market=spain)
    admin = User.objects.filter(email="admin@acme.example").first()
    for i, (username, first, last, city, postal, street) in enumerate(SPANISH_MEMBERS):
        member = member_enroll(
            sponsor=jane,
            username=username,
            email=f"{username}@acme.example",
            first_name=first,
            last_name=last,
            password=SPANISH_LOGIN[1] if i == 0 else None,
            country="ES",
        )
        member_profile_update(member=member, changes={"address_line1": street, "city": city, "postal_code": postal})
        User.objects.filter(pk=member.user_id).update(language="es")
        home = Address(name=f"{first} {last}", line1=street, city=city, postal_code=postal, country="ES")
        order = order_place(
            lines=[LineRequest(sku="SHAKE", quantity=1), LineRequest(sku="GREENS", quantity=1)],
            placed_by=PlacedBy.DISTRIBUTOR,
            buyer_member=member,
            destination=Destination(ship=home, bill=home, method=standard),
        )
        order_pay_offline(order=order, method="other", reference=f"Transferencia ES-{i + 1}", by=admin)
    lucia = Member.objects.get(username="lucia")
    for first, last, city, postal, street in SPANISH_CUSTOMERS:
        customer = customer_create(
            distributor=lucia,
            email=f"{first.lower()}.{last.split()[0].lower()}@example.es",
            first_name=first,
            last_name=last,
            country="ES",
            with_login=False,
        )
        home = Address(name=f"{first} {last}", line1=street, city=city, postal_code=postal, country="ES")
        order = order_place(
            lines=[LineRequest(sku="SLEEP", quantity=2)],
            placed_by=PlacedBy.CUSTOMER,
            buyer_customer=customer,
            destination=Destination(ship=home, bill=home, method=standard),
        )
        order_pay_offline(order=order, method="other", reference=f"Transferencia C-{customer.number}", by=admin)
    return True
