"""The demo company's data: a realistic organisation and three months of business, made through the same services
the product uses (imports, orders, card payments, shipments, stock, refunds, commission runs, payouts, the demotion
evaluation), so the demo shows real behaviour with real dates.

* about 2,000 distributors in a recruiting tree with long chains (infra.demo_people: ordinary names, home addresses
  in real cities, more people joining each month), 800 customers, six products in one warehouse;
* three calendar months (the current one included) replayed day by day with the clock at each moment
  (infra.demo_history): stock deliveries, orders placed, paid by card and shipped, a few declined cards, a few orders
  awaiting payment or shipping, three refunds (one clawed back from a posted month); back-office fees paid monthly;
* the unilevel plan active; each finished month closed, previewed, approved and posted, the first one paid out, the
  current one previewed;
* the demotion evaluation of the last 90 days (every day) and today, so the policy's stages fill over time and the
  as-of report's chart shows them;
* company pages, an announcement and training material.

Random but repeatable (fixed seed). Run inside the company's schema (``schema_context``).
"""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.utils import timezone

from infra.demo_history import history_replay
from infra.demo_people import business_start, people_create
from infra.demo_plan import LOW_STOCK_THRESHOLD

MEMBERS = 2000
CUSTOMERS = 800
MONTHS = 3
DEMOTION_HISTORY_DAYS = 90  # the demotion report's chart spans 90 days
DEMOTION_HISTORY_STEP = 1  # evaluate every day: each notice on its own day, as the daily job does
PRODUCTS = [
    # sku, name, retail, preferred, distributor, pv, cv
    ("GREENS", "Daily Greens", "59.00", "52.00", "45.00", "45", "40"),
    ("SHAKE", "Protein Shake", "49.00", "44.00", "39.00", "35", "32"),
    ("OMEGA", "Omega Softgels", "32.00", "28.00", "24.00", "20", "18"),
    ("SLEEP", "Calm Sleep Tea", "24.00", "21.00", "18.00", "12", "10"),
    ("KIT", "Starter Kit", "149.00", "139.00", "129.00", "100", "80"),
    ("BOOK", "Wellness Recipe Book", "19.00", "19.00", "15.00", "0", "5"),
]
# The storefront: category, featured on the home page, picture colour, description (sku -> ...).
CATEGORIES = {"nutrition": "Nutrition", "tea": "Teas", "kits": "Kits and books"}
STOREFRONT = {
    "GREENS": (
        "nutrition",
        True,
        (76, 140, 74),
        "Eleven greens, vegetables and sea plants in one scoop. Stir into "
        "water or a smoothie each morning.\n\n30 servings, vegan, no added sugar.",
    ),
    "SHAKE": (
        "nutrition",
        True,
        (196, 150, 96),
        "A creamy plant-protein shake with 20 g of protein per serving and a natural vanilla taste.\n\n15 servings.",
    ),
    "OMEGA": (
        "nutrition",
        True,
        (221, 170, 51),
        "Omega-3 from sustainably caught fish, in small easy softgels.\n\n60 softgels, one month's supply.",
    ),
    "SLEEP": (
        "tea",
        True,
        (123, 104, 170),
        "Chamomile, lemon balm and lavender: a caffeine-free tea for the end of the day.\n\n20 tea bags.",
    ),
    "KIT": (
        "kits",
        False,
        (47, 111, 78),
        "Everything a new distributor needs: one of each product, samples to share and the business guide.",
    ),
    "BOOK": ("kits", False, (180, 82, 60), "Fifty quick recipes built around our products, with a two-week meal plan."),
}


