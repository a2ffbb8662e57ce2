"""The declarative plan document (a JSON-compatible dict) and its validation into a frozen `Plan`.

Units inside a `Plan` are integers so the calculation never touches floats:
- percentages are basis points (``"5"`` -> 500, ``"2.25"`` -> 225; at most two decimals);
- money is cents (``"12.50"`` -> 1250);
- volumes (PV, PSV, GV, leg volumes) are hundredths of a point (``"50"`` -> 5000).
Numbers in the document may be JSON numbers or decimal strings; strings are preferred (no binary-float surprises).

`plan_from_document` collects *every* problem before raising, so an admin sees all of them at once:
``PlanError.errors == {"components[1].rates[2]": ["must be a percentage between 0 and 100"], ...}``.
`docs/plans.md` documents every field.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from decimal import Decimal, InvalidOperation
from typing import Any

from plans.engine.plan import (  # the validated plan, re-exported: callers import it from here
    P2P,
    ActiveRule,
    Binary,
    Component,
    EnrolmentBonus,
    Entry,
    FastStart,
    HostTier,
    LeadershipPool,
    LegRequirement,
    Matching,
    Matrix,
    P2PRow,
    Party,
    Plan,
    Rank,
    RankAdvancement,
    RetailProfit,
    StairstepBreakaway,
    Unilevel,
)

COMPONENT_TYPES = (
    "unilevel",
    "stairstep_breakaway",
    "binary",
    "matrix",
    "p2p",
    "party",
    "retail_profit",
    "fast_start",
    "rank_advancement",
    "matching",
    "leadership_pool",
    "enrolment_bonus",
)
ENTRY_REQUIREMENTS = ("none", "initial_purchase", "enrolment_pack")


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue (``makemessages`` knows this name) without translating it: the
    engine stays free of Django; ``plans.services_plan_versions.plan_document_check`` translates at the edge."""
    return message


class Message(str):
    """A validation message: the English text (a ``str``, so callers, logs and tests read it as before) that keeps
    its template and parameters, so the layer that shows it can translate the template and fill it again. A
    parameter may itself be a ``Message`` (``"must be %(what)s"`` with ``what`` "a percentage between 0 and 100")."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        message = super().__new__(cls, template % params if params else template)
        message.template = template
        message.params = params
        return message


class PlanError(ValueError):
    """A plan document is invalid; `.errors` maps each bad field's path to the reasons."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        first = next(iter(errors.items()))
        super().__init__(
            f"invalid plan document: {first[0]}: {first[1][0]}" + (" (and more)" if len(errors) > 1 else "")
        )


# --------------------------------------------------------------------------------------------------------------------
# Validation


