"""URL path converters. ``<id:…>`` is a database id or a member/order number: digits that fit PostgreSQL's bigint.
A larger number is simply no such object (404), never a query that fails with "bigint out of range" (500)."""

from django.urls import register_converter

BIGINT_MAX = 2**63 - 1


class BigintIdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > BIGINT_MAX:
            raise ValueError("beyond bigint")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(BigintIdConverter, "id")
