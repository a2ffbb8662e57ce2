"""The console's demotion pages: the policy editor (stage form and JSON) with errors next to the field and the
recorded fairness acknowledgement, the preview, the as-of report with CSV, reinstatement, and the member's own
standing page."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.commerce.services.commerce_settings import commerce_settings_get
from core.demotion.models import DemotionPolicyVersion, MemberStage
from core.demotion.policy import default_policy_document
from core.demotion.services.evaluation import evaluate_day
from core.members.models import Member
from frontend.tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fee_charged(alpha):
    """The back-office fee is on, so days without a paid subscription count."""
    with schema_context(alpha.schema):
        row = commerce_settings_get()
        row.subscription_enabled = True
        row.save()


def _form_data(client, **changes) -> dict:
    """The editor's form as the browser would post it, with ``changes`` (field name -> value) applied."""
    response = client.get("/console/demotion/")
    data = {}
    settings_form = response.context["settings_form"]
    for name, _field in settings_form.fields.items():
        value = settings_form.initial.get(name)
        if isinstance(value, bool):
            if value:
                data[f"policy-{name}"] = "on"
        else:
            data[f"policy-{name}"] = value
    formset = response.context["formset"]
    data.update({f"stages-{k}": v for k, v in formset.management_form.initial.items()})
    for i, form in enumerate(formset.forms):
        for name in form.fields:
            if name == "DELETE":
                continue
            value = form[name].value()  # what the browser posts: the initial, or the field's default
            key = f"stages-{i}-{name}"
            if value is None or value is False:
                continue
            data[key] = "on" if value is True else value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


SEED_WARNINGS = ["failed_charge_without_grace", "removed_while_selling", "downline_moves_hard_to_undo"]


def test_editor_shows_each_error_next_to_its_stage_field(alpha, admin_client):
    data = _form_data(admin_client, **{"stages-1-subscription_unpaid_days": "0", "stages-2-name": ""})
    response = admin_client.post("/console/demotion/", data)
    assert response.status_code == 400
    forms = response.context["formset"].forms
    assert forms[1].errors["subscription_unpaid_days"] == ["Must be at least 1."]
    assert forms[2].errors["name"] == ["Give the stage a name."]
    with schema_context(alpha.schema):
        assert DemotionPolicyVersion.objects.count() == 1  # the default, written on first read


def test_editor_saves_a_changed_stage_and_drops_a_deleted_one(alpha, admin_client):
    data = _form_data(admin_client, **{"stages-1-subscription_unpaid_days": "75", "stages-10-DELETE": "on"})
    response = admin_client.post("/console/demotion/", {**data, "action": "save", "acknowledge": SEED_WARNINGS})
    assert response.status_code == 302, response.context and response.context["errors"]
    with schema_context(alpha.schema):
        document = DemotionPolicyVersion.objects.order_by("-id").first().document
    assert document["stages"][1]["condition"]["subscription_unpaid_days"] == 75
    assert [s["key"] for s in document["stages"]][-1] == "pending_downline_loss_3"


def test_fairness_warning_needs_the_checkbox_and_is_recorded(alpha, admin_client):
    data = _form_data(admin_client, **{"policy-psv_basis": "personal_purchases"})
    refused = admin_client.post("/console/demotion/", {**data, "action": "save"})
    assert refused.status_code == 400 and refused.context["needs_acknowledgement"] is True
    codes = ["personal_purchases_only", *SEED_WARNINGS[:2], "terminated_for_not_purchasing", SEED_WARNINGS[2]]
    assert [w.code for w in refused.context["warnings"]] == codes
    assert 'name="acknowledge" value="personal_purchases_only"' in refused.content.decode()
    saved = admin_client.post("/console/demotion/", {**data, "action": "save", "acknowledge": codes})
    assert saved.status_code == 302
    with schema_context(alpha.schema):
        version = DemotionPolicyVersion.objects.order_by("-id").first()
        assert (version.acknowledged_warnings, version.acknowledged_by.email) == (codes, alpha.admin_email)


def test_start_from_the_fair_template(alpha, admin_client):
    page = admin_client.get("/console/demotion/?template=fair")
    assert page.status_code == 200
    assert page.context["settings_form"].initial["decline_grace_days"] == 14
    assert [w.code for w in page.context["warnings"]] == ["downline_moves_hard_to_undo"]
    assert 'href="?template=seed_003"' in page.content.decode()
    with schema_context(alpha.schema):
        assert DemotionPolicyVersion.objects.count() == 1  # nothing saved until "Save"


