"""The OpenAPI schema's operations (drf-spectacular): every operation also documents the
errors the API answers with, in the format of `core.api.exception_handler`, so that a
client (and the schema tests) know every status code it may get."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from yiwang.core.filters import AREA_CODE_PATTERN
from yiwang.core.scoping import MAX_CODE_LENGTH

# {"detail": "..."}: what DRF answers for 401, 403, 404, 405, 409, 415, 429.
_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
# 400: {"field": ["reason", ...], "non_field_errors": [...]}, or {"detail": "..."} for a body
# that could not be parsed.
_INVALID = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "string"},
            {"type": "array"},
            {"type": "object"},
        ]
    },
}

_ERRORS = [
    ("400", _INVALID, _("Bad input: each field's reasons, or the reason for the request.")),
    ("401", _DETAIL, _("No valid credentials.")),
    ("403", _DETAIL, _("Not allowed for this account.")),
    ("404", _DETAIL, _("Not found, or outside your scope (the same answer).")),
    ("405", _DETAIL, _("Method not allowed.")),
    ("406", _DETAIL, _("The response cannot be given in an accepted media type.")),
    ("415", _DETAIL, _("Unsupported media type of the body.")),
    ("429", _DETAIL, _("Too many requests: try again later.")),
]
_WRITE_ERRORS = [
    ("409", _DETAIL, _("Someone changed the record first: read it again and retry.")),
]


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, with the error responses added to every operation (an
    operation that documents one itself keeps its own), request bodies documented as JSON
    where the view reads JSON (forms are read too, for the browser, but a client sends
    JSON), and a filter's text never empty (core.filters.FilterBackend refuses `?until=`)."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # A read-only field gets none of its model field's null and blank (DRF leaves them
        # out), so the schema would call a value the API returns (null, "") invalid.
        model_fields = _model_fields(field)
        if (
            field.read_only
            and isinstance(field, serializers.ChoiceField)
            and any(f.blank for f in model_fields[-1:])
        ):
            field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if field.read_only and any(getattr(f, "null", False) for f in model_fields):
            schema["nullable"] = True
        if (
            direction == "request"
            and type(field) is serializers.CharField
            and not field.allow_blank
            and schema.get("type") == "string"
        ):
            # Refused when empty or, trimmed, blank: at least one character that is not
            # a space.
            schema["minLength"] = max(schema.get("minLength", 0), 1)
            schema.setdefault("pattern", r"\S")
        return schema

    def map_parsers(self):
        # One media type a body: JSON where the view reads it, else the multipart form of
        # a file upload (a form without files is for the browser).
        media_types = super().map_parsers()
        for preferred in ("application/json", "multipart/form-data"):
            if preferred in media_types:
                return [preferred]
        return media_types

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "string" and "enum" not in schema:
                schema.setdefault("minLength", 1)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = _ERRORS + (_WRITE_ERRORS if self.method != "GET" else [])
        for code, schema, description in errors:
            responses.setdefault(
                code,
                {
                    "content": {"application/json": {"schema": dict(schema)}},
                    "description": str(description),
                },
            )
        return responses


def _model_fields(field) -> list:
    """The model fields along a serializer field's source (`parent.code`: the parent
    foreign key, then the parent's code), as far as they can be found."""
    parent = getattr(field, "parent", None)
    if isinstance(parent, serializers.ListSerializer):
        parent = parent.parent
    model = getattr(getattr(parent, "Meta", None), "model", None)
    found = []
    for name in (field.source or "").split("."):
        if model is None or name in ("", "*"):
            break
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            break
        if model_field.auto_created and not model_field.concrete:
            break  # a reverse relation: a list, never null
        found.append(model_field)
        model = model_field.related_model
    return found


def area_code_parameter(name: str = "area", **kwargs) -> OpenApiParameter:
    """A query parameter that takes an area code, with the code's pattern."""
    return OpenApiParameter(
        name,
        {"type": "string", "pattern": AREA_CODE_PATTERN, "maxLength": MAX_CODE_LENGTH},
        **kwargs,
    )


# A month as a query parameter takes it (2026-11), or nothing for the default.
MONTH_PATTERN = r"^([1-9][0-9]{3}-(0?[1-9]|1[0-2]))?$"
