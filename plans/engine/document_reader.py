"""Reading a plan document: typed fields read out of JSON while every problem is collected by its path (``Reader``),
the messages they are reported with (``Message``, translated at the edge) and the error that carries them all at
once (``PlanError``). Used by ``plans.engine.document`` and its component readers."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from decimal import Decimal, InvalidOperation
from typing import Any


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


class Reader:
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
            self.add(join_path(path, key), gettext_noop("unknown field"))
        for key in sorted(required - set(value)):
            self.add(join_path(path, key), gettext_noop("is required"))
            self.missing.add(join_path(path, key))
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
            index = self.rank(code, join_path(path, code))
            parsed = read(item, join_path(path, code))
            if index is not None and parsed is not None:
                out[index] = parsed
        return out


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