class _Reader:
    """Reads typed fields out of the document while collecting errors by path."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.rank_codes: dict[str, int] = {}
        self.missing: set[str] = set()  # paths already reported "is required": no second message about them
        self.ranks_unreliable = False  # a rank code is itself invalid, so an unknown code may mean that rank
        self.unsure_components: set[str] = set()  # codes of earlier components that are themselves invalid

    def add(self, path: str, message: str, **params: Any) -> None:
        if path in self.missing:
            return
        self.errors.setdefault(path, []).append(Message(message, **params))

    def obj(
        self, value: Any, path: str, allowed: AbstractSet[str], required: AbstractSet[str] = frozenset()
    ) -> dict | None:
        if not isinstance(value, dict):
            self.add(path or "(document)", gettext_noop("must be an object"))
            return None
        for key in sorted(set(value) - allowed):
            self.add(_join(path, key), gettext_noop("unknown field"))
        for key in sorted(required - set(value)):
            self.add(_join(path, key), gettext_noop("is required"))
            self.missing.add(_join(path, key))
        return value

    def decimal(self, value: Any, path: str, places: int, minimum: Decimal, maximum: Decimal | None, what: str):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.add(path, gettext_noop("must be %(what)s"), what=what)
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.add(path, gettext_noop("must be %(what)s"), what=what)
            return None
        if not number.is_finite() or number < minimum or (maximum is not None and number > maximum):
            self.add(path, gettext_noop("must be %(what)s"), what=what)
            return None
        scaled = number.scaleb(places)
        if scaled != scaled.to_integral_value():
            self.add(path, gettext_noop("must have at most %(places)s decimal places"), places=places)
            return None
        return int(scaled)

    def percent(self, value: Any, path: str) -> int | None:
        return self.decimal(
            value, path, 2, Decimal(0), Decimal(100), Message(gettext_noop("a percentage between 0 and 100"))
        )

    def money(self, value: Any, path: str) -> int | None:
        return self.decimal(value, path, 2, Decimal(0), None, Message(gettext_noop("an amount of money of at least 0")))

    def volume(self, value: Any, path: str) -> int | None:
        return self.decimal(value, path, 2, Decimal(0), None, Message(gettext_noop("a volume of at least 0")))

    def integer(self, value: Any, path: str, minimum: int = 0, maximum: int | None = None) -> int | None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < minimum
            or (maximum is not None and value > maximum)
        ):
            bound = (
                Message(gettext_noop("between %(minimum)s and %(maximum)s"), minimum=minimum, maximum=maximum)
                if maximum is not None
                else Message(gettext_noop("at least %(minimum)s"), minimum=minimum)
            )
            self.add(path, gettext_noop("must be a whole number %(bound)s"), bound=bound)
            return None
        return value

    def boolean(self, value: Any, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.add(path, gettext_noop("must be true or false"))
            return None
        return value

    def text(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.add(path, gettext_noop("must be a non-empty string"))
            return None
        return value

    def rank(self, value: Any, path: str) -> int | None:
        if not isinstance(value, str) or value not in self.rank_codes:
            if self.ranks_unreliable:  # the mistake is in `ranks`, already reported there
                return None
            self.add(
                path,
                gettext_noop("must be one of the plan's rank codes (%(codes)s)"),
                codes=", ".join(self.rank_codes) or Message(gettext_noop("none defined")),
            )
            return None
        return self.rank_codes[value]

    def percent_list(self, value: Any, path: str, allow_empty: bool = False) -> tuple[int, ...] | None:
        if not isinstance(value, list) or (not value and not allow_empty):
            if allow_empty:
                self.add(path, gettext_noop("must be a list"))
            else:
                self.add(path, gettext_noop("must be a non-empty list of percentages"))
            return None
        items = [self.percent(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return None if any(i is None for i in items) else tuple(i for i in items if i is not None)

    def rank_map(self, value: Any, path: str, read) -> dict[int, Any] | None:
        """{rank code: value} -> {rank index: parsed value}."""
        if not isinstance(value, dict):
            self.add(path, gettext_noop("must be an object keyed by rank code"))
            return None
        out: dict[int, Any] = {}
        for code, item in value.items():
            index = self.rank(code, _join(path, code))
            parsed = read(item, _join(path, code))
            if index is not None and parsed is not None:
                out[index] = parsed
        return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_COMMON = {"type", "code", "name", "require_active", "min_rank"}  # name: what statements call the bonus
_FIELDS: dict[str, tuple[set[str], set[str]]] = {  # type -> (allowed fields, required fields) besides _COMMON
    "unilevel": ({"rates", "depth_by_rank", "compression", "differential"}, {"rates"}),
    "stairstep_breakaway": (
        {"rank_rates", "breakaway_rank", "generation_rates", "compression", "breakaway_leaves_gv"},
        {"rank_rates"},
    ),
    "binary": ({"rate", "carryover_cap", "pairing_cap", "sponsored_per_leg", "flush_inactive_after"}, {"rate"}),
    "matrix": ({"width", "rates", "compression"}, {"width", "rates"}),
    "p2p": ({"rates", "compression", "differential", "overrides_on_own_purchases"}, {"rates"}),
    "party": ({"consultant_rate", "host_tiers"}, {"consultant_rate"}),
    "retail_profit": (set(), set()),
    "fast_start": ({"days", "rates"}, {"days", "rates"}),
    "rank_advancement": ({"amounts", "pay_skipped_ranks"}, {"amounts"}),
    "matching": ({"generations", "on_components", "compression"}, {"generations"}),
    "leadership_pool": ({"percent", "shares"}, {"percent", "shares"}),
    "enrolment_bonus": ({"amount", "periods", "min_pv"}, {"amount"}),
}
# Components that pay retail-like income at the point of sale do not require the payee to be active by default.
_ACTIVE_DEFAULT = {"retail_profit": False, "party": False}


def plan_from_document(doc: Any) -> Plan:
    """Validate a plan document and return the frozen `Plan`; raise `PlanError` naming every bad field."""
    r = _Reader()
    top = r.obj(
        doc,
        "",
        {"name", "ranks", "active", "components", "payout_cap_ratio", "schema", "rank_grace_periods", "entry"},
        {"ranks", "components"},
    )
    if top is None:
        raise PlanError(r.errors)
    name = top.get("name", "")
    if not isinstance(name, str):
        r.add("name", gettext_noop("must be a string"))
    if "schema" in top and top["schema"] != 1:
        r.add("schema", gettext_noop("must be 1 (the only document schema so far)"))

    ranks = _read_ranks(r, top.get("ranks"))
    active = _read_active(r, top.get("active", {}))
    components = _read_components(r, top.get("components"), ranks)
    cap = None
    if top.get("payout_cap_ratio") is not None:
        cap = r.decimal(
            top["payout_cap_ratio"],
            "payout_cap_ratio",
            4,
            Decimal(0),
            Decimal(1),
            Message(gettext_noop("a ratio between 0 and 1")),
        )
    grace = 0
    if top.get("rank_grace_periods") is not None:
        grace = r.integer(top["rank_grace_periods"], "rank_grace_periods", 0, 24) or 0
    entry = _read_entry(r, top.get("entry", {"requirement": "none"}))
    if r.errors:
        raise PlanError(r.errors)
    return Plan(
        name=name,
        ranks=ranks,
        active=active,
        components=components,
        payout_cap_ratio_bp=cap,
        rank_grace_periods=grace,
        entry=entry,
        document=doc,
    )


def _read_entry(r: _Reader, value: Any) -> Entry:
    obj = r.obj(value, "entry", {"requirement", "min_pv"}, {"requirement"})
    if obj is None or "requirement" not in obj:
        return Entry()
    kind = obj["requirement"]
    if kind not in ENTRY_REQUIREMENTS:
        r.add("entry.requirement", gettext_noop("must be one of: %(choices)s"), choices=", ".join(ENTRY_REQUIREMENTS))
        return Entry()
    min_pv = 0
    if "min_pv" in obj:
        if kind != "initial_purchase":
            r.add("entry.min_pv", gettext_noop("only applies to the initial_purchase requirement"))
        else:
            min_pv = r.volume(obj["min_pv"], "entry.min_pv") or 0
    return Entry(requirement=kind, min_pv=min_pv)


def _read_active(r: _Reader, value: Any) -> ActiveRule:
    obj = r.obj(value, "active", {"min_pv", "min_psv"})
    if obj is None:
        return ActiveRule()
    return ActiveRule(
        min_pv=r.volume(obj.get("min_pv", 0), "active.min_pv") or 0,
        min_psv=r.volume(obj.get("min_psv", 0), "active.min_psv") or 0,
    )


def _read_ranks(r: _Reader, value: Any) -> tuple[Rank, ...]:
    if not isinstance(value, list):
        r.add("ranks", gettext_noop("must be a list (lowest rank first; may be empty)"))
        r.ranks_unreliable = True
        return ()
    for i, item in enumerate(value):  # codes first, so leg requirements can name any lower rank
        code = item.get("code") if isinstance(item, dict) else None
        if not isinstance(code, str) or not code.strip():
            r.ranks_unreliable = True
        elif code in r.rank_codes:
            r.add(f"ranks[{i}].code", gettext_noop("duplicates ranks[%(index)s].code"), index=r.rank_codes[code])
        else:
            r.rank_codes[code] = i
    ranks = []
    allowed = {
        "code", "name", "min_pv", "min_psv", "min_gv", "min_active_sponsored", "legs", "max_leg_share", "gv_periods",
    }  # fmt: skip
    for i, item in enumerate(value):
        path = f"ranks[{i}]"
        obj = r.obj(item, path, allowed, {"code"})
        if obj is None:
            continue
        code = (r.text(obj["code"], f"{path}.code") if "code" in obj else None) or f"#{i}"
        legs = []
        raw_legs = obj.get("legs", [])
        if not isinstance(raw_legs, list):
            r.add(f"{path}.legs", gettext_noop("must be a list"))
            raw_legs = []
        for j, leg in enumerate(raw_legs):
            lpath = f"{path}.legs[{j}]"
            lobj = r.obj(leg, lpath, {"count", "rank"}, {"count", "rank"})
            if lobj is None:
                continue
            count = r.integer(lobj.get("count"), f"{lpath}.count", 1)
            rank = r.rank(lobj.get("rank"), f"{lpath}.rank") if "rank" in lobj else None
            if rank is not None and rank >= i:
                r.add(f"{lpath}.rank", gettext_noop("must be a lower rank than the one being defined"))
            elif count is not None and rank is not None:
                legs.append(LegRequirement(count=count, rank=rank))
        share = None
        if obj.get("max_leg_share") is not None:
            share = r.percent(obj["max_leg_share"], f"{path}.max_leg_share")
            if share == 0:
                r.add(f"{path}.max_leg_share", gettext_noop("must be above 0 (omit it for no limit)"))
        ranks.append(
            Rank(
                code=code,
                name=str(obj.get("name", code)),
                min_pv=r.volume(obj.get("min_pv", 0), f"{path}.min_pv") or 0,
                min_psv=r.volume(obj.get("min_psv", 0), f"{path}.min_psv") or 0,
                min_gv=r.volume(obj.get("min_gv", 0), f"{path}.min_gv") or 0,
                min_active_sponsored=r.integer(obj.get("min_active_sponsored", 0), f"{path}.min_active_sponsored") or 0,
                legs=tuple(legs),
                max_leg_share_bp=share,
                gv_periods=r.integer(obj.get("gv_periods", 1), f"{path}.gv_periods", 1, 36) or 1,
            )
        )
    return tuple(ranks)


def _read_components(r: _Reader, value: Any, ranks: tuple[Rank, ...]) -> tuple[Component, ...]:
    if not isinstance(value, list) or not value:
        r.add("components", gettext_noop("must be a non-empty list of components"))
        return ()
    out: list[Component | None] = []
    codes: dict[str, int] = {}
    binaries = 0
    for i, item in enumerate(value):
        path = f"components[{i}]"
        if not isinstance(item, dict):
            r.add(path, gettext_noop("must be an object"))
            out.append(None)
            continue
        kind = item.get("type")
        if kind not in _FIELDS:
            r.add(f"{path}.type", gettext_noop("must be one of: %(choices)s"), choices=", ".join(COMPONENT_TYPES))
            if isinstance(item.get("code"), str):  # a matching may name it; its mistake is its type, not the name
                r.unsure_components.add(item["code"])
            out.append(None)
            continue
        allowed, required = _FIELDS[kind]
        obj = r.obj(item, path, allowed | _COMMON, required | {"type"}) or {}  # `item` is an object: never None
        code = item.get("code", kind)
        if not isinstance(code, str) or not code.strip():
            r.add(f"{path}.code", gettext_noop("must be a non-empty string"))
        elif code in codes:
            r.add(
                f"{path}.code",
                gettext_noop("duplicates components[%(index)s].code (give each component its own code)"),
                index=codes[code],
            )
        else:
            codes[code] = i
        common = {
            "code": code if isinstance(code, str) else kind,
            "type": kind,
            "require_active": _ACTIVE_DEFAULT.get(kind, True),
            "min_rank": -1,
        }
        if "require_active" in obj:
            common["require_active"] = bool(r.boolean(obj["require_active"], f"{path}.require_active"))
        if "min_rank" in obj:
            common["min_rank"] = r.rank(obj["min_rank"], f"{path}.min_rank") or 0
        errors_before = len(r.errors)
        built = _BUILDERS[kind](r, obj, path, common, ranks, codes, out)
        if kind == "binary":
            binaries += 1
            if binaries > 1:
                r.add(
                    f"{path}.type",
                    gettext_noop("only one binary component per plan (the snapshot carries one carry-over)"),
                )
        if built is not None and len(r.errors) == errors_before:
            out.append(built)
        else:
            out.append(None)  # keeps indexes aligned for matching.on_components; never returned (errors raised)
            if kind != "matching" and isinstance(code, str):
                r.unsure_components.add(code)
    # A None stands only where an error was reported, and the caller then raises PlanError.
    return tuple(c for c in out if c is not None)


def _compression(r: _Reader, obj: dict, path: str, default: bool) -> bool:
    return _flag(r, obj, path, "compression", default)


def _flag(r: _Reader, obj: dict, path: str, name: str, default: bool) -> bool:
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


_BUILDERS = {
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
