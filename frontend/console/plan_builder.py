"""The plan builder's page model: the inputs of the ranks table and of each component card (with their errors in plain
words), the error summary, and the buttons that add, remove and reorder ranks, components and rows.

A button's ``action`` is applied to the document the form describes (plan_form.document_from_data), and the page is
drawn again from the result, so moving a rank carries its per-rank values with it (they are keyed by rank code in the
document).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import plans.engine
from frontend.console.plan_form import MAX_ROWS, card_fields, count_of, data_from_document, rank_columns
from frontend.console.plan_labels import KIND_HELP, TYPE_HELP, label, plain, type_label
from plans.engine.document import COMPONENT_TYPES
from plans.engine.fields import Field, active_fields

EXAMPLES = Path(plans.engine.__file__).parent / "examples"
SECTIONS = {"plan": gettext_lazy("The plan"), "ranks": gettext_lazy("Ranks"), "components": gettext_lazy("Components")}
_HIDDEN = re.compile(r"~order$|~extra$|@present$|#count$|^components\[\d+\]\.type$")  # kept, not shown
_INPUTMODE = {"percent": "decimal", "money": "decimal", "volume": "decimal", "ratio": "decimal", "int": "numeric"}


def html_id(name: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")


@dataclass
class Input:
    name: str
    kind: str
    label: str
    value: str = ""
    where: str = ""  # for the error summary: "Rank 2 (silver)"
    required: bool = False
    choices: list[tuple[str, str]] | None = None
    errors: list[str] = field(default_factory=list)
    help: str = ""

    @property
    def id(self) -> str:
        return html_id(self.name)

    @property
    def inputmode(self) -> str:
        return _INPUTMODE.get(self.kind, "text")


@dataclass
class RankMap:
    name: str
    label: str
    inputs: list[Input]
    kind: str = "rank_map"

    @property
    def id(self) -> str:
        return html_id(self.name)

    @property
    def errors(self) -> list[str]:
        return [e for i in self.inputs for e in i.errors]


@dataclass
class Rows:
    name: str
    label: str
    columns: list[str]
    rows: list[list[Input]]
    errors: list[str] = field(default_factory=list)
    kind: str = "rows"

    @property
    def id(self) -> str:
        return html_id(self.name)


@dataclass
class Card:
    index: int
    kind: str
    title: str
    help: str
    fields: list[Input | RankMap | Rows]
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"card-{self.index}"


@dataclass
class RankRow:
    index: int
    title: str
    inputs: list[Input]
    legs: Rows | None
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"rank-{self.index}"


@dataclass
class Builder:
    top: list[Input]
    active: list[Input]
    ranks: list[RankRow]
    cards: list[Card]
    hidden: dict[str, str]
    summary: list[dict[str, str]]  # {"target": html id, "where": ..., "message": ...}
    types: list[tuple[str, str]]


# ---------------------------------------------------------------------------------------------------- drawing


def _choices(kind: str, ranks: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    if kind == "bool":
        return [("", _("Plan default")), ("true", _("Yes")), ("false", _("No"))]
    if kind == "rank":
        return [("", "—"), *ranks]
    return None


def _input(data, name: str, f: Field, where: str, ranks, inputs: dict) -> Input:
    item = Input(name=name, kind=f.kind, label=label(f.key), value=data.get(name, ""), where=where,
                 required=f.required, choices=_choices(f.kind, ranks), help=str(KIND_HELP.get(f.kind, "")))  # fmt: skip
    if item.choices is not None and item.value and item.value not in {c for c, _ in item.choices}:
        item.choices.append((item.value, item.value))  # an unknown code stays selectable, and is reported
    inputs[name] = item
    return item


def _rows(data, name: str, f: Field, where: str, ranks, inputs: dict) -> Rows:
    count = count_of(data, f"{name}#count") or 0
    rows = [[_input(data, f"{name}[{j}].{c.key}", c, where, ranks, inputs) for c in f.columns] for j in range(count)]
    group = Rows(name=name, label=label(f.key), columns=[label(c.key) for c in f.columns], rows=rows)
    inputs[name] = group
    return group


def _field(data, path: str, f: Field, where: str, ranks, inputs: dict) -> Input | RankMap | Rows:
    name = f"{path}.{f.key}"
    if f.kind == "rows":
        return _rows(data, name, f, where, ranks, inputs)
    if f.kind == "rank_map":
        item = f.item or Field("*", "text")
        cells = [_input(data, f"{name}@{i}", Field(code, item.kind), where, ranks, inputs) for i, (code, _) in
                 enumerate(ranks)]  # fmt: skip
        for cell, (_code, title) in zip(cells, ranks, strict=True):
            cell.label = title
        group = RankMap(name=name, label=label(f.key), inputs=cells)
        inputs[name] = group
        return group
    return _input(data, name, f, where, ranks, inputs)


def builder(data: dict[str, str], errors: dict[str, list[str]]) -> Builder:
    """The page model for the form values ``data`` and the engine's ``errors`` (by document path)."""
    inputs: dict[str, Any] = {}
    n_ranks = count_of(data, "ranks#count") or 0
    ranks = []
    for i in range(n_ranks):
        code = data.get(f"ranks[{i}].code", "")
        ranks.append((code, data.get(f"ranks[{i}].name") or code or f"#{i + 1}"))
    top = [
        _input(data, "name", Field("name", "text"), "", ranks, inputs),
        _input(data, "payout_cap_ratio", Field("payout_cap_ratio", "ratio"), "", ranks, inputs),
    ]
    active = [_input(data, f"active.{f.key}", f, "", ranks, inputs) for f in active_fields()]
    rank_rows = []
    for i in range(n_ranks):
        where = _("Rank %(n)s (%(code)s)") % {"n": i + 1, "code": ranks[i][0] or "—"}
        cells = [_field(data, f"ranks[{i}]", f, where, ranks, inputs) for f in rank_columns()]
        legs = next((c for c in cells if isinstance(c, Rows)), None)
        plain_cells = [c for c in cells if isinstance(c, Input)]
        rank_rows.append(RankRow(index=i, title=ranks[i][1], inputs=plain_cells, legs=legs))
    cards = []
    for i in range(count_of(data, "components#count") or 0):
        kind = data.get(f"components[{i}].type", "")
        where = f"{type_label(kind)} ({data.get(f'components[{i}].code') or '—'})"
        fields = [_field(data, f"components[{i}]", f, where, ranks, inputs) for f in card_fields(kind)] if kind in \
            COMPONENT_TYPES else []  # fmt: skip
        cards.append(Card(index=i, kind=kind, title=type_label(kind), help=str(TYPE_HELP.get(kind, "")), fields=fields))
    hidden = {
        k: v for k, v in data.items() if re.search(r"~order$|~extra$|@present$|#count$|^components\[\d+\]\.type$", k)
    }
    page = Builder(top=top, active=active, ranks=rank_rows, cards=cards, hidden=hidden, summary=[],
                   types=[(t, type_label(t)) for t in COMPONENT_TYPES])  # fmt: skip
    _place_errors(page, errors, inputs, data, [code for code, _ in ranks])
    return page


