"""The plan editor, commission runs and payouts in the console. The company and its numbers:
frontend/tests/plans_data.py."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from frontend.common.formatting import money
from frontend.console.plan_json import annotate, pretty_with_lines
from frontend.tests.conftest import signed_in
from frontend.tests.plans_data import csv_rows, post_run
from plans.models import CommissionRun, LedgerKind, LedgerLine, PayoutBatch, PlanVersion, RunKind, RunStatus
from plans.services import run_execute, run_simulate
from plans.services_plan_versions import plan_version_create
from plans.services_posting import run_post
from plans.tests.conftest import PLAN
from tests.factories.members import CompanyStaffFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------- pages render


def test_every_console_page_renders_for_an_admin(alpha, admin, company):
    run = company["run"]
    with schema_context(alpha.schema):
        sim = run_simulate(period=company["january"], document=PLAN, by=company["admin"])
    paths = [
        "/console/plans/",
        "/console/plans/edit/",
        *[f"/console/plans/edit/?from=example:{name}" for name in
          ("binary", "hybrid", "matrix", "p2p", "party", "stairstep_breakaway", "unilevel")],
        f"/console/plans/edit/?from=version:{company['version'].number}",
        f"/console/plans/{company['version'].number}/",
        "/console/commissions/",
        f"/console/commissions/runs/{run.pk}/",
        f"/console/commissions/runs/{run.pk}/review/",
        f"/console/commissions/runs/{run.pk}/lines/",
        f"/console/commissions/runs/{sim.pk}/compare/",
        "/console/commissions/adjustments/",
        "/console/commissions/payouts/",
        "/console/reports/commissions/",
        "/console/reports/ranks/",
        "/console/reports/income-disclosure/",
    ]  # fmt: skip
    for path in paths:
        response = admin.get(path)
        assert response.status_code == 200, (path, response.content[:1500])


def test_the_console_nav_links_the_commission_pages(admin):
    body = admin.get("/console/").content.decode()
    assert 'href="/console/plans/"' in body and 'href="/console/commissions/"' in body


# ---------------------------------------------------------------------------------------------------- plan editor


def test_the_editor_starts_from_an_example_plan(admin, company):
    response = admin.get("/console/plans/edit/?from=example:binary")
    document = json.loads(response.context["form"].initial["document"])
    assert document["components"][0]["type"] == "binary"
    assert response.context["source"] == "the binary example"


def test_pretty_lines_map_every_field_path_to_its_line():
    text, where = pretty_with_lines(PLAN)
    assert text == json.dumps(PLAN, indent=2, ensure_ascii=False)
    lines = text.split("\n")
    assert lines[where["components[0].rates[1]"] - 1].strip() == '"5"'
    assert lines[where["ranks[1].min_gv"] - 1].strip() == '"min_gv": "300"'
    _, problems, _ = annotate(PLAN, {"ranks[0].missing": ["is required"]})
    assert problems[0]["line"] == where["ranks[0]"]  # a missing field points at its object


def test_a_validation_error_is_shown_on_its_line_and_nothing_is_saved(alpha, admin, company):
    bad = copy.deepcopy(PLAN)
    bad["components"][0]["rates"][1] = "500"
    text = json.dumps(bad, indent=2)
    response = admin.post("/console/plans/edit/", {"name": "Too generous", "document": text, "action": "save"})
    assert response.status_code == 400
    problems = response.context["problems"]
    assert [(p["path"], p["message"]) for p in problems] == [
        ("components[0].rates[1]", "must be a percentage between 0 and 100")
    ]
    line = next(no for no, row in enumerate(text.split("\n"), 1) if '"500"' in row)
    assert problems[0]["line"] == line
    bad_rows = [row["no"] for row in response.context["rows"] if row["problems"]]
    assert bad_rows == [line]
    body = response.content.decode()
    assert "components[0].rates[1]</code>: must be a percentage between 0 and 100" in body
    assert 'id="id_document_error"' in body
    with schema_context(alpha.schema):
        assert PlanVersion.objects.count() == 1


def test_broken_json_names_the_line(admin, company):
    response = admin.post("/console/plans/edit/", {"document": '{\n  "ranks": [\n  ,\n]}', "action": "check"})
    assert response.status_code == 400
    assert [(p["path"], p["line"]) for p in response.context["problems"]] == [("(JSON syntax)", 3)]


def test_check_then_save_creates_a_draft_version(alpha, admin, company):
    text = json.dumps(PLAN)
    response = admin.post("/console/plans/edit/", {"document": text, "action": "check"})
    assert response.status_code == 200
    assert "The document is valid: 2 ranks (bronze, silver), components: unilevel." in response.content.decode()
    response = admin.post("/console/plans/edit/", {"name": "Spring", "document": text, "action": "save"})
    with schema_context(alpha.schema):
        version = PlanVersion.objects.get(name="Spring")
    assert response["Location"] == f"/console/plans/{version.number}/"
    assert (version.is_draft, version.document, version.created_by.email) == (True, PLAN, alpha.admin_email)


def test_activation_errors_sit_next_to_the_date_and_a_good_date_activates(alpha, admin, company):
    with schema_context(alpha.schema):
        draft = plan_version_create(document=PLAN, name="Draft", by=company["admin"])
    response = admin.post(f"/console/plans/{draft.number}/", {"action": "activate", "act-effective_from": "2026-03-15"})
    assert response.status_code == 400
    assert response.context["activate_form"].errors["effective_from"] == [
        "2026-03-15 is not the start of a commission period (the period containing it starts 2026-03-01)."
    ]
    response = admin.post(f"/console/plans/{draft.number}/", {"action": "activate", "act-effective_from": "2026-03-01"})
    assert response.status_code == 302
    with schema_context(alpha.schema):
        draft.refresh_from_db()
    assert (draft.is_draft, str(draft.effective_from), draft.activated_by.email) == (
        False,
        "2026-03-01",
        alpha.admin_email,
    )


def test_simulating_an_unsaved_draft_queues_a_run_and_the_comparison_shows_the_difference(alpha, admin, company):
    richer = copy.deepcopy(PLAN)
    richer["components"][0]["rates"] = ["20", "5"]
    response = admin.post(
        "/console/plans/edit/",
        {"document": json.dumps(richer), "action": "simulate", "sim-period": company["january"].pk},
    )
    with schema_context(alpha.schema):
        run = CommissionRun.objects.get(kind=RunKind.SIMULATION)
        assert (run.status, run.plan_version, run.plan_document) == (RunStatus.QUEUED, None, richer)
        assert PlanVersion.objects.count() == 1  # nothing saved
        from plans.services import run_execute

        run_execute(run_id=run.pk)
    assert response["Location"] == f"/console/commissions/runs/{run.pk}/"
    compare = admin.get(f"/console/commissions/runs/{run.pk}/compare/").context["compare"]
    # 20 % on level 1: c's order b 20, a 5; b's: a 20, root 5; a's: root 20 -> 70 against 40.
    assert (compare["simulation"]["total_paid"], compare["actual"]["total_paid"]) == (
        Decimal("70.00"),
        Decimal("40.00"),
    )
    assert compare["difference"]["total_paid"] == Decimal("30.00")


def _generated(members, **extra):
    return {"action": "simulate_generated", "gen-members": members, "gen-orders_per_member": "2.0", "gen-seed": 7,
            **extra}  # fmt: skip


def test_simulating_a_version_on_a_generated_company_compares_with_the_plan_in_effect(alpha, admin, company):
    richer = copy.deepcopy(PLAN)
    richer["components"][0]["rates"] = ["20", "5"]
    with schema_context(alpha.schema):
        draft = plan_version_create(document=richer, by=company["admin"])
    page = admin.get(f"/console/plans/{draft.number}/")
    assert "Simulate on a generated company" in page.content.decode()
    response = admin.post(f"/console/plans/{draft.number}/", _generated(300))
    with schema_context(alpha.schema):
        run = CommissionRun.objects.get(kind=RunKind.SIMULATION)
        assert (run.status, run.plan_version_id, run.period_id, run.generated) == (
            RunStatus.QUEUED, draft.pk, None, {"members": 300, "orders_per_member": 2.0, "seed": 7}
        )  # fmt: skip
        from plans.engine import calculate, plan_from_document
        from plans.services import run_execute
        from plans.synthetic import generated_snapshot

        run_execute(run_id=run.pk)
        snap = generated_snapshot(members=300, orders_per_member=2.0, seed=7)
        expected_sim = calculate(plan_from_document(richer), snap)
        expected_actual = calculate(plan_from_document(PLAN), snap)
    assert response["Location"] == f"/console/commissions/runs/{run.pk}/"
    assert "Generated company of 300 members" in admin.get(response["Location"]).content.decode()
    page = admin.get(f"/console/commissions/runs/{run.pk}/compare/")
    compare = page.context["compare"]
    sim, actual = compare["simulation"], compare["actual"]
    assert sim["total_paid"] == Decimal(expected_sim.total_paid_cents) / 100
    assert sim["payout_ratio"] == expected_sim.payout_ratio
    assert actual["kind"] == "active_plan_on_generated_company"
    assert actual["total_paid"] == Decimal(expected_actual.total_paid_cents) / 100
    assert sim["total_paid"] > actual["total_paid"] > 0  # 20 % on level 1 pays more than 10 %
    assert compare["difference"]["total_paid"] == sim["total_paid"] - actual["total_paid"]
    assert [row["label"] for row in page.context["by_component"]] == ["unilevel"]
    assert page.context["by_component"][0]["values"] == [
        str(Decimal(sim["by_component"]["unilevel"])),
        str(Decimal(actual["by_component"]["unilevel"])),
    ]
    assert {row["label"] for row in page.context["by_rank"]} == set(sim["by_rank"]) | set(actual["by_rank"])
    body = page.content.decode()
    assert "Generated company: 300 members, about 2.0 orders per member, seed 7" in body
    assert f"{page.context['sim_percent']} %" in body


def test_the_compare_page_names_the_baseline_and_says_when_it_is_missing(alpha, admin, company):
    admin.post(f"/console/plans/{company['version'].number}/", _generated(40))
    with schema_context(alpha.schema):
        run = run_execute(run_id=CommissionRun.objects.get(kind=RunKind.SIMULATION).pk)
    body = admin.get(f"/console/commissions/runs/{run.pk}/compare/").content.decode()
    assert "“Actual” is the plan that was in effect when the simulation ran, calculated on the same members." in body
    assert "run it again to compare" not in body

    with schema_context(alpha.schema):
        CommissionRun.objects.filter(pk=run.pk).update(baseline=None)  # finished before baselines were stored
    page = admin.get(f"/console/commissions/runs/{run.pk}/compare/")
    body = page.content.decode()
    assert page.context["compare"]["baseline_missing"] is True
    assert "This simulation ran before baselines were stored; run it again to compare." in body
    assert "“Actual” is the plan" not in body
    assert "No plan version was in effect" not in body


def test_simulating_an_unsaved_draft_on_a_generated_company(alpha, admin, company):
    response = admin.post("/console/plans/edit/", {"document": json.dumps(PLAN), **_generated(50)})
    with schema_context(alpha.schema):
        run = CommissionRun.objects.get(kind=RunKind.SIMULATION)
        assert (run.plan_version, run.plan_document, run.generated["members"]) == (None, PLAN, 50)
        assert PlanVersion.objects.count() == 1  # nothing saved
    assert response["Location"] == f"/console/commissions/runs/{run.pk}/"


def test_a_generated_company_above_the_console_cap_is_refused_with_a_clear_message(alpha, admin, company):
    version = company["version"].number
    for path, extra in [(f"/console/plans/{version}/", {}), ("/console/plans/edit/", {"document": json.dumps(PLAN)})]:
        response = admin.post(path, _generated(200_001, **extra))
        assert response.status_code == 400, path
        assert response.context["generated_form"].errors == {
            "members": ["At most 200,000 members here: a bigger company takes minutes to calculate "
                        "(the API takes up to 2,000,000)."]
        }  # fmt: skip
        assert admin.post(path, _generated(0, **extra)).context["generated_form"].errors == {
            "members": ["Ensure this value is greater than or equal to 1."]
        }
    with schema_context(alpha.schema):
        assert not CommissionRun.objects.filter(kind=RunKind.SIMULATION).exists()


def test_only_admins_simulate_on_a_generated_company_and_only_in_their_company(alpha, beta, admin, company):
    version = company["version"].number
    with schema_context(alpha.schema):
        CompanyStaffFactory(email="clerk2@example.test")
    clerk = signed_in(alpha, "clerk2@example.test")
    assert "Simulate on a generated company" not in clerk.get(f"/console/plans/{version}/").content.decode()
    assert clerk.post(f"/console/plans/{version}/", _generated(10)).status_code == 403
    assert signed_in(alpha, company["b"].email).post(f"/console/plans/{version}/", _generated(10)).status_code == 403
    beta_admin = signed_in(beta, beta.admin_email)
    assert beta_admin.post(f"/console/plans/{version}/", _generated(10)).status_code == 404
    with schema_context(alpha.schema):
        assert not CommissionRun.objects.filter(kind=RunKind.SIMULATION).exists()
    admin.post(f"/console/plans/{version}/", _generated(10))
    with schema_context(alpha.schema):
        run = CommissionRun.objects.get(kind=RunKind.SIMULATION)
    with schema_context(beta.schema):
        assert not CommissionRun.objects.exists()
    for tail in ("", "compare/"):
        assert beta_admin.get(f"/console/commissions/runs/{run.pk}/{tail}").status_code == 404


# ---------------------------------------------------------------------------------------------------- runs


def test_preview_queues_a_run_and_the_progress_box_polls_until_done(alpha, admin, company):
    response = admin.post(f"/console/commissions/periods/{company['january'].pk}/preview/")
    with schema_context(alpha.schema):
        run = CommissionRun.objects.order_by("-id").first()
    assert (run.status, response["Location"]) == (RunStatus.QUEUED, f"/console/commissions/runs/{run.pk}/")
    fragment = admin.get(f"/console/commissions/runs/{run.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "Queued" in fragment
    done = admin.get(f"/console/commissions/runs/{company['run'].pk}/progress/", HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode() and "Open the review" in done.content.decode()


def test_review_shows_totals_charts_and_top_earners(admin, company):
    response = admin.get(f"/console/commissions/runs/{company['run'].pk}/review/")
    review = response.context["review"]
    assert (review["total_paid"], response.context["payout_percent"]) == (Decimal("40.00"), Decimal("10.00"))
    assert response.context["by_component"] == [{"label": "unilevel", "values": ["40.00"]}]
    assert {r["label"]: (r["values"][0], r["members"]) for r in response.context["by_rank"]} == {
        "bronze": ("10.00", 2), "silver": ("30.00", 2)
    }  # fmt: skip
    assert [t["earned"] for t in review["top_earners"]] == [Decimal("15.00"), Decimal("15.00"), Decimal("10.00")]
    assert response.context["can_approve"] and not response.context["can_post"]


def test_approve_then_post_once_and_the_post_button_disappears(alpha, admin, company):
    run = company["run"]
    confirm = admin.get(f"/console/commissions/runs/{run.pk}/approve/").content.decode()
    assert "<dt>Total paid</dt><dd>$40.00</dd>" in confirm and "<dt>Payees</dt><dd>3</dd>" in confirm
    assert "<dt>Period</dt><dd>2026-01-01 – 2026-01-31</dd>" in confirm
    unticked = admin.post(f"/console/commissions/runs/{run.pk}/approve/", {"expected_total": "40.00"})
    assert unticked.status_code == 400 and "Tick the box to confirm." in unticked.content.decode()
    ok = {"expected_total": "40.00", "confirm": "on"}
    assert admin.post(f"/console/commissions/runs/{run.pk}/approve/", ok).status_code == 302
    review = admin.get(f"/console/commissions/runs/{run.pk}/review/")
    assert review.context["can_post"] and "Post to the ledger" in review.content.decode()
    refused = admin.post(f"/console/commissions/runs/{run.pk}/post/", ok)
    assert refused.status_code == 400 and "is still open: orders paid in it would still count." in (
        refused.content.decode()
    )
    close = f"/console/commissions/periods/{company['january'].pk}/close/"
    assert admin.post(close, {"expected_total": "0", "confirm": "on"}).status_code == 302
    response = admin.post(f"/console/commissions/runs/{run.pk}/post/", ok)
    assert response["Location"] == f"/console/commissions/runs/{run.pk}/"
    review = admin.get(f"/console/commissions/runs/{run.pk}/review/")
    assert not review.context["can_post"] and "Post to the ledger" not in review.content.decode()  # queued
    with schema_context(alpha.schema):
        run_post(run=CommissionRun.objects.get(pk=run.pk), by=company["admin"])  # what the task does
    review = admin.get(f"/console/commissions/runs/{run.pk}/review/")
    assert "Post to the ledger" not in review.content.decode() and "Posted " in review.content.decode()
    again = admin.post(f"/console/commissions/runs/{run.pk}/post/", ok, follow=True)
    assert "is already posted; it posts once." in again.content.decode()
    with schema_context(alpha.schema):
        assert LedgerLine.objects.filter(kind=LedgerKind.COMMISSION).count() == 5


def test_run_lines_filter_by_member_and_bonus_and_explain_each_line(alpha, admin, company):
    run, b = company["run"], company["b"]
    response = admin.get(f"/console/commissions/runs/{run.pk}/lines/?member={b.number}&bonus=unilevel&paid=1")
    texts = [x["text"] for x in response.context["explained"]]
    order = company["orders"]["c"].number
    assert texts == [f"unilevel: 10.00 % of order #{order}'s CV 100.00 (credited to member #{company['c'].number}), "
                     "level 1 = $10.00"]  # fmt: skip
    post_run(alpha, company)
    response = admin.get(f"/console/commissions/runs/{run.pk}/lines/?member={company['root'].number}")
    assert response.context["posted"]
    assert [x["line"].amount for x in response.context["explained"]] == [Decimal("10.00"), Decimal("5.00")]
    assert (
        admin.get(f"/console/commissions/runs/{run.pk}/lines/?member=999999").context["page_obj"].paginator.count == 0
    )


def test_adjustment_needs_a_reason_and_records_the_admin(alpha, admin, company):
    response = admin.post("/console/commissions/adjustments/", {"member": company["b"].number, "amount": "12.50",
                                                                "reason": "  "})  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["This field is required."]
    response = admin.post("/console/commissions/adjustments/", {"member": 999999, "amount": "1", "reason": "x"})
    assert response.context["form"].errors["member"] == ["No member has the number 999999."]
    response = admin.post(
        "/console/commissions/adjustments/",
        {"member": company["b"].number, "amount": "12.50", "reason": "Missed bonus", "period": company["january"].pk},
    )
    assert response.status_code == 302
    with schema_context(alpha.schema):
        line = LedgerLine.objects.get(kind=LedgerKind.ADJUSTMENT)
    assert (line.payee_id, line.amount, line.reason, line.created_by.email) == (
        company["b"].pk, Decimal("12.50"), "Missed bonus", alpha.admin_email
    )  # fmt: skip
    assert "Missed bonus" in admin.get("/console/commissions/adjustments/").content.decode()


def test_payout_batch_with_threshold_csv_and_mark_paid(alpha, admin, company):
    post_run(alpha, company)
    asked = {"threshold": "12.00", "period": company["january"].pk}
    confirm = admin.post("/console/commissions/payouts/", asked).content.decode()
    assert "<dt>Total</dt><dd>$30.00</dd>" in confirm and "<dt>Payees</dt><dd>2</dd>" in confirm
    with schema_context(alpha.schema):
        assert not PayoutBatch.objects.exists()  # nothing until confirmed
    response = admin.post("/console/commissions/payouts/", {**asked, "expected_total": "30.00", "confirm": "on"})
    assert response.status_code == 302
    with schema_context(alpha.schema):
        batch = PayoutBatch.objects.get()
    assert (batch.item_count, batch.total) == (2, Decimal("30.00"))  # root 15, a 15; b's 10 waits
    rows = csv_rows(admin.get(f"/console/commissions/payouts/{batch.pk}/payout.csv"))
    assert [(r[1], r[4]) for r in rows[1:]] == [
        (str(company["root"].number), "15.00"),
        (str(company["a"].number), "15.00"),
    ]
    assert (
        "<dt>Total</dt><dd>$30.00</dd>" in admin.get(f"/console/commissions/payouts/{batch.pk}/paid/").content.decode()
    )
    admin.post(f"/console/commissions/payouts/{batch.pk}/paid/", {"expected_total": "30.00", "confirm": "on"})
    with schema_context(alpha.schema):
        batch.refresh_from_db()
        company["january"].refresh_from_db()
    assert (batch.status, company["january"].status) == ("paid", "paid")
    assert "Mark batch" not in admin.get("/console/commissions/payouts/").content.decode()


def test_trying_an_option_queues_the_plan_and_its_copy_and_the_comparison_lists_the_members(alpha, admin, company):
    refused = admin.post("/console/plans/what-if/", {"option": "nope", "period": company["january"].pk})
    assert refused.status_code == 400
    assert refused.context["form"].errors["option"] == [
        "Select a valid choice. nope is not one of the available choices."
    ]

    response = admin.post("/console/plans/what-if/", {"option": "missing_rank", "period": company["january"].pk})
    with schema_context(alpha.schema):
        base, variant = CommissionRun.objects.filter(kind=RunKind.SIMULATION).order_by("pk")
        assert (base.status, variant.status, variant.baseline) == (
            RunStatus.QUEUED, RunStatus.QUEUED, {"whatif": "missing_rank", "base_run": base.pk},
        )  # fmt: skip
        from plans.services import run_execute

        run_execute(run_id=base.pk)
        run_execute(run_id=variant.pk)
    assert response["Location"] == f"/console/commissions/runs/{variant.pk}/"
    page = admin.get(f"/console/commissions/runs/{variant.pk}/compare/")
    whatif = page.context["whatif"]
    changes = [(c.full_name, c.change, c.rank_before, c.rank_after) for c in whatif.changes]
    # The copy reads silver as bronze's 5 % (silver's 10 % row left out): the two silvers lose their differential.
    assert changes == [
        (company["a"].full_name, Decimal("-15"), "silver", "silver"),
        (company["root"].full_name, Decimal("-5"), "silver", "silver"),
    ]
    assert page.context["compare"]["difference"]["by_component"] == {"unilevel": "0.00", "stairstep": "-20.00"}
    body = page.content.decode()
    assert "Option tried: A rank left out of the stairstep rates" in body
    assert "2 members' pay or rank changes" in body
    assert f'<td data-label="Change">{money(Decimal("-15"), "USD")}</td>' in body
