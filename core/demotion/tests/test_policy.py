"""The policy document, its fairness warnings and the pure stage evaluation (no database)."""

from decimal import Decimal

import numpy as np
import pytest

from core.demotion.policy import (
    NEVER,
    MemberFacts,
    PolicyError,
    Standing,
    default_policy_document,
    evaluate,
    fairness_warnings,
    policy_from_document,
    policy_template,
)

DEFAULT = policy_from_document(default_policy_document())


def facts(
    days_unpaid: int,
    *,
    psv_dollars: int = 0,
    sold_days_ago: int = 0,
    joined_days_ago: int = 1000,
    lapsed_days: int = -1,
):
    """One member who last paid the subscription `days_unpaid` ago and sold `psv_dollars` `sold_days_ago`."""
    return MemberFacts(
        member_ids=np.array([1]),
        days_since_join=np.array([joined_days_ago]),
        days_since_paid_subscription=np.array([days_unpaid]),
        days_lapsed=np.array([lapsed_days]),
        psv_cents_by_window={w: np.array([psv_dollars * 100 if sold_days_ago < w else 0]) for w in range(1, 400)},
    )


def stage_key_of(evaluation) -> str | None:
    """The stage key of the first member of an evaluation (the policies compared here share the default's stages)."""
    index = int(evaluation.stage_index[0])
    return None if index < 0 else DEFAULT.stages[index].key


def stage_key(f: MemberFacts) -> str | None:
    index = int(evaluate(DEFAULT, f).stage_index[0])
    return None if index < 0 else DEFAULT.stages[index].key


def test_default_policy_is_seed_003_stage_for_stage():
    assert [(s.key, s.condition.subscription_unpaid_days, s.condition.psv_window_days) for s in DEFAULT.stages] == [
        ("access_demotion", None, None),
        ("commission_exclusion", 60, 90),
        ("preferred_pricing_loss", 90, 90),
        ("pending_deactivation_1", 180, 180),
        ("pending_deactivation_2", 185, 185),
        ("pending_deactivation_3", 190, 190),
        ("deactivation", 195, 195),
        ("pending_downline_loss_1", 220, 220),
        ("pending_downline_loss_2", 225, 225),
        ("pending_downline_loss_3", 230, 230),
        ("downline_moved", 235, 235),
    ]
    assert {s.condition.psv_min for s in DEFAULT.stages[1:]} == {Decimal("200.00")}
    assert DEFAULT.psv_basis == "psv" and DEFAULT.decline_grace_days == 0
    # The seed's own concerns are raised on the seed's own policy.
    assert [w.code for w in fairness_warnings(DEFAULT)] == [
        "failed_charge_without_grace",
        "removed_while_selling",
        "downline_moves_hard_to_undo",
    ]


def test_the_fair_template_spares_selling_members():
    fair = policy_from_document(policy_template("fair"))
    assert [w.code for w in fairness_warnings(fair)] == ["downline_moves_hard_to_undo"]
    assert fair.decline_grace_days == 14
    # Unpaid fee for 400 days but selling 500 PSV: only access is limited; no commissions, login or downline lost.
    ev = evaluate(fair, facts(400, psv_dollars=500, lapsed_days=30, joined_days_ago=400))
    assert ev.actions_for(fair, 0) == {"access_demotion"}
    # Unpaid and not selling for a year: the downline moves.
    ev = evaluate(fair, facts(365, psv_dollars=0, joined_days_ago=400))
    assert {"move_downline", "login_deactivation"} <= ev.actions_for(fair, 0)
    assert policy_template("seed_003") == default_policy_document() and policy_template("other") is None


def test_a_first_evaluation_is_paced_one_stage_per_notice_period():
    """A member whose facts jump to day 235 at once enters commission exclusion and pricing loss (they start
    together), then waits the policy's 90 days before the first deactivation notice."""
    jumped = facts(235, psv_dollars=0, joined_days_ago=235)
    fresh = Standing(stage_index=np.array([-1], dtype=np.int16), days_in_stage=np.array([0], dtype=np.int32))
    assert stage_key_of(evaluate(DEFAULT, jumped, fresh)) == "preferred_pricing_loss"
    at_pricing = DEFAULT.stages.index(DEFAULT.stage("preferred_pricing_loss"))
    waited = Standing(stage_index=np.array([at_pricing], dtype=np.int16), days_in_stage=np.array([89], dtype=np.int32))
    assert stage_key_of(evaluate(DEFAULT, jumped, waited)) == "preferred_pricing_loss"
    waited.days_in_stage[0] = 90
    assert stage_key_of(evaluate(DEFAULT, jumped, waited)) == "pending_deactivation_1"
    # Going back is never held back.
    good = facts(10, psv_dollars=500, sold_days_ago=5)
    assert stage_key_of(evaluate(DEFAULT, good, waited)) is None


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        pytest.param(59, None, id="59-days-nothing"),
        pytest.param(60, "commission_exclusion", id="60-days-commission"),
        pytest.param(89, "commission_exclusion", id="89-days"),
        pytest.param(90, "preferred_pricing_loss", id="90-days-pricing"),
        pytest.param(180, "pending_deactivation_1", id="180-first-notice"),
        pytest.param(194, "pending_deactivation_3", id="194-third-notice"),
        pytest.param(195, "deactivation", id="195-deactivated"),
        pytest.param(234, "pending_downline_loss_3", id="234"),
        pytest.param(235, "downline_moved", id="235-downline-moves"),
    ],
)
def test_unpaid_subscription_walks_through_the_stages(days, expected):
    # Selling well (PSV 500 in every window) does not save an unpaid subscription under seed 003's "any".
    assert stage_key(facts(days, psv_dollars=500)) == expected