def demo_company_populate(
    *,
    now: datetime.datetime | None = None,
    members: int = MEMBERS,
    customers: int = CUSTOMERS,
    log=print,
) -> bool:
    """Fill the current company with demo data, its history ending at ``now`` (default: now). Does nothing (returns
    False) when it already has members."""
    from core.commerce.selectors.periods import company_date
    from core.commerce.services.stock import warehouse_create
    from core.members.models import Member

    if Member.objects.exists():
        return False
    now = now or timezone.now()
    today = company_date(now)
    first_day = _business_start(today)
    rng = random.Random(2026)
    log("  catalogue, warehouse, shipping and settings…")
    warehouse_create(code="MAIN", name="Main warehouse, Austin TX", country="US")
    _catalogue()
    demo_checkout_ensure()
    log(f"  {members:,} distributors and {customers:,} customers…")
    people_create(rng, members=members, customers=customers, first_day=first_day, today=today)
    stopped_after = _stopped(rng, first_day)
    _fees(rng, today, stopped_after)
    log(f"  {MONTHS} months of business: stock, orders, payments, shipments, refunds, commission periods…")
    history_replay(rng, now=now, first_day=first_day, stopped_after=stopped_after, log=log)
    log(f"  demotion policy evaluation of the last {DEMOTION_HISTORY_DAYS} days…")
    _demotion_history(today)
    _content()
    return True


def _business_start(today: datetime.date) -> datetime.date:
    """The first day of the demo's order history: the day the company moved onto Canopy."""
    return business_start(today, MONTHS)


def _stopped(rng: random.Random, first_day: datetime.date) -> dict[int, datetime.date]:
    """One member in eight stopped at some point (the demotion policy has something to do); the rest stay active."""
    from core.members.models import Member

    return {
        pk: first_day + datetime.timedelta(days=rng.randint(-250, MONTHS * 30))
        for pk in Member.objects.order_by("number").values_list("pk", flat=True)
        if rng.random() < 0.12
    }


def _fees(rng: random.Random, today: datetime.date, stopped_after: dict[int, datetime.date]) -> None:
    """The monthly back-office fee, from joining until the member stopped; a few recent cards declined."""
    from core.commerce.models import AttemptOutcome, SubscriptionAttempt
    from core.members.models import Member

    attempts = []
    for member in Member.objects.order_by("number"):
        due = member.joined_at.date()
        last_active = min(today, stopped_after.get(member.pk, today))
        while due <= last_active:
            at = datetime.datetime.combine(due, datetime.time(9), tzinfo=datetime.UTC)
            declined = due > today - datetime.timedelta(days=20) and rng.random() < 0.04
            attempts.append(
                SubscriptionAttempt(
                    member=member,
                    due_on=due,
                    attempted_at=at,
                    amount=Decimal("19.95"),
                    outcome=AttemptOutcome.DECLINED if declined else AttemptOutcome.PAID,
                    failure_code="card_declined" if declined else "",
                )
            )
            due += datetime.timedelta(days=30)
    SubscriptionAttempt.objects.bulk_create(attempts, batch_size=2000)


def _demotion_history(today: datetime.date) -> None:
    """Evaluate the past days in order, as the daily job would have, so the recorded history (the as-of report and
    its chart) shows members entering the stages over time instead of everyone on the last day.

    The members came over by import on the day the demo's business starts (not today, when the demo ran the
    import): the policy counts from the import, and the orders and fees before that day are not in the system."""
    from core.demotion.services.evaluation import evaluate_day
    from core.members.models import Member

    moved_in = datetime.datetime.combine(_business_start(today), datetime.time(0), tzinfo=datetime.UTC)
    Member.objects.filter(imported_at__isnull=False).update(imported_at=moved_in)
    day = today - datetime.timedelta(days=DEMOTION_HISTORY_DAYS)
    while day < today:
        evaluate_day(day=day, send_notices=False)
        day += datetime.timedelta(days=DEMOTION_HISTORY_STEP)
    evaluate_day(day=today, send_notices=False)


