"""Plan document validation: every error names the field and the reason; every shipped example validates."""

import json
from pathlib import Path

import pytest

from bench.bench_commission_calc import make_snapshot
from plans.engine.calculate import calculate
from plans.engine.document import PlanError, Unilevel, plan_from_document

EXAMPLES = sorted((Path(__file__).parents[1] / "engine" / "examples").glob("*.json"))


def _errors(doc) -> dict:
    with pytest.raises(PlanError) as caught:
        plan_from_document(doc)
    return caught.value.errors


def test_there_is_an_example_of_each_plan_type_and_a_hybrid():
    names = {p.stem for p in EXAMPLES}
    assert names == {"unilevel", "stairstep_breakaway", "binary", "matrix", "p2p", "party", "hybrid"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_validates_and_runs(path):
    plan = plan_from_document(json.loads(path.read_text()))
    snap = make_snapshot(300)  # binary placement: fits the 3-wide matrix too
    result = calculate(plan, snap)
    assert result.total_paid_cents == int(result.lines.amount_cents.sum())


def test_plan_values_are_converted_to_integer_units():
    plan = plan_from_document(
        {
            "active": {"min_pv": "50.5"},
            "ranks": [{"code": "silver", "min_gv": 1000, "max_leg_share": "50"}],
            "components": [{"type": "unilevel", "rates": ["5", 2.25], "depth_by_rank": {"silver": 2}}],
            "payout_cap_ratio": "0.45",
        }
    )
    assert plan.active.min_pv == 5050
    assert (plan.ranks[0].min_gv, plan.ranks[0].max_leg_share_bp) == (100000, 5000)
    unilevel = plan.components[0]
    assert isinstance(unilevel, Unilevel)
    assert (unilevel.rates_bp, unilevel.depth_by_rank, unilevel.compression) == ((500, 225), ((0, 2),), True)
    assert plan.payout_cap_ratio_bp == 4500


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        pytest.param([], {"(document)": ["must be an object"]}, id="not-an-object"),
        pytest.param({"ranks": []}, {"components": ["is required"]}, id="no-components"),
        pytest.param(
            {"ranks": [], "components": [{"type": "unilevel", "rates": ["5", "x", "101", "2.125"]}]},
            {
                "components[0].rates[1]": ["must be a percentage between 0 and 100"],
                "components[0].rates[2]": ["must be a percentage between 0 and 100"],
                "components[0].rates[3]": ["must have at most 2 decimal places"],
            },
            id="bad-rates",
        ),
        pytest.param(
            {"ranks": [], "components": [{"type": "unilevl", "rates": ["5"]}]},
            {"components[0].type": ["must be one of: unilevel, stairstep_breakaway, binary, matrix, p2p, party, "
                                    "retail_profit, fast_start, rank_advancement, matching, leadership_pool, "
                                    "enrolment_bonus"]},
            id="unknown-type",
        ),
        pytest.param(
            {"ranks": [], "components": [{"type": "binary", "rate": "10", "pairng_cap": "5"}]},
            {"components[0].pairng_cap": ["unknown field"]},
            id="typo-in-field-name",
        ),
        pytest.param(
            {"ranks": [{"code": "a"}, {"code": "a", "legs": [{"count": 0, "rank": "zz"}]}],
             "components": [{"type": "retail_profit"}]},
            {
                "ranks[1].code": ["duplicates ranks[0].code"],
                "ranks[1].legs[0].count": ["must be a whole number at least 1"],
                "ranks[1].legs[0].rank": ["must be one of the plan's rank codes (a)"],
            },
            id="bad-ranks",
        ),
        pytest.param(
            {"ranks": [{"code": "a"}, {"code": "b"}],
             "components": [{"type": "stairstep_breakaway", "rank_rates": {"a": "10", "b": "5"},
                             "generation_rates": ["2"]}]},
            {
                "components[0].breakaway_rank": ["is required when generation_rates are given"],
                "components[0].rank_rates.b": [
                    "must not be lower than a's 10 % (a higher rank never earns a lower percentage; a rank left out "
                    "earns the percentage of the rank below it)"
                ],
            },
            id="stairstep",
        ),
        pytest.param(
            {"ranks": [], "components": [{"type": "retail_profit"}, {"type": "retail_profit"},
                                         {"type": "matching", "generations": ["5"], "on_components": ["nope"]}]},
            {
                "components[1].code": ["duplicates components[0].code (give each component its own code)"],
                "components[2].on_components[0]": ["must name a component listed before this one (not a matching)"],
            },
            id="codes-and-matching",
        ),
        pytest.param(
            {"ranks": [], "payout_cap_ratio": "1.5", "components": [{"type": "binary", "rate": "10"},
                                                                  {"type": "binary", "code": "b2", "rate": "5"}]},
            {
                "payout_cap_ratio": ["must be a ratio between 0 and 1"],
                "components[1].type": ["only one binary component per plan (the snapshot carries one carry-over)"],
            },
            id="cap-and-two-binaries",
        ),
        pytest.param(
            {"ranks": [{"code": "gold"}], "components": [
                {"type": "unilevel", "rates": ["5"], "depth_by_rank": {"gold": 3, "platinum": 1}},
                {"type": "leadership_pool", "percent": "2", "shares": {}},
                {"type": "party", "consultant_rate": "20", "host_tiers": [{"min_sales": "500"}, {"min_sales": "100"}]},
            ]},
            {
                "components[0].depth_by_rank.gold": ["must be a whole number between 0 and 1"],
                "components[0].depth_by_rank.platinum": ["must be one of the plan's rank codes (gold)"],
                "components[1].shares": ["must give at least one rank a number of shares"],
                "components[2].host_tiers[1].min_sales": ["tiers must be in ascending min_sales order"],
            },
            id="rank-maps-and-tiers",
        ),
    ],
)  # fmt: skip
def test_invalid_documents_name_each_field_and_reason(doc, expected):
    assert _errors(doc) == expected