@pytest.mark.parametrize(
    ("psv_dollars", "sold_days_ago", "expected"),
    [
        pytest.param(200, 89, None, id="200-sold-89-days-ago"),
        pytest.param(199, 10, "downline_moved", id="never-200-in-235-days"),
        pytest.param(500, 90, "preferred_pricing_loss", id="sale-fell-out-of-the-90-day-window"),
        pytest.param(500, 195, "deactivation", id="last-sale-195-days-ago"),
    ],
)
def test_psv_windows_apply_with_a_paid_subscription(psv_dollars, sold_days_ago, expected):
    assert stage_key(facts(10, psv_dollars=psv_dollars, sold_days_ago=sold_days_ago)) == expected


def test_new_members_are_not_judged_before_a_window_has_passed():
    assert stage_key(facts(NEVER, psv_dollars=0, joined_days_ago=59)) is None
    assert stage_key(facts(NEVER, psv_dollars=0, joined_days_ago=60)) == "commission_exclusion"


def test_declined_card_demotes_access_at_once_unless_the_policy_gives_a_grace():
    assert stage_key(facts(10, psv_dollars=500, lapsed_days=0)) == "access_demotion"
    doc = default_policy_document()
    doc["decline_grace_days"] = 7
    graced = policy_from_document(doc)
    assert stage_key_of(evaluate(graced, facts(10, psv_dollars=500, lapsed_days=6))) is None
    assert stage_key_of(evaluate(graced, facts(10, psv_dollars=500, lapsed_days=7))) == "access_demotion"


def test_actions_in_force_accumulate_across_holding_stages():
    ev = evaluate(DEFAULT, facts(200, psv_dollars=500, sold_days_ago=100))
    assert ev.actions_for(DEFAULT, 0) == {
        "commission_exclusion",
        "preferred_pricing_loss",
        "notice",
        "login_deactivation",
    }


def test_validation_names_every_bad_field():
    doc = {
        "psv_basis": "purchases",
        "decline_grace_days": -1,
        "stages": [
            {"key": "a", "name": "", "condition": {"psv_min": "200"}, "actions": ["notice", "explode"]},
            {"key": "a", "name": "B", "condition": {}, "actions": []},
        ],
    }
    with pytest.raises(PolicyError) as excinfo:
        policy_from_document(doc)
    assert excinfo.value.errors == {
        "psv_basis": ["Choose one of psv, personal_purchases."],
        "decline_grace_days": ["Must be at least 0."],
        "stages[0].name": ["Give the stage a name."],
        "stages[0].condition.psv_window_days": [
            "Give both the minimum sales volume and its window in days, or neither."
        ],
        "stages[0].actions[1]": [
            "Unknown action 'explode'; choose from notice, access_demotion, "
            "commission_exclusion, preferred_pricing_loss, login_deactivation, move_downline, "
            "move_to_terminated_tree."
        ],
        "stages[1].key": ["The key 'a' is used by an earlier stage."],
        "stages[1].condition": ["Give at least one condition (subscription or PSV)."],
        "stages[1].actions": [
            "Give at least one action of: notice, access_demotion, commission_exclusion, "
            "preferred_pricing_loss, login_deactivation, move_downline, move_to_terminated_tree."
        ],
    }


def test_fairness_warnings_for_purchase_only_and_no_grace():
    doc = default_policy_document()
    doc["psv_basis"] = "personal_purchases"
    doc["decline_grace_days"] = 0
    codes = [w.code for w in fairness_warnings(policy_from_document(doc))]
    assert codes == [
        "personal_purchases_only",
        "failed_charge_without_grace",
        "removed_while_selling",
        "terminated_for_not_purchasing",
        "downline_moves_hard_to_undo",
    ]
