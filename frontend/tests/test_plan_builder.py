"""The plan builder: form values <-> plan document (exact both ways, on every example plan), the fields read off the
validators, errors in plain words at their field, the add/remove/reorder buttons, the worked example, and the pages.

The worked example's sample team (plans/worked_example.py): You <- Ann <- Ben <- Cal <- Dee, plus Eve and Fay under
You. With the unilevel example plan everyone above Dee is active; You are Silver (GV 1,160 with 3 active sponsored:
depth 4), the others Consultant (depth 3). Dee's 100 CV order pays Cal 5 % (5.00), Ben 5 % (5.00), Ann 4 % (4.00) and
You level 4 at 3 % = 3.00.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_context

import plans.engine
from conftest import PASSWORD
from frontend.console.plan_builder import apply_action, builder, matching_example
from frontend.console.plan_form import data_from_document, document_from_data, representable
from frontend.tests.conftest import signed_in
from plans.engine import plan_from_document
from plans.engine.fields import component_fields, rank_fields
from plans.models import PlanVersion
from plans.worked_example import worked_example
from tests.factories.members import CompanyStaffFactory

EXAMPLES = Path(plans.engine.__file__).parent / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.json"))


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def errors_of(document: dict) -> dict[str, list[str]]:
    try:
        plan_from_document(document)
    except plans.engine.PlanError as exc:
        return exc.errors
    return {}


def _all_inputs(page) -> list:
    inputs = [*page.top, *page.active, *(i for r in page.ranks for i in r.inputs)]
    for row in page.ranks:
        inputs += [cell for leg in (row.legs.rows if row.legs else []) for cell in leg]
    for card in page.cards:
        for f in card.fields:
            if f.kind == "rank_map":
                inputs += f.inputs
            elif f.kind == "rows":
                inputs += [cell for row in f.rows for cell in row]
            else:
                inputs.append(f)
    return inputs


def field_errors(data: dict[str, str]) -> dict[str, list[str]]:
    """{input name: its plain-word errors} as the builder shows them."""
    page = builder(data, errors_of(document_from_data(data)))
    return {item.name: item.errors for item in _all_inputs(page) if item.errors}


# ---------------------------------------------------------------------------------------------------- the mapping


@pytest.mark.parametrize("name", NAMES)
def test_every_example_plan_goes_through_the_form_unchanged(name):
    document = example(name)
    again = document_from_data(data_from_document(document))
    assert again == document
    assert json.dumps(again, indent=2) == json.dumps(document, indent=2)  # same key order: the same JSON text
    assert representable(document)


@pytest.mark.parametrize("name", NAMES)
def test_form_to_json_to_form_gives_the_identical_form(name):
    data = data_from_document(example(name))
    data["ranks[1].min_gv"] = "1500"
    data["components[0].code"] = "renamed"
    document = document_from_data(data)
    assert data_from_document(json.loads(json.dumps(document))) == data


def test_the_fields_are_read_off_the_validators():
    binary = {f.key: f.kind for f in component_fields("binary")}
    # Options added to the document later (issue 20's qualification by leg and flush, the differential) appear too.
    assert binary == {
        "rate": "percent", "carryover_cap": "volume", "pairing_cap": "money", "sponsored_per_leg": "int",
        "flush_inactive_after": "int",
    }  # fmt: skip
    unilevel = {f.key: (f.kind, f.item.kind if f.item else None) for f in component_fields("unilevel")}
    assert unilevel == {
        "rates": ("percents", None), "depth_by_rank": ("rank_map", "int"), "compression": ("bool", None),
        "differential": ("bool", None),
    }  # fmt: skip
    party = next(f for f in component_fields("party") if f.key == "host_tiers")
    assert [(c.key, c.kind, c.required) for c in party.columns] == [
        ("min_sales", "money", True), ("reward", "percent", False), ("bonus", "money", False)
    ]  # fmt: skip
    legs = next(f for f in rank_fields() if f.key == "legs")
    assert [(c.key, c.kind) for c in legs.columns] == [("count", "int"), ("rank", "rank")]
    matrix_width = next(f for f in component_fields("matrix") if f.key == "width")
    assert (matrix_width.minimum, matrix_width.maximum, matrix_width.required) == (1, 100, True)


def test_a_field_the_form_does_not_know_is_kept():
    document = example("unilevel")
    document["ranks"][0]["future_option"] = {"x": 1}
    document["components"][0]["other"] = ["a"]
    document["extra_top"] = True
    assert document_from_data(data_from_document(document)) == document


# ---------------------------------------------------------------------------------------------------- plain words


@pytest.mark.parametrize(
    ("name", "typed", "expected"),
    [
        ("ranks[1].min_gv", "fifty", "Enter a number, like 50"),
        ("ranks[1].min_gv", "-5", "Enter 0 or more"),
        ("ranks[1].min_gv", "10.555", "Use at most two decimals, like 50"),
        ("ranks[1].max_leg_share", "150", "Enter a percentage from 0 to 100"),
        ("ranks[1].min_active_sponsored", "two", "Enter a whole number, like 3"),
        ("components[0].rates", "5, fifty, 4", "Item 2: Enter a number, like 5"),
        ("components[0].depth_by_rank@2", "x", "Enter a whole number, like 3"),
        ("components[0].depth_by_rank@2", "9", "Enter a whole number from 0 to 5"),
        ("components[0].compression", "maybe", "Choose yes or no"),
        ("ranks[2].code", "silver", "Another one already uses this code: rank 2 (code)"),
        ("components[0].code", "", "Fill this in"),
    ],
    ids=lambda value: value,
)
def test_a_mistake_is_shown_at_its_field_in_plain_words(name, typed, expected):
    data = data_from_document(example("unilevel"))
    data[name] = typed
    if name == "components[0].code":
        data["components[0]~order"] = "type,rates"  # no code at all: the component is named by its type
    errors = field_errors(data)
    if expected == "Fill this in":
        assert errors == {}  # a missing code is allowed (it defaults to the type): nothing to report
        return
    assert errors == {name: [expected]}


def test_the_error_summary_links_to_the_field():
    data = data_from_document(example("unilevel"))
    data["ranks[1].min_gv"] = "fifty"
    page = builder(data, errors_of(document_from_data(data)))
    assert page.summary == [
        {"target": "f-ranks-1-min_gv", "where": "Rank 2 (silver) · Group volume (GV) at least",
         "message": "Enter a number, like 50"}
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------------- buttons


def test_moving_a_rank_carries_its_per_rank_values():
    document = apply_action(example("unilevel"), "up_rank:2")
    assert [r["code"] for r in document["ranks"]] == ["consultant", "gold", "silver"]
    data = data_from_document(document)
    assert (data["components[0].depth_by_rank@1"], data["components[0].depth_by_rank@2"]) == ("5", "4")


def test_adding_and_removing_ranks_components_and_rows():
    document = apply_action(example("unilevel"), "add_rank")
    assert document["ranks"][3] == {"code": "rank_4", "name": "Rank 4", "min_pv": "0"}
    document = apply_action(document, "add_component", "unilevel")
    assert document["components"][1] == {
        "type": "unilevel",
        "code": "unilevel_2",
        "rates": ["5", "5", "4", "3", "2"],
        "depth_by_rank": {"consultant": 3, "silver": 4, "gold": 5},
    }  # fmt: skip  (the first example with a unilevel: hybrid's)
    document = apply_action(document, "add_row:ranks[3].legs")
    assert document["ranks"][3]["legs"] == [{}]
    document = apply_action(document, "remove_row:ranks[3].legs:0")
    assert document["ranks"][3]["legs"] == []
    document = apply_action(document, "remove_rank:2")
    assert [r["code"] for r in document["ranks"]] == ["consultant", "silver", "rank_4"]
    assert document["components"][0]["depth_by_rank"] == {"consultant": 3, "silver": 4}
    document = apply_action(document, "remove_component:0")
    assert [c["code"] for c in document["components"]] == ["unilevel_2"]


def test_start_over_offers_the_example_of_the_same_kind():
    assert [matching_example(example(name)) for name in NAMES] == NAMES
    assert matching_example({"components": [{"type": "retail_profit"}, {"type": "unilevel"}]}) == "unilevel"


# ---------------------------------------------------------------------------------------------------- worked example


def test_the_worked_example_follows_a_100_cv_order_four_levels_down():
    result = worked_example(plan_from_document(example("unilevel")))
    assert [(line.payee, line.level, line.rate_bp, line.amount_cents) for line in result.order_lines] == [
        ("Cal", 1, 500, 500), ("Ben", 2, 500, 500), ("Ann", 3, 400, 400), ("You", 4, 300, 300)
    ]  # fmt: skip
    assert result.you_from_order_cents == 300
    assert [(m.name, m.rank) for m in result.members][:2] == [("You", "silver"), ("Ann", "consultant")]
    document = example("unilevel")
    document["components"][0]["rates"][3] = "6"
    assert worked_example(plan_from_document(document)).you_from_order_cents == 600


# ---------------------------------------------------------------------------------------------------- pages


@pytest.mark.django_db
def test_the_builder_opens_from_the_current_plan_and_offers_its_kind(admin):
    response = admin.get("/console/plans/build/")
    assert response.status_code == 200
    assert response.context["start_from"] == "unilevel"
    body = response.content.decode()
    assert '<option value="example:unilevel" selected>' in body
    assert 'href="/console/help/plans/"' in body
    assert "docs/plans.md" not in body
    assert response.context["example"]["you"] is not None


@pytest.mark.django_db
def test_a_mistake_then_a_fix_then_save(alpha, admin, company):
    data = data_from_document(company["version"].document)
    data["components[0].rates"] = "10, fifty"
    response = admin.post("/console/plans/build/", {**data, "action": "check"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps only a 2xx: the errors are in the page
    body = response.content.decode()
    assert 'data-testid="error-components[0].rates">Item 2: Enter a number, like 5</p>' in body
    assert response.context["example"] is None

    response = admin.post(
        "/console/plans/build/", {**data, "action": "save"}, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="plan-form"
    )  # a change-triggered refresh never saves nor adds
    assert response.status_code == 200

    data["components[0].rates"] = "10, 5"
    response = admin.post("/console/plans/build/", {**data, "action": "save", "version_name": "Form-made"})
    assert response.status_code == 302
    with schema_context(alpha.schema):
        version = PlanVersion.objects.get(name="Form-made")
    assert version.document == company["version"].document
    assert response["Location"] == f"/console/plans/{version.number}/"


@pytest.mark.django_db
def test_the_json_view_and_back_give_the_same_document(admin, company):
    data = data_from_document(example("hybrid"))
    response = admin.post("/console/plans/build/", {**data, "action": "to_json"})
    text = response.context["form"].initial["document"]
    assert json.loads(text) == example("hybrid")
    response = admin.post("/console/plans/build/", {"document": text, "action": "from_json"})
    assert response.status_code == 200
    page = response.context["page"]
    shown = dict(page.hidden)
    for item in _all_inputs(page):
        shown[item.name] = item.value
    assert {k: v for k, v in shown.items() if v} == {k: v for k, v in data.items() if v}


@pytest.mark.django_db
def test_bad_input_is_refused_at_its_field_never_a_500(alpha, admin, company):
    data = data_from_document(company["version"].document)
    data["ranks[0].name"] = "x\x00" * 2000
    response = admin.post("/console/plans/build/", {**data, "action": "save"})
    assert response.status_code == 400
    assert response.context["page"].summary == [
        {"target": "f-ranks-0-name", "where": "Rank 1 (bronze) · Name",
         "message": "Too long (at most 2000 characters), or holds characters that can't be used"}
    ]  # fmt: skip
    data = data_from_document(company["version"].document)
    data["ranks#count"] = "999999"
    data["components#count"] = "two"
    response = admin.post("/console/plans/build/", {**data, "action": "check"})
    page = response.context["page"]
    assert (response.status_code, len(page.ranks), len(page.cards)) == (400, 50, 0)
    with schema_context(alpha.schema):
        assert PlanVersion.objects.count() == 1


@pytest.mark.django_db
def test_only_roles_that_may_edit_the_plan_open_the_builder(alpha, company):
    with schema_context(alpha.schema):
        CompanyStaffFactory(email="clerk@alpha.test", password=PASSWORD)
    staff = signed_in(alpha, "clerk@alpha.test")
    assert staff.get("/console/plans/build/").status_code == 403
    assert staff.post("/console/plans/build/", {"action": "add_rank"}).status_code == 403
    assert Client(HTTP_HOST=alpha.host).get("/console/plans/build/").status_code == 302


@pytest.mark.django_db
def test_the_plan_reference_is_a_help_page(admin):
    response = admin.get("/console/help/plans/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<h1 id="compensation-plans">Compensation plans</h1>' in body
    assert '<h3 id="unilevel-sponsor-tree-rates-per-level">' in body
    assert admin.get("/console/help/nothing/").status_code == 404
