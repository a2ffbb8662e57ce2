"""Genealogy at a million members: import time, then upline, a page of a 3-level downline, whole-downline counts, and
the genealogy viewer's branch API (one node's children as cards with the period's figures) end to end: a request
through the company's host, session-less token-free (force-authenticated) as the distributor who owns the branch.

The tree is generated like real recruiting: each new member's sponsor is an earlier member, strongly weighted to
recent joiners (which makes long chains), plus one 3,000-level chain hanging off the root."""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from bench.support import django_bench_setup, figure, progress

MEMBERS = int(os.environ.get("BENCH_GENEALOGY_MEMBERS", "1000000"))
CHAIN = 3000
# Its own database per size; BENCH_GENEALOGY_REUSE=1 keeps a database built by an earlier run (no second import of a
# million members while tuning queries: the import figure is then not printed).
DB_NAME = os.environ.get("BENCH_GENEALOGY_DB", "canopy_bench_genealogy")
REUSE = os.environ.get("BENCH_GENEALOGY_REUSE", "") == "1"


def _sponsors(n: int, rng: np.random.Generator) -> np.ndarray:
    """sponsor index of member i (< i); member 0 is the root; the last CHAIN members form one long chain."""
    i = np.arange(n, dtype=np.int64)
    sponsors = np.floor(i * rng.random(n) ** (1 / 12)).astype(np.int64)
    sponsors[0] = -1
    chain_start = n - CHAIN
    sponsors[chain_start] = 0
    sponsors[chain_start + 1 :] = np.arange(chain_start, n - 1)
    return sponsors


def _csv_lines(sponsors: np.ndarray):
    yield "member_number,username,first_name,last_name,email,sponsor_number,status,joined_on\n"
    statuses = ("active", "active", "active", "inactive")
    for i, sponsor in enumerate(sponsors.tolist()):
        number = 100001 + i
        sponsor_number = "" if sponsor < 0 else str(100001 + sponsor)
        yield (
            f"{number},m{number},First{i % 997},Last{i % 1009},m{number}@bench.test,{sponsor_number},"
            f"{statuses[i % 4]},2024-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
        )


def _median_ms(fn, repeat: int = 20) -> float:
    fn()  # warm the cache
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _branch_api_ms(leader) -> tuple[float, int]:
    """Median time of GET /api/v1/genealogy/<leader>/children/ as ``leader`` (a distributor) on the company's host,
    with this period's volume on a third of the members so the cards' PV and live GV have rows to read."""
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from config.hosts import company_host
    from core.accounts.models import Role
    from core.accounts.services import user_create
    from core.commerce.models import MemberVolume
    from core.commerce.public import company_date, period_start_for

    start = period_start_for(company_date(timezone.now()))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MemberVolume._meta.db_table} (member_id, period_start, pv, psv, cv, updated_at) "
            "SELECT id, %s, 50, 80, 60, now() FROM members_member WHERE id %% 3 = 0 "
            "ON CONFLICT (member_id, period_start) DO NOTHING",
            [start],
        )
        cursor.execute(f"ANALYZE {MemberVolume._meta.db_table}")
    user = leader.user or user_create(email="leader@bench.test", role=Role.DISTRIBUTOR, password="bench-leader-2026")
    leader.user = user
    leader.save(update_fields=["user"])
    client = APIClient(HTTP_HOST=company_host("bench"))
    client.force_authenticate(user=user)
    url = f"/api/v1/genealogy/{leader.number}/children/"
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return _median_ms(lambda: client.get(url)), response.json()["count"]


def run() -> None:
    os.environ.setdefault("DEBUG", "false")  # no query log kept in memory while timing
    django_bench_setup(DB_NAME, fresh=not REUSE)
    from django.db import connection
    from django.db.models import Count
    from django_tenants.utils import schema_context

    from core.members import selectors
    from core.members.importing.members import members_import
    from core.members.models import Member
    from core.progress import terminal_progress
    from tenants.models import Company
    from tenants.services import company_onboard

    import_s: float | None = None
    if not Company.objects.filter(schema_name="bench").exists():
        company_onboard(name="Bench", subdomain="bench", admin_email="admin@bench.test", send_invitation=False)
    with schema_context("bench"):
        if not Member.objects.exists():
            sponsors = _sponsors(MEMBERS, np.random.default_rng(2026))
            progress(f"importing {MEMBERS:,} members (max depth includes a {CHAIN:,}-level chain)")
            started = time.perf_counter()
            members_import(text=_csv_lines(sponsors), progress=terminal_progress())
            import_s = time.perf_counter() - started
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE members_member")
        else:
            progress(f"reusing the {Member.objects.count():,} members already in {DB_NAME}")
        root = Member.objects.get(number=100001)
        deepest = Member.objects.order_by("-sponsor_depth").first()
        # A leader with a big organisation: the root's frontline member with the largest leg.
        legs = selectors.leg_totals(top=root)
        leader = max(legs, key=lambda leg: leg.members).head
        typical = Member.objects.filter(sponsor_depth=6).order_by("number").first()
        progress(
            f"deepest member at level {deepest.sponsor_depth:,}; leader #{leader.number} has "
            f"{selectors.downline_count(top=leader):,} members; typical member #{typical.number}"
        )

        def upline():
            return selectors.upline(member=deepest)

        def downline_page():
            return list(selectors.downline(top=leader, max_levels=3)[:50])

        def count_root():
            return selectors.downline_count(top=root)

        def count_leader():
            return selectors.downline_count(top=leader)

        # The widest node opens the heaviest branch: a full page of 50 cards, each with its figures.
        widest_id = (
            Member.objects.filter(sponsor__isnull=False)
            .values("sponsor_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("sponsor_id", flat=True)
            .first()
        )
        widest = Member.objects.get(pk=widest_id)
        branch_ms, branch_children = _branch_api_ms(widest)
        progress(
            f"branch API: #{widest.number} ({selectors.downline_count(top=widest):,} members under them): "
            f"first page of {branch_children:,} children"
        )

        upline_ms = _median_ms(upline)
        page_ms = _median_ms(downline_page)
        count_root_ms = _median_ms(count_root, repeat=5)
        count_leader_ms = _median_ms(count_leader, repeat=5)
        upline_typical_ms = _median_ms(lambda: selectors.upline(member=typical))
    if import_s is not None:
        figure("import_1m_members_s" if MEMBERS == 1_000_000 else f"import_{MEMBERS}_members_s", import_s, "s", 1)
    figure("genealogy_upline_ms", upline_typical_ms, "ms")
    figure("genealogy_upline_3000_levels_ms", upline_ms, "ms")
    figure("genealogy_downline_page_ms", page_ms, "ms")
    figure("genealogy_subtree_count_ms", count_root_ms, "ms")
    figure("genealogy_leader_subtree_count_ms", count_leader_ms, "ms")
    figure("genealogy_branch_api_ms", branch_ms, "ms")
