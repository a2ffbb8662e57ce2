"""Fee arithmetic on hand-computed examples (billing.fees states the rules)."""

from decimal import Decimal

import pytest

from billing.fees import FeeLine, PlanSegment, PlanTerms, Tier, graduated_member_fee, month_fees, to_minor_units

D = Decimal
TIERS = (Tier(above=100, fee_per_member=D("0.40")), Tier(above=500, fee_per_member=D("0.25")))


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        pytest.param(0, D("0"), id="none"),
        pytest.param(100, D("50.00"), id="exactly-first-threshold"),
        pytest.param(101, D("50.40"), id="one-above-first-threshold"),
        # 100 x 0.50 + 400 x 0.40 + 250 x 0.25 = 50 + 160 + 62.50
        pytest.param(750, D("272.50"), id="three-bands"),
    ],
)
def test_graduated_tiers(members, expected):
    assert graduated_member_fee(members=members, base_rate=D("0.50"), tiers=TIERS) == expected


def test_tiers_are_graduated_so_one_more_member_never_lowers_the_fee():
    fees = [graduated_member_fee(members=n, base_rate=D("0.50"), tiers=TIERS) for n in range(0, 700)]
    assert all(b > a for a, b in zip(fees, fees[1:], strict=False))


def test_whole_month_on_one_plan_with_tiers_and_transactions():
    terms = PlanTerms(
        code="growth",
        currency="USD",
        monthly_hosting_fee=D("300.00"),
        fee_per_active_member=D("0.50"),
        tiers=TIERS,
        fee_per_transaction=D("0.125"),
    )
    lines = month_fees(segments=[PlanSegment(terms, 30)], days_in_month=30, active_members=750, transactions=5)
    assert lines == [
        FeeLine("hosting", "Hosting", 1, D("300.00")),
        FeeLine("members", "750 active members", 750, D("272.50")),
        # 5 x 0.125 = 0.625 -> 0.63 (ROUND_HALF_UP; half-even would give 0.62)
        FeeLine("transactions", "5 transactions", 5, D("0.63")),
    ]


def test_minimum_monthly_charge_tops_up_but_setup_fee_stays_outside_it():
    terms = PlanTerms(
        code="starter",
        currency="USD",
        monthly_hosting_fee=D("100.00"),
        fee_per_active_member=D("0.50"),
        minimum_monthly_charge=D("250.00"),
        setup_fee=D("499.00"),
    )
    lines = month_fees(
        segments=[PlanSegment(terms, 31, charge_setup_fee=True)], days_in_month=31, active_members=10, transactions=0
    )
    assert lines == [
        FeeLine("hosting", "Hosting", 1, D("100.00")),
        FeeLine("members", "10 active members", 10, D("5.00")),
        FeeLine("minimum", "Minimum monthly charge 250.00", 1, D("145.00")),
        FeeLine("setup-starter", "Setup fee (starter)", 1, D("499.00")),
    ]
    assert sum(line.amount for line in lines) == D("749.00")


def test_mid_month_plan_change_prorates_hosting_and_minimum_by_days_and_prices_usage_on_the_new_plan():
    """October (31 days): plan A for the 1st-10th, plan B from the 11th (21 days)."""
    plan_a = PlanTerms(code="a", currency="USD", monthly_hosting_fee=D("300.00"), fee_per_active_member=D("9.99"))
    plan_b = PlanTerms(
        code="b",
        currency="USD",
        monthly_hosting_fee=D("500.00"),
        fee_per_active_member=D("0.35"),
        fee_per_transaction=D("0.125"),
        minimum_monthly_charge=D("400.00"),
        setup_fee=D("99.00"),
    )
    lines = month_fees(
        segments=[PlanSegment(plan_a, 10), PlanSegment(plan_b, 21, charge_setup_fee=True)],
        days_in_month=31,
        active_members=37,
        transactions=5,
    )
    assert lines == [
        # 300 x 10/31 + 500 x 21/31 = 96.7741.. + 338.7096.. = 435.4838.. -> 435.48
        FeeLine("hosting", "Hosting (a 10 days, b 21 days of 31)", 1, D("435.48")),
        # usage at plan B's rates (in force at month end): 37 x 0.35
        FeeLine("members", "37 active members", 37, D("12.95")),
        FeeLine("transactions", "5 transactions", 5, D("0.63")),
        # minimum 400 x 21/31 = 270.97 < 449.06 charged: no top-up
        FeeLine("setup-b", "Setup fee (b)", 1, D("99.00")),
    ]
    assert sum(line.amount for line in lines) == D("548.06")


def test_prorated_minimum_when_the_company_starts_mid_month():
    """Onboarded on 20 October: 12 of 31 days on the plan."""
    terms = PlanTerms(code="s", currency="USD", monthly_hosting_fee=D("310.00"), minimum_monthly_charge=D("620.00"))
    lines = month_fees(segments=[PlanSegment(terms, 12)], days_in_month=31, active_members=0, transactions=0)
    assert lines == [
        FeeLine("hosting", "Hosting (12 of 31 days)", 1, D("120.00")),  # 310 x 12/31
        FeeLine("minimum", "Minimum monthly charge 240.00", 1, D("120.00")),  # 620 x 12/31 = 240
    ]


def test_mixing_currencies_in_a_month_is_refused():
    usd = PlanTerms(code="u", currency="USD", monthly_hosting_fee=D("1"))
    eur = PlanTerms(code="e", currency="EUR", monthly_hosting_fee=D("1"))
    with pytest.raises(ValueError, match="mix currencies"):
        month_fees(
            segments=[PlanSegment(usd, 10), PlanSegment(eur, 20)], days_in_month=30, active_members=0, transactions=0
        )


def test_minor_units_round_half_up():
    assert to_minor_units(D("201.245")) == 20125
    assert to_minor_units(D("0.005")) == 1
