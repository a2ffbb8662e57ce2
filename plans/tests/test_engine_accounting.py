"""Paid + forfeited explains every cent, for every plan type (hypothesis; pure, no database).

For each component type, a plain-Python reference walks every order (or member) the way docs/plans.md defines the
plan — every share the plan defines, paid or not — and sums basis x rate, rounded per line. The engine's paid lines
plus its forfeits of that component must add up to exactly that. Ranks and activity are taken from the engine's own
result (they are tested elsewhere); what is checked here is that no share disappears without a trace.
"""

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.engine.calculate import calculate
from plans.engine.document import plan_from_document
from plans.engine.snapshot import snapshot_from_lists
from plans.tests.test_engine_properties import RANKS, snapshots


def _half_up(basis: int, bp: int) -> int:
    return (basis * bp + 5000) // 10000


def _plan(compression: bool, differential: bool, own: bool):
    return plan_from_document(
        {
            "active": {"min_pv": 50},
            "ranks": RANKS,
            "components": [
                {"type": "unilevel", "rates": ["5", "4", "6"], "depth_by_rank": {"bronze": 2, "gold": 3},
                 "compression": compression, "differential": differential},
                {"type": "stairstep_breakaway", "rank_rates": {"bronze": "3", "silver": "6", "gold": "9"},
                 "compression": compression},
                {"type": "binary", "rate": "10", "pairing_cap": "30", "carryover_cap": "100"},
                {"type": "matrix", "width": 2, "rates": ["4", "2"], "compression": compression},
                {"type": "p2p", "compression": compression, "differential": differential,
                 "overrides_on_own_purchases": own,
                 "rates": [{"rank": "bronze", "direct": "5", "overrides": ["0", "1"]},
                           {"rank": "silver", "direct": "8", "overrides": ["2", "1", "3"]}]},
                {"type": "party", "consultant_rate": "20", "host_tiers": [{"min_sales": "50", "reward": "10"}]},
                {"type": "retail_profit"},
                {"type": "fast_start", "days": 30, "rates": ["10", "3"]},
                {"type": "rank_advancement", "amounts": {"silver": "20", "gold": "75"}},
                {"type": "matching", "generations": ["10", "5"], "on_components": ["unilevel"],
                 "compression": compression},
                {"type": "leadership_pool", "percent": "2", "shares": {"silver": 1, "gold": 3}},
            ],
        }
    )  # fmt: skip


def _chain(parent, start, payable, compression):
    """Uplines of `start` (its parent first); with compression only the payable ones."""
    cur = parent[start]
    while cur >= 0:
        if payable[cur] or not compression:
            yield cur
        cur = parent[cur]


def _levels(parent, origin, basis, payable, compression, rate_of, levels, differential=False, buyer=None):
    total = 0
    taken = 0
    for level, payee in enumerate(_chain(parent, origin, payable, compression), start=1):
        if level > levels:
            break
        rate = rate_of(payee, level)
        if differential:
            owed_rate = max(rate - taken, 0)
            taken = max(taken, rate)
        else:
            owed_rate = rate
        total += _half_up(basis, owed_rate)
    return total


