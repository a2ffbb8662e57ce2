"""Every API input states its bounds (issue 12, item 16): walking every view of both URL configurations, each field a
client may send is bounded — text by a length that fits its column, numbers by a range, dates by the business range —
and every input serializer rejects keys it does not declare. A new endpoint with an unbounded field fails here, before
a client generated from the schema (or a fuzzer) finds the 500 or the silent truncation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers

from config.api.serializers import BusinessDateField, Input

URLCONFS = ["config.urls_tenant", "config.urls_public"]


def _api_views(patterns, prefix: str = "") -> Iterator[tuple[str, type]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None)
            if view is not None and hasattr(view, "http_method_names") and prefix.startswith("api/"):
                yield prefix + str(pattern.pattern), view


def _input_serializers() -> dict[str, type[serializers.BaseSerializer]]:
    """Every serializer class a view declares for what it reads (``InputSerializer`` for bodies,
    ``FilterSerializer`` for query parameters), by ``View.Name``."""
    found = {}
    for urlconf in URLCONFS:
        for _route, view in _api_views(get_resolver(urlconf).url_patterns):
            for name in ("InputSerializer", "FilterSerializer"):
                serializer = getattr(view, name, None)
                if serializer is not None:
                    found[f"{view.__name__}.{name}"] = serializer
    return found


def _writable_fields(serializer: serializers.BaseSerializer, path: str) -> Iterator[tuple[str, serializers.Field]]:
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        where = f"{path}.{name}"
        if isinstance(field, serializers.ListSerializer):
            yield where, field
            yield from _writable_fields(field.child, f"{where}[]")
        elif isinstance(field, serializers.BaseSerializer):
            yield where, field
            yield from _writable_fields(field, where)
        elif isinstance(field, serializers.ListField):
            yield f"{where}[]", field.child
        else:
            yield where, field


def _unbounded(field: serializers.Field) -> str | None:
    if isinstance(field, serializers.ChoiceField):
        return None
    if isinstance(field, serializers.CharField) and field.max_length is None:  # Email, Slug, URL fields too
        return "text without max_length"
    if isinstance(field, serializers.IntegerField) and (field.min_value is None or field.max_value is None):
        return f"integer in [{field.min_value}, {field.max_value}]"
    if isinstance(field, serializers.DecimalField) and (field.min_value is None or field.max_value is None):
        return f"decimal in [{field.min_value}, {field.max_value}]"
    if isinstance(field, serializers.DateField) and not isinstance(field, BusinessDateField):
        return "a date without the business range (use BusinessDateField)"
    return None


def test_the_walk_finds_the_api_of_both_hosts():
    names = _input_serializers()
    assert {"JoinApi.InputSerializer", "OrderRefundApi.InputSerializer", "CompanyListCreateApi.InputSerializer"} <= set(
        names
    )
    assert len(names) >= 60


def test_every_api_input_field_is_bounded():
    problems = [
        f"{where}: {problem}"
        for view_name, serializer in _input_serializers().items()
        for where, field in _writable_fields(serializer(), view_name)
        if (problem := _unbounded(field))
    ]
    assert problems == []


def test_every_body_serializer_rejects_unknown_keys():
    """Bodies only: query strings also carry the paging and format parameters every list shares."""
    lenient = []
    for view_name, serializer in _input_serializers().items():
        if not view_name.endswith(".InputSerializer"):
            continue
        nested = [field for _where, field in _writable_fields(serializer(), view_name)]
        for part in [serializer(), *nested]:
            part = part.child if isinstance(part, serializers.ListSerializer) else part
            if isinstance(part, serializers.BaseSerializer) and not isinstance(part, Input):
                lenient.append(f"{view_name}: {type(part).__qualname__}")
    assert lenient == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (serializers.IntegerField(min_value=1, max_value=2**63 - 1), 2**63, "less than or equal to"),
        (BusinessDateField(), "0001-01-01", "Enter a date between 2000-01-01 and 2100-12-31."),
    ],
    ids=["bigint-plus-one", "year-one"],
)
def test_the_bounds_reject_what_they_state(field, value, message):
    with pytest.raises(serializers.ValidationError) as error:
        field.run_validation(value)
    assert message in str(error.value.detail[0])
