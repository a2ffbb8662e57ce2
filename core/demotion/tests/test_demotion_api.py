"""The policy editor's rules (fairness acknowledgement), preview, report, a member's explanation, isolation."""

import copy
import datetime

import pytest
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.demotion.models import StageTransition
from core.demotion.policy import default_policy_document
from core.demotion.services.evaluation import evaluate_day
from core.demotion.tests.conftest import JOIN, keep_active, paid_subscription
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


def day(n):
    return JOIN + datetime.timedelta(days=n)


@pytest.fixture
def setup(enroll, alpha):
    house = enroll(None, username="house")
    pat = enroll(house, username="pat")
    paid_subscription(pat, JOIN)
    admin = User.objects.get(email=alpha.admin_email)
    return {"house": house, "pat": pat, "admin": admin}


def test_fairness_warnings_need_an_acknowledgement_which_is_recorded(setup, alpha):
    api = token_client(alpha, setup["admin"])
    document = copy.deepcopy(default_policy_document())
    document["psv_basis"] = "personal_purchases"
    refused = api.put("/api/v1/demotion/policy/", {"document": document}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["acknowledge"][0].startswith("personal_purchases_only:")
    codes = [
        "personal_purchases_only",
        "failed_charge_without_grace",
        "removed_while_selling",
        "terminated_for_not_purchasing",
        "downline_moves_hard_to_undo",
    ]
    saved = api.put("/api/v1/demotion/policy/", {"document": document, "acknowledge": codes}, format="json")
    assert saved.status_code == 201
    body = saved.json()
    assert body["acknowledged_warnings"] == codes and body["acknowledged_by"] == alpha.admin_email


def test_policy_templates_list_seed_003_and_fair_with_their_warnings(setup, alpha):
    api = token_client(alpha, setup["admin"])
    body = api.get("/api/v1/demotion/policy/templates/").json()
    assert [(t["key"], [w["code"] for w in t["warnings"]]) for t in body["results"]] == [
        ("seed_003", ["failed_charge_without_grace", "removed_while_selling", "downline_moves_hard_to_undo"]),
        ("fair", ["downline_moves_hard_to_undo"]),
    ]
    assert body["results"][1]["document"]["decline_grace_days"] == 14


def test_invalid_policy_names_the_field(setup, alpha):
    api = token_client(alpha, setup["admin"])
    document = copy.deepcopy(default_policy_document())
    document["stages"][1]["condition"]["subscription_unpaid_days"] = -5
    response = api.put("/api/v1/demotion/policy/", {"document": document}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["document.stages[1].condition.subscription_unpaid_days"]


def test_preview_changes_nobody(setup, alpha):
    api = token_client(alpha, setup["admin"])
    keep_active([setup["house"]], day(61))
    preview = api.post("/api/v1/demotion/preview/", {"day": day(61).isoformat()}, format="json").json()
    assert preview["counts"] == {"": 1, "commission_exclusion": 1}
    assert preview["changes"] == [{"member": setup["pat"].number, "from": "", "to": "commission_exclusion"}]
    assert StageTransition.objects.count() == 0


def test_report_as_of_a_date_and_csv(setup, alpha):
    keep_active([setup["house"]], day(60))
    evaluate_day(day=day(60))
    keep_active([setup["house"]], day(90))
    evaluate_day(day=day(90))
    api = token_client(alpha, setup["admin"])
    on_75 = api.get(f"/api/v1/demotion/report/?day={day(75).isoformat()}").json()
    assert on_75["counts"] == {"commission_exclusion": 1}
    assert on_75["results"] == [
        {"member": setup["pat"].number, "name": setup["pat"].full_name, "stage": "commission_exclusion"}
    ]
    on_59 = api.get(f"/api/v1/demotion/report/?day={day(59).isoformat()}").json()
    assert on_59["counts"] == {} and on_59["count"] == 0
    csv_text = api.get(f"/api/v1/demotion/report/?day={day(95).isoformat()}&export=csv").content.decode()
    assert csv_text.splitlines()[1].startswith(f"{setup['pat'].number},")
    assert csv_text.splitlines()[1].endswith("preferred_pricing_loss,2026-04-06")
    series = api.get(f"/api/v1/demotion/report/series/?start={day(59).isoformat()}&end={day(61).isoformat()}").json()
    assert series["stages"]["commission_exclusion"] == [0, 1, 1]


def test_member_reads_why_and_what_lifts_it(setup, alpha):
    keep_active([setup["house"]], day(60))
    evaluate_day(day=day(60))
    me = token_client(alpha, setup["pat"].user).get("/api/v1/demotion/me/").json()
    assert me["stage"] == "commission_exclusion"
    # Only the condition that holds: Pat joined 60 days ago, so the 90-day PSV window has not passed yet.
    assert me["why"] == [
        "Commission exclusion: your last paid back-office subscription was on 2026-01-01 (60 days ago)."
    ]
    assert me["what_lifts_it"] == [
        "Commission exclusion: pay your back-office subscription and reach 200.00 PSV within 90 days (you have 0.00)."
    ]
    other = token_client(alpha, setup["pat"].user).get(f"/api/v1/demotion/members/{setup['house'].number}/")
    assert other.status_code == 403


def test_company_b_sees_none_of_company_a(setup, alpha, beta):
    keep_active([setup["house"]], day(60))
    evaluate_day(day=day(60))
    with schema_context(beta.schema):
        beta_admin = User.objects.get(email=beta.admin_email)
    api = token_client(beta, beta_admin)
    assert api.get(f"/api/v1/demotion/report/?day={day(60).isoformat()}").json()["count"] == 0
    assert api.get(f"/api/v1/demotion/members/{setup['pat'].number}/").status_code == 404
    assert api.post(f"/api/v1/demotion/members/{setup['pat'].number}/reinstate/", {"reason": "x"}).status_code == 404
    with schema_context(beta.schema):
        assert not StageTransition.objects.exists()


def test_distributors_cannot_edit_or_run_the_policy(setup, alpha):
    api = token_client(alpha, setup["pat"].user)
    body = {"document": default_policy_document()}
    assert api.put("/api/v1/demotion/policy/", body, format="json").status_code == 403
    assert api.post("/api/v1/demotion/evaluations/", {"day": "2026-03-01"}).status_code == 403
    assert api.get("/api/v1/demotion/report/").status_code == 403
