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

from decimal import Decimal
from typing import Any

from plans.engine.document_components import COMPONENT_READERS
from plans.engine.document_reader import Message, PlanError, Reader, gettext_noop
from plans.engine.plan import (  # the validated plan, re-exported: callers import it from here  # noqa: F401
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
    r = Reader()
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


def _read_entry(r: Reader, value: Any) -> Entry:
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


def _read_active(r: Reader, value: Any) -> ActiveRule:
    obj = r.obj(value, "active", {"min_pv", "min_psv"})
    if obj is None:
        return ActiveRule()
    return ActiveRule(
        min_pv=r.volume(obj.get("min_pv", 0), "active.min_pv") or 0,
        min_psv=r.volume(obj.get("min_psv", 0), "active.min_psv") or 0,
    )


def _read_ranks(r: Reader, value: Any) -> tuple[Rank, ...]:
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


def _read_components(r: Reader, value: Any, ranks: tuple[Rank, ...]) -> tuple[Component, ...]:
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
        built = COMPONENT_READERS[kind](r, obj, path, common, ranks, codes, out)
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
