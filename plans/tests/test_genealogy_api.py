"""The genealogy viewer's API: a node's children as cards with the period's figures, search five levels down with the
path to open, refusal outside one's own downline, and binary legs on a binary company.

Sponsor tree (every test): house ── jane ── ann ── al ── amy ── abe ── ava   (ava is five levels under jane)
                                          └─ bob
                               └── emma   (outside jane's downline)
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.commerce.models import MemberVolume
from core.commerce.public import company_date, period_start_for
from core.members.models import MemberStatus
from core.members.services.enrolment import Placement
from core.members.services.profiles import genealogy_settings_update
from plans.services_plan_versions import plan_version_activate, plan_version_create
from tests.factories.members import MemberFactory
from tests.helpers import token_client

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
RANKED_PLAN = {
    "schema": 1,
    "name": "Unilevel with named ranks",
    "ranks": [{"code": "consultant", "name": "Consultant", "min_pv": "50"}],
    "components": [{"type": "unilevel", "code": "unilevel", "rates": ["10"]}],
}


@pytest.fixture
def in_alpha(alpha):
    with schema_context(alpha.schema):
        yield alpha


def this_period() -> datetime.date:
    return period_start_for(company_date(timezone.now()))


def enrol(sponsor, username, first_name, **kwargs):
    kwargs.setdefault("joined_at", LONG_AGO)
    return MemberFactory(sponsor=sponsor, username=username, first_name=first_name, last_name="Test", **kwargs)


@pytest.fixture
def tree(in_alpha):
    house = enrol(None, "house", "House")
    jane = enrol(house, "jane", "Jane")
    ann = enrol(jane, "ann", "Ann")
    bob = enrol(jane, "bob", "Bob", joined_at=timezone.now(), status=MemberStatus.INACTIVE)
    al = enrol(ann, "alf", "Alf")
    amy = enrol(al, "amy", "Amy")
    abe = enrol(amy, "abe", "Abe")
    ava = enrol(abe, "ava", "Ava")
    emma = enrol(house, "emma", "Emma")
    for member, pv, psv in ((ann, "40.00", "60.00"), (al, "25.50", "25.50"), (bob, "10.00", "10.00")):
        MemberVolume.objects.create(member=member, period_start=this_period(), pv=pv, psv=psv, cv=psv)
    # Last period's volume never counts in this period's figures.
    MemberVolume.objects.create(
        member=ann, period_start=this_period() - datetime.timedelta(days=40), pv="999", psv="999", cv="999"
    )
    admin = User.objects.get(email=in_alpha.admin_email)
    version = plan_version_create(document=RANKED_PLAN, by=admin)
    plan_version_activate(version=version, effective_from=this_period(), by=admin)
    ann.paid_as_rank = "consultant"
    ann.save(update_fields=["paid_as_rank"])
    return {m.username: m for m in (house, jane, ann, bob, al, amy, abe, ava, emma)}


def test_children_of_a_node_are_cards_with_the_periods_figures(tree, alpha):
    api = token_client(alpha, tree["jane"].user)
    response = api.get(f"/api/v1/genealogy/{tree['jane'].number}/children/")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (2, 1, 1)
    assert body["node"]["username"] == "jane"
    assert body["node"]["children"] == 2
    assert body["node"]["downline"] == 6
    assert body["node"]["gv"] == "95.50"  # ann 60 + al 25.50 + bob 10: PSV over jane's sponsor subtree
    ann, bob = body["results"]
    assert ann == {
        "number": tree["ann"].number,
        "username": "ann",
        "full_name": "Ann Test",
        "rank": "consultant",
        "rank_name": "Consultant",
        "status": "active",
        "status_label": "Active",
        "active": True,
        "pv": "40.00",
        "gv": "85.50",
        "gv_basis": "live",
        "new_this_period": False,
        "joined_on": "2025-06-01",
        "children": 1,
        "downline": 4,
        "position": None,
    }
    assert (bob["username"], bob["status"], bob["active"], bob["pv"], bob["gv"]) == (
        "bob",
        "inactive",
        False,
        "10.00",
        "10.00",
    )
    assert (bob["new_this_period"], bob["rank"], bob["rank_name"], bob["children"]) == (True, "", "", 0)


def test_wide_node_children_come_in_pages(tree, alpha):
    api = token_client(alpha, tree["jane"].user)
    first = api.get(f"/api/v1/genealogy/{tree['jane'].number}/children/?page_size=1").json()
    second = api.get(f"/api/v1/genealogy/{tree['jane'].number}/children/?page_size=1&page=2").json()
    assert (first["count"], first["pages"], [c["username"] for c in first["results"]]) == (2, 2, ["ann"])
    assert (second["page"], [c["username"] for c in second["results"]]) == (2, ["bob"])
    bad = api.get(f"/api/v1/genealogy/{tree['jane'].number}/children/?page_size=500")
    assert bad.status_code == 400
    assert bad.json()["errors"]["page_size"] == ["Give a whole number from 1 to 100."]


def test_search_finds_a_member_five_levels_down_with_the_path(tree, alpha):
    api = token_client(alpha, tree["jane"].user)
    hits = api.get(f"/api/v1/genealogy/{tree['jane'].number}/search/?q=ava").json()
    assert len(hits) == 1
    assert hits[0]["card"]["username"] == "ava"
    assert hits[0]["path"] == [tree[name].number for name in ("jane", "ann", "alf", "amy", "abe", "ava")]
    by_number = api.get(f"/api/v1/genealogy/{tree['jane'].number}/search/?q={tree['abe'].number}").json()
    assert [hit["card"]["username"] for hit in by_number] == ["abe"]
    by_name = api.get(f"/api/v1/genealogy/{tree['jane'].number}/search/?q=Amy").json()
    assert [hit["card"]["username"] for hit in by_name] == ["amy"]


def test_search_never_finds_anyone_outside_the_downline(tree, alpha):
    api = token_client(alpha, tree["jane"].user)
    assert api.get(f"/api/v1/genealogy/{tree['jane'].number}/search/?q=emma").json() == []
    assert api.get(f"/api/v1/genealogy/{tree['jane'].number}/search/?q=house").json() == []


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("children/", id="children"),
        pytest.param("search/?q=a", id="search"),
    ],
)
def test_nodes_outside_ones_downline_are_refused(tree, alpha, path):
    api = token_client(alpha, tree["jane"].user)
    for outsider in ("emma", "house"):
        response = api.get(f"/api/v1/genealogy/{tree[outsider].number}/{path}")
        assert response.status_code == 403
        assert response.json()["detail"] == "That member is not in your downline."
    lower = token_client(alpha, tree["ann"].user)
    assert lower.get(f"/api/v1/genealogy/{tree['jane'].number}/{path}").status_code == 403
    assert lower.get(f"/api/v1/genealogy/{tree['alf'].number}/{path}").status_code == 200


def test_trees_the_plan_does_not_use_are_404(tree, alpha):
    api = token_client(alpha, tree["jane"].user)
    placement = api.get(f"/api/v1/genealogy/{tree['jane'].number}/children/?tree=placement")
    assert placement.status_code == 404
    assert placement.json()["detail"] == "This company places members in the sponsor tree only."
    binary = api.get(f"/api/v1/genealogy/{tree['jane'].number}/binary/")
    assert binary.status_code == 404
    assert binary.json()["detail"] == "This company's compensation plan has no binary component."


@pytest.fixture
def binary_company(in_alpha):
    """A binary company: house ── top, whose left leg is left ── left2 and right leg right."""
    genealogy_settings_update(changes={"placement_method": "binary", "binary_spillover": "sponsor_picks"})
    house = enrol(None, "house", "House")
    top = enrol(house, "top", "Top")
    left = enrol(top, "lefty", "Lefty", placement=Placement(parent=top, position=0))
    left2 = enrol(top, "lefty2", "Lefty2", placement=Placement(parent=left, position=0))
    right = enrol(top, "righty", "Righty", placement=Placement(parent=top, position=1))
    for member, cv in ((left, "30.00"), (left2, "45.25"), (right, "20.00"), (top, "99.00")):
        MemberVolume.objects.create(member=member, period_start=this_period(), pv=cv, psv=cv, cv=cv)
    admin = User.objects.get(email=in_alpha.admin_email)
    version = plan_version_create(
        document=json.loads((Path(__file__).parents[1] / "engine" / "examples" / "binary.json").read_text()), by=admin
    )
    plan_version_activate(version=version, effective_from=this_period(), by=admin)
    return {m.username: m for m in (house, top, left, left2, right)}


def test_binary_legs_on_a_binary_company(binary_company, alpha):
    api = token_client(alpha, binary_company["top"].user)
    response = api.get(f"/api/v1/genealogy/{binary_company['top'].number}/binary/")
    assert response.status_code == 200
    left, right = response.json()
    assert (left["side"], left["head"]["username"], left["head"]["position"], left["members"]) == (
        "left",
        "lefty",
        0,
        2,
    )
    assert (left["carry_in"], left["volume_this_period"], left["volume"], left["carry_out"]) == (
        "0.00",
        "75.25",
        "75.25",
        None,
    )
    assert (right["side"], right["head"]["username"], right["members"], right["volume"]) == (
        "right",
        "righty",
        1,
        "20.00",
    )
    placement = api.get(f"/api/v1/genealogy/{binary_company['top'].number}/children/?tree=placement").json()
    assert [(c["username"], c["position"]) for c in placement["results"]] == [("lefty", 0), ("righty", 1)]
    lefty = token_client(alpha, binary_company["lefty"].user)
    assert lefty.get(f"/api/v1/genealogy/{binary_company['righty'].number}/binary/").status_code == 403


def test_binary_slots_are_bounded_by_levels_and_load_more_goes_on(binary_company, alpha):
    """Each leg's slots stop at ``levels``; a member on the last level with members below says so and links to its
    own legs, which show them. More than the maximum of levels is refused, naming the field."""
    lefty2 = binary_company["lefty2"]
    lefty3 = enrol(binary_company["lefty"], "lefty3", "Lefty3", placement=Placement(parent=lefty2, position=1))
    api = token_client(alpha, binary_company["top"].user)
    left, right = api.get(f"/api/v1/genealogy/{binary_company['top'].number}/binary/?levels=2").json()
    head = left["slots"]
    assert (head["side"], head["card"]["username"], head["more"], head["load_more"]) == ("left", "lefty", False, None)
    below_left, below_right = head["slots"]
    assert (below_left["card"]["username"], below_left["more"], below_left["slots"]) == ("lefty2", True, [])
    assert below_left["load_more"] == f"/api/v1/genealogy/{lefty2.number}/binary/?levels=2"
    assert (below_right["card"], below_right["more"]) == (None, False)  # an empty slot
    assert (right["slots"]["card"]["username"], [s["card"] for s in right["slots"]["slots"]]) == (
        "righty",
        [None, None],
    )

    more = api.get(below_left["load_more"]).json()
    assert [leg["head"] and leg["head"]["username"] for leg in more] == [None, "lefty3"]
    assert more[1]["slots"]["card"]["number"] == lefty3.number

    default = api.get(f"/api/v1/genealogy/{binary_company['top'].number}/binary/").json()
    assert default[0]["slots"]["slots"][0]["slots"][1]["card"]["username"] == "lefty3"  # three levels by default
    refused = api.get(f"/api/v1/genealogy/{binary_company['top'].number}/binary/?levels=5")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"levels": ["Give a whole number from 1 to 4."]}


def test_gv_comes_from_the_periods_run_once_there_is_one(tree, alpha):
    from plans.models import CommissionPeriod, CommissionRun, RunKind, RunMemberResult, RunStatus

    period = CommissionPeriod.objects.create(
        start=this_period(), end=this_period() + datetime.timedelta(days=27), length="monthly"
    )
    run = CommissionRun.objects.create(period=period, kind=RunKind.PREVIEW, status=RunStatus.DONE, plan_document={})
    RunMemberResult.objects.create(
        run=run, member=tree["ann"], pv=4000, psv=6000, gv=123456, active=True, rank=0, highest_rank=0,
        earned_cents=0, carry_left=0, carry_right=0,
    )  # fmt: skip
    api = token_client(alpha, tree["jane"].user)
    ann, bob = api.get(f"/api/v1/genealogy/{tree['jane'].number}/children/").json()["results"]
    assert (ann["gv"], ann["gv_basis"]) == ("1234.56", "run")
    assert (bob["gv"], bob["gv_basis"]) == ("10.00", "live")
    assert Decimal(ann["pv"]) == Decimal("40.00")
