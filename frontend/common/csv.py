"""CSV downloads, streamed row by row so an export of any size never sits in memory."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import StreamingHttpResponse

from core.members.importing.export import rows_to_csv


def csv_response(rows: Iterable[Iterable], filename: str, header: list[str] | None = None) -> StreamingHttpResponse:
    """A streamed ``text/csv`` attachment named ``filename``: ``header`` (if given), then ``rows``."""

    def lines():
        if header is not None:
            yield header
        yield from rows

    response = StreamingHttpResponse(rows_to_csv(lines()), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
