"""How a run's lines are laid out for COPY (``plans.runstore``): engine indexes mapped to database ids, a chunk's
lines ordered by payee, and the columns that hold one value on every line of a chunk or a piece (sent as defaults,
or kept in the catalogue instead of the rows). Pure numpy: no database."""

from __future__ import annotations

import numpy as np

from plans.engine.calculate import Ledger

# Columns that often hold one value across a whole engine chunk (one component's rule at one paid level, at one rate,
# with no party): such a chunk leaves them to the piece's column default, set to that value before its COPY.
CONSTANT_BY_DEFAULT = ("source_party_id", "component", "rule", "reason", "level_raw", "level_compressed", "rate_bp")


def ids_or_zero(ids: np.ndarray) -> np.ndarray:
    """``ids`` with a 0 after the last: indexed by an engine index, -1 (none) gives 0 (see ``ids_of``)."""
    return np.append(ids, np.zeros(1, np.int64))


def ids_of(index: np.ndarray, ids_or_zero: np.ndarray) -> np.ndarray:
    """Engine index -> database id, 0 for none (-1): one gather (``ids_or_zero`` from ``ids_or_zero``)."""
    return np.take(ids_or_zero, index)


def by_payee(payee: np.ndarray) -> np.ndarray:
    """``np.argsort(payee, kind="stable")``, about five times faster: each payee id shifted left with the line's
    position in the low bits is a unique key, so a plain (SIMD) sort of the keys gives the stable order, and the
    positions are the low bits. Falls back to the stable argsort when an id is too large to shift."""
    n = len(payee)
    bits = max(int(n - 1).bit_length(), 1)
    if not n or int(payee.max()) >= 1 << (63 - bits) or int(payee.min()) < 0:
        return np.argsort(payee, kind="stable")
    keys = (payee.astype(np.int64) << bits) | np.arange(n, dtype=np.int64)
    keys.sort()
    return keys & ((1 << bits) - 1)


def one_value(values: np.ndarray) -> bool:
    """Whether every row holds the same value (an empty column holds none)."""
    return bool(len(values)) and bool(values.min() == values.max())


def constants(chunk: Ledger, parties: np.ndarray) -> dict[str, int]:
    """The stored columns that hold one value on every line of ``chunk``, with that value."""
    found = {}
    if one_value(chunk.source_party_idx):
        found["source_party_id"] = int(parties[chunk.source_party_idx[0]])  # -1 (none): the 0 after the last id
    for name in ("component", "rule", "reason", "level_raw", "level_compressed", "rate_bp"):
        values = getattr(chunk, name)
        if one_value(values):
            found[name] = int(values[0])
    return found


def constants_of_all(per_chunk: list[dict[str, int]]) -> dict[str, int]:
    """Of each chunk's ``constants``, those with the same value in every chunk."""
    found: dict[str, int] | None = None
    for here in per_chunk:
        found = here if found is None else {name: value for name, value in found.items() if here.get(name) == value}
    return found or {}


def ids_at(index: np.ndarray, ids_or_zero: np.ndarray):
    """The database ids of ``index``'s rows at given positions: made per COPY chunk (two writers each holding three
    id columns of a million-line piece cost 50 MB)."""
    return lambda at: ids_of(index[at], ids_or_zero)
