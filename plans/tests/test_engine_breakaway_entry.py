"""Plan options of issue 20 (classic breakaway, seed 000's entry requirement and enrolment bonus) against small
examples computed by hand, and their properties (pure engine: no database)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from plans.engine.calculate import calculate
from plans.engine.document import PlanError, plan_from_document
from plans.engine.snapshot import snapshot_from_lists
from plans.tests.engine_helpers import brief
from plans.tests.test_engine_properties import snapshots

NOT_QUALIFIED = "not_qualified"

# --------------------------------------------------------------------------------------------------------------------
# Issue 20.4: classic breakaway: a broken-away leg's volume leaves the upline's GV for rank qualification too.
#
#   m0 (PSV 100) ── m1 (PSV 1000) ── m2 (PSV 200)
#   manager: GV 100; executive (the breakaway rank): GV 1000

BREAK_RANKS = [{"code": "manager", "min_gv": 100}, {"code": "executive", "min_gv": 1000}]


def _breakaway(leaves: bool, psv=(100, 1000, 200)):
    stair = {"type": "stairstep_breakaway", "rank_rates": {"manager": "5", "executive": "10"},
             "breakaway_rank": "executive", "generation_rates": ["3"], "breakaway_leaves_gv": leaves}  # fmt: skip
    plan = plan_from_document({"ranks": BREAK_RANKS, "components": [stair]})
    orders = [{"credited": m, "pv": pv, "cv": pv} for m, pv in enumerate(psv)]
    return calculate(plan, snapshot_from_lists(sponsors=[-1, 0, 1], orders=orders))


def test_classic_breakaway_takes_the_broken_away_legs_volume_out_of_the_uplines_gv():
    kept = _breakaway(False)
    assert kept.gv.tolist() == [130000, 120000, 20000]
    assert kept.rank.tolist() == [1, 1, 0]  # m0's GV 1300 counts m1's leg: executive
    left = _breakaway(True)
    assert left.gv.tolist() == [130000, 120000, 20000]  # GV itself is unchanged; only qualification reads less
    assert left.rank.tolist() == [0, 1, 0]  # m1 broke away: m0 qualifies on 100 only, manager
    # commissions: m2's 200 -> m2 5 % = 10.00, m1 10 - 5 = 5 % = 10.00 and breaks away; m0 (now a manager, not at the
    # breakaway rank) earns no generation; m1's 1000 -> m1 10 % = 100.00; m0's 100 -> m0 5 % = 5.00
    assert brief(left, keys=("payee_idx", "amount_cents", "source_order_idx")) == {
        (2, 1000, 2), (1, 1000, 2), (1, 10000, 1), (0, 500, 0)}  # fmt: skip
    # a downline below the breakaway rank stays in: with m1 at PSV 500 (GV 700), m0's GV is 800 in both cases
    assert _breakaway(True, (100, 500, 200)).rank.tolist() == _breakaway(False, (100, 500, 200)).rank.tolist()


@settings(max_examples=80, deadline=None)
@given(snapshots(max_members=20), st.integers(0, 2))
def test_breakaway_ranks_are_the_ranks_of_gv_without_broken_away_legs(spec, breakaway):
    """Recompute each member's qualifying GV from the engine's own ranks — PSV plus each frontline member's
    qualifying GV unless that member is at the breakaway rank — and the ranks it gives must be the engine's."""
    ranks = [{"code": "a", "min_gv": 100}, {"code": "b", "min_gv": 300}, {"code": "c", "min_gv": 600}]
    stair = {"type": "stairstep_breakaway", "rank_rates": {"a": "2"}, "breakaway_rank": "abc"[breakaway],
             "breakaway_leaves_gv": True}  # fmt: skip
    snap = snapshot_from_lists(**spec)
    result = calculate(plan_from_document({"ranks": ranks, "components": [stair]}), snap)
    n = snap.n_members
    qualifying = result.psv.tolist()
    for m in range(n - 1, -1, -1):  # children come after their sponsor: deepest first is enough here
        s = int(snap.sponsor_idx[m])
        if s >= 0 and result.rank[m] < breakaway:
            qualifying[s] += qualifying[m]
    eligible = snap.eligible.tolist()
    expected = [max([k for k, r in enumerate((10000, 30000, 60000)) if qualifying[m] >= r], default=-1)
                if eligible[m] else -1 for m in range(n)]  # fmt: skip
    assert result.rank.tolist() == expected


def test_breakaway_leaves_gv_must_be_true_or_false():
    stair = {"type": "stairstep_breakaway", "rank_rates": {"manager": "5"}, "breakaway_leaves_gv": "yes"}
    try:
        plan_from_document({"ranks": BREAK_RANKS, "components": [stair]})
    except PlanError as error:
        assert error.errors == {"components[0].breakaway_leaves_gv": ["must be true or false"]}
    else:  # pragma: no cover
        raise AssertionError("accepted")


# --------------------------------------------------------------------------------------------------------------------
# Issue 20.6 (seed 000, P2P): a one-off entry requirement, and a flat bonus per personally enrolled member who meets
# a requirement in their first period(s).
#
#   m0 ── m1 ── m2     P2P: 10 % direct, override 5 %, no compression. m2 sells 100 to a customer; m1 buys 60 for
#                      itself (PV 60), m0 buys 120 (PV 120).

ENTRY_ORDERS = [
    {"credited": 2, "buyer": -1, "pv": 0, "cv": 100},
    {"credited": 1, "pv": 60, "cv": 0},
    {"credited": 0, "pv": 120, "cv": 0, "pack": True},
    {"credited": 2, "pv": 10, "cv": 0},
]


