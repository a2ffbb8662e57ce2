"""JSON parsing that answers 400, never 500, to a body nested deeper than Python's decoder can follow."""

from django.utils.translation import gettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(gettext("JSON parse error - the body is nested too deeply.")) from error
