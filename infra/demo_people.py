"""The demo company's people: distributors and customers with ordinary names and home addresses in real cities, a
recruiting tree with long chains, and a company that grows (more people join each month of the last three).

Random but repeatable (the caller's seeded generator). Run inside the company's schema."""

from __future__ import annotations

import datetime
import io
import math
import random

DEMO_DISTRIBUTOR = ("jane", "jane-demo-2026")
JOINED_BEFORE_SHARE = 0.7  # of the members joined before the last three months; the rest join during them, faster
FIRST = (
    *("Emma", "Olivia", "Ava", "Sophia", "Isabella", "Mia", "Charlotte", "Amelia", "Harper", "Evelyn", "Abigail"),
    *("Emily", "Ella", "Grace", "Chloe", "Lily", "Hannah", "Nora", "Zoe", "Leah", "Maria", "Rosa", "Priya", "Aisha"),
    *("Mei", "Yuki", "Fatima", "Sarah", "Rachel", "Laura", "Megan", "Karen", "Diane", "Linda", "Denise", "Tanya"),
    *("Liam", "Noah", "James", "Oliver", "Elijah", "William", "Henry", "Lucas", "Benjamin", "Mason", "Ethan"),
    *("Daniel", "Michael", "David", "Carlos", "Diego", "Luis", "Marcus", "Andre", "Kevin", "Ryan", "Brian", "Raj"),
    *("Omar", "Samuel", "Thomas", "Jason", "Eric", "Greg", "Paul", "Scott", "Tyler", "Aaron", "Nathan", "Wei"),
)
LAST = (
    *("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez"),
    *("Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin"),
    *("Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker"),
    *("Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson"),
    *("Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel", "Kim", "Chen", "Shah"),
    *("Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Bell", "Kelly", "Howard"),
)
# city, state or province, country, postal code prefix (three digits; Canada: the first three characters)
CITIES = (
    ("Austin", "TX", "US", "787"), ("Houston", "TX", "US", "770"), ("Dallas", "TX", "US", "752"),
    ("San Antonio", "TX", "US", "782"), ("Los Angeles", "CA", "US", "900"), ("San Diego", "CA", "US", "921"),
    ("Sacramento", "CA", "US", "958"), ("San Jose", "CA", "US", "951"), ("Denver", "CO", "US", "802"),
    ("Phoenix", "AZ", "US", "850"), ("Tucson", "AZ", "US", "857"), ("Portland", "OR", "US", "972"),
    ("Seattle", "WA", "US", "981"), ("Spokane", "WA", "US", "992"), ("Boise", "ID", "US", "837"),
    ("Salt Lake City", "UT", "US", "841"), ("Chicago", "IL", "US", "606"), ("Minneapolis", "MN", "US", "554"),
    ("Kansas City", "MO", "US", "641"), ("Nashville", "TN", "US", "372"), ("Atlanta", "GA", "US", "303"),
    ("Charlotte", "NC", "US", "282"), ("Raleigh", "NC", "US", "276"), ("Orlando", "FL", "US", "328"),
    ("Tampa", "FL", "US", "336"), ("Miami", "FL", "US", "331"), ("Columbus", "OH", "US", "432"),
    ("Indianapolis", "IN", "US", "462"), ("Pittsburgh", "PA", "US", "152"), ("Boston", "MA", "US", "021"),
    ("Albany", "NY", "US", "122"), ("Richmond", "VA", "US", "232"), ("Omaha", "NE", "US", "681"),
    ("Toronto", "ON", "CA", "M5V"), ("Vancouver", "BC", "CA", "V6B"), ("Calgary", "AB", "CA", "T2P"),
)  # fmt: skip
STREETS = (
    *("Maple Avenue", "Oak Street", "Cedar Lane", "Pine Road", "Elm Street", "Lakeview Drive", "Hillcrest Road"),
    *("Park Avenue", "Washington Street", "Sunset Boulevard", "Willow Way", "Meadow Lane", "River Road"),
    *("Highland Avenue", "Church Street", "Spring Street", "Walnut Street", "Birch Court", "Chestnut Drive"),
)