def test_json_editor_reports_paths_and_bad_json(alpha, admin_client):
    bad = admin_client.post("/console/demotion/?mode=json", {"document": "{nope", "action": "save"})
    assert bad.context["json_form"].errors["document"][0].startswith("Not valid JSON:")
    document = default_policy_document()
    document["stages"][0]["actions"] = ["explode"]
    import json

    wrong = admin_client.post("/console/demotion/?mode=json", {"document": json.dumps(document), "action": "save"})
    assert wrong.context["json_form"].errors["document"] == [
        "stages[0].actions[0]: Unknown action 'explode'; choose from notice, access_demotion, commission_exclusion, "
        "preferred_pricing_loss, login_deactivation, move_downline, move_to_terminated_tree."
    ]


def test_preview_of_a_draft_and_of_the_policy_in_force_writes_nothing(alpha, admin_client, org):
    day = (timezone.localdate() + datetime.timedelta(days=61)).isoformat()
    page = admin_client.get(f"/console/demotion/preview/?day={day}")
    preview = page.context["preview"]
    assert (preview["members_evaluated"], preview["changes_total"]) == (5, 5)
    assert dict(preview["counts"]) == {"Commission exclusion": 5}
    data = _form_data(admin_client, **{"stages-1-subscription_unpaid_days": "90", "stages-1-psv_window_days": "120"})
    draft = admin_client.post("/console/demotion/", {**data, "action": "preview", "preview-day": day})
    assert draft.context["preview"]["changes_total"] == 0
    with schema_context(alpha.schema):
        assert not MemberStage.objects.exists()


PSV_TOGETHER = "Give both the minimum sales volume and its window in days, or neither."


def test_editor_error_summary_links_each_field_and_opens_its_stage(alpha, admin_client):
    data = _form_data(admin_client, **{"stages-1-subscription_unpaid_days": "0", "stages-2-name": ""})
    response = admin_client.post("/console/demotion/", data)
    assert response.status_code == 400
    assert response.context["error_summary"] == [
        {
            "href": "#id_stages-1-subscription_unpaid_days",
            "label": "Stage 2 (Commission exclusion): Days since the last paid subscription, at least",
            "message": "Must be at least 1.",
        },
        {
            "href": "#id_stages-2-name",
            "label": "Stage 3 (Preferred pricing loss): Name",
            "message": "Give the stage a name.",
        },
    ]
    html = response.content.decode()
    assert (
        '<li><a href="#id_stages-1-subscription_unpaid_days">Stage 2 (Commission exclusion): Days since the last paid '
        "subscription, at least: Must be at least 1.</a></li>"
    ) in html
    assert 'id="stage-1" data-testid="stage-1" open>' in html
    assert 'id="stage-3" data-testid="stage-3">' in html  # a stage without problems stays closed
    assert 'id="id_stages-1-subscription_unpaid_days"' in html  # the anchor's target


def test_editor_psv_minimum_and_window_go_together_in_words(alpha, admin_client):
    missing = admin_client.post("/console/demotion/", _form_data(admin_client, **{"stages-1-psv_window_days": ""}))
    assert missing.status_code == 400
    assert missing.context["formset"].forms[1].errors == {"psv_window_days": [PSV_TOGETHER]}
    only_window = admin_client.post("/console/demotion/", _form_data(admin_client, **{"stages-1-psv_min": ""}))
    assert only_window.context["formset"].forms[1].errors == {"psv_min": [PSV_TOGETHER]}
    # Both given, the window invalid: only the window's own message, not "give both".
    both = admin_client.post("/console/demotion/", _form_data(admin_client, **{"stages-1-psv_window_days": "0"}))
    assert both.context["formset"].forms[1].errors == {"psv_window_days": ["Must be at least 1."]}
    assert PSV_TOGETHER not in both.content.decode()


def test_preview_pages_names_members_and_downloads_every_change(alpha, admin_client, org, monkeypatch):
    monkeypatch.setattr("frontend.console.views.demotion.PREVIEW_PAGE_SIZE", 2)
    day = (timezone.localdate() + datetime.timedelta(days=61)).isoformat()
    first = admin_client.get(f"/console/demotion/preview/?day={day}")
    preview = first.context["preview"]
    rows = [(c["member"].number, c["member"].full_name, c["from"], c["to"]) for c in preview["page_obj"]]
    assert rows == [
        (org.root.number, "House Tester", "In good standing", "Commission exclusion"),
        (org.ann.number, "Ann Tester", "In good standing", "Commission exclusion"),
    ]
    html = first.content.decode()
    assert "Changes (1–2 of 5)" in html
    assert f'href="?day={day}&amp;page=2"' in html
    assert f'href="?day={day}&amp;export=csv"' in html
    last = admin_client.get(f"/console/demotion/preview/?day={day}&page=3")
    assert [c["member"].full_name for c in last.context["preview"]["page_obj"]] == ["Dan Tester"]
    csv = admin_client.get(f"/console/demotion/preview/?day={day}&export=csv")
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0] == "member_number,name,from_stage,to_stage,day"
    assert len(lines) == 6
    assert lines[2] == f"{org.ann.number},Ann Tester,In good standing,Commission exclusion,{day}"
    data = _form_data(admin_client)
    draft = admin_client.post(
        "/console/demotion/", {**data, "action": "preview", "preview-day": day, "preview_page": "2"}
    )
    assert [c["member"].full_name for c in draft.context["preview"]["page_obj"]] == ["Bob Tester", "Cat Tester"]
    draft_csv = admin_client.post("/console/demotion/", {**data, "action": "preview_csv", "preview-day": day})
    assert b"".join(draft_csv.streaming_content).decode().splitlines()[5] == (
        f"{org.dan.number},Dan Tester,In good standing,Commission exclusion,{day}"
    )


