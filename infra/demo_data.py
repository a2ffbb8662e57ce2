"""The demo company's data: a realistic organisation and a few months of business, made through the same services
the product uses (imports, orders, commission runs, the demotion evaluation), so the demo shows real behaviour.

* about 2,000 distributors in a recruiting tree with long chains, 800 customers, six products;
* three months of orders (most members buy or sell every month; some stop), back-office fees paid monthly by most,
  a few declined cards;
* the hybrid plan (unilevel + binary-free bonuses) active, the past months previewed, approved and posted;
* the demotion evaluation of the last 90 days (every day) and today, so the policy's stages fill over time and the
  as-of report's chart shows them;
* company pages, an announcement and training material.

Random but repeatable (fixed seed). Run inside the company's schema (``schema_context``).
"""

from __future__ import annotations

import datetime
import io
import json
import random
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

DEMO_DISTRIBUTOR = ("jane", "jane-demo-2026")
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
LISTED_CITIES = ("Austin", "Denver", "Portland", "Chicago", "Boston", "Miami", "Seattle", "Phoenix", "Atlanta")
FIRST = (
    *("Ava", "Ben", "Cara", "Dan", "Eve", "Finn", "Gina", "Hugo", "Iris", "Jack", "Kira", "Leo"),
    *("Mia", "Noah", "Olga", "Paul", "Rosa", "Sam", "Tara", "Uma", "Vic", "Wes", "Yara", "Zed"),
)
LAST = (
    *("Adams", "Baker", "Cruz", "Diaz", "Evans", "Ford", "Garcia", "Hill", "Ito"),
    *("Jones", "Kim", "Lopez", "Moore", "Nair", "Ortiz", "Patel", "Quinn", "Reyes"),
)


def demo_company_populate(*, today: datetime.date | None = None, log=print) -> bool:
    """Fill the current company with demo data. Does nothing (returns False) when it already has members."""
    from core.members.models import Member

    if Member.objects.exists():
        return False
    today = today or timezone.localdate()
    rng = random.Random(2026)
    log("  catalogue and settings…")
    _catalogue()
    log(f"  {MEMBERS:,} distributors and {CUSTOMERS:,} customers…")
    _people(rng, today)
    log(f"  {MONTHS} months of orders and back-office fees…")
    _business(rng, today)
    log("  compensation plan and commission runs…")
    _commissions(today)
    log(f"  demotion policy evaluation of the last {DEMOTION_HISTORY_DAYS} days…")
    _demotion_history(today)
    _content()
    return True


def _business_start(today: datetime.date) -> datetime.date:
    """The first day of the demo's order history: the day the company moved onto Canopy."""
    return (today.replace(day=1) - datetime.timedelta(days=(MONTHS - 1) * 31)).replace(day=1)


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
            track_inventory=False,
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


def _people(rng: random.Random, today: datetime.date) -> None:
    from core.accounts.models import User
    from core.members.importing.customers import customers_import
    from core.members.importing.members import members_import

    start = today - datetime.timedelta(days=540)
    lines = ["member_number,username,first_name,last_name,email,sponsor_number,status,joined_on"]
    for i in range(MEMBERS):
        number = 100001 + i
        if i == 0:
            sponsor, username, first, last = "", "acme", "Acme", "House"
        else:
            # Sponsors are earlier members, mostly recent ones: that is what makes long recruiting chains.
            sponsor = str(100001 + int(i * rng.random() ** 0.35) if i > 1 else 100001)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            username = DEMO_DISTRIBUTOR[0] if i == 3 else f"{first.lower()}{last.lower()}{i}"
        joined = start + datetime.timedelta(days=int(i * 500 / MEMBERS))
        lines.append(f"{number},{username},{first},{last},{username}@acme.example,{sponsor},active,{joined}")
    members_import(text=io.StringIO("\n".join(lines) + "\n"))
    jane = User.objects.get(email=f"{DEMO_DISTRIBUTOR[0]}@acme.example")
    jane.first_name, jane.last_name = "Jane", "Demo"
    jane.set_password(DEMO_DISTRIBUTOR[1])
    jane.save()
    from core.members.models import Member

    Member.objects.filter(user=jane).update(
        first_name="Jane", last_name="Demo", bio="Wellness coach since 2024.", city="Austin", listed_in_directory=True
    )
    # "Find a distributor" lists those who opted in: one member in 40 here, each in a city.
    for index, member in enumerate(
        Member.objects.filter(number__gt=100004).order_by("number").values_list("pk", flat=True)[::40]
    ):
        Member.objects.filter(pk=member).update(
            city=LISTED_CITIES[index % len(LISTED_CITIES)], listed_in_directory=True
        )
    lines = ["distributor_number,customer_type,first_name,last_name,email,joined_on"]
    for i in range(CUSTOMERS):
        distributor = 100002 + int(rng.random() ** 1.5 * (MEMBERS - 2))
        kind = "preferred" if rng.random() < 0.3 else "retail"
        joined = start + datetime.timedelta(days=rng.randint(0, 500))
        lines.append(f"{distributor},{kind},{rng.choice(FIRST)},{rng.choice(LAST)},shopper{i}@mail.example,{joined}")
    customers_import(text=io.StringIO("\n".join(lines) + "\n"))


