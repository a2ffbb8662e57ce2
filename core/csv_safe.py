"""Every CSV the product writes goes through ``csv_writer``: cells a spreadsheet would run as a formula are made
inert (CSV / formula injection, https://owasp.org/www-community/attacks/CSV_Injection).

The rule, as OWASP recommends: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
single quote in front, which spreadsheets show as text and never evaluate. Numbers stay numbers: an ``int``,
``Decimal`` or ``float`` is written as is, and so is text that is nothing but a decimal number (``-12.50``, ``+3``,
``1e5`` is NOT one), because a spreadsheet reads those as plain values, never as a formula — escaping them would turn
every refund amount into text. The csv module's own quoting then takes care of separators and quotes inside a cell.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class NumberText(str):
    """A number already written the reader's way ("-1.234,50"): a value, never a formula, so it is not escaped."""


PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def csv_cell(value: Any) -> Any:
    """The value to write for one cell: unchanged unless it is text a spreadsheet could run as a formula."""
    if value is None or isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, NumberText):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeCsvWriter:
    """``csv.writer`` with every cell passed through ``csv_cell``; ``writerow`` returns what the file's write
    returned, so streaming "echo" files keep working."""

    def __init__(self, file, **kwargs):
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file, **kwargs) -> SafeCsvWriter:
    return SafeCsvWriter(file, **kwargs)