@pytest.fixture
def staged(alpha, org):
    """Everyone in alpha's org at commission exclusion, 61 days after joining."""
    day = timezone.localdate() + datetime.timedelta(days=61)
    with schema_context(alpha.schema):
        evaluate_day(day=day, send_notices=False)
    return day


def test_report_counts_list_and_csv(admin_client, org, staged):
    page = admin_client.get(f"/console/demotion/report/?day={staged.isoformat()}")
    assert {key: n for key, _, n in page.context["counts"]}["commission_exclusion"] == 5
    assert [m.username for m, _ in page.context["page_obj"]] == ["house", "ann", "bob", "cat", "dan"]
    assert page.context["chart"]["days"][-1] == staged.isoformat()
    before = admin_client.get(f"/console/demotion/report/?day={(staged - datetime.timedelta(days=1)).isoformat()}")
    assert list(before.context["page_obj"]) == []
    csv = admin_client.get(f"/console/demotion/report/?day={staged.isoformat()}&export=csv")
    rows = b"".join(csv.streaming_content).decode().splitlines()
    assert rows[0] == "member_number,name,email,stage,day"
    assert rows[2] == f"{org.ann.number},Ann Tester,ann@example.test,commission_exclusion,{staged.isoformat()}"


def test_member_reads_where_they_stand_and_admin_reinstates(alpha, admin_client, ann_client, org, staged):
    dashboard = ann_client.get("/office/")
    assert "Account standing: Commission exclusion" in dashboard.content.decode()
    standing = ann_client.get("/office/standing/")
    assert standing.context["standing"].stage_key == "commission_exclusion"
    assert "no back-office subscription payment is on record" in standing.content.decode()
    assert [t.to_stage for t in standing.context["page_obj"]] == ["commission_exclusion"]
    member_page = admin_client.get(f"/console/members/{org.ann.number}/")
    assert member_page.context["standing"].stage_name == "Commission exclusion"
    missing = admin_client.post(f"/console/members/{org.ann.number}/reinstate/", {"reinstate-reason": ""})
    assert missing.status_code == 400
    assert missing.context["reinstate_form"].errors["reason"] == ["This field is required."]
    admin_client.post(f"/console/members/{org.ann.number}/reinstate/", {"reinstate-reason": "Paid by check"})
    with schema_context(alpha.schema):
        assert MemberStage.objects.get(member=org.ann).stage_key == ""
        assert not Member.objects.get(pk=org.ann.pk).commission_excluded
    assert ann_client.get("/office/").context["standing"].stage_key == ""


def test_company_b_sees_its_own_policy_and_none_of_company_a_stages(alpha, beta, org, staged, admin_client):
    admin_client.post(
        "/console/demotion/",
        {
            **_form_data(admin_client, **{"policy-decline_grace_days": "3"}),
            "action": "save",
            "acknowledge": SEED_WARNINGS[1:],
        },
    )
    beta_admin = signed_in(beta, beta.admin_email)
    assert beta_admin.get("/console/demotion/").context["settings_form"].initial["decline_grace_days"] == 0
    report = beta_admin.get(f"/console/demotion/report/?day={staged.isoformat()}")
    assert list(report.context["page_obj"]) == []
    assert beta_admin.get(f"/console/members/{org.ann.number}/reinstate/").status_code == 404


def test_demo_history_fills_the_report_chart_over_time(alpha, admin_client, org):
    """infra.demo_data evaluates the past 90 days in order, so the as-of chart rises on the day the members reach a
    stage rather than sitting at zero until the last day."""
    from infra.demo_data import _demotion_history

    today = timezone.localdate() + datetime.timedelta(days=70)  # the members joined 70 days before "today"
    with schema_context(alpha.schema):
        _demotion_history(today)
    chart = admin_client.get(f"/console/demotion/report/?day={today.isoformat()}").context["chart"]
    assert (len(chart["days"]), chart["days"][0]) == (91, (today - datetime.timedelta(days=90)).isoformat())
    series = {s["label"]: s["data"] for s in chart["stages"]}
    exclusion = series["Commission exclusion"]
    joined = 20  # the chart's first day is 20 days before the members joined
    assert exclusion[: joined + 60] == [0] * (joined + 60)
    assert exclusion[joined + 60 :] == [5] * 11  # day 60 after joining: 60 days without a paid fee
