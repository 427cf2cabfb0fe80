"""API of the tag taxonomy, and the current tags that households and residents show."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from yiwang.registry import services
from yiwang.registry.filters import TagFilterSet
from yiwang.registry.models import Tag, TagCategory


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["code", "name", "category", "makes_key_household", "is_active", "order"]
        read_only_fields = fields


class TagCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=40)
    category = serializers.ChoiceField(choices=TagCategory.choices)
    makes_key_household = serializers.BooleanField(default=False)
    is_active = serializers.BooleanField(default=True)


class TagUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40, required=False)
    category = serializers.ChoiceField(choices=TagCategory.choices, required=False)
    makes_key_household = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class CurrentTagSerializer(serializers.Serializer):
    code = serializers.CharField(source="tag.code", read_only=True)
    name = serializers.CharField(source="tag.name", read_only=True)
    starts_on = serializers.DateField(read_only=True)


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    """The tag taxonomy. It is the county's, not an area's, so every signed-in user reads
    all of it (there is no scope to apply); only a county admin changes it."""

    queryset = Tag.objects.all()
    serializer_class = TagSerializer
    filterset_class = TagFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    @extend_schema(request=TagCreateSerializer, responses={201: TagSerializer})
    def create(self, request):
        """Adds a tag (county admins only)."""
        data = TagCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if Tag.objects.filter(code=data.validated_data["code"]).exists():
            raise serializers.ValidationError({"code": [_("A tag with this code already exists.")]})
        tag = services.save_tag(actor=request.user, **data.validated_data)
        return Response(TagSerializer(tag).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TagUpdateSerializer, responses=TagSerializer)
    def partial_update(self, request, code=None):
        """Renames a tag, moves it to another category, switches whether it makes a key
        household (households follow), or retires it (county admins only)."""
        tag = self.get_object()
        data = TagUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {
            "name": tag.name,
            "category": tag.category,
            "makes_key_household": tag.makes_key_household,
            "is_active": tag.is_active,
            **data.validated_data,
        }
        tag = services.save_tag(actor=request.user, code=tag.code, **values)
        return Response(TagSerializer(tag).data)