# ---------------------------------------------------------------------------------------------------- errors


_LAST = re.compile(r"^(.*?)(\.[^.\[\]]+|\[\d+\])$")


def _target(path: str, inputs: dict, codes: list[str]) -> tuple[str, str]:
    """(input name, prefix) for an error path: the input itself, the per-rank input of a rank map, the list input of
    a list item ("Level 3: "), else the nearest enclosing input or section."""
    prefix = ""
    while path:
        if path in inputs:
            return path, prefix
        match = _LAST.match(path)
        if match is None:
            break
        parent, last = match.groups()
        parent_input = inputs.get(parent)
        if isinstance(parent_input, RankMap) and last[1:] in codes:
            return f"{parent}@{codes.index(last[1:])}", prefix
        if isinstance(parent_input, Input) and last.startswith("["):
            prefix = prefix or _("Item %(n)s: ") % {"n": int(last[1:-1]) + 1}
        path = parent
    return path, prefix


def _place_errors(page: Builder, errors: dict[str, list[str]], inputs: dict, data: dict, codes: list[str]) -> None:
    for path, messages in errors.items():
        name, prefix = _target(path, inputs, codes)
        target = inputs.get(name)
        for message in messages:
            if isinstance(target, Input):
                kind = {"percents": "percent"}.get(target.kind, target.kind) if prefix else target.kind
                text = prefix + plain(message, kind, _item(target, path) if prefix else target.value)
                target.errors.append(text)
                page.summary.append({"target": target.id, "where": f"{target.where} · {target.label}".strip(" ·"),
                                     "message": text})  # fmt: skip
                continue
            text = plain(message)
            holder = _section(page, name)
            if holder is not None and target is not None:
                target.errors.append(text)
            elif holder is not None:
                holder.errors.append(text)
            section = name.split("[")[0] if name.split("[")[0] in ("ranks", "components") else "plan"
            page.summary.append({"target": getattr(target, "id", None) or getattr(holder, "id", section),
                                 "where": getattr(target, "label", "") or getattr(holder, "title", "")
                                 or str(SECTIONS[section]), "message": text})  # fmt: skip


def _item(target: Input, path: str) -> str:
    """The text of one item of a list input (``rates[2]`` of "5, 5, fifty")."""
    index = int(re.findall(r"\[(\d+)\]$", path)[0]) if re.search(r"\[\d+\]$", path) else 0
    parts = [p.strip() for p in target.value.split(",")]
    return parts[index] if index < len(parts) else ""


