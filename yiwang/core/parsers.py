"""The API's JSON parser: DRF's, after a check of how deeply the body nests. Python's json
module recurses once a level, so a body nested 100,000 levels deep raises RecursionError
(a 500) where it should be refused as bad input."""

import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of the API nests deeper than a few levels (a GeoJSON MultiPolygon is five).
MAX_JSON_DEPTH = 32

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deeply `text` nests arrays and objects, brackets inside strings not counted.
    Linear, no recursion: it may be asked of any body before it is parsed."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads(text: str, *, max_depth: int = MAX_JSON_DEPTH):
    """json.loads for what a client sent: ValueError (with a message) when the text nests
    deeper than `max_depth` or is not JSON."""
    if json_depth(text) > max_depth:
        raise ValueError(_("The JSON nests deeper than %(depth)s levels.") % {"depth": max_depth})
    return json.loads(text)


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser for every API view, refusing a body that nests too deeply."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(
                _("The body is not text in %(encoding)s.") % {"encoding": encoding}
            ) from exc
        try:
            return loads(text)
        except ValueError as exc:
            raise ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from exc
