"""Commission reports in the console and earnings in the back office. The company and its numbers:
frontend/tests/plans_data.py."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from frontend.tests.conftest import signed_in
from frontend.tests.plans_data import csv_rows, post_run
from plans.models import CommissionRun
from plans.selectors_rank_progress import rank_progress
from plans.tests.conftest import PLAN
from tests.factories.members import CompanyStaffFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------- reports


def test_commission_and_rank_reports_withcsv_rows(alpha, admin, company):
    post_run(alpha, company)
    period = company["january"].pk
    rows = csv_rows(admin.get(f"/console/reports/commissions/?period={period}&format=csv"))
    assert rows[0] == ["member_number", "name", "bonus", "kind", "lines", "amount"]
    assert [(r[0], r[2], r[4], r[5]) for r in rows[1:]] == [
        (str(company["root"].number), "unilevel", "2", "15.00"),
        (str(company["a"].number), "unilevel", "2", "15.00"),
        (str(company["b"].number), "unilevel", "1", "10.00"),
    ]
    rows = csv_rows(admin.get(f"/console/reports/ranks/?period={period}&format=csv"))
    assert [(r[2], r[6], r[8]) for r in rows[1:]] == [
        ("silver", "400.00", "15.00"), ("silver", "300.00", "15.00"), ("bronze", "200.00", "10.00"),
        ("bronze", "100.00", "0.00"),
    ]  # fmt: skip
    page = admin.get(f"/console/reports/ranks/?period={period}")
    assert page.context["by_rank"] == [{"label": "none", "values": [0]}, {"label": "bronze", "values": [2]},
                                       {"label": "silver", "values": [2]}]  # fmt: skip


def test_income_disclosure_statement(alpha, admin, company):
    post_run(alpha, company)
    statement = admin.get("/console/reports/income-disclosure/?year=2026").context["statement"]
    assert statement["members"] == 4
    assert [(r["rank"], r["members"], r["share"], r["average"], r["median"], r["top"]) for r in statement["rows"]] == [
        ("silver", 2, Decimal("50.00"), Decimal("15.00"), Decimal("15.00"), Decimal("15.00")),
        ("bronze", 2, Decimal("50.00"), Decimal("5.00"), Decimal("5.00"), Decimal("10.00")),
    ]
    rows = csv_rows(admin.get("/console/reports/income-disclosure/?year=2026&format=csv"))
    assert rows[2] == ["bronze", "2", "50.00", "5.00", "5.00", "10.00", "0.00", "10.00"]


def test_income_disclosure_printable_page(alpha, admin, company):
    post_run(alpha, company)
    html = admin.get("/console/reports/income-disclosure/?year=2026").content.decode()
    assert 'href="/console/reports/income-disclosure/print/?year=2026"' in html
    assert "<td>$15.00</td>" in html
    page = admin.get("/console/reports/income-disclosure/print/?year=2026")
    printable = page.content.decode()
    assert page.context["statement"]["members"] == 4
    assert "frontend/print.css" in printable and 'class="sidebar"' not in printable
    silver = '<th scope="row">silver</th><td class="num">2</td><td class="num">50.00 %</td><td class="num">$15.00</td>'
    assert silver in printable


# ---------------------------------------------------------------------------------------------------- back office


def test_rank_progress_says_what_is_missing(alpha, company):
    with schema_context(alpha.schema):
        b = rank_progress(member=company["b"])
        a = rank_progress(member=company["a"])
    assert (b["rank"].code, b["next"].code, b["missing"]) == ("bronze", "silver", ["100.00 more GV"])
    assert [(c["key"], c["have"], c["need"], c["met"], c["percent"]) for c in b["criteria"]] == [
        ("pv", Decimal("100.00"), Decimal("100.00"), True, 100),
        ("gv", Decimal("200.00"), Decimal("300.00"), False, 66),
    ]
    assert (a["rank"].code, a["next"]) == ("silver", None)


def test_rank_progress_counts_sponsored_actives_and_legs(alpha, company):
    plan = copy.deepcopy(PLAN)
    plan["ranks"].append({"code": "gold", "min_active_sponsored": 2, "legs": [{"count": 2, "rank": "bronze"}],
                          "min_gv": "1000", "max_leg_share": "50"})  # fmt: skip
    with schema_context(alpha.schema):
        # The stored results hold bronze/silver as before; only the plan read for the next rank's criteria changes.
        CommissionRun.objects.filter(pk=company["run"].pk).update(plan_document=plan)
        run = CommissionRun.objects.get(pk=company["run"].pk)
        root = rank_progress(member=company["root"], run=run)
    assert root["next"].code == "gold"
    assert root["missing"] == [
        "600.00 more GV (counting at most 500.00 from any one leg)",  # own 100 + a's leg 300 of 1000
        "1 more personally sponsored active member",
        "1 more leg with a bronze or higher",
    ]


def test_dashboard_shows_rank_progress_and_earnings(alpha, company):
    post_run(alpha, company)
    b = signed_in(alpha, company["b"].email)
    body = b.get("/office/").content.decode()
    assert 'data-testid="wallet-balance">$10.00<' in body
    assert 'id="chart-earnings"' in body
    # The dashboard shows the current period; January's posted figures and progress are on January's page.
    january = b.get(f"/office/earnings/{company['january'].pk}/").content.decode()
    assert "Missing: 100.00 more GV." in january
    assert 'data-testid="gv">200.00<' in january


def test_a_distributor_sees_only_their_own_earnings_explained(alpha, company):
    post_run(alpha, company)
    b = signed_in(alpha, company["b"].email)
    response = b.get("/office/earnings/")
    assert [p["total"] for p in response.context["periods"]] == [Decimal("10.00")]
    assert response.context["wallet"]["balance"] == Decimal("10.00")
    lines = b.get(f"/office/earnings/{company['january'].pk}/").context["explained"]
    assert [(x["line"].payee_id, x["line"].amount) for x in lines] == [(company["b"].pk, Decimal("10.00"))]
    order, c = company["orders"]["c"].number, company["c"]
    credited = f"{c.full_name} (#{c.number})"  # the bonus as the company names it, the member by name
    assert lines[0]["text"] == (
        f"Unilevel commission: 10.00 % of order #{order}'s CV 100.00 (credited to {credited}), level 1 = $10.00"
    )
    spanish = b.get(f"/office/earnings/{company['january'].pk}/", HTTP_ACCEPT_LANGUAGE="es").context["explained"]
    assert spanish[0]["text"] == (
        f"Comisión uninivel: 10,00 % del CV 100,00, pedido n.º {order} (acreditado a {credited}), nivel 1 "
        "= 10,00\xa0US$"
    )
    c = signed_in(alpha, company["c"].email)
    assert c.get(f"/office/earnings/{company['january'].pk}/").context["explained"] == []


def test_distributors_cannot_open_console_pages_and_staff_cannot_change_them(alpha, company):
    b = signed_in(alpha, company["b"].email)
    run = company["run"]
    for path in ["/console/plans/", "/console/commissions/", f"/console/commissions/runs/{run.pk}/review/",
                 "/console/reports/income-disclosure/", "/console/reports/income-disclosure/print/",
                 "/console/commissions/payouts/"]:  # fmt: skip
        assert b.get(path).status_code == 403, path
    with schema_context(alpha.schema):
        CompanyStaffFactory(email="clerk@example.test")
    clerk = signed_in(alpha, "clerk@example.test")
    assert clerk.get(f"/console/commissions/runs/{run.pk}/review/").status_code == 200
    assert "Approve" not in clerk.get(f"/console/commissions/runs/{run.pk}/review/").content.decode()
    assert clerk.post(f"/console/commissions/runs/{run.pk}/approve/").status_code == 403
    assert clerk.post("/console/plans/edit/", {"document": "{}", "action": "save"}).status_code == 403
    admin_only = clerk.get("/console/commissions/payouts/1/payout.csv")
    assert admin_only.status_code == 403


def test_company_b_cannot_open_company_a_runs_or_earnings(alpha, beta, company):
    beta_admin = signed_in(beta, beta.admin_email)
    run = company["run"]
    with schema_context(beta.schema):
        assert not CommissionRun.objects.exists()
    paths = [f"/console/commissions/runs/{run.pk}/{tail}" for tail in ("", "review/", "lines/", "progress/")]
    for path in [*paths, f"/console/plans/{company['version'].number}/"]:
        assert beta_admin.get(path).status_code == 404, path
    assert beta_admin.get("/console/plans/").context["page_obj"].paginator.count == 0
    a_admin = signed_in(alpha, alpha.admin_email)
    a_admin.defaults["HTTP_HOST"] = beta.host  # alpha's session means nothing on beta's host
    assert a_admin.get("/console/commissions/")["Location"].startswith("/accounts/login/")
    b = signed_in(alpha, company["b"].email)
    b.defaults["HTTP_HOST"] = beta.host
    assert b.get("/office/earnings/")["Location"].startswith("/accounts/login/")
