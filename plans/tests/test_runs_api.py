"""The plans API end to end on one small company, the distributor's earnings, and tenant isolation."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from core.accounts.models import User
from plans.models import CommissionRun, LedgerLine, RunKind
from plans.services import run_execute
from plans.tasks import commission_run_execute, commission_run_post
from plans.tests.conftest import PLAN, buy
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alpha, admin):
    return token_client(alpha, admin)


@pytest.fixture
def bought(chain, product):
    for name in ("root", "a", "b", "c"):
        buy(chain[name])
    return chain


def _preview(api, period_id, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        queued = api.post(f"/api/v1/commission-periods/{period_id}/preview/")
    assert queued.status_code == 202, queued.json()
    assert (queued.json()["status"], len(callbacks)) == ("queued", 1)  # the task is sent once the request commits
    commission_run_execute.apply(args=[queued.json()["id"]])  # the task body, in this process
    return queued.json()["id"]


def _posted(api, django_capture_on_commit_callbacks):
    version = api.post("/api/v1/plan-versions/", {"document": PLAN}, format="json").json()
    assert (
        api.post(f"/api/v1/plan-versions/{version['id']}/activate/", {"effective_from": "2026-01-01"}).status_code
        == 200
    )
    period = api.post("/api/v1/commission-periods/", {"day": "2026-01-15"}).json()
    run_id = _preview(api, period["id"], django_capture_on_commit_callbacks)
    total = api.get(f"/api/v1/commission-runs/{run_id}/").json()["total_paid"]
    assert api.post(f"/api/v1/commission-runs/{run_id}/approve/", {"expected_total": total}).status_code == 200
    assert api.post(f"/api/v1/commission-periods/{period['id']}/close/").status_code == 200
    with django_capture_on_commit_callbacks() as callbacks:
        assert api.post(f"/api/v1/commission-runs/{run_id}/post/", {"expected_total": total}).status_code == 202
    assert len(callbacks) == 1
    admin_id = User.objects.get(email="admin@alpha.test").pk
    assert commission_run_post.apply(args=[run_id, admin_id]).get()["status"] == "posted"
    assert commission_run_post.apply(args=[run_id, admin_id]).get()["refused"]  # a retried task posts nothing
    return period, run_id


def test_plan_versions_validate_create_and_activate(api, in_alpha, chain):
    bad = {**PLAN, "components": [{"type": "unilevel", "rates": ["150"]}]}
    refused = api.post("/api/v1/plan-versions/", {"document": bad}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["document.components[0].rates[0]"]
    checked = api.post("/api/v1/plan-versions/validate/", {"document": PLAN}, format="json").json()
    assert checked == {
        "valid": True,
        "name": "Test unilevel",
        "ranks": ["bronze", "silver"],
        "components": ["unilevel"],
    }
    created = api.post("/api/v1/plan-versions/", {"document": PLAN, "name": "2026"}, format="json")
    assert created.status_code == 201
    version = created.json()
    assert (version["number"], version["is_draft"], version["name"]) == (1, True, "2026")
    not_a_start = api.post(f"/api/v1/plan-versions/{version['id']}/activate/", {"effective_from": "2026-01-15"})
    assert not_a_start.status_code == 400
    assert "is not the start of a commission period" in not_a_start.json()["errors"]["effective_from"][0]
    active = api.post(f"/api/v1/plan-versions/{version['id']}/activate/", {"effective_from": "2026-01-01"}).json()
    assert (active["is_draft"], active["effective_from"]) == (False, "2026-01-01")
    assert api.get("/api/v1/plan-versions/").json()["count"] == 1
    distributor = token_client(in_alpha, chain["a"].user)
    assert distributor.get("/api/v1/plan-versions/").status_code == 403
    assert distributor.post("/api/v1/plan-versions/", {"document": PLAN}, format="json").status_code == 403


def test_preview_review_approve_post_and_lines(api, bought, django_capture_on_commit_callbacks):
    period, run_id = _posted(api, django_capture_on_commit_callbacks)
    run = api.get(f"/api/v1/commission-runs/{run_id}/").json()
    assert (run["kind"], run["status"], run["progress"], run["total_paid"]) == ("final", "posted", 100, "40.00")
    again = api.post(f"/api/v1/commission-runs/{run_id}/post/", {"expected_total": "40.00"})
    assert again.status_code == 400
    assert "already posted" in again.json()["errors"]["run"][0]
    review = api.get(f"/api/v1/commission-runs/{run_id}/review/").json()
    assert (review["total_paid"], review["payout_ratio"], review["by_component"]) == (
        "40.00", "0.1000", {"unilevel": "40.00"},
    )  # fmt: skip
    c, a = bought["c"], bought["a"]
    lines = api.get(f"/api/v1/commission-runs/{run_id}/lines/?member={a.number}").json()
    assert lines["count"] == 2
    level2 = next(x for x in lines["results"] if x["explanation"]["member_number"] == c.number)
    assert level2["amount"] == "5.00"
    order_number = level2["explanation"]["order_number"]
    assert level2["text"] == (
        f"unilevel: 5.00 % of order #{order_number}'s CV 100.00 (credited to member #{c.number}), level 2 = 5.00"
    )
    ledger = api.get(f"/api/v1/commission-runs/{run_id}/ledger/").json()
    assert ledger["count"] == 5
    assert sum(Decimal(x["amount"]) for x in ledger["results"]) == Decimal("40.00")
    assert api.get("/api/v1/commission-periods/").json()["results"][0]["status"] == "posted"


def test_simulation_with_a_draft_compares_with_the_actual_run(api, bought, django_capture_on_commit_callbacks):
    period, run_id = _posted(api, django_capture_on_commit_callbacks)
    richer = {**PLAN, "components": [{"type": "unilevel", "code": "unilevel", "rates": ["20", "10"]}]}
    with django_capture_on_commit_callbacks():
        queued = api.post(
            "/api/v1/commission-simulations/", {"period": period["id"], "document": richer}, format="json"
        )
    assert queued.status_code == 202
    run_execute(run_id=queued.json()["id"])
    compare = api.get(f"/api/v1/commission-runs/{queued.json()['id']}/compare/").json()
    assert (compare["simulation"]["total_paid"], compare["actual"]["total_paid"]) == ("80.00", "40.00")
    assert compare["actual"]["run"] == run_id
    assert (compare["difference"]["total_paid"], compare["difference"]["payout_ratio"]) == ("40.00", "0.1000")
    assert compare["difference"]["by_component"] == {"unilevel": "40.00"}
    sim = CommissionRun.objects.get(pk=queued.json()["id"])
    assert sim.kind == RunKind.SIMULATION
    assert LedgerLine.objects.filter(run=sim).count() == 0  # a simulation never posts
    assert LedgerLine.objects.count() == 5


def test_simulation_on_a_generated_company(api, in_alpha, plan, django_capture_on_commit_callbacks):
    body = {"generated": {"members": 500, "seed": 3}, "plan_version": plan.pk}
    with django_capture_on_commit_callbacks():
        queued = api.post("/api/v1/commission-simulations/", body, format="json")
    run = run_execute(run_id=queued.json()["id"])
    assert (run.status, run.member_count) == ("done", 500)
    compare = api.get(f"/api/v1/commission-runs/{run.pk}/compare/").json()
    assert compare["actual"]["kind"] == "active_plan_on_generated_company"
    assert compare["difference"]["total_paid"] == "0.00"  # same plan on the same generated members
    too_big = api.post("/api/v1/commission-simulations/", {"generated": {"members": 0}, "plan_version": plan.pk},
                       format="json")  # fmt: skip
    assert list(too_big.json()["errors"]) == ["generated.members"]


def test_a_simulation_on_a_generated_company_cannot_be_approved(
    api, in_alpha, plan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        queued = api.post(
            "/api/v1/commission-simulations/", {"generated": {"members": 50}, "plan_version": plan.pk}, format="json"
        )
    run = run_execute(run_id=queued.json()["id"])
    refused = api.post(f"/api/v1/commission-runs/{run.pk}/approve/", {"expected_total": "0.00"})
    assert (refused.status_code, refused.json()["errors"]["run"]) == (
        400,
        ["This run is a simulation on a generated company; it has no period."],
    )


def test_generated_comparison_reads_the_baseline_the_task_stored(
    api, in_alpha, plan, django_capture_on_commit_callbacks
):
    body = {"generated": {"members": 300, "seed": 5}, "plan_version": plan.pk}
    with django_capture_on_commit_callbacks():
        queued = api.post("/api/v1/commission-simulations/", body, format="json")
    run = run_execute(run_id=queued.json()["id"])
    # The task ran the plan in effect (the same version) on the same members: the baseline equals the run's totals.
    assert run.baseline["plan_version"] == plan.pk
    assert (Decimal(run.baseline["total_paid"]), Decimal(run.baseline["total_cv"])) == (run.total_paid, run.total_cv)
    compare = api.get(f"/api/v1/commission-runs/{run.pk}/compare/").json()
    assert (compare["actual"]["total_paid"], compare["baseline_missing"]) == (str(run.total_paid), False)

    # The page reads what is stored and calculates nothing: a changed baseline shows as it is.
    stored = {**run.baseline, "total_paid": "1.00", "by_component": {"unilevel": "1.00"}}
    CommissionRun.objects.filter(pk=run.pk).update(baseline=stored)
    compare = api.get(f"/api/v1/commission-runs/{run.pk}/compare/").json()
    assert compare["actual"]["total_paid"] == "1.00"
    assert compare["difference"]["total_paid"] == str(run.total_paid - Decimal("1.00"))

    # A run finished before baselines were stored says so instead of calculating one.
    CommissionRun.objects.filter(pk=run.pk).update(baseline=None)
    compare = api.get(f"/api/v1/commission-runs/{run.pk}/compare/").json()
    assert (compare["actual"], compare["difference"], compare["baseline_missing"]) == (None, None, True)


def test_adjustments_and_payouts(api, bought, django_capture_on_commit_callbacks):
    period, run_id = _posted(api, django_capture_on_commit_callbacks)
    c = bought["c"]
    missing = api.post("/api/v1/ledger-adjustments/", {"member": c.number, "amount": "5.00", "reason": ""})
    assert missing.status_code == 400
    made = api.post("/api/v1/ledger-adjustments/", {"member": c.number, "amount": "20.00", "reason": "Goodwill",
                                                    "period": period["id"]})  # fmt: skip
    assert made.status_code == 201
    assert (made.json()["kind"], made.json()["created_by"], made.json()["reason"]) == (
        "adjustment", "admin@alpha.test", "Goodwill",
    )  # fmt: skip
    assert api.get("/api/v1/ledger-adjustments/").json()["count"] == 1
    unconfirmed = api.post(f"/api/v1/commission-runs/{run_id}/payout/", {"threshold": "15.00"})
    assert (unconfirmed.status_code, list(unconfirmed.json()["errors"])) == (400, ["expected_total"])
    seen_other = api.post(f"/api/v1/commission-runs/{run_id}/payout/", {"threshold": "15.00", "expected_total": "45"})
    assert (seen_other.status_code, seen_other.json()["errors"]["expected_total"]) == (
        409, ["The total is now 50.00 USD to 3 payees, not 45.00: check it and confirm again."],
    )  # fmt: skip
    assert api.get("/api/v1/payout-batches/").json()["count"] == 0  # nothing written
    batch = api.post(
        f"/api/v1/commission-runs/{run_id}/payout/", {"threshold": "15.00", "expected_total": "50.00"}
    ).json()
    assert (batch["item_count"], batch["total"], batch["period_start"]) == (3, "50.00", "2026-01-01")  # b's 10 waits
    csv_response = api.get(f"/api/v1/payout-batches/{batch['id']}/csv/")
    assert csv_response["Content-Type"] == "text/csv"
    assert len(csv_response.content.decode().strip().splitlines()) == 4
    assert api.post(f"/api/v1/payout-batches/{batch['id']}/paid/").json()["errors"] == {
        "expected_total": ["This field is required."]
    }
    paid = api.post(f"/api/v1/payout-batches/{batch['id']}/paid/", {"expected_total": "50.00"})
    assert paid.json()["status"] == "paid"
    audit = api.get("/api/v1/money-audit/").json()
    assert [(e["action"], e["amount"], e["payees"], e["by_email"]) for e in audit["results"]] == [
        ("payout_paid", "50.00", 3, "admin@alpha.test"),
        ("payout_create", "50.00", 3, "admin@alpha.test"),
        ("adjustment", "20.00", 1, "admin@alpha.test"),
        ("run_post", "40.00", 3, "admin@alpha.test"),
        ("period_close", None, None, "admin@alpha.test"),
        ("run_approve", "40.00", 3, "admin@alpha.test"),
    ]
    assert api.get("/api/v1/commission-periods/").json()["results"][0]["status"] == "paid"


def test_distributor_sees_only_their_own_earnings(alpha, api, bought, django_capture_on_commit_callbacks):
    period, run_id = _posted(api, django_capture_on_commit_callbacks)
    a, b = bought["a"], bought["b"]
    mine = token_client(alpha, a.user).get("/api/v1/earnings/").json()
    assert (mine["number"], mine["earned"], mine["balance"]) == (a.number, "15.00", "15.00")
    assert mine["periods"] == [{"period": period["id"], "start": "2026-01-01", "end": "2026-01-31",
                                "status": "posted", "total": "15.00", "by_bonus": {"unilevel": "15.00"}}]  # fmt: skip
    lines = token_client(alpha, a.user).get(f"/api/v1/earnings/{period['id']}/").json()
    assert lines["count"] == 2
    assert all(line["payee_number"] == a.number for line in lines["results"])
    assert {line["text"].split(" = ")[1] for line in lines["results"]} == {"10.00", "5.00"}
    theirs = token_client(alpha, b.user).get(f"/api/v1/earnings/{period['id']}/").json()
    assert [line["payee_number"] for line in theirs["results"]] == [b.number]
    for path in ("/api/v1/commission-runs/", f"/api/v1/commission-runs/{run_id}/lines/", "/api/v1/payout-batches/"):
        assert token_client(alpha, a.user).get(path).status_code == 403


def test_company_b_cannot_see_or_touch_company_a_runs(alpha, beta, api, bought, django_capture_on_commit_callbacks):
    period, run_id = _posted(api, django_capture_on_commit_callbacks)
    batch = api.post(
        f"/api/v1/commission-runs/{run_id}/payout/", {"threshold": "1.00", "expected_total": "40.00"}
    ).json()
    version_id = api.get("/api/v1/plan-versions/").json()["results"][0]["id"]
    a_user = bought["a"].user  # read now: a request on beta's host leaves the connection in beta's schema
    with schema_context(beta.schema):
        beta_admin = User.objects.get(email=beta.admin_email)
    other = token_client(beta, beta_admin)
    for path in ("/api/v1/plan-versions/", "/api/v1/commission-periods/", "/api/v1/commission-runs/",
                 "/api/v1/ledger-adjustments/", "/api/v1/payout-batches/"):  # fmt: skip
        assert other.get(path).json()["count"] == 0, path
    for path in (f"/api/v1/plan-versions/{version_id}/", f"/api/v1/commission-runs/{run_id}/",
                 f"/api/v1/commission-runs/{run_id}/review/", f"/api/v1/commission-runs/{run_id}/lines/",
                 f"/api/v1/commission-runs/{run_id}/ledger/", f"/api/v1/commission-runs/{run_id}/compare/",
                 f"/api/v1/payout-batches/{batch['id']}/csv/"):  # fmt: skip
        assert other.get(path).status_code == 404, path
    for path in (f"/api/v1/commission-runs/{run_id}/approve/", f"/api/v1/commission-runs/{run_id}/post/",
                 f"/api/v1/commission-periods/{period['id']}/preview/", f"/api/v1/payout-batches/{batch['id']}/paid/",
                 f"/api/v1/plan-versions/{version_id}/activate/"):  # fmt: skip
        assert other.post(path, {"effective_from": "2026-03-01"}).status_code == 404, path
    simulated = other.post("/api/v1/commission-simulations/", {"period": period["id"], "plan_version": version_id},
                           format="json")  # fmt: skip
    assert simulated.status_code == 404
    adjusted = other.post("/api/v1/ledger-adjustments/", {"member": bought["a"].number, "amount": "1", "reason": "x"})
    assert adjusted.status_code == 400  # no such member in company B
    # alpha's distributor token means nothing on beta's host
    alpha_token_on_beta = token_client(alpha, a_user)
    alpha_token_on_beta.defaults["HTTP_HOST"] = beta.host
    assert alpha_token_on_beta.get("/api/v1/earnings/").status_code == 401
    with schema_context(beta.schema):
        assert CommissionRun.objects.count() == 0 and LedgerLine.objects.count() == 0


def test_a_generated_company_recipe_is_checked_before_the_run_is_queued(api, in_alpha, plan):
    body = {"generated": {"members": 10, "orders_per_member": "2", "seed": -1, "size": 3}, "plan_version": plan.pk}
    refused = api.post("/api/v1/commission-simulations/", body, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "generated": ["Unknown field(s): size."],
        "generated.orders_per_member": ["A number above 0 and at most 20."],
        "generated.seed": ["A whole number of at least 0."],
    }
    assert not CommissionRun.objects.exists()


def test_a_previews_lines_are_paged_by_line_number_without_counting_or_skipping_rows(
    api, bought, django_capture_on_commit_callbacks
):
    """The five lines of the chain's preview, two a page: each page is a range of line numbers (a run's lines are
    numbered from 0 without gaps as they are written), counted from the run itself, so a page of a 10M-line run costs
    what the first page costs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    version = api.post("/api/v1/plan-versions/", {"document": PLAN}, format="json").json()
    api.post(f"/api/v1/plan-versions/{version['id']}/activate/", {"effective_from": "2026-01-01"})
    period = api.post("/api/v1/commission-periods/", {"day": "2026-01-15"}).json()
    run_id = _preview(api, period["id"], django_capture_on_commit_callbacks)
    pages = []
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"/api/v1/commission-runs/{run_id}/lines/?page_size=2&page={page}").json()
        lines_sql = [q["sql"] for q in queries.captured_queries if '"plans_runline"' in q["sql"]]
        assert lines_sql and not any("OFFSET" in sql or "COUNT(" in sql for sql in lines_sql)
        pages.append((body["count"], [x["line_no"] for x in body["results"]]))
    assert pages == [(5, [0, 1]), (5, [2, 3]), (5, [4])]
    amounts = sorted(
        x["amount"] for page in (1, 2, 3)
        for x in api.get(f"/api/v1/commission-runs/{run_id}/lines/?page_size=2&page={page}").json()["results"]
    )  # fmt: skip
    assert amounts == ["10.00", "10.00", "10.00", "5.00", "5.00"]
    paid = api.get(f"/api/v1/commission-runs/{run_id}/lines/?paid=true&page_size=2&page=3").json()
    assert (paid["count"], len(paid["results"])) == (5, 1)  # a filtered list is still paged (by offset)