def _reference(plan, snap, result) -> Counter:  # noqa: C901 - one branch per plan type, on purpose
    n = snap.n_members
    rank = result.rank.tolist()
    eligible = (snap.eligible & ~snap.excluded).tolist()
    active = result.active.tolist()
    sponsor = snap.sponsor_idx.tolist()
    placement = snap.placement_idx.tolist()
    cv = snap.cv.tolist()
    credited = snap.credited_idx.tolist()
    buyer = snap.buyer_idx.tolist()
    out: Counter = Counter()

    def payable(comp):
        return [eligible[m] and (active[m] or not comp.require_active) and rank[m] >= comp.min_rank for m in range(n)]

    paid_so_far: Counter = Counter()  # member -> unilevel earnings (for the matching)
    for comp in plan.components:
        ok = payable(comp)
        if comp.type in ("unilevel", "matrix"):
            tree = sponsor if comp.type == "unilevel" else placement
            rates = (0, *comp.rates_bp)
            depth = dict(getattr(comp, "depth_by_rank", ()))

            def rate_of(payee, level, rates=rates):
                return rates[level]

            for o in range(snap.n_orders):
                if cv[o] > 0:
                    out[comp.code] += _levels(tree, credited[o], cv[o], ok, comp.compression, rate_of,
                                              len(comp.rates_bp), getattr(comp, "differential", False))  # fmt: skip
            if comp.type == "unilevel":
                del depth  # depth only decides paid vs forfeited (reason depth): the share is defined either way
                mine = (result.lines.component == plan.components.index(comp)) & (result.lines.payee_idx >= 0)
                for payee, cents in zip(result.lines.payee_idx[mine].tolist(), result.lines.amount_cents[mine].tolist(),
                                        strict=True):  # fmt: skip
                    paid_so_far[payee] += cents
        elif comp.type == "stairstep_breakaway":
            rates = (0, *comp.rank_rates_bp)
            for o in range(snap.n_orders):
                if cv[o] <= 0:
                    continue
                taken = 0
                chain = [credited[o], *_chain(sponsor, credited[o], ok, False)]
                for node in chain:
                    if comp.compression and not ok[node]:
                        continue
                    own = rates[rank[node] + 1]
                    if own > taken:
                        out[comp.code] += _half_up(cv[o], own - taken)
                        taken = own
        elif comp.type == "binary":
            volume = np.zeros(n, np.int64)
            for o in range(snap.n_orders):
                volume[credited[o]] += cv[o]
            sub = snap.placement_tree.subtree_sum(volume)
            legs = [[int(snap.carry_left[m]), int(snap.carry_right[m])] for m in range(n)]
            for m in range(n):
                if placement[m] >= 0 and snap.placement_position[m] >= 0:
                    legs[placement[m]][int(snap.placement_position[m])] += int(sub[m])
            out[comp.code] += sum(_half_up(min(left, right), comp.rate_bp) for left, right in legs)
        elif comp.type == "p2p":
            directs = [row.direct_bp for row in comp.rows]
            lowest = min((d for d in directs if d > 0), default=0)
            width = max(len(row.overrides_bp) for row in comp.rows)

            def row_of(member, comp=comp):
                chosen = None
                for row in comp.rows:
                    if row.rank <= rank[member]:
                        chosen = row
                return chosen

            def at(row, level):
                return row.overrides_bp[level - 1] if row is not None and level <= len(row.overrides_bp) else 0

            fallback = [0] + [min((x for x in (at(r, k) for r in comp.rows) if x > 0), default=0)
                              for k in range(1, width + 1)]  # fmt: skip

            def rate_of(payee, level, fallback=fallback):
                own = at(row_of(payee), level)
                return own if own > 0 else fallback[level]

            for o in range(snap.n_orders):
                if buyer[o] == credited[o] or cv[o] <= 0:
                    continue
                row = row_of(credited[o])
                direct = row.direct_bp if row is not None and row.direct_bp > 0 else lowest
                out[comp.code] += _half_up(cv[o], direct)
                if comp.differential:  # the differential is taken on the payee's own rate (0 takes nothing)
                    total, taken = 0, 0
                    for level, payee in enumerate(_chain(sponsor, credited[o], ok, comp.compression), start=1):
                        if level > width:
                            break
                        own = at(row_of(payee), level)
                        owed = own if own > 0 else fallback[level]
                        total += _half_up(cv[o], max(owed - taken, 0))
                        taken = max(taken, own)
                    out[comp.code] += total
                else:
                    out[comp.code] += _levels(sponsor, credited[o], cv[o], ok, comp.compression, rate_of, width)
        elif comp.type == "party":
            sales: Counter = Counter()
            for o in range(snap.n_orders):
                p = int(snap.party_idx[o])
                if p >= 0:
                    out[comp.code] += _half_up(cv[o], comp.consultant_rate_bp)
                    sales[p] += int(snap.retail_total[o])
            for total in sales.values():
                tiers = [t for t in comp.host_tiers if t.min_sales_cents <= total]
                if tiers:
                    out[comp.code] += _half_up(total, tiers[-1].reward_bp) + tiers[-1].bonus_cents
        elif comp.type == "retail_profit":
            for o in range(snap.n_orders):
                profit = int(snap.retail_total[o] - snap.distributor_total[o])
                if buyer[o] < 0 and profit > 0:
                    out[comp.code] += profit
        elif comp.type == "fast_start":
            for o in range(snap.n_orders):
                b = buyer[o]
                if b < 0 or cv[o] <= 0:
                    continue
                age = int((snap.order_date[o] - snap.join_date[b]).astype(np.int64))
                if 0 <= age < comp.days:
                    rates = (0, *comp.rates_bp)
                    out[comp.code] += _levels(sponsor, b, cv[o], ok, False, lambda p, k, r=rates: r[k],
                                              len(comp.rates_bp))  # fmt: skip
        elif comp.type == "rank_advancement":
            for m in range(n):
                for k, cents in enumerate(comp.amounts_cents):
                    if cents and rank[m] >= k > snap.prev_highest_rank[m]:
                        out[comp.code] += cents
        elif comp.type == "matching":
            rates = (0, *comp.generations_bp)
            for earner, cents in paid_so_far.items():
                if cents > 0:
                    out[comp.code] += _levels(sponsor, earner, cents, ok, comp.compression, lambda p, k, r=rates: r[k],
                                              len(comp.generations_bp))  # fmt: skip
        elif comp.type == "leadership_pool":
            out[comp.code] += _half_up(int(snap.cv.sum()), comp.percent_bp)
    return out


def _explained(result) -> Counter:
    out: Counter = Counter()
    for ledger in (result.lines, result.forfeits):
        for component, cents in zip(ledger.component.tolist(), ledger.amount_cents.tolist(), strict=True):
            out[result.component_codes[component]] += cents
    return out


@settings(max_examples=120, deadline=None)
@given(snapshots(), st.booleans(), st.booleans(), st.booleans(), st.data())
def test_paid_plus_forfeited_is_every_share_the_plan_defines_for_every_plan_type(
    spec, compression, differential, own, data
):
    n = len(spec["sponsors"])
    parties = data.draw(st.integers(0, 2))
    spec = {**spec, "parties": [{"consultant": data.draw(st.integers(0, n - 1)),
                                 "host": data.draw(st.integers(-1, n - 1))} for _ in range(parties)]}  # fmt: skip
    if parties:
        spec["orders"] = [{**o, "party": data.draw(st.integers(-1, parties - 1))} for o in spec["orders"]]
    plan = _plan(compression, differential, own)
    snap = snapshot_from_lists(**spec)
    result = calculate(plan, snap)
    reference = _reference(plan, snap, result)
    explained = _explained(result)
    for code in ("unilevel", "stairstep_breakaway", "binary", "matrix", "p2p", "party", "retail_profit", "fast_start",
                 "rank_advancement", "matching", "leadership_pool"):  # fmt: skip
        assert explained[code] == reference[code], code
    assert result.total_paid_cents + result.total_forfeited_cents == sum(reference.values())