def _business(rng: random.Random, today: datetime.date) -> None:
    from core.commerce.models import AttemptOutcome, PlacedBy, SubscriptionAttempt
    from core.commerce.selectors.periods import period_start_for
    from core.commerce.services.orders import LineRequest, order_place
    from core.commerce.services.payments import order_mark_paid
    from core.commerce.services.volume import volume_recompute_period
    from core.members.models import Customer, Member

    members = list(Member.objects.order_by("number"))
    customers_by_member: dict[int, list[Customer]] = {}
    for customer in Customer.objects.all():
        customers_by_member.setdefault(customer.distributor_id, []).append(customer)
    # One member in eight stopped at some point (the demotion policy has something to do); the rest stay active.
    stopped_after = {m.pk: rng.randint(-250, MONTHS * 30) for m in members if rng.random() < 0.12}
    skus = [p[0] for p in PRODUCTS]
    attempts = []
    periods = set()
    first_day = _business_start(today)
    with transaction.atomic():
        for member in members:
            joined = member.joined_at.date()
            stop = stopped_after.get(member.pk)
            last_active = today if stop is None else min(today, first_day + datetime.timedelta(days=stop))
            # The monthly back-office fee, from joining until the member stopped.
            due = joined
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
            for month in range(MONTHS + 1):
                month_start = (first_day + datetime.timedelta(days=31 * month)).replace(day=1)
                if month_start > today:
                    break
                day = min(month_start + datetime.timedelta(days=rng.randint(0, 27)), today)
                if day < joined or day > last_active:
                    continue
                at = datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)
                if rng.random() < 0.85:
                    # Most members reorder their staples each month: about 140 PV, enough to stay qualified.
                    lines = [LineRequest(sku=rng.choice(skus[:3] + ["KIT"]), quantity=rng.randint(2, 4))]
                    order = order_place(lines=lines, placed_by=PlacedBy.DISTRIBUTOR, buyer_member=member)
                    order_mark_paid(order=order, paid_at=at, recompute_volume=False)
                    periods.add(period_start_for(day))
                for customer in customers_by_member.get(member.pk, []):
                    if rng.random() < 0.5:
                        order = order_place(
                            lines=[LineRequest(sku=rng.choice(skus[:4]), quantity=1)],
                            placed_by=PlacedBy.CUSTOMER,
                            buyer_customer=customer,
                        )
                        order_mark_paid(order=order, paid_at=at + datetime.timedelta(hours=2), recompute_volume=False)
        SubscriptionAttempt.objects.bulk_create(attempts, batch_size=2000)
        for period_start in sorted(periods):
            volume_recompute_period(period_start=period_start)


def _commissions(today: datetime.date) -> None:
    from core.accounts.models import Role, User
    from plans.services import (
        period_get_or_create,
        period_projection_refresh,
        plan_version_activate,
        plan_version_create,
        run_approve,
        run_post,
        run_preview,
    )
    from plans.services_periods import period_close

    admin = User.objects.filter(role=Role.COMPANY_ADMIN).order_by("id").first()
    document = json.loads((Path(__file__).resolve().parents[1] / "plans/engine/examples/unilevel.json").read_text())
    first_month = (today.replace(day=1) - datetime.timedelta(days=(MONTHS - 1) * 31)).replace(day=1)
    version = plan_version_create(document=document, name="Acme unilevel 2026", by=admin)
    plan_version_activate(version=version, effective_from=first_month, by=admin)
    month = first_month
    while month < today.replace(day=1):
        period = period_get_or_create(day=month)
        run = run_preview(period=period, by=admin)
        run_approve(run=run, by=admin)
        period_close(period=period, by=admin, today=today)
        run_post(run=run, by=admin)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    run_preview(period=period_get_or_create(day=today), by=admin)
    period_projection_refresh()  # distributors' projected commissions at once (the beat job refreshes them)


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
