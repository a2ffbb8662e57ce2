"""How each component type of a plan document is read into its part of the validated plan (``COMPONENT_READERS``, by the
component's ``type``): the options every type has are read by ``plans.engine.document``, the rest here."""

from __future__ import annotations

from decimal import Decimal

from plans.engine.document_reader import Reader, gettext_noop
from plans.engine.plan import (
    P2P,
    Binary,
    EnrolmentBonus,
    FastStart,
    HostTier,
    LeadershipPool,
    Matching,
    Matrix,
    P2PRow,
    Party,
    RankAdvancement,
    RetailProfit,
    StairstepBreakaway,
    Unilevel,
)


def _compression(r: Reader, obj: dict, path: str, default: bool) -> bool:
    return _flag(r, obj, path, "compression", default)


def _flag(r: Reader, obj: dict, path: str, name: str, default: bool) -> bool:
    if name not in obj:
        return default
    return bool(r.boolean(obj[name], f"{path}.{name}"))


def _unilevel(r, obj, path, common, ranks, codes, built):
    rates = r.percent_list(obj.get("rates"), f"{path}.rates")
    most = len(rates) if rates is not None else None  # bad rates: depths are only checked to be whole numbers
    depth = r.rank_map(obj.get("depth_by_rank", {}), f"{path}.depth_by_rank", lambda v, p: r.integer(v, p, 0, most))
    if rates is None or depth is None:
        return None
    return Unilevel(
        **common,
        rates_bp=rates,
        depth_by_rank=tuple(sorted(depth.items())),
        compression=_compression(r, obj, path, True),
        differential=_flag(r, obj, path, "differential", False),
    )


def _stairstep(r, obj, path, common, ranks, codes, built):
    rates = r.rank_map(obj.get("rank_rates"), f"{path}.rank_rates", r.percent)
    gens = r.percent_list(obj.get("generation_rates", []), f"{path}.generation_rates", allow_empty=True)
    breakaway = len(ranks)  # no breakaway unless named
    if obj.get("breakaway_rank") is not None:
        breakaway = r.rank(obj["breakaway_rank"], f"{path}.breakaway_rank")
    elif gens:
        r.add(f"{path}.breakaway_rank", gettext_noop("is required when generation_rates are given"))
    if rates is None or gens is None or breakaway is None:
        return None
    # A rank not listed earns the percentage of the highest listed rank at or below it (as depth_by_rank, p2p rows and
    # pool shares read); below every listed rank: 0 %. Listed percentages must not decrease, 0 included.
    table = [0] * len(ranks)
    running, below = 0, None
    for index in range(len(ranks)):
        if index in rates:
            if rates[index] < running:
                r.add(
                    f"{path}.rank_rates.{ranks[index].code}",
                    gettext_noop(
                        "must not be lower than %(code)s's %(percent)s (a higher rank never earns a lower percentage; "
                        "a rank left out earns the percentage of the rank below it)"
                    ),
                    code=ranks[below].code,
                    percent=_percent_text(running),
                )
            running, below = max(running, rates[index]), index
        table[index] = running
    return StairstepBreakaway(
        **common,
        rank_rates_bp=tuple(table),
        breakaway_rank=breakaway,
        generation_rates_bp=gens,
        compression=_compression(r, obj, path, True),
        breakaway_leaves_gv=_flag(r, obj, path, "breakaway_leaves_gv", False),
    )


def _percent_text(bp: int) -> str:
    return f"{Decimal(bp).scaleb(-2).normalize():f} %"


def _binary(r, obj, path, common, ranks, codes, built):
    rate = r.percent(obj.get("rate"), f"{path}.rate")
    carry = r.volume(obj["carryover_cap"], f"{path}.carryover_cap") if obj.get("carryover_cap") is not None else None
    cap = r.money(obj["pairing_cap"], f"{path}.pairing_cap") if obj.get("pairing_cap") is not None else None
    per_leg = r.integer(obj.get("sponsored_per_leg", 0), f"{path}.sponsored_per_leg", 0, 100)
    flush = None
    if obj.get("flush_inactive_after") is not None:
        flush = r.integer(obj["flush_inactive_after"], f"{path}.flush_inactive_after", 0, 36)
    if rate is None:
        return None
    return Binary(
        **common,
        rate_bp=rate,
        carryover_cap=carry,
        pairing_cap_cents=cap,
        sponsored_per_leg=per_leg or 0,
        flush_inactive_after=flush,
    )


def _matrix(r, obj, path, common, ranks, codes, built):
    width = r.integer(obj.get("width"), f"{path}.width", 1, 100)
    rates = r.percent_list(obj.get("rates"), f"{path}.rates")
    if width is None or rates is None:
        return None
    return Matrix(**common, width=width, rates_bp=rates, compression=_compression(r, obj, path, False))


def _p2p(r, obj, path, common, ranks, codes, built):
    raw = obj.get("rates")
    if not isinstance(raw, list) or not raw:
        r.add(f"{path}.rates", gettext_noop("must be a non-empty list of {rank, direct, overrides} rows"))
        return None
    rows = []
    last = -2
    for i, row in enumerate(raw):
        rpath = f"{path}.rates[{i}]"
        robj = r.obj(row, rpath, {"rank", "direct", "overrides"}, {"direct"})
        if robj is None:
            continue
        rank = -1 if robj.get("rank") is None else r.rank(robj["rank"], f"{rpath}.rank")
        direct = r.percent(robj.get("direct"), f"{rpath}.direct") if "direct" in robj else None
        overrides = r.percent_list(robj.get("overrides", []), f"{rpath}.overrides", allow_empty=True)
        if rank is None or direct is None or overrides is None:
            continue
        if rank <= last:
            r.add(
                f"{rpath}.rank", gettext_noop("rows must be in ascending rank order (a row without rank comes first)")
            )
        last = rank
        rows.append(P2PRow(rank=rank, direct_bp=direct, overrides_bp=overrides))
    return P2P(
        **common,
        rows=tuple(rows),
        compression=_compression(r, obj, path, True),
        differential=_flag(r, obj, path, "differential", False),
        overrides_on_own_purchases=_flag(r, obj, path, "overrides_on_own_purchases", True),
    )