def _section(page: Builder, name: str) -> RankRow | Card | None:
    match = re.match(r"^(ranks|components)\[(\d+)\]", name)
    if match is None:
        return None
    items = page.ranks if match.group(1) == "ranks" else page.cards
    index = int(match.group(2))
    return items[index] if index < len(items) else None


# ---------------------------------------------------------------------------------------------------- actions


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.json"))


def matching_example(document: dict | None) -> str:
    """The example plan of the same kind as ``document`` (what "Start over from" offers first)."""
    names = example_names()
    types = [c.get("type") for c in (document or {}).get("components", []) if isinstance(c, dict)]
    main = {t for t in types if t not in ("retail_profit", "fast_start", "rank_advancement", "matching",
                                          "leadership_pool")}  # fmt: skip
    if "party" in main:
        return "party"
    if len(main) == 1 and (only := next(iter(main))) in names:
        return only
    return "hybrid" if len(main) > 1 else "unilevel"


def _example_component(kind: str) -> dict:
    for path in sorted(EXAMPLES.glob("*.json")):
        for comp in json.loads(path.read_text())["components"]:
            if comp.get("type") == kind:
                return copy.deepcopy(comp)
    return {"type": kind}


def _fit(comp: dict, codes: list[str], taken: set[str]) -> dict:
    """An example component made to fit this plan: rank references to ranks it has, a code of its own."""
    for key, value in list(comp.items()):
        if isinstance(value, dict):
            comp[key] = {k: v for k, v in value.items() if k in codes}
        elif key in ("min_rank", "breakaway_rank") and value not in codes or key == "on_components":
            del comp[key]
    base, n = comp.get("code", comp["type"]), 2
    code = base
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    comp["code"] = code
    return comp


def _rows_at(document: dict, path: str, create: bool) -> list | None:
    """The list of rows at ``ranks[1].legs`` / ``components[0].host_tiers`` (made empty when ``create``)."""
    match = re.fullmatch(r"(ranks|components)\[(\d+)\]\.([a-z_]+)", path)
    if match is None:
        return None
    items, index = document.get(match.group(1)), int(match.group(2))
    if not isinstance(items, list) or index >= len(items) or not isinstance(items[index], dict):
        return None
    rows = items[index].setdefault(match.group(3), []) if create else items[index].get(match.group(3))
    return rows if isinstance(rows, list) else None


def _move(items: list, i: int, step: int) -> None:
    j = i + step
    if 0 <= i < len(items) and 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]


def apply_action(document: dict, action: str, new_type: str = "") -> dict:
    """The document after one of the builder's buttons (unknown actions change nothing)."""
    doc = copy.deepcopy(document)
    ranks, comps = doc.setdefault("ranks", []), doc.setdefault("components", [])
    verb, _sep, arg = action.partition(":")
    codes = [r.get("code") for r in ranks if isinstance(r, dict)]
    if verb == "add_rank" and len(ranks) < MAX_ROWS:
        n = len(ranks) + 1
        while f"rank_{n}" in codes:
            n += 1
        ranks.append({"code": f"rank_{n}", "name": _("Rank %(n)s") % {"n": n}, "min_pv": "0"})
    elif verb == "add_component" and new_type in COMPONENT_TYPES and len(comps) < MAX_ROWS:
        taken = {c.get("code", c.get("type")) for c in comps if isinstance(c, dict)}
        comps.append(_fit(_example_component(new_type), [c for c in codes if isinstance(c, str)], taken))
    elif verb in ("remove_rank", "up_rank", "down_rank", "remove_component", "up_component", "down_component"):
        items = ranks if verb.endswith("rank") else comps
        i = int(arg) if arg.isdigit() else -1
        if verb.startswith("remove") and 0 <= i < len(items):
            removed = items.pop(i)
            if verb == "remove_rank" and isinstance(removed, dict):
                _forget_rank(comps, removed.get("code"))
        else:
            _move(items, i, -1 if verb.startswith("up") else 1)
    elif verb == "add_row":
        rows = _rows_at(doc, arg, create=True)
        if rows is not None and len(rows) < MAX_ROWS:
            rows.append({})
    elif verb == "remove_row":
        path, _sep, index = arg.rpartition(":")
        rows = _rows_at(doc, path, create=False)
        if rows is not None and index.isdigit() and int(index) < len(rows):
            rows.pop(int(index))
    return doc


def _forget_rank(comps: list, code: Any) -> None:
    for comp in comps:
        for value in comp.values() if isinstance(comp, dict) else ():
            if isinstance(value, dict) and code in value:
                del value[code]


def data_for(document: dict) -> dict[str, str]:
    return data_from_document(document)
