"""API of residents: search, the card, life events, tags, reveal and export."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.core.api import IdField, ScopedViewSet
from yiwang.core.exports import CONTENT_TYPES, CSV, XLSX
from yiwang.registry import services
from yiwang.registry.api.downloads import CsvRenderer, XlsxRenderer, _FileRenderer
from yiwang.registry.api.tags import CurrentTagSerializer
from yiwang.registry.filters import ResidentFilterSet
from yiwang.registry.models import LifeEvent, LifeEventKind, Relation, Resident, Reveal
from yiwang.registry.selectors import export_residents, with_current_tags


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
    on = serializers.CharField(
        source="shown_on",
        read_only=True,
        help_text="The date (YYYY-MM-DD); a birth's as the birth date is shown (YYYY-**-**).",
    )

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
    household = IdField()
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
    to_household = IdField(help_text="A household in your scope.")
    relation = serializers.ChoiceField(choices=Relation.choices)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class RevealRequestSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=sorted(services.REVEALABLE))
    reason = serializers.CharField(max_length=200)


class RevealResponseSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class ResidentViewSet(ScopedViewSet):
    """Residents of the units in your scope. `?search=` finds by any part of the name
    (张三, 建国, 国), pinyin initials (zs → 张三), or the last digits of an ID or phone number;
    `?address=` by part of the household's address."""

    queryset = Resident.objects.select_related("household")
    serializer_class = ResidentSerializer
    filterset_class = ResidentFilterSet

    def get_queryset(self):
        # The current tags are those of the request's day: worked out here, not once when
        # the class is made (a server running past midnight would keep yesterday's).
        queryset = with_current_tags(super().get_queryset())
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
            403: OpenApiResponse(
                description="The ID number without registry.reveal_personal_data."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The full ID or phone number, with a reason: the phone to anyone of the resident's
        scope (to call them), the ID number with the permission to reveal personal data.
        The look is logged and shown on the resident's card."""
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
                {"type": "string", "enum": ["true", "false", "1", "0"]},
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
        full = request.query_params.get("full", "false")
        if full not in ("true", "false", "1", "0"):
            raise serializers.ValidationError({"full": [_("Give true or false.")]})
        full = full in ("true", "1")
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
