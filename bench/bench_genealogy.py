"""Genealogy at a million members: import time, then upline, a page of a 3-level downline, whole-downline counts, and
the genealogy viewer's branch API (one node's children as cards with the period's figures) end to end: a request
through the company's host, session-less token-free (force-authenticated) as the distributor who owns the branch.

The tree is generated like real recruiting: each new member's sponsor is an earlier member, strongly weighted to
recent joiners (which makes long chains), plus one 3,000-level chain hanging off the root."""

from __future__ import annotations

import datetime
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


CHANGED_SINCE_RUN = 2000  # members whose volume changed since the period's last calculation (~15 min of orders)


def _leg_volumes_ms(widest) -> tuple[float, int]:
    """Median time of the binary view's leg volumes (plans.legs) for a member and 30 members below them, read from
    a calculation of the period plus the volume rows changed since it. The bench company is unilevel, so its members
    are given a placement tree equal to the sponsor tree (positions alternating): deeper than a binary tree of the
    same size (chains of 3,000 levels), so the changes' paths are longer than a binary company's. The run's member
    results are written straight in SQL (as the engine would, one row per member); CHANGED_SINCE_RUN volume rows,
    spread over the company, are then stamped after it with 10 more CV."""
    from django.db import connection
    from django.utils import timezone

    from core.commerce.models import MemberVolume
    from core.commerce.public import company_date, period_start_for
    from core.members.models import Member
    from plans.legs import leg_volumes, legs_source
    from plans.models import CommissionPeriod, CommissionRun, RunKind, RunMemberResult, RunStatus

    start = period_start_for(company_date(timezone.now()))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE members_member SET placement_parent_id = sponsor_id, placement_path = sponsor_path, "
            "placement_depth = sponsor_depth, placement_downline_count = sponsor_downline_count, "
            "placement_position = CASE WHEN sponsor_id IS NULL THEN NULL ELSE (id % 2)::smallint END "
            "WHERE cardinality(placement_path) = 0"
        )
        # The volumes so far were stamped before the period's calculation (a day ago); some change after it, below.
        cursor.execute(
            f"UPDATE {MemberVolume._meta.db_table} SET updated_at = now() - interval '1 day' WHERE period_start = %s",
            [start],
        )
    period, _ = CommissionPeriod.objects.get_or_create(
        start=start, defaults={"end": start + datetime.timedelta(days=27), "length": "monthly"}
    )
    run = CommissionRun.objects.create(
        period=period, kind=RunKind.PROJECTION, status=RunStatus.DONE, plan_document={}, finished_at=timezone.now()
    )
    table, volume = RunMemberResult._meta.db_table, MemberVolume._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (run_id, member_id, pv, psv, gv, active, rank, highest_rank, earned_cents, "
            "carry_left, carry_right, leg_left, leg_right, binary_flushed, qualified_rank, cv) "
            "SELECT %s, m.id, 0, 0, 0, true, -1, -1, 0, 0, 0, 100000, 90000, 0, -1, "
            "COALESCE((v.cv * 100)::bigint, 0) FROM members_member m "
            f"LEFT JOIN {volume} v ON v.member_id = m.id AND v.period_start = %s",
            [run.pk, start],
        )
        cursor.execute(
            f"UPDATE {volume} SET cv = cv + 10, updated_at = now() + interval '1 second' WHERE period_start = %s "
            f"AND member_id IN (SELECT member_id FROM {volume} WHERE period_start = %s AND member_id %% 7 = 0 "
            "ORDER BY md5(member_id::text) LIMIT %s)",
            [start, start, CHANGED_SINCE_RUN],
        )
        cursor.execute(f"VACUUM ANALYZE {table}")  # as autovacuum would after these bulk updates
        cursor.execute(f"VACUUM ANALYZE {volume}")
    below = list(Member.objects.filter(placement_parent=widest).order_by("placement_position", "pk")[:30])
    ids = [widest.pk, *(m.pk for m in below)]

    def read():
        return leg_volumes(member_ids=ids, source=legs_source(period_start=start))

    read()
    return _median_ms(read), len(ids)


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
        progress(f"leg volumes: a calculation of the period and {CHANGED_SINCE_RUN:,} volume rows changed since")
        legs_ms, legs_members = _leg_volumes_ms(root)
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
    progress(f"leg volumes of {legs_members} members (the root and its first 30 below)")
    figure("genealogy_leg_volumes_ms", legs_ms, "ms")
