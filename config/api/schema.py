"""How the OpenAPI schema describes our API views, so a client generated from it sends valid requests and expects
every answer it can get: paged lists as pages, and the error shape of ``config.api.exceptions`` on every operation."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.fields import empty

from config.api.pagination import StandardPagination
from config.api.serializers import Input

# Names a list view's code uses when it pages its results (``StandardPagination`` directly, or a module's
# ``_paginated``/``paginated_response`` helper around it).
_PAGING_NAMES = frozenset({"StandardPagination", "paginated", "_paginated", "paginated_response", "_page"})


class ApiErrorSerializer(serializers.Serializer):
    """Every error answer: a sentence, a machine code, and (for invalid input) the messages per field."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
    # Per field: a list of messages, or (lists, nested objects, file imports) a list or object of per-item problems.
    errors = serializers.JSONField(required=False)


_ERRORS = {
    "400": "Invalid input: `errors` names each field.",
    "401": "Not signed in, or the token is not valid here.",
    "403": "Signed in, but this role may not do this (or the company is suspended).",
    "404": "No such object for this user.",
    "405": "Method not allowed.",
    "413": "Request body too large.",
    "415": "Unsupported media type.",
    "429": "Too many requests: try again later.",
}


class CanopyAutoSchema(AutoSchema):
    """Prefixes components of nested Input/OutputSerializer classes with their view's name: they share short names."""

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False):
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        qualname = serializer.__class__.__qualname__
        if "." in qualname:
            return qualname.rsplit(".", 1)[0].replace(".", "") + name
        return name

    def _handler_names(self) -> set[str]:
        """The global and attribute names the view's handler for this method uses."""
        handler = getattr(self.view, self.method.lower(), None)
        code = getattr(getattr(handler, "__func__", handler), "__code__", None)
        return set(code.co_names) if code is not None else set()

    def _get_paginator(self):
        """Our list endpoints are plain APIViews that page with ``StandardPagination``: describe them as pages."""
        paginator = super()._get_paginator()
        if paginator is not None or self.method != "GET":
            return paginator
        if _PAGING_NAMES & self._handler_names():
            return StandardPagination()
        return None

    def _is_create_operation(self) -> bool:
        """A POST whose handler answers ``HTTP_201_CREATED`` documents its body under 201, not 200."""
        return super()._is_create_operation() or (self.method == "POST" and "HTTP_201_CREATED" in self._handler_names())

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """An output field that falls back to ``default=None`` (``source="sponsor.number"`` of a root member) can
        be null: say so."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "response" and schema is not None and getattr(field, "default", empty) is None:
            schema["nullable"] = True
        return schema

    def _map_basic_serializer(self, serializer, direction):
        """An ``Input`` serializer refuses keys it does not declare: say so (``additionalProperties: false``)."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, Input):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction="response"):
        """Add the documented error answers each operation can give to what the view declares."""
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in _ERRORS.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=ApiErrorSerializer, description=description), code, direction=direction
                )
        return responses
