"""Server time of the web pages, rendered through the Django test client (the whole request: middleware, session,
queries, templates; no network), on the demo company (``infra.demo_data``: 2,000 distributors, customers, three
months of orders, posted commission runs, demotion stages). Median of 20 after two warm-up requests.

``dashboard_server_ms`` is timed for the company's root distributor, whose downline is every other member (the worst
case); every other page is printed as ``page_<audience>_<name>_server_ms``.
"""

import os
import statistics
import time

from bench.support import django_bench_setup, figure, progress

RUNS = 20


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


PAGES = {
    "distributor": [
        ("dashboard", "/office/"),
        ("genealogy", "/office/genealogy/"),
        ("genealogy_levels", "/office/genealogy/levels/"),
        ("orders", "/office/orders/"),
        ("earnings", "/office/earnings/"),
        ("customers", "/office/customers/"),
        ("standing", "/office/standing/"),
        ("profile", "/office/profile/"),
    ],
    "visitor": [("company_site", "/"), ("replicated_site", "/jane/"), ("shop", "/jane/shop/")],
    "admin": [
        ("console", "/console/"),
        ("members", "/console/members/"),
        ("orders", "/console/orders/"),
        ("commissions", "/console/commissions/"),
        ("demotion_report", "/console/demotion/report/"),
        ("income_disclosure", "/console/reports/income-disclosure/"),
    ],
}


def run() -> None:
    os.environ.setdefault("DEBUG", "false")  # no query log kept in memory while timing
    progress("preparing a fresh benchmark database…")
    django_bench_setup("canopy_bench_pages")
    from django.conf import settings
    from django.test import Client
    from django_tenants.utils import schema_context

    from core.accounts.models import Role, User
    from core.members.models import Member
    from infra.demo_data import demo_company_populate
    from tenants.services import company_onboard

    settings.ALLOWED_HOSTS = ["*"]
    onboarding = company_onboard(
        name="Bench Pages", subdomain="benchpages", admin_email="admin@benchpages.test", send_invitation=False
    )
    host = onboarding.domain.domain
    progress("building the demo company (about a minute)…")
    with schema_context(onboarding.company.schema_name):
        demo_company_populate(log=progress)
        root = Member.objects.get(sponsor__isnull=True)
        jane = Member.objects.get(username="jane")
        admin = User.objects.get(role=Role.COMPANY_ADMIN)
        clients = {
            "distributor": Client(HTTP_HOST=host),
            "visitor": Client(HTTP_HOST=host),
            "admin": Client(HTTP_HOST=host),
            "root": Client(HTTP_HOST=host),
        }
        clients["distributor"].force_login(jane.user)
        clients["admin"].force_login(admin)
        clients["root"].force_login(root.user)
        count = Member.objects.count()
    progress(f"{count:,} members; timing pages…")
    figure("dashboard_server_ms", _time(clients["root"], "/office/"), "ms")
    figure("replicated_site_server_ms", _time(clients["visitor"], "/jane/"), "ms")
    for audience, pages in PAGES.items():
        for name, path in pages:
            figure(f"page_{audience}_{name}_server_ms", _time(clients[audience], path), "ms")
    # The genealogy viewer's branch API for Jane (her card and frontline, with the period's figures).
    branch = f"/api/v1/genealogy/{jane.number}/children/"
    figure("genealogy_branch_api_demo_ms", _time(clients["distributor"], branch), "ms")
