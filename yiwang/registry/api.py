"""API v1 for the ledger: households, residents (search, life events, reveal, export), tags,
migrants, likely duplicates and the ledger roll-up.

ID and phone numbers are masked in every response; `POST /residents/{id}/reveal/` is the one
way to a full value, and it is logged.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.areas.models import Area
from yiwang.core.api import ScopedViewSet, ScopedViewSetMixin
from yiwang.core.exports import CONTENT_TYPES, CSV, XLSX
from yiwang.registry import services
from yiwang.registry.filters import (
    HouseholdFilterSet,
    MigrantFilterSet,
    ResidentFilterSet,
    TagFilterSet,
)
from yiwang.registry.models import (
    Household,
    LifeEvent,
    LifeEventKind,
    Migrant,
    Relation,
    Resident,
    Reveal,
    Tag,
    TagCategory,
)
from yiwang.registry.selectors import (
    duplicate_matches,
    export_residents,
    ledger_rollup,
    likely_duplicates,
    with_current_tags,
)

# --- serializers ------------------------------------------------------------------------


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


class MemberSerializer(serializers.ModelSerializer):
    """A member as the household card lists them: masked, with their current tags."""

    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    birth_date = serializers.CharField(
        source="masked_birth_date",
        read_only=True,
        help_text="Masked when there is an ID number: 1960-**-**.",
    )
    tags = CurrentTagSerializer(source="current_tags", many=True, read_only=True)

    class Meta:
        model = Resident
        fields = ["id", "name", "relation", "sex", "birth_date", "id_number", "status", "tags"]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="area_code", read_only=True)
    members = MemberSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "unit_code",
            "number",
            "address",
            "door_number",
            "category",
            "category_override",
            "category_reason",
            "status",
            "members",
        ]
        read_only_fields = fields


class HouseholdCreateSerializer(serializers.Serializer):
    unit_code = serializers.CharField(max_length=18)
    number = serializers.CharField(max_length=30)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    door_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ResidentSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    id_number = serializers.CharField(
        source="masked_id_number", read_only=True, help_text="Masked: 3708**********123X."
    )
    phone = serializers.CharField(
        source="masked_phone", read_only=True, help_text="Masked: 138****5678."
    )
    birth_date = serializers.CharField(
        source="masked_birth_date",
        read_only=True,
        help_text="Masked when there is an ID number: 1960-**-**.",
    )
    tags = CurrentTagSerializer(source="current_tags", many=True, read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "household",
            "household_number",
            "area_code",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "phone",
            "relation",
            "ethnicity",
            "is_party_member",
            "status",
            "tags",
        ]
        read_only_fields = fields


class LifeEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = LifeEvent
        fields = [
            "kind",
            "on",
            "from_household",
            "to_household",
            "from_area_code",
            "area_code",
            "note",
        ]
        read_only_fields = fields


class RevealLogSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Reveal
        fields = ["user", "field", "reason", "created_at"]
        read_only_fields = fields


class ResidentDetailSerializer(ResidentSerializer):
    """The resident's card: their history, and who looked at their full numbers."""

    events = LifeEventSerializer(many=True, read_only=True)
    reveals = RevealLogSerializer(many=True, read_only=True)

    class Meta(ResidentSerializer.Meta):
        fields = [*ResidentSerializer.Meta.fields, "events", "reveals"]
        read_only_fields = fields


class ResidentCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    name = serializers.CharField(max_length=50)
    relation = serializers.ChoiceField(choices=Relation.choices)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    sex = serializers.CharField(
        max_length=6,
        required=False,
        allow_blank=True,
        default="",
        help_text="male or female (男/女 too); follows from the ID number when there is one.",
    )
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    ethnicity = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    is_party_member = serializers.BooleanField(default=False)
    tags = serializers.ListField(child=serializers.SlugField(), required=False, default=list)
    event = serializers.ChoiceField(
        choices=[LifeEventKind.MOVE_IN, LifeEventKind.BIRTH], default=LifeEventKind.MOVE_IN
    )
    on = serializers.DateField(required=False, allow_null=True, default=None)


class SetTagsSerializer(serializers.Serializer):
    tags = serializers.ListField(
        child=serializers.SlugField(), help_text="Every tag the resident carries from now on."
    )
    on = serializers.DateField(required=False, allow_null=True, default=None)


class LeaveSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TransferSerializer(serializers.Serializer):
    to_household = serializers.IntegerField(help_text="A household in your scope.")
    relation = serializers.ChoiceField(choices=Relation.choices)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class RevealRequestSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=sorted(services.REVEALABLE))
    reason = serializers.CharField(max_length=200)


class RevealResponseSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class MigrantSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="area_code", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)

    class Meta:
        model = Migrant
        fields = [
            "id",
            "unit_code",
            "name",
            "id_number",
            "phone",
            "origin",
            "arrived_on",
            "expected_until",
            "host_household",
            "address",
            "left_on",
        ]
        read_only_fields = fields


class MigrantCreateSerializer(serializers.Serializer):
    unit_code = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        default="",
        help_text="The unit; may be left out when a host household is given.",
    )
    host_household = serializers.IntegerField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=50)
    origin = serializers.CharField(max_length=200)
    arrived_on = serializers.DateField()
    expected_until = serializers.DateField(required=False, allow_null=True, default=None)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class DuplicateMatchSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    birth_date = serializers.CharField(
        source="masked_birth_date",
        read_only=True,
        help_text="Masked when there is an ID number: 1960-**-**.",
    )

    class Meta:
        model = Resident
        fields = ["id", "household", "household_number", "name", "birth_date", "id_number"]
        read_only_fields = fields


class LikelyDuplicateSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    matches = serializers.SerializerMethodField(
        help_text="The other residents with the same name, birth date and unit."
    )

    class Meta:
        model = Resident
        fields = [
            "id",
            "household",
            "household_number",
            "area_code",
            "name",
            "birth_date",
            "status",
            "matches",
        ]
        read_only_fields = fields

    @extend_schema_field(DuplicateMatchSerializer(many=True))
    def get_matches(self, resident):
        matches = self.context.get("matches", {}).get(resident.pk, [])
        return DuplicateMatchSerializer(matches, many=True).data


class LedgerRollupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    households = serializers.IntegerField(help_text="Active households.")
    key_households = serializers.IntegerField()
    residents = serializers.IntegerField(help_text="Residents living here.")
    tags = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="For each active tag's code, the living residents who carry it now.",
    )


# --- file downloads ---------------------------------------------------------------------