def demo_checkout_ensure() -> bool:
    """Shipping methods and a sales-tax rate, so a visitor can check out on a fresh or an older demo (checkout offers
    only the methods the company configured). Does nothing (returns False) when the company has any method."""
    from core.commerce.models import ShippingMethod, TaxRate
    from core.commerce.services.shipping import shipping_method_create
    from core.commerce.services.tax import tax_rate_create

    if ShippingMethod.objects.exists():
        return False
    shipping_method_create(country="US", name="Standard (3-5 business days)", fee=Decimal("5.95"))
    shipping_method_create(country="US", name="Express (1-2 business days)", fee=Decimal("14.95"), sort_order=1)
    shipping_method_create(country="CA", name="Standard (5-8 business days)", fee=Decimal("9.95"))
    shipping_method_create(country="", name="International (7-14 business days)", fee=Decimal("24.95"))
    if not TaxRate.objects.exists():
        tax_rate_create(country="US", region="TX", rate=Decimal("0.0825"), name="Texas")
        tax_rate_create(country="US", region="CA", rate=Decimal("0.0725"), name="California")
    return True


def _catalogue() -> None:
    from core.commerce.services.catalogue import product_create
    from core.commerce.services.commerce_settings import commerce_settings_get

    for sku, name, retail, preferred, distributor, pv, cv in PRODUCTS:
        product_create(
            sku=sku,
            name=name,
            retail_price=Decimal(retail),
            preferred_price=Decimal(preferred),
            distributor_price=Decimal(distributor),
            pv=Decimal(pv),
            cv=Decimal(cv),
            low_stock_threshold=LOW_STOCK_THRESHOLD[sku],
        )
    _storefront()
    settings_row = commerce_settings_get()
    settings_row.subscription_enabled = True
    settings_row.subscription_fee = Decimal("19.95")
    settings_row.save()


def _storefront() -> None:
    """Categories, descriptions, a few featured products, pictures drawn with Pillow now (no image files in the
    repository), and the company home's hero text."""
    from core.commerce.models import Product
    from core.commerce.services.catalogue import product_category_create, product_image_add, product_update
    from core.company.services import company_settings_update

    categories = {slug: product_category_create(name=name, slug=slug) for slug, name in CATEGORIES.items()}
    for product in Product.objects.filter(sku__in=list(STOREFRONT)):
        slug, featured, colour, description = STOREFRONT[product.sku]
        product_update(product=product, description=description, category=categories[slug], featured=featured)
        for position, shade in enumerate((colour, tuple(min(255, c + 60) for c in colour))):
            product_image_add(
                product=product,
                image=_picture(f"{product.sku.lower()}-{position}.png", shade, product.name),
                alt_text=f"{product.name}, {'front' if position == 0 else 'detail'}",
                position=position,
            )
    company_settings_update(
        changes={
            "hero_title": "Everyday wellness, shared by people you know",
            "hero_text": "Nutrition and teas made simple, delivered to your door, and recommended by an independent "
            "distributor near you.",
            "secondary_color": "#f0b429",
        }
    )


def _picture(name: str, colour: tuple, label: str):
    """A small product picture: a coloured square with the product's initial (a few KB of PNG)."""
    from django.core.files.base import ContentFile
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (480, 480), colour)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((90, 90, 390, 390), fill=(255, 255, 255))
    draw.text((240, 240), label[:1], fill=colour, anchor="mm", font_size=160)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=name)


def _content() -> None:
    from core.communications.services import announcement_create, company_page_save, training_material_create

    company_page_save(
        slug="about",
        title="About Acme Wellness",
        published=True,
        body="Acme Wellness makes everyday nutrition simple. Our independent distributors share it with friends.",
    )
    company_page_save(
        slug="faq",
        title="Frequently asked questions",
        published=True,
        body="How do I join? Click 'Join my team' on your distributor's site.\n\nHow are commissions paid? Monthly.",
    )
    announcement_create(
        title="New: Calm Sleep Tea",
        body="Our new evening tea is in the catalogue now.",
        published_at=timezone.now(),
    )
    training_material_create(title="Your first week", body="Share your site, invite three friends, follow up.")
