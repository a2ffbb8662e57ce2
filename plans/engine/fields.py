"""What each field of a plan document is, read off the validators themselves, for editors (the console's plan builder).

Nothing here is declared twice: `component_fields("binary")` runs document.py's own builder for that type against a
recording reader and notes which reader each field goes through (``r.percent`` -> a percentage, ``r.rank_map(...,
r.money)`` -> an amount per rank, ``r.obj`` on list items -> rows with their own columns). A new option added to a
builder in document.py therefore shows up here, and in the form, with its kind, without touching this module.
The order of the fields is the order the validator reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from plans.engine import document as doc
from plans.engine.document import COMPONENT_TYPES
from plans.engine.document_components import COMPONENT_READERS
from plans.engine.document_reader import Reader

# Kinds of field (what the form shows):
#   text, percent, money, volume, ratio (decimal strings), int, bool, rank (a rank code), percents (list of
#   percentages), codes (list of component codes), rank_map (one value per rank, `item` its kind), rows (a list of
#   objects, `columns` their fields), json (anything the probe could not classify: edited as JSON text).
SCALARS = frozenset({"text", "percent", "money", "volume", "ratio", "int", "bool", "rank"})

# Fields the validator checks by hand rather than through a reader method (kind by name; anything else found only
# through `add` is edited as JSON).
_BY_HAND = {"on_components": "codes"}


@dataclass(frozen=True)
class Field:
    key: str
    kind: str
    required: bool = False
    minimum: int | None = None  # int: bounds the validator enforces
    maximum: int | None = None
    item: Field | None = None  # rank_map: each value's kind (key "*")
    columns: tuple[Field, ...] = ()  # rows: the fields of each row


class _Probe(dict):
    """A value that every builder accepts as an object, a list of one object, a present key and a non-None value."""

    def __contains__(self, key: object) -> bool:
        return True

    def get(self, key: Any, default: Any = None) -> Any:
        return _PROBE_LIST

    def __getitem__(self, key: Any) -> Any:
        return _PROBE_LIST

    def __bool__(self) -> bool:
        return True

    __hash__ = object.__hash__  # type: ignore[assignment]


class _ProbeList(list):
    pass


_PROBE_LIST = _ProbeList([_Probe()])


class _Recorder(Reader):
    """A reader that records (path, kind) instead of reading; it answers the smallest valid value, so a builder goes
    on to read its later fields."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, dict[str, Any]] = {}
        self.objects: dict[str, tuple[set[str], set[str]]] = {}

    def _note(self, path: str, kind: str, **extra: Any) -> None:
        self.seen.setdefault(path, {"kind": kind, **extra})

    def add(self, path: str, message: str, **params: Any) -> None:
        self.seen.setdefault(path, {"kind": "json"})

    def obj(self, value, path, allowed, required=frozenset()):
        self.objects.setdefault(path, (set(allowed), set(required)))
        return value if isinstance(value, dict) else None

    def decimal(self, value, path, places, minimum, maximum, what):
        self._note(path, "ratio" if maximum == 1 else "decimal")
        return 0

    def percent(self, value, path):
        self._note(path, "percent")
        return 0

    def money(self, value, path):
        self._note(path, "money")
        return 0

    def volume(self, value, path):
        self._note(path, "volume")
        return 0

    def integer(self, value, path, minimum=0, maximum=None):
        self._note(path, "int", minimum=minimum, maximum=maximum)
        return minimum

    def boolean(self, value, path):
        self._note(path, "bool")
        return True

    def text(self, value, path):
        self._note(path, "text")
        return "probe"

    def rank(self, value, path):
        self._note(path, "rank")
        return 0

    def percent_list(self, value, path, allow_empty=False):
        self._note(path, "percents")
        return ()

    def rank_map(self, value, path, read):
        self._note(path, "rank_map")
        read(_PROBE_LIST, f"{path}.*")
        return {}


def _fields_under(rec: _Recorder, prefix: str, allowed: set[str], required: set[str], skip: set[str]) -> list[Field]:
    """The fields directly under ``prefix`` (an object path), in the order the validator read them."""
    order: list[str] = []
    for path in [*rec.seen, *rec.objects]:
        if not path.startswith(prefix + "."):
            continue
        key = path[len(prefix) + 1 :].split(".")[0].split("[")[0]
        if key in allowed and key not in skip and key not in order:
            order.append(key)
    order += sorted(allowed - set(order) - skip)  # read by hand (e.g. a name): text unless known
    return [_field(rec, f"{prefix}.{key}", key, key in required) for key in order]


def _field(rec: _Recorder, path: str, key: str, required: bool) -> Field:
    if f"{path}[0]" in rec.objects:  # a list of objects, each read with r.obj
        allowed, req = rec.objects[f"{path}[0]"]
        return Field(key, "rows", required, columns=tuple(_fields_under(rec, f"{path}[0]", allowed, req, set())))
    seen = rec.seen.get(path)
    if seen is None:
        kind = _BY_HAND.get(key, "json" if f"{path}[0]" in rec.seen else "text")
        return Field(key, kind, required)
    if seen["kind"] == "rank_map":
        inner = rec.seen.get(f"{path}.*", {"kind": "json"})
        item = Field("*", inner["kind"], minimum=inner.get("minimum"))  # its maximum may depend on other fields
        return Field(key, "rank_map", required, item=item)
    if seen["kind"] == "json":
        return Field(key, _BY_HAND.get(key, "json"), required)
    return Field(key, seen["kind"], required, minimum=seen.get("minimum"), maximum=seen.get("maximum"))


COMMON = (
    Field("code", "text"),
    Field("name", "text"),
    Field("require_active", "bool"),
    Field("min_rank", "rank"),
)


@cache
def component_fields(kind: str) -> tuple[Field, ...]:
    """The fields of a ``kind`` component besides type, code, name, require_active and min_rank (COMMON)."""
    allowed, required = doc._FIELDS[kind]
    rec = _Recorder()
    common = {"code": kind, "type": kind, "require_active": True, "min_rank": -1}
    COMPONENT_READERS[kind](rec, _Probe(), "c", common, (), {}, [])
    return tuple(_fields_under(rec, "c", set(allowed), set(required), {f.key for f in COMMON}))


@cache
def rank_fields() -> tuple[Field, ...]:
    """The fields of a rank (code first), as `_read_ranks` reads them."""
    rec = _Recorder()
    doc._read_ranks(rec, [_Probe()])
    allowed, required = rec.objects["ranks[0]"]
    fields = _fields_under(rec, "ranks[0]", allowed, required, {"code", "name"})
    return (Field("code", "text", True), Field("name", "text"), *fields)


@cache
def active_fields() -> tuple[Field, ...]:
    rec = _Recorder()
    doc._read_active(rec, _Probe())
    allowed, required = rec.objects["active"]
    return tuple(_fields_under(rec, "active", allowed, required, set()))


def component_types() -> tuple[str, ...]:
    return COMPONENT_TYPES
