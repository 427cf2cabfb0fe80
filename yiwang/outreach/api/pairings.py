"""API v1 of outreach: pairing programmes, pairings and their coverage.

Programmes are the county's: everyone signed in reads them, a county admin writes them.
Pairings are read within the scope (404 outside it); each write is a service.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yiwang.accounts.models import Role
from yiwang.areas.models import Area
from yiwang.core import validators
from yiwang.core.api import BuiltOnceFieldsMixin, IdField, ScopedViewSet
from yiwang.core.schema import area_code_parameter
from yiwang.outreach.filters import PairingFilterSet
from yiwang.outreach.models import Pairing, Programme, SubjectKind
from yiwang.outreach.selectors import coverage
from yiwang.outreach.services import pairings as services
from yiwang.registry.models import HouseholdCategory

# --- serializers ------------------------------------------------------------------------


class ProgrammeSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    tag = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "code",
            "name",
            "sponsor_role",
            "chosen_sponsors",
            "subject_kind",
            "household_category",
            "tag",
            "visit_every_days",
            "is_active",
            "order",
        ]
        read_only_fields = fields


class ProgrammeWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    sponsor_role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True)
    chosen_sponsors = serializers.ListField(
        child=IdField(), required=False, help_text="Ids of users."
    )
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices)
    household_category = serializers.ChoiceField(
        choices=HouseholdCategory.choices, required=False, allow_blank=True
    )
    tag = serializers.CharField(required=False, allow_blank=True, help_text="A tag's code.")
    visit_every_days = serializers.IntegerField(min_value=1, max_value=32767)
    is_active = serializers.BooleanField(required=False)
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class ProgrammeCreateSerializer(ProgrammeWriteSerializer):
    code = serializers.SlugField(max_length=40)


class PairingSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    sponsor_name = serializers.CharField(source="sponsor.__str__", read_only=True)
    subject = serializers.CharField(source="subject.__str__", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id",
            "programme",
            "programme_name",
            "sponsor",
            "sponsor_name",
            "household",
            "resident",
            "enterprise",
            "subject",
            "area_code",
            "starts_on",
            "ends_on",
            "end_reason",
            "transferred_from",
            "is_current",
        ]
        read_only_fields = fields


class PairingAssignSerializer(serializers.Serializer):
    programme = IdField()
    sponsor = IdField()
    household = IdField(required=False, allow_null=True, default=None)
    resident = IdField(required=False, allow_null=True, default=None)
    enterprise = IdField(required=False, allow_null=True, default=None)
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)


class PairingEndSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class PairingTransferSerializer(serializers.Serializer):
    sponsor = IdField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False, allow_null=True, default=None)


class AutoPairingAssignSerializer(serializers.Serializer):
    programme = IdField()
    area = serializers.CharField(max_length=18, help_text="The code of an area in your scope.")


class PairingAutoAssignResultSerializer(serializers.Serializer):
    unpaired = serializers.IntegerField(help_text="Subjects without a pairing before.")
    paired = serializers.IntegerField(help_text="Pairings made.")
    left = serializers.IntegerField(help_text="Subjects no eligible sponsor could take.")


class CoverageRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    eligible = serializers.IntegerField()
    paired = serializers.IntegerField()
    unpaired = serializers.IntegerField()
    sponsors = serializers.IntegerField(help_text="Eligible sponsors placed there.")


class SponsorLoadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    load = serializers.IntegerField(help_text="Open pairings in the whole programme.")
    here = serializers.IntegerField(help_text="Of them, in the area.")


class LoadsSerializer(serializers.Serializer):
    min = serializers.IntegerField(allow_null=True)
    avg = serializers.FloatField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)


class CoverageSerializer(serializers.Serializer):
    programme = serializers.IntegerField(source="programme.pk")
    area = serializers.CharField(source="area.code")
    total = CoverageRowSerializer()
    rows = CoverageRowSerializer(many=True, help_text="Each child area (a GROUP BY on codes).")
    loads = LoadsSerializer()
    sponsors = SponsorLoadSerializer(many=True, help_text="Least loaded first.")


# --- viewsets ---------------------------------------------------------------------------


class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    """The county's pairing programmes: everyone signed in reads them (there is no scope to
    apply); only a county admin adds or changes one."""

    queryset = Programme.objects.select_related("tag").prefetch_related("chosen_sponsors")
    serializer_class = ProgrammeSerializer
    filterset_fields = ["subject_kind", "is_active"]
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    @extend_schema(request=ProgrammeCreateSerializer, responses={201: ProgrammeSerializer})
    def create(self, request):
        """Adds a programme (county admins only)."""
        data = ProgrammeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if Programme.objects.filter(code=data.validated_data["code"]).exists():
            raise serializers.ValidationError(
                {"code": [_("A programme with this code already exists.")]}
            )
        programme = services.save_programme(actor=request.user, **data.validated_data)
        return Response(
            ProgrammeSerializer(self.get_queryset().get(pk=programme.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ProgrammeWriteSerializer, responses=ProgrammeSerializer)
    def partial_update(self, request, code=None):
        """Changes a programme (county admins only)."""
        programme = self.get_object()
        data = ProgrammeWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {
            "name": programme.name,
            "sponsor_role": programme.sponsor_role,
            "chosen_sponsors": [u.pk for u in programme.chosen_sponsors.all()],
            "subject_kind": programme.subject_kind,
            "household_category": programme.household_category,
            "tag": programme.tag.code if programme.tag_id else "",
            "visit_every_days": programme.visit_every_days,
            "is_active": programme.is_active,
            "order": programme.order,
            **data.validated_data,
        }
        programme = services.save_programme(actor=request.user, code=programme.code, **values)
        return Response(ProgrammeSerializer(self.get_queryset().get(pk=programme.pk)).data)


def _programme(value: str) -> Programme:
    """A programme by id or by code."""
    value = (value or "").strip()
    if not value:
        raise serializers.ValidationError({"programme": [_("Choose a programme.")]})
    pk = validators.read_id(value)
    query = Q(code=value) | Q(pk=pk) if pk is not None else Q(code=value)
    return get_object_or_404(Programme, query)


class PairingViewSet(ScopedViewSet):
    """Pairings of the subjects in your scope, current and past. Filter by programme,
    sponsor, area (a code: pairings under it) and current."""

    queryset = Pairing.objects.select_related(
        "programme", "sponsor", "household", "resident", "enterprise"
    )
    serializer_class = PairingSerializer
    filterset_class = PairingFilterSet

    def _read(self, pairing: Pairing, code=status.HTTP_200_OK) -> Response:
        return Response(PairingSerializer(self.get_queryset().get(pk=pairing.pk)).data, status=code)

    @extend_schema(request=PairingAssignSerializer, responses={201: PairingSerializer})
    def create(self, request):
        """Pairs a sponsor with one household, resident or enterprise (area managers)."""
        data = PairingAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        pairing = services.assign(
            actor=request.user,
            programme_id=v["programme"],
            sponsor_id=v["sponsor"],
            household_id=v["household"],
            resident_id=v["resident"],
            enterprise_id=v["enterprise"],
            starts_on=v["starts_on"],
        )
        return self._read(pairing, status.HTTP_201_CREATED)

    @extend_schema(request=PairingEndSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """Ends an open pairing, for a reason."""
        pairing = self.get_object()
        data = PairingEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pairing = services.end(actor=request.user, pairing_id=pairing.pk, **data.validated_data)
        return self._read(pairing)

    @extend_schema(request=PairingTransferSerializer, responses={201: PairingSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Hands an open pairing to another sponsor; answers the new pairing."""
        pairing = self.get_object()
        data = PairingTransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        new = services.transfer(
            actor=request.user,
            pairing_id=pairing.pk,
            sponsor_id=v["sponsor"],
            reason=v["reason"],
            on=v["on"],
        )
        return self._read(new, status.HTTP_201_CREATED)

    @extend_schema(request=AutoPairingAssignSerializer, responses=PairingAutoAssignResultSerializer)
    @action(detail=False, methods=["post"], url_path="auto-assign")
    def auto_assign(self, request):
        """Pairs every unpaired subject of the programme in the area, balancing the load."""
        data = AutoPairingAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        counts = services.auto_assign(
            actor=request.user,
            programme_id=data.validated_data["programme"],
            area_code=data.validated_data["area"],
        )
        return Response(PairingAutoAssignResultSerializer(counts).data)

    @extend_schema(
        filters=False,
        parameters=[
            OpenApiParameter(
                "programme",
                {"type": "string", "minLength": 1, "pattern": r"\S"},
                required=True,
                description="Its id or code.",
            ),
            area_code_parameter(required=True, description="The code of an area."),
        ],
        responses=CoverageSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def coverage(self, request):
        """For a programme and an area: eligible, paired and unpaired subjects rolled up to
        each child area, and the sponsors with their load."""
        programme = _programme(request.query_params.get("programme", ""))
        code = request.query_params.get("area", "").strip()
        if not code:
            raise serializers.ValidationError({"area": [_("Give the code of an area.")]})
        area = get_object_or_404(Area.objects.visible_to(request.user), code=code)
        return Response(CoverageSerializer(coverage(programme, area)).data)


def register(router) -> None:
    """Adds this module's viewsets to the API's router."""
    router.register("programmes", ProgrammeViewSet, basename="programme")
    router.register("pairings", PairingViewSet, basename="pairing")
