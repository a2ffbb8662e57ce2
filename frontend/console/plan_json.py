"""The plan document as the editor shows it: pretty-printed JSON whose every field path (``components[1].rates[2]``,
the paths plans.engine.PlanError names) is mapped to its line, so each validation message can sit on its line."""

from __future__ import annotations

import json
import re

_LAST_SEGMENT = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


def pretty_with_lines(document) -> tuple[str, dict[str, int]]:
    """The same text as ``json.dumps(document, indent=2, ensure_ascii=False)`` and ``{field path: line number}``."""
    lines: list[str] = []
    where: dict[str, int] = {}

    def emit(value, path: str, prefix: str, suffix: str, depth: int) -> None:
        where.setdefault(path, len(lines) + 1)
        pad = "  " * depth
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{prefix}{{")
            items = list(value.items())
            for i, (key, item) in enumerate(items):
                key_text = json.dumps(str(key), ensure_ascii=False)
                child = f"{path}.{key}" if path else str(key)
                emit(item, child, f"{key_text}: ", "," if i < len(items) - 1 else "", depth + 1)
            lines.append(f"{pad}}}{suffix}")
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{prefix}[")
            for i, item in enumerate(value):
                emit(item, f"{path}[{i}]", "", "," if i < len(value) - 1 else "", depth + 1)
            lines.append(f"{pad}]{suffix}")
        else:
            lines.append(f"{pad}{prefix}{json.dumps(value, ensure_ascii=False)}{suffix}")

    emit(document, "", "", "", 0)
    return "\n".join(lines), where


def line_of(path: str, where: dict[str, int]) -> int:
    """The line of ``path``, or of its nearest parent that exists (a missing required field points at its object)."""
    while path and path not in where:
        trimmed = _LAST_SEGMENT.sub("", path)
        if trimmed == path:
            break
        path = trimmed
    return where.get(path, 1)


def annotate(document, errors: dict[str, list[str]]) -> tuple[str, list[dict], list[dict]]:
    """Pretty text, the problems sorted by line (``{path, line, message}``) and every line with its problems."""
    text, where = pretty_with_lines(document)
    problems = sorted(
        ({"path": path or "(document)", "line": line_of(path, where), "message": message}
         for path, messages in errors.items() for message in messages),
        key=lambda p: (p["line"], p["path"]),
    )  # fmt: skip
    by_line: dict[int, list[dict]] = {}
    for problem in problems:
        by_line.setdefault(problem["line"], []).append(problem)
    rows = [{"no": no, "text": line, "problems": by_line.get(no, [])} for no, line in enumerate(text.split("\n"), 1)]
    return text, problems, rows
