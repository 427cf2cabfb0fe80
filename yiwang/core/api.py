"""What every module's API shares: the error format, the scoped viewset base and the
serializer mixin that builds a model serializer's fields once."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, viewsets
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Service-layer validation errors answer 400 with `{"field": ["reason", ...]}`."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


class ScopedViewSetMixin:
    """Every API viewset reads through the model's `visible_to(user)`; an object outside
    the scope is then a 404 exactly like a missing one."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ScopedViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail within the scope. Writes are explicit actions that call services,
    never the generic model mixins, so that each is validated, re-scoped and audited."""


class BuiltOnceFieldsMixin:
    """A ModelSerializer rebuilds its fields from the model for every instance it makes;
    this builds them once for the class and hands each instance a deep copy (DRF's fields
    copy cheaply from their constructor arguments). Only for serializers whose fields do
    not depend on the request or the instance: the same fields, built once."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)
