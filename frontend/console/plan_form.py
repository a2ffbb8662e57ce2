"""The plan builder's form <-> the plan document, field by field, with nothing lost either way.

Every input is named by its document path (``ranks[1].min_gv``, ``components[0].rates``), the paths the engine's
`PlanError` names, so a validation message lands on its input. What each input holds comes from
`plans.engine.fields` (read off the validators): decimals as text, whole numbers, yes/no/default selects, lists as
"5, 5, 4", one input per rank for per-rank values (``path@<rank index>``, so renaming a rank keeps its values), rows
with a count (``path#count``). Hidden inputs keep what a form cannot show but the document had: the order of keys
(``path~order``), whether an optional object was present (``path@present``) and fields the form does not know
(``path~extra``, JSON). `document_from_data(data_from_document(d)) == d` for every document the form can show
(`representable`); the tests check it on every example plan.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from plans.engine.document import COMPONENT_TYPES
from plans.engine.fields import COMMON, Field, active_fields, component_fields, rank_fields

TOP_KNOWN = ("name", "active", "ranks", "components", "payout_cap_ratio")
MAX_ROWS = 50  # ranks, components, rows of a table: a bound on what a posted form can make us build
_INT = re.compile(r"^-?\d{1,9}$")
_DEFAULT_TOP_ORDER = ("schema", "name", "active", "ranks", "components", "payout_cap_ratio")


def _rank_order(field: Field) -> int:
    """Ranks read best as code, name, volumes, counts, shares, then the leg rows."""
    preferred = ["code", "name", "min_pv", "min_psv", "min_gv", "min_active_sponsored", "max_leg_share"]
    return preferred.index(field.key) if field.key in preferred else len(preferred) + (field.kind == "rows")


def rank_columns() -> tuple[Field, ...]:
    return tuple(sorted(rank_fields(), key=_rank_order))


def card_fields(kind: str) -> tuple[Field, ...]:
    """A component card's fields: code and name, its own settings, then who may be paid."""
    return (COMMON[0], COMMON[1], *component_fields(kind), COMMON[2], COMMON[3])


# ---------------------------------------------------------------------------------------------------- document -> data


