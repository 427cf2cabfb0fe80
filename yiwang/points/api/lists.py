"""API v1 of points: the villages' duty lists in force and their items.

`GET /api/v1/points/lists/` the versions in force (`?village=`, `?kind=`, `?on=` a day,
today by default) of the villages the caller works in or above; `GET
/api/v1/points/items/` their items, what an entry cites (`?village=`, `?kind=`).
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from yiwang.accounts import scope
from yiwang.core import validators
from yiwang.core.api import BuiltOnceFieldsMixin
from yiwang.core.scoping import any_subtree_q
from yiwang.points.models import DutyList, ListItem, ListKind
from yiwang.points.services.lists import VILLAGE_LENGTH


class ListItemSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    village = serializers.CharField(source="duty_list.area_code", read_only=True)
    kind = serializers.CharField(source="duty_list.kind", read_only=True)
    version = serializers.IntegerField(source="duty_list.version", read_only=True)

    class Meta:
        model = ListItem
        fields = [
            "id",
            "duty_list",
            "village",
            "kind",
            "version",
            "article",
            "text",
            "points",
            "min_points",
            "max_points",
            "monthly_cap",
            "evidence_required",
            "change",
            "template",
        ]
        read_only_fields = fields


class DutyListSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    village = serializers.CharField(source="area_code", read_only=True)
    items = ListItemSerializer(many=True, read_only=True)

    class Meta:
        model = DutyList
        fields = [
            "id",
            "village",
            "kind",
            "version",
            "adopted_on",
            "meeting",
            "note",
            "superseded_on",
            "items",
        ]
        read_only_fields = fields


def villages_q(user, field: str) -> Q:
    """The rows of the villages the user works in or above."""
    codes = scope.scope_codes(user)
    if codes is None:
        return Q()
    q = any_subtree_q(field, codes)
    villages = {c[:VILLAGE_LENGTH] for c in codes if len(c) > VILLAGE_LENGTH}
    if villages:
        q |= Q(**{f"{field}__in": sorted(villages)})
    return q


PARAMETERS = [
    OpenApiParameter("village", OpenApiTypes.STR, description="A village's area code."),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=ListKind.values),
    OpenApiParameter("on", OpenApiTypes.DATE, description="In force on this day (today)."),
]


def kind_choices_message() -> str:
    """A bad ?kind=: the sentence naming the three lists, each with its value."""
    kinds = pgettext("list separator", ", ").join(
        _("%(label)s (%(value)s)") % {"label": label, "value": value}
        for value, label in ListKind.choices
    )
    return _("Choose the kind of list: %(kinds)s.") % {"kinds": kinds}


def _filtered(request, rows, prefix: str):
    params = request.query_params
    day = timezone.localdate()
    if params.get("on"):
        day = validators.read_date(params["on"].strip())
        if day is None:
            raise ValidationError({"on": [_("Give a date, such as 2026-11-30.")]})
    rows = rows.filter(**{f"{prefix}id__in": DutyList.objects.in_force(day).values("id")})
    if params.get("village"):
        rows = rows.filter(**{f"{prefix}area_code": params["village"].strip()})
    if params.get("kind"):
        if params["kind"] not in ListKind.values:
            raise ValidationError({"kind": [kind_choices_message()]})
        rows = rows.filter(**{f"{prefix}kind": params["kind"]})
    return rows


@extend_schema(parameters=PARAMETERS)
class DutyListViewSet(viewsets.ReadOnlyModelViewSet):
    """The versions of the villages' lists in force, with their items."""

    queryset = DutyList.objects.none()
    serializer_class = DutyListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DutyList.objects.none()
        rows = DutyList.objects.filter(villages_q(self.request.user, "area_code"))
        if self.action == "list":
            rows = _filtered(self.request, rows, "")
        return rows.prefetch_related("items").order_by("area_code", "kind", "-version")


@extend_schema(parameters=PARAMETERS)
class ListItemViewSet(viewsets.ReadOnlyModelViewSet):
    """The items of the villages' lists in force: what an entry cites."""

    queryset = ListItem.objects.none()
    serializer_class = ListItemSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ListItem.objects.none()
        rows = ListItem.objects.filter(villages_q(self.request.user, "duty_list__area_code"))
        if self.action == "list":
            rows = _filtered(self.request, rows, "duty_list__")
        return rows.select_related("duty_list").order_by(
            "duty_list__area_code", "duty_list__kind", "order", "id"
        )


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
    router.register("points/lists", DutyListViewSet, basename="points-list")
    router.register("points/items", ListItemViewSet, basename="points-item")