def _entry(entry: dict | None, entry_met=None):
    p2p = {"type": "p2p", "rates": [{"direct": "10", "overrides": ["5"]}], "compression": False,
           "require_active": False}  # fmt: skip
    doc: dict = {"ranks": [], "components": [p2p]}
    if entry is not None:
        doc["entry"] = entry
    return calculate(plan_from_document(doc), snapshot_from_lists(sponsors=[-1, 0, 1], orders=ENTRY_ORDERS,
                                                                  entry_met=entry_met))  # fmt: skip


def test_no_purchase_necessary_is_the_default():
    result = _entry(None)
    assert result.entry_met.tolist() == [True, True, True]
    assert brief(result) == {(2, 1000, 0), (1, 500, 0)}


def test_an_initial_purchase_entry_requirement_bars_members_until_they_meet_it():
    result = _entry({"requirement": "initial_purchase", "min_pv": "50"})
    assert result.entry_met.tolist() == [True, True, False]  # m2's own order has PV 10
    assert brief(result) == {(1, 500, 0)}
    assert brief(result, forfeited=True) == {(2, 1000, 0, NOT_QUALIFIED)}
    # met in an earlier period: a one-off requirement stays met
    assert brief(_entry({"requirement": "initial_purchase", "min_pv": "50"}, [False, False, True])) == {
        (2, 1000, 0), (1, 500, 0)}  # fmt: skip


def test_an_enrolment_pack_entry_requirement():
    result = _entry({"requirement": "enrolment_pack"})
    assert result.entry_met.tolist() == [True, False, False]
    assert len(result.lines) == 0
    assert brief(result, forfeited=True) == {(2, 1000, 0, NOT_QUALIFIED), (1, 500, 0, NOT_QUALIFIED)}


def test_entry_requirement_is_validated_in_words():
    for entry, errors in (
        ({"requirement": "pack"}, {"entry.requirement": ["must be one of: none, initial_purchase, enrolment_pack"]}),
        (
            {"requirement": "none", "min_pv": "5"},
            {"entry.min_pv": ["only applies to the initial_purchase requirement"]},
        ),
        ({}, {"entry.requirement": ["is required"]}),
    ):
        try:
            plan_from_document({"ranks": [], "components": [{"type": "retail_profit"}], "entry": entry})
        except PlanError as error:
            assert error.errors == errors
        else:  # pragma: no cover
            raise AssertionError(entry)


def _enrolment(pvs: list[int], ages: list[int], history_pv: list[list[int]], **bonus):
    component = {"type": "enrolment_bonus", "amount": "25", "periods": 2, "min_pv": "100", **bonus}
    plan = plan_from_document({"ranks": [{"code": "x", "min_pv": 1000}], "components": [component]})
    snap = snapshot_from_lists(
        sponsors=[-1] + [0] * (len(pvs) - 1),
        orders=[{"credited": m, "pv": pv} for m, pv in enumerate(pvs)],
        periods_since_join=ages,
        history_pv=history_pv,
    )
    return calculate(plan, snap)


def test_enrolment_bonus_per_recruit_meeting_the_requirement_in_their_first_periods():
    # m1 first period, PV 100: paid. m2 second period, 60 now + 40 in its first: paid now. m3 second period, met
    # 120 in its first (paid then): not again. m4 third period: too late. m5 first period, PV 50: not yet.
    result = _enrolment([100, 100, 60, 10, 200, 50], [5, 0, 1, 1, 2, 0], [[0], [0], [40], [120], [0], [0]])
    assert brief(result, keys=("payee_idx", "amount_cents", "source_member_idx", "level_raw")) == {
        (0, 2500, 1, 0), (0, 2500, 2, 1)}  # fmt: skip
    assert result.totals_by_component == {"enrolment_bonus": 5000}
    # a sponsor who may not be paid (here: below the component's min_rank) forfeits the bonus
    ranked = _enrolment([100, 100], [5, 0], [[0], [0]], min_rank="x")
    assert brief(ranked, forfeited=True) == {(0, 2500, -1, NOT_QUALIFIED)}


def test_enrolment_bonus_pays_nothing_when_the_loader_gives_no_ages():
    plan = plan_from_document({"ranks": [], "components": [{"type": "enrolment_bonus", "amount": "25"}]})
    snap = snapshot_from_lists(sponsors=[-1, 0], orders=[{"credited": 1, "pv": 100}])
    assert len(calculate(plan, snap).lines) == 0


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 3), st.integers(0, 150), st.lists(st.integers(0, 80), min_size=1, max_size=5))
def test_an_enrolment_bonus_is_paid_at_most_once_per_recruit(periods, min_pv, pv_by_period):
    """Period by period (each run handed the previous runs' PV), the bonus is paid exactly once when the recruit's
    accumulated PV reaches min_pv within their first `periods` periods, and never otherwise."""
    paid, history = 0, list[int]()
    for age, pv in enumerate(pv_by_period):
        result = _enrolment([0, pv], [9, age], [[0] * periods, (history + [0] * periods)[:periods]],
                            periods=periods, min_pv=str(min_pv))  # fmt: skip
        paid += result.total_paid_cents
        history = [pv, *history]
    reached = any(sum(pv_by_period[: k + 1]) >= min_pv for k in range(min(periods, len(pv_by_period))))
    assert paid == (2500 if reached else 0)
