"""A worked example for the plan builder: the real engine run on a seven-member sample team, so an admin sees what a
plan pays before saving it ("a 100.00 CV order four levels down pays you …").

The sample team (sponsor tree; the placement tree is the same line with Eve and Fay on right legs):

    You ── Ann ── Ben ── Cal ── Dee      Dee joined this month and buys the 100 CV order the example follows
     ├── Eve (300 PV)                   everyone else buys 100 PV / 100 CV; Eve and Fay 300
     └── Fay (300 PV)                   Fay also sells 60.00 to a retail customer (retail 80.00) at a party she holds

Pure (no database): a few milliseconds, so the page can recompute it on every change of the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from plans.engine import Plan, calculate, snapshot_from_lists
from plans.engine.calculate import Reason, Rule

NAMES = ("You", "Ann", "Ben", "Cal", "Dee", "Eve", "Fay")
DEE = 4
DEE_ORDER = 4  # index of Dee's order in ORDERS
LEVELS_DOWN = 4
ORDER_CV = "100"
PERIOD_DAY = "2026-01-15"
ORDERS = (
    {"credited": 0, "pv": "100", "cv": "100", "date": PERIOD_DAY},
    {"credited": 1, "pv": "100", "cv": "100", "date": PERIOD_DAY},
    {"credited": 2, "pv": "100", "cv": "100", "date": PERIOD_DAY},
    {"credited": 3, "pv": "100", "cv": "100", "date": PERIOD_DAY},
    {"credited": 4, "pv": ORDER_CV, "cv": ORDER_CV, "date": PERIOD_DAY},
    {"credited": 5, "pv": "300", "cv": "300", "date": PERIOD_DAY},
    {"credited": 6, "pv": "300", "cv": "300", "date": PERIOD_DAY},
    {"credited": 6, "buyer": -1, "pv": "60", "cv": "60", "retail": "80", "dist": "60", "date": PERIOD_DAY, "party": 0},
)


@dataclass(frozen=True)
class Line:
    payee: str  # one of NAMES
    component: str  # the component's code
    rule: str  # Rule name, lower case (level, pairing, fast_start...)
    level: int  # levels above the order's member (0 when the rule has no level)
    rate_bp: int  # -1 when the line is not a percentage
    amount_cents: int
    reason: str  # "paid", or why it was forfeited (Reason name, lower case)


@dataclass(frozen=True)
class Member:
    name: str
    rank: str  # the rank's code, "" for none
    pv: Decimal
    gv: Decimal
    paid_cents: int


@dataclass(frozen=True)
class WorkedExample:
    order_cv: Decimal
    levels_down: int
    order_lines: tuple[Line, ...]  # what Dee's order pays (and forfeits): Dee first, then up the line to You
    you_from_order_cents: int
    members: tuple[Member, ...]
    total_paid_cents: int
    total_cv_cents: int
    payout_ratio: Decimal


def sample_snapshot():
    return snapshot_from_lists(
        sponsors=[-1, 0, 1, 2, 3, 0, 0],
        placements=[-1, 0, 1, 2, 3, 0, 1],
        positions=[-1, 0, 0, 0, 0, 1, 1],
        join_dates=["2025-01-01"] * 4 + ["2026-01-10", "2025-01-01", "2025-01-01"],
        orders=ORDERS,
        parties=[{"consultant": 6, "host": -1, "host_customer_id": 9001}],
    )


def _line(result, ledger, i: int, forfeited: bool) -> Line:
    rule = Rule(int(ledger.rule[i]))
    payee = int(ledger.payee_idx[i])
    return Line(
        payee=NAMES[payee] if payee >= 0 else "",
        component=result.component_codes[int(ledger.component[i])],
        rule=rule.name.lower(),
        level=int(ledger.level_raw[i]),
        rate_bp=int(ledger.rate_bp[i]),
        amount_cents=int(ledger.amount_cents[i]),
        reason=Reason(int(ledger.reason[i])).name.lower() if forfeited else "paid",
    )


def worked_example(plan: Plan) -> WorkedExample:
    """Run ``plan`` on the sample team and follow Dee's order up the line."""
    result = calculate(plan, sample_snapshot())
    lines = []
    for ledger, forfeited in ((result.lines, False), (result.forfeits, True)):
        for i in range(len(ledger)):
            if int(ledger.source_order_idx[i]) == DEE_ORDER:
                lines.append(_line(result, ledger, i, forfeited))
    lines.sort(key=lambda line: (NAMES.index(line.payee) * -1 if line.payee else 0, line.reason != "paid"))
    paid = dict.fromkeys(range(len(NAMES)), 0)
    for i in range(len(result.lines)):
        payee = int(result.lines.payee_idx[i])
        if payee >= 0:
            paid[payee] += int(result.lines.amount_cents[i])
    members = tuple(
        Member(
            name=name,
            rank=result.rank_codes[int(result.rank[i])] if int(result.rank[i]) >= 0 else "",
            pv=Decimal(int(result.pv[i])) / 100,
            gv=Decimal(int(result.gv[i])) / 100,
            paid_cents=paid[i],
        )
        for i, name in enumerate(NAMES)
    )
    return WorkedExample(
        order_cv=Decimal(ORDER_CV),
        levels_down=LEVELS_DOWN,
        order_lines=tuple(lines),
        you_from_order_cents=sum(line.amount_cents for line in lines if line.payee == "You" and line.reason == "paid"),
        members=members,
        total_paid_cents=result.total_paid_cents,
        total_cv_cents=result.total_cv_cents,
        payout_ratio=result.payout_ratio,
    )