def test_plan_error_message_names_the_first_field():
    with pytest.raises(PlanError, match=r"components\[0\]\.rate: must be a percentage between 0 and 100 \(and more\)"):
        plan_from_document({"ranks": [], "components": [{"type": "binary", "rate": -1, "pairing_cap": "x"}]})


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        pytest.param(
            {"ranks": [{"code": "a"}, {"code": "b"}, {"code": "c"}],
             "components": [{"type": "unilevel", "rates": ["5", "x", "3"], "depth_by_rank": {"a": 1, "b": 2, "c": 3}}]},
            {"components[0].rates[1]": ["must be a percentage between 0 and 100"]},
            id="bad-rate-does-not-also-fail-every-depth",
        ),
        pytest.param(
            {"ranks": [{"code": "a"}],
             "components": [{"type": "unilevel", "rates": "5", "depth_by_rank": {"a": -1}}]},
            {
                "components[0].rates": ["must be a non-empty list of percentages"],
                "components[0].depth_by_rank.a": ["must be a whole number at least 0"],
            },
            id="bad-rates-and-an-independently-bad-depth",
        ),
        pytest.param(
            {"ranks": [], "components": [{"type": "matrix", "rates": ["5"]}]},
            {"components[0].width": ["is required"]},
            id="missing-field-reported-once",
        ),
        pytest.param(
            {"ranks": [{"name": "Bronze"}, {"code": "silver"}]},
            {"ranks[0].code": ["is required"], "components": ["is required"]},
            id="missing-rank-code-reported-once",
        ),
        pytest.param(
            {"ranks": "bronze, silver",
             "components": [{"type": "unilevel", "rates": ["5"], "min_rank": "silver",
                             "depth_by_rank": {"bronze": 1}},
                            {"type": "leadership_pool", "percent": "1", "shares": {"silver": 1}}]},
            {"ranks": ["must be a list (lowest rank first; may be empty)"]},
            id="bad-ranks-not-echoed-by-every-rank-reference",
        ),
        pytest.param(
            {"ranks": [{"code": ""}, {"code": "gold"}],
             "components": [{"type": "rank_advancement", "amounts": {"silver": "100", "gold": "x"}}]},
            {
                "ranks[0].code": ["must be a non-empty string"],
                "components[0].amounts.gold": ["must be an amount of money of at least 0"],
            },
            id="unknown-code-not-reported-while-a-rank-code-is-invalid",
        ),
        pytest.param(
            {"ranks": [], "components": [
                {"type": "unilevel", "code": "uni", "rates": ["150"]},
                {"type": "binery", "code": "bin", "rate": "10"},
                {"type": "matching", "generations": ["10"], "on_components": ["uni", "bin", "nope"]},
            ]},
            {
                "components[0].rates[0]": ["must be a percentage between 0 and 100"],
                "components[1].type": ["must be one of: unilevel, stairstep_breakaway, binary, matrix, p2p, party, "
                                       "retail_profit, fast_start, rank_advancement, matching, leadership_pool, "
                                    "enrolment_bonus"],
                "components[2].on_components[2]": ["must name a component listed before this one (not a matching)"],
            },
            id="matching-naming-an-invalid-component",
        ),
        pytest.param(
            {"ranks": [{"code": "gold"}],
             "components": [{"type": "leadership_pool", "percent": "x", "shares": {"platinum": 1}},
                            {"type": "leadership_pool", "code": "pool2", "percent": "1", "shares": {}}]},
            {
                "components[0].percent": ["must be a percentage between 0 and 100"],
                "components[0].shares.platinum": ["must be one of the plan's rank codes (gold)"],
                "components[1].shares": ["must give at least one rank a number of shares"],
            },
            id="pool-shares-empty-only-when-really-empty",
        ),
    ],
)  # fmt: skip
def test_each_mistake_is_reported_once_at_its_own_path(doc, expected):
    assert _errors(doc) == expected