def business_start(today: datetime.date, months: int) -> datetime.date:
    """The first day of the demo's order history, ``months`` calendar months ending with the current one: the day
    the company moved onto Canopy."""
    month = today.replace(day=1)
    for _ in range(months - 1):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def joined_on(index: int, total: int, *, first_day: datetime.date, today: datetime.date) -> datetime.date:
    """Member ``index`` of ``total`` (sponsors come first): the earlier 70 % over the 16 months before the company
    moved in, the rest during the last months, each month more than the one before (a rising density)."""
    before = max(int(total * JOINED_BEFORE_SHARE), 1)
    if index < before:
        return first_day - datetime.timedelta(days=480 - int(index * 479 / before))
    share = (index - before + 0.5) / (total - before)
    position = (-1 + math.sqrt(1 + 8 * share)) / 2  # the density grows from 1 to 3 across the window
    return first_day + datetime.timedelta(days=int(position * (today - first_day).days))


def _address(rng: random.Random) -> dict[str, str]:
    city, region, country, prefix = rng.choice(CITIES)
    postal = f"{prefix} {rng.randint(1, 9)}{rng.choice('ABCEGHJKLMNPRSTVXY')}{rng.randint(1, 9)}"
    return {
        "address_line1": f"{rng.randint(12, 9890)} {rng.choice(STREETS)}",
        "city": city,
        "region": region,
        "country": country,
        "postal_code": postal if country == "CA" else f"{prefix}{rng.randint(1, 99):02d}",
    }


def people_create(
    rng: random.Random, *, members: int, customers: int, first_day: datetime.date, today: datetime.date
) -> None:
    """Import the distributors and customers (as a company moving over would), then give them their addresses."""
    from core.accounts.models import User
    from core.members.importing.customers import customers_import
    from core.members.importing.members import members_import

    lines = ["member_number,username,first_name,last_name,email,sponsor_number,status,joined_on,country"]
    for i in range(members):
        number = 100001 + i
        if i == 0:
            sponsor, username, first, last = "", "acme", "Acme", "House"
        else:
            # Sponsors are earlier members, mostly recent ones: that is what makes long recruiting chains.
            sponsor = str(100001 + int(i * rng.random() ** 0.35) if i > 1 else 100001)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            username = DEMO_DISTRIBUTOR[0] if i == 3 else f"{first.lower()}{last.lower()}{i}"
        joined = joined_on(i, members, first_day=first_day, today=today)
        lines.append(f"{number},{username},{first},{last},{username}@acme.example,{sponsor},active,{joined},US")
    members_import(text=io.StringIO("\n".join(lines) + "\n"))
    jane = User.objects.get(email=f"{DEMO_DISTRIBUTOR[0]}@acme.example")
    jane.first_name, jane.last_name = "Jane", "Demo"
    jane.set_password(DEMO_DISTRIBUTOR[1])
    jane.save()

    lines = ["distributor_number,customer_type,first_name,last_name,email,joined_on"]
    for i in range(customers):
        distributor = 100002 + int(rng.random() ** 1.5 * (members - 2))
        kind = "preferred" if rng.random() < 0.3 else "retail"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        # A customer comes after the distributor who found them.
        found = joined_on(distributor - 100001, members, first_day=first_day, today=today)
        joined = found + datetime.timedelta(days=rng.randint(0, max((today - found).days, 0)))
        email = f"{first.lower()}.{last.lower()}{i}@mail.example"
        lines.append(f"{distributor},{kind},{first},{last},{email},{joined}")
    customers_import(text=io.StringIO("\n".join(lines) + "\n"))
    _addresses(rng)


def _addresses(rng: random.Random) -> None:
    """Home addresses (the import carries names and sponsors only); Jane lives in Austin. One member in forty is
    listed in "Find a distributor", in their own city."""
    from core.members.models import Customer, Member

    fields = ["address_line1", "city", "region", "country", "postal_code"]
    people = list(Member.objects.order_by("number"))
    for member in people:
        for name, value in _address(rng).items():
            setattr(member, name, value)
        if member.username == DEMO_DISTRIBUTOR[0]:
            member.first_name, member.last_name, member.bio = "Jane", "Demo", "Wellness coach since 2024."
            member.city, member.region, member.country, member.postal_code = "Austin", "TX", "US", "78704"
            member.listed_in_directory = True
        elif member.number > 100004 and (member.number - 100005) % 40 == 0:
            member.listed_in_directory = True
    Member.objects.bulk_update(
        people, [*fields, "first_name", "last_name", "bio", "listed_in_directory"], batch_size=1000
    )
    shoppers = list(Customer.objects.order_by("number"))
    for customer in shoppers:
        for name, value in _address(rng).items():
            setattr(customer, name, value)
    Customer.objects.bulk_update(shoppers, fields, batch_size=1000)
