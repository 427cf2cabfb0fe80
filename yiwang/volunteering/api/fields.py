"""Serializer fields the volunteering API shares."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field({"type": "string", "format": "uuid"})
class UUIDTextField(serializers.CharField):
    """A UUID as text (the service reads it), described as one."""
