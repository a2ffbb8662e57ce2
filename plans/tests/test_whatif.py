"""A what-if per option of the plan document (issue 20) on demo-like data: the demo's plan (the unilevel example:
consultant 50 PV, silver 1,000 GV, gold 5,000 GV) on a small binary company, January posted, February compared.
Each test asserts the exact difference the option makes in total, per bonus and per member.

Placement tree (sponsor in brackets where it is not the parent; KIT: 100 PV / 100 CV):

    root ── left: ann ── left: alf   right: amy ── left: eve (joined 5 February)
         └─ right: bob ── left: ben ── left: fay [root]  right: gus [bob]
                       └─ right: cal ── left: dan

January (posted): every member 3 kits, alf and ben 6.
February (compared): root, ann, eve, bob, dan, fay, gus 1 kit; alf 5; amy 4; ben 6; cal none (inactive).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from core.members.services.enrolment import Placement
from core.members.services.profiles import genealogy_settings_update
from plans.models import CommissionRun, RunKind
from plans.selectors import simulation_compare
from plans.services import period_get_or_create, run_preview
from plans.services_periods import period_close
from plans.services_plan_versions import plan_version_activate, plan_version_create
from plans.services_posting import run_approve, run_post
from plans.tests.conftest import FEB, JAN, buy, enroll
from plans.whatif import option_documents, whatif_compare, whatif_request
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db
DEMO_PLAN = json.loads((Path(__file__).parents[1] / "engine" / "examples" / "unilevel.json").read_text())


def member(username, sponsor, parent=None, position=None, joined=None):
    placement = Placement(parent=parent, position=position) if parent else None
    names = {"username": username, "first_name": username.title(), "last_name": "Demo", "placement": placement}
    if joined:
        return MemberFactory(sponsor=sponsor, joined_at=joined, **names)
    return enroll(sponsor, **names)


@pytest.fixture
def company(in_alpha, admin, product):
    genealogy_settings_update(changes={"placement_method": "binary", "binary_spillover": "sponsor_picks"})
    root = member("root", None)
    ann = member("ann", root, root, 0)
    bob = member("bob", root, root, 1)
    alf = member("alf", ann, ann, 0)
    amy = member("amy", ann, ann, 1)
    ben = member("ben", bob, bob, 0)
    cal = member("cal", bob, bob, 1)
    dan = member("dan", cal, cal, 0)
    fay = member("fay", root, ben, 0)
    gus = member("gus", bob, ben, 1)
    plan_version_activate(version=plan_version_create(document=DEMO_PLAN, by=admin), effective_from=JAN, by=admin)
    january = {root: 3, ann: 3, bob: 3, alf: 6, amy: 3, ben: 6, cal: 3, dan: 3, fay: 3, gus: 3}
    for who, kits in january.items():
        buy(who, kits)
    january = period_get_or_create(day=JAN)
    run = run_approve(run=run_preview(period=january, by=admin), by=admin)
    period_close(period=january, by=admin)
    run_post(run=run, by=admin)
    eve = member("eve", amy, amy, 0, joined=datetime.datetime(2026, 2, 5, tzinfo=datetime.UTC))
    february = {root: 1, ann: 1, alf: 5, amy: 4, eve: 1, bob: 1, ben: 6, dan: 1, fay: 1, gus: 1}
    for who, kits in february.items():
        buy(who, kits, day=datetime.date(2026, 2, 10))
    return period_get_or_create(day=FEB)


def whatif(period, option, admin):
    run = whatif_request(period=period, option=option, by=admin, send=False)
    compare = simulation_compare(run=run)
    found = whatif_compare(run=run)
    changes = [(c.full_name, str(c.change), c.rank_before, c.rank_after) for c in found.changes]
    return compare, found.members_changed, changes, found


# option: (baseline total, difference in total, difference per bonus, members changed as (name, change of pay,
#          paid-as rank before, after), binary carry-over before/after, flushed before/after)
EXPECTED = {
    # Silver's 10 % row left out: silver reads as consultant's 5 %, so the two silvers' differentials shrink.
    "missing_rank": ("463.00", "-110.00", {"unilevel": "0.00", "stairstep": "-110.00"},
                     [("Root Demo", "-55", "Silver", "Silver"), ("Ann Demo", "-55", "Silver", "Silver")],
                     ("0", "0"), ("0", "0")),
    # Bob pairs 100 (left 800, right: cal inactive 0 + dan 100) and Ben 100 (fay | gus), 10 % each: neither has an
    # active personally sponsored member in both legs (bob's right: cal is inactive; ben sponsored nobody).
    "sponsored_per_leg": ("369.00", "-20.00", {"binary": "-20.00", "unilevel": "0.00"},
                          [("Bob Demo", "-10", "Consultant", "Consultant"),
                           ("Ben Demo", "-10", "Consultant", "Consultant")],
                          ("1000", "1000"), ("0", "0")),
    # Cal bought nothing in February: his 100 carried on the left (dan's kit) is flushed; no pay changes this period.
    "flush_inactive": ("369.00", "0.00", {"binary": "0.00", "unilevel": "0.00"}, [], ("1000", "900"), ("0", "100")),
    # Ann (silver, the breakaway rank) takes her 1,100 GV with her: root's remaining GV fails silver's 60 % leg share.
    "classic_breakaway": ("463.00", "-99.00", {"unilevel": "0.00", "stairstep": "-99.00"},
                          [("Root Demo", "-99", "Silver", "Consultant")], ("0", "0"), ("0", "0")),
    # Bob (silver in January, 900 GV in February) and cal (inactive) keep January's rank for one period; ranks only:
    # no deeper volume for silver's fourth unilevel level, and titles were reached in January (no advancement bonus).
    "paid_as_grace": ("199.00", "0.00", {"unilevel": "0.00", "rank_advancement": "0.00"},
                      [("Bob Demo", "0", "Consultant", "Silver"), ("Cal Demo", "0", "", "Consultant")],
                      ("0", "0"), ("0", "0")),
    # Eve joined on 5 February under amy and bought 100 PV: amy earns the 25.00 enrolment bonus; everyone else met the
    # 100 PV initial purchase in January.
    "entry_enrolment": ("199.00", "25.00", {"unilevel": "0.00", "enrolment_bonus": "25.00"},
                        [("Amy Demo", "25", "Consultant", "Consultant")], ("0", "0"), ("0", "0")),
    # GV over January and February: bob 1,800 + 900 reaches silver, root 3,600 + 2,200 reaches gold; ranks only (no
    # volume deeper than the levels the ranks already open).
    "rolling_gv": ("199.00", "0.00", {"unilevel": "0.00"},
                   [("Root Demo", "0", "Silver", "Gold"), ("Bob Demo", "0", "Consultant", "Silver")],
                   ("0", "0"), ("0", "0")),
}  # fmt: skip


@pytest.mark.parametrize("option", list(EXPECTED))
def test_whatif_of_each_option_on_demo_like_data(company, admin, option):
    base_total, change, by_component, changes, carry, flushed = EXPECTED[option]
    compare, count, found_changes, found = whatif(company, option, admin)
    assert str(compare["actual"]["total_paid"]) == base_total
    assert str(compare["difference"]["total_paid"]) == change
    assert compare["difference"]["by_component"] == by_component
    assert (count, found_changes) == (len(changes), changes)
    assert tuple(str(x) for x in found.carry) == carry
    assert tuple(str(x) for x in found.flushed) == flushed
    assert found.option.key == option
    assert CommissionRun.objects.filter(kind=RunKind.SIMULATION).count() == 2  # the baseline and the option


def test_options_copy_the_plan_and_refuse_unknown_ones():
    base, variant = option_documents(document=DEMO_PLAN, option="sponsored_per_leg")
    assert [c["type"] for c in base["components"]] == ["unilevel", "binary"]
    assert variant["components"][1]["sponsored_per_leg"] == 1 and "sponsored_per_leg" not in base["components"][1]
    assert [c["type"] for c in DEMO_PLAN["components"]] == ["unilevel"]  # the plan in effect is never changed
    with pytest.raises(ValidationError) as refused:
        option_documents(document=DEMO_PLAN, option="nope")
    assert refused.value.message_dict == {"option": ["Choose one of the listed options."]}


def test_binary_options_are_refused_where_members_have_no_legs(in_alpha, admin):
    plan_version_activate(version=plan_version_create(document=DEMO_PLAN, by=admin), effective_from=JAN, by=admin)
    with pytest.raises(ValidationError) as refused:
        whatif_request(period=period_get_or_create(day=JAN), option="flush_inactive", by=admin, send=False)
    assert refused.value.message_dict == {
        "option": ["This company does not place members in a binary tree: its members have no legs."]
    }
    assert CommissionRun.objects.count() == 0
