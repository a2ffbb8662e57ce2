"""Server time of the web pages a distributor and a visitor open most: the back-office dashboard and a replicated
site, rendered through the Django test client (the whole request: middleware, session, queries, templates; no
network), on a bench company of a few thousand members. Median of 20 after two warm-up requests.

The dashboard is timed for the company's root distributor, whose downline is every other member (the worst case).
"""

import os
import random
import statistics
import time

from bench.support import django_bench_setup, figure, progress

MEMBERS = 5_000
RUNS = 20
SEED = 7


def _members_csv(root_number: int) -> list[str]:
    """A company-shaped tree: each new member is sponsored by a random earlier one, weighted to recent joiners,
    so the tree is both wide near the top and some dozens of levels deep."""
    rng = random.Random(SEED)
    numbers = [root_number]
    lines = ["member_number,username,first_name,last_name,email,sponsor_number,status,joined_on"]
    for i in range(1, MEMBERS):
        number = root_number + i
        sponsor = numbers[max(0, len(numbers) - 1 - int(rng.expovariate(1 / 40)))]
        status = "active" if rng.random() < 0.85 else "inactive"
        lines.append(f"{number},rep{i},Rep,Number{i},rep{i}@bench.test,{sponsor},{status},2025-01-01")
        numbers.append(number)
    return [line + "\n" for line in lines]


def _time(client, path: str) -> float:
    for _ in range(2):
        assert client.get(path).status_code == 200, path
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return statistics.median(timings)


def run() -> None:
    os.environ.setdefault("DEBUG", "false")  # no query log kept in memory while timing
    progress("preparing a fresh benchmark database…")
    django_bench_setup()
    from django.conf import settings
    from django.test import Client
    from django_tenants.utils import schema_context

    from core.members.importing import members_import
    from core.members.models import Member
    from core.members.services import member_enroll
    from tenants.services import company_onboard

    settings.ALLOWED_HOSTS = ["*"]
    onboarding = company_onboard(
        name="Bench Pages", subdomain="benchpages", admin_email="admin@benchpages.test", send_invitation=False
    )
    host = onboarding.domain.domain
    progress(f"enrolling {MEMBERS:,} members…")
    with schema_context(onboarding.company.schema_name):
        root = member_enroll(
            sponsor=None, username="top", email="top@bench.test", first_name="Top", last_name="Rep", password=None
        )
        report = members_import(text=_members_csv(root.number))
        assert report.ok, report.errors[:5]
        count = Member.objects.count()
        client = Client(HTTP_HOST=host)
        client.force_login(root.user)
    progress(f"{count:,} members; timing pages…")
    figure("dashboard_server_ms", _time(client, "/office/"), "ms")
    figure("replicated_site_server_ms", _time(Client(HTTP_HOST=host), "/top/"), "ms")


if __name__ == "__main__":
    run()
