"""Small readers over an engine Result for the engine tests."""

from collections import Counter

from plans.engine.calculate import Result, explain


def paid_by_member(result: Result) -> dict[int, int]:
    """member index -> cents paid (all components)."""
    totals: Counter = Counter()
    for payee, amount in zip(result.lines.payee_idx.tolist(), result.lines.amount_cents.tolist(), strict=True):
        totals[payee] += amount
    return dict(totals)


def rows(result: Result, forfeited: bool = False) -> list[dict]:
    ledger = result.forfeits if forfeited else result.lines
    return [explain(result, i, forfeited) for i in range(len(ledger))]


def brief(result: Result, forfeited: bool = False, keys=("payee_idx", "amount_cents", "source_order_idx")) -> set:
    """A set of tuples (one per line) holding only `keys` (plus the reason for forfeits), for exact comparisons."""
    keys = (*keys, "reason") if forfeited else keys
    return {tuple(row[k] for k in keys) for row in rows(result, forfeited)}