class _FileRenderer(renderers.BaseRenderer):
    """Picks the export's format from `?format=`; the view writes the file itself."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class XlsxRenderer(_FileRenderer):
    media_type = CONTENT_TYPES[XLSX]
    format = XLSX


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = CSV


def _truthy(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


# --- viewsets ---------------------------------------------------------------------------


def _members():
    return Prefetch(
        "residents",
        queryset=with_current_tags(Resident.objects.order_by("id")),
        to_attr="members",
    )


class HouseholdViewSet(ScopedViewSet):
    """Households of the units in your scope, each with its members."""

    queryset = Household.objects.prefetch_related(_members())
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilterSet

    @extend_schema(request=HouseholdCreateSerializer, responses={201: HouseholdSerializer})
    def create(self, request):
        """Creates an empty household in a unit; add its head via POST /residents/."""
        data = HouseholdCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        household = services.create_household(actor=request.user, **data.validated_data)
        household = self.get_queryset().get(pk=household.pk)
        return Response(HouseholdSerializer(household).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        filters=False,
        parameters=[
            OpenApiParameter(
                "area", OpenApiTypes.STR, required=True, description="The code of an area."
            )
        ],
        responses=LedgerRollupSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def rollup(self, request):
        """For each child of the area: households, key households, residents and each tag."""
        code = request.query_params.get("area", "").strip()
        if not code:
            raise serializers.ValidationError({"area": [_("Give the code of an area.")]})
        area = get_object_or_404(Area.objects.visible_to(request.user), code=code)
        return Response(LedgerRollupSerializer(ledger_rollup(area), many=True).data)


class ResidentViewSet(ScopedViewSet):
    """Residents of the units in your scope. `?search=` finds by the start of the name
    (张, 张三), pinyin initials (zs → 张三), or the last digits of an ID or phone number;
    `?address=` by part of the household's address."""

    queryset = with_current_tags(Resident.objects.select_related("household"))
    serializer_class = ResidentSerializer
    filterset_class = ResidentFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "events", Prefetch("reveals", queryset=Reveal.objects.select_related("user"))
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ResidentDetailSerializer
        return super().get_serializer_class()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # An error of a download (403, 400) is still JSON, not a broken file.
        if getattr(response, "exception", False) and isinstance(
            getattr(response, "accepted_renderer", None), _FileRenderer
        ):
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = response.accepted_renderer.media_type
        return response

    def _answer(self, resident_id: int) -> Response:
        return Response(ResidentSerializer(self.get_queryset().get(pk=resident_id)).data)

    def _act(self, request, serializer_class, service) -> Response:
        """One life-event action: validate the body, call the service on this resident."""
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        resident = service(
            actor=request.user, resident_id=self.get_object().pk, **data.validated_data
        )
        return self._answer(resident.pk)

    @extend_schema(request=ResidentCreateSerializer, responses={201: ResidentSerializer})
    def create(self, request):
        """Adds a resident to a household in your scope (moved in, or born); the first
        member of a household is its head."""
        data = ResidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        resident = services.add_resident(
            actor=request.user, household_id=values.pop("household"), **values
        )
        response = self._answer(resident.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=SetTagsSerializer, responses=ResidentSerializer)
    @action(detail=True, methods=["post"])
    def tags(self, request, pk=None):
        """Sets the resident's current tags: missing ones end, new ones start (today or
        `on`); the household's category follows."""
        return self._act(request, SetTagsSerializer, services.set_tags)

    @extend_schema(request=LeaveSerializer, responses=ResidentSerializer)
    @action(detail=True, methods=["post"], url_path="move-out")
    def move_out(self, request, pk=None):
        """The resident moves away; when the head leaves, the eldest member becomes head."""
        return self._act(request, LeaveSerializer, services.move_out)

    @extend_schema(request=LeaveSerializer, responses=ResidentSerializer)
    @action(detail=True, methods=["post"])
    def death(self, request, pk=None):
        """Records the resident's death."""
        return self._act(request, LeaveSerializer, services.record_death)

    @extend_schema(request=TransferSerializer, responses=ResidentSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Moves the resident to another household in your scope (another unit or
        village); both keep it in their history."""
        data = TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        resident = services.transfer(
            actor=request.user,
            resident_id=self.get_object().pk,
            to_household_id=values.pop("to_household"),
            **values,
        )
        return self._answer(resident.pk)

    @extend_schema(
        request=RevealRequestSerializer,
        responses={
            200: RevealResponseSerializer,
            403: OpenApiResponse(description="Without registry.reveal_personal_data."),
        },
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The full ID or phone number, with a reason; needs the permission to reveal
        personal data. The look is logged and shown on the resident's card."""
        data = RevealRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        value = services.reveal(
            actor=request.user, resident_id=self.get_object().pk, **data.validated_data
        )
        return Response({"field": data.validated_data["field"], "value": value})

    @extend_schema(
        filters=True,
        parameters=[
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=[XLSX, CSV], description="xlsx (default) or csv."
            ),
            OpenApiParameter(
                "full",
                OpenApiTypes.BOOL,
                description="ID and phone numbers in full; needs registry.export_personal_data.",
            ),
        ],
        responses={
            (200, CONTENT_TYPES[XLSX]): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
            403: OpenApiResponse(description="`full` without registry.export_personal_data."),
        },
    )
    @action(detail=False, methods=["get"], renderer_classes=[XlsxRenderer, CsvRenderer])
    def export(self, request):
        """The filtered residents as a file in the import's columns (ID numbers as text,
        masked unless `full`). Every export is written to the audit log."""
        full = _truthy(request.query_params.get("full", ""))
        if full and not request.user.has_perm("registry.export_personal_data"):
            raise PermissionDenied(_("Your account may not export ID and phone numbers in full."))
        fmt = request.accepted_renderer.format
        queryset = self.filter_queryset(self.get_queryset())
        filterset = self.filterset_class.base_filters
        filters = {k: v for k, v in request.query_params.items() if k in filterset and v != ""}
        count = queryset.count()
        data = export_residents(queryset, fmt=fmt, full=full)
        services.record_export(actor=request.user, count=count, filters=filters, full=full)
        filename = f"residents-{timezone.localdate():%Y%m%d}.{fmt}"
        response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


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


class MigrantViewSet(ScopedViewSet):
    """Migrants (外来人员) registered in the units of your scope."""

    queryset = Migrant.objects.all()
    serializer_class = MigrantSerializer
    filterset_class = MigrantFilterSet

    @extend_schema(request=MigrantCreateSerializer, responses={201: MigrantSerializer})
    def create(self, request):
        """Registers a migrant in a unit of your scope, with a host household or an address."""
        data = MigrantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        migrant = services.register_migrant(
            actor=request.user, host_household_id=values.pop("host_household"), **values
        )
        return Response(MigrantSerializer(migrant).data, status=status.HTTP_201_CREATED)


class LikelyDuplicateViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Residents without an ID number who share name, birth date and unit with another
    resident: listed for review, never merged. Takes the resident filters."""

    queryset = Resident.objects.select_related("household")
    serializer_class = LikelyDuplicateSerializer
    filterset_class = ResidentFilterSet

    def filter_queryset(self, queryset):
        return likely_duplicates(super().filter_queryset(queryset))

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "matches": duplicate_matches(page)}
        return self.get_paginated_response(
            LikelyDuplicateSerializer(page, many=True, context=context).data
        )
