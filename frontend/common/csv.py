"""CSV downloads, streamed row by row so an export of any size never sits in memory.

Two forms of every download: for machines (the default: dot decimals, ISO dates, comma-separated — what the API and
other systems read) and for people's spreadsheets (``?layout=spreadsheet``): numbers and dates written the way the
reader's language writes them, separated by ";" where the decimal mark is a comma (as spreadsheets in those languages
expect), with a byte-order mark so spreadsheets read the file as UTF-8.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal
from django.http import StreamingHttpResponse
from django.utils import timezone

from core.csv_safe import NumberText
from core.members.importing.export import rows_to_csv
from frontend.common.formatting import current_locale

SPREADSHEET = "spreadsheet"


def wants_spreadsheet(request) -> bool:
    """The reader asked for the spreadsheet form (``?layout=spreadsheet``); anything else is the machine form."""
    return request is not None and request.GET.get("layout") == SPREADSHEET


def _spreadsheet_cell(value, locale):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal | float):
        amount = Decimal(str(value))
        places = max(0, -amount.as_tuple().exponent)  # type: ignore[operator]
        pattern = "0" + ("." + "0" * places if places else "")
        return NumberText(format_decimal(amount, format=pattern, locale=locale))
    if isinstance(value, datetime.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{format_date(moment.date(), format=_date_pattern(locale), locale=locale)} {moment:%H:%M}"
    if isinstance(value, datetime.date):
        return format_date(value, format=_date_pattern(locale), locale=locale)
    return value


def _date_pattern(locale) -> str:
    """The language's short date with the whole year ("30/11/2026", "11/30/2026"): spreadsheets read it as a date."""
    pattern = locale.date_formats["short"].pattern
    return pattern.replace("yyyy", "y").replace("yy", "y").replace("y", "yyyy")


def spreadsheet_rows(rows: Iterable[Iterable]) -> Iterator[list]:
    locale = current_locale()
    for row in rows:
        yield [_spreadsheet_cell(value, locale) for value in row]


def csv_response(
    rows: Iterable[Iterable],
    filename: str,
    header: list[str] | None = None,
    *,
    request=None,
) -> StreamingHttpResponse:
    """A streamed ``text/csv`` attachment named ``filename``: ``header`` (if given), then ``rows`` — in the machine
    form, or the spreadsheet form when ``request`` asks for it."""
    spreadsheet = wants_spreadsheet(request)

    def lines():
        if header is not None:
            yield header
        yield from spreadsheet_rows(rows) if spreadsheet else rows

    if spreadsheet:
        delimiter = ";" if current_locale().number_symbols["latn"]["decimal"] == "," else ","
        body = _with_bom(rows_to_csv(lines(), delimiter=delimiter))
    else:
        body = rows_to_csv(lines())
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8" if spreadsheet else "text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _with_bom(chunks: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"
    yield from chunks