def _text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return {True: "true", False: "false"}.get(value, json.dumps(value))
    if kind in ("percents", "codes"):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else json.dumps(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _put(data: dict[str, str], path: str, field: Field, value: Any, ranks: list[str]) -> None:
    if field.kind == "rank_map":
        data[f"{path}@present"] = "1"
        for i, code in enumerate(ranks):
            if isinstance(value, dict) and code in value:
                data[f"{path}@{i}"] = _text(value[code], field.item.kind if field.item else "text")
    elif field.kind == "rows":
        rows = value if isinstance(value, list) else []
        data[f"{path}#count"] = str(len(rows))
        for j, row in enumerate(rows):
            for col in field.columns:
                if isinstance(row, dict) and col.key in row:
                    data[f"{path}[{j}].{col.key}"] = _text(row[col.key], col.kind)
    else:
        data[path] = _text(value, field.kind)


def _put_object(data: dict[str, str], path: str, obj: dict, fields: tuple[Field, ...], ranks: list[str]) -> None:
    known = {f.key for f in fields}
    data[f"{path}~order"] = ",".join(obj)
    extra = {k: v for k, v in obj.items() if k not in known}
    if extra:
        data[f"{path}~extra"] = json.dumps(extra, ensure_ascii=False)
    for field in fields:
        if field.key in obj:
            _put(data, f"{path}.{field.key}", field, obj[field.key], ranks)


def data_from_document(document: dict) -> dict[str, str]:
    """The form's values for a document (every value a string, as a browser posts them)."""
    data: dict[str, str] = {"~order": ",".join(document)}
    extra = {k: v for k, v in document.items() if k not in TOP_KNOWN}
    if extra:
        data["~extra"] = json.dumps(extra, ensure_ascii=False)
    if "name" in document:
        data["name"] = _text(document["name"], "text")
    if "payout_cap_ratio" in document:
        data["payout_cap_ratio"] = _text(document["payout_cap_ratio"], "ratio")
    if isinstance(document.get("active"), dict):
        data["active@present"] = "1"
        _put_object(data, "active", document["active"], active_fields(), [])
    ranks = document.get("ranks") if isinstance(document.get("ranks"), list) else []
    codes = [r.get("code", "") if isinstance(r, dict) else "" for r in ranks]
    data["ranks#count"] = str(len(ranks))
    for i, rank in enumerate(ranks):
        _put_object(data, f"ranks[{i}]", rank if isinstance(rank, dict) else {}, rank_columns(), codes)
    components = document.get("components") if isinstance(document.get("components"), list) else []
    data["components#count"] = str(len(components))
    for i, comp in enumerate(components):
        comp = comp if isinstance(comp, dict) else {}
        kind = comp.get("type", "")
        data[f"components[{i}].type"] = str(kind)
        fields = card_fields(kind) if kind in COMPONENT_TYPES else ()
        _put_object(data, f"components[{i}]", comp, (Field("type", "text"), *fields), codes)
    return data


# ---------------------------------------------------------------------------------------------------- data -> document


def count_of(data: Mapping[str, str], key: str) -> int | None:
    raw = (data.get(key) or "").strip()
    return min(int(raw), MAX_ROWS) if raw.isdigit() else None


def _value(raw: str, kind: str) -> Any:
    """The document's value for an input's text; text that is not a valid value is kept as typed, so the plan's
    validation reports it at its field."""
    raw = raw.strip()
    if kind == "int":
        return int(raw) if _INT.match(raw) else raw
    if kind == "bool":
        return {"true": True, "false": False}.get(raw, raw)
    if kind in ("percents", "codes"):
        return [part.strip() for part in raw.split(",")] if raw else []
    if kind == "json":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _get(data: Mapping[str, str], path: str, field: Field, ranks: list[str]) -> tuple[bool, Any]:
    """(present, value) of one field."""
    if field.kind == "rank_map":
        item = field.item.kind if field.item else "text"
        values = {code: _value(data[f"{path}@{i}"], item) for i, code in enumerate(ranks)
                  if (data.get(f"{path}@{i}") or "").strip()}  # fmt: skip
        return bool(values) or data.get(f"{path}@present") == "1", values
    if field.kind == "rows":
        count = count_of(data, f"{path}#count")
        rows = []
        for j in range(count or 0):
            row = {}
            for col in field.columns:
                raw = data.get(f"{path}[{j}].{col.key}") or ""
                if raw.strip():
                    row[col.key] = _value(raw, col.kind)
            rows.append(row)
        return count is not None, rows
    raw = data.get(path)
    if raw is None or not raw.strip():
        return False, None
    return True, _value(raw, field.kind)


def _ordered(obj: dict[str, Any], order: str) -> dict[str, Any]:
    keys = [k for k in order.split(",") if k in obj]
    return {**{k: obj[k] for k in keys}, **{k: v for k, v in obj.items() if k not in keys}}


def _extra(data: Mapping[str, str], key: str) -> dict:
    try:
        extra = json.loads(data.get(key) or "{}")
    except ValueError:
        return {}
    return extra if isinstance(extra, dict) else {}


def _get_object(data: Mapping[str, str], path: str, fields: tuple[Field, ...], ranks: list[str]) -> dict:
    obj: dict[str, Any] = {}
    for field in fields:
        present, value = _get(data, f"{path}.{field.key}", field, ranks)
        if present:
            obj[field.key] = value
    obj.update({k: v for k, v in _extra(data, f"{path}~extra").items() if k not in obj})
    return _ordered(obj, data.get(f"{path}~order") or "")


def document_from_data(data: Mapping[str, str]) -> dict:
    """The plan document the form describes (the inverse of `data_from_document`)."""
    doc: dict[str, Any] = {}
    if (data.get("name") or "").strip():
        doc["name"] = data["name"].strip()
    if (data.get("payout_cap_ratio") or "").strip():
        doc["payout_cap_ratio"] = data["payout_cap_ratio"].strip()
    active = _get_object(data, "active", active_fields(), [])
    if active or data.get("active@present") == "1":
        doc["active"] = active
    n_ranks = count_of(data, "ranks#count") or 0
    codes = [(data.get(f"ranks[{i}].code") or "").strip() for i in range(n_ranks)]
    doc["ranks"] = [_get_object(data, f"ranks[{i}]", rank_columns(), codes) for i in range(n_ranks)]
    components = []
    for i in range(count_of(data, "components#count") or 0):
        kind = (data.get(f"components[{i}].type") or "").strip()
        fields = card_fields(kind) if kind in COMPONENT_TYPES else ()
        components.append(_get_object(data, f"components[{i}]", (Field("type", "text"), *fields), codes))
    doc["components"] = components
    doc.update({k: v for k, v in _extra(data, "~extra").items() if k not in doc})
    order = data.get("~order") or ",".join(_DEFAULT_TOP_ORDER)
    return _ordered(doc, order)


def representable(document: Any) -> bool:
    """Whether the form shows this document exactly (else the builder sends the admin to the JSON view)."""
    if not isinstance(document, dict):
        return False
    try:
        again = document_from_data(data_from_document(document))
    except (TypeError, ValueError, AttributeError):
        return False
    return json.dumps(again, sort_keys=True) == json.dumps(document, sort_keys=True)