def _party(r, obj, path, common, ranks, codes, built):
    rate = r.percent(obj.get("consultant_rate"), f"{path}.consultant_rate")
    tiers = []
    raw = obj.get("host_tiers", [])
    if not isinstance(raw, list):
        r.add(f"{path}.host_tiers", gettext_noop("must be a list"))
        raw = []
    last = -1
    for i, tier in enumerate(raw):
        tpath = f"{path}.host_tiers[{i}]"
        tobj = r.obj(tier, tpath, {"min_sales", "reward", "bonus"}, {"min_sales"})
        if tobj is None:
            continue
        low = r.money(tobj.get("min_sales"), f"{tpath}.min_sales") if "min_sales" in tobj else None
        reward = r.percent(tobj.get("reward", 0), f"{tpath}.reward")
        bonus = r.money(tobj.get("bonus", 0), f"{tpath}.bonus")
        if low is None or reward is None or bonus is None:
            continue
        if low <= last:
            r.add(f"{tpath}.min_sales", gettext_noop("tiers must be in ascending min_sales order"))
        last = low
        tiers.append(HostTier(min_sales_cents=low, reward_bp=reward, bonus_cents=bonus))
    if rate is None:
        return None
    return Party(**common, consultant_rate_bp=rate, host_tiers=tuple(tiers))


def _retail(r, obj, path, common, ranks, codes, built):
    return RetailProfit(**common)


def _fast_start(r, obj, path, common, ranks, codes, built):
    days = r.integer(obj.get("days"), f"{path}.days", 1, 3660)
    rates = r.percent_list(obj.get("rates"), f"{path}.rates")
    if days is None or rates is None:
        return None
    return FastStart(**common, days=days, rates_bp=rates, compression=False)


def _advancement(r, obj, path, common, ranks, codes, built):
    amounts = r.rank_map(obj.get("amounts"), f"{path}.amounts", r.money)
    skipped = True
    if "pay_skipped_ranks" in obj:
        skipped = bool(r.boolean(obj["pay_skipped_ranks"], f"{path}.pay_skipped_ranks"))
    if amounts is None:
        return None
    table = [0] * len(ranks)
    for index, cents in amounts.items():
        table[index] = cents
    return RankAdvancement(**common, amounts_cents=tuple(table), pay_skipped_ranks=skipped)


def _matching(r, obj, path, common, ranks, codes, built):
    gens = r.percent_list(obj.get("generations"), f"{path}.generations")
    earlier = {c.code: i for i, c in enumerate(built) if c is not None and c.type != "matching"}
    if "on_components" in obj:
        raw = obj["on_components"]
        on = []
        if not isinstance(raw, list) or not raw:
            r.add(f"{path}.on_components", gettext_noop("must be a non-empty list of earlier component codes"))
        else:
            for i, code in enumerate(raw):
                if code not in earlier:
                    if isinstance(code, str) and code in r.unsure_components:
                        continue  # it names an earlier component that is itself invalid (reported there)
                    r.add(
                        f"{path}.on_components[{i}]",
                        gettext_noop("must name a component listed before this one (not a matching)"),
                    )
                else:
                    on.append(earlier[code])
    else:
        on = sorted(earlier.values())
    if gens is None:
        return None
    return Matching(
        **common, generations_bp=gens, on_components=tuple(on), compression=_compression(r, obj, path, True)
    )


def _pool(r, obj, path, common, ranks, codes, built):
    percent = r.percent(obj.get("percent"), f"{path}.percent")
    shares = r.rank_map(obj.get("shares"), f"{path}.shares", lambda v, p: r.integer(v, p, 1, 1000))
    if shares is not None and not obj.get("shares"):  # not when every entry was wrong (reported at its own path)
        r.add(f"{path}.shares", gettext_noop("must give at least one rank a number of shares"))
    if percent is None or shares is None:
        return None
    return LeadershipPool(**common, percent_bp=percent, shares_by_rank=tuple(sorted(shares.items())))


def _enrolment_bonus(r, obj, path, common, ranks, codes, built):
    amount = r.money(obj.get("amount"), f"{path}.amount")
    periods = r.integer(obj.get("periods", 1), f"{path}.periods", 1, 12)
    min_pv = r.volume(obj.get("min_pv", 0), f"{path}.min_pv")
    if amount is None or periods is None or min_pv is None:
        return None
    return EnrolmentBonus(**common, amount_cents=amount, periods=periods, min_pv=min_pv)


COMPONENT_READERS = {
    "unilevel": _unilevel,
    "stairstep_breakaway": _stairstep,
    "binary": _binary,
    "matrix": _matrix,
    "p2p": _p2p,
    "party": _party,
    "retail_profit": _retail,
    "fast_start": _fast_start,
    "rank_advancement": _advancement,
    "matching": _matching,
    "leadership_pool": _pool,
    "enrolment_bonus": _enrolment_bonus,
}
