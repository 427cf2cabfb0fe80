"""Pages of the thematic maps: the full-page map of an area's children coloured by an
indicator (county admins, town admins, village chiefs) and the county's tile layer
(county admins), with their menu entries."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.accounts import scope
from yiwang.areas import selectors as areas
from yiwang.areas.models import Area, Level
from yiwang.cockpit import maps
from yiwang.cockpit.map_services import (
    ATTRIBUTION_MAX,
    SUBDOMAINS_MAX,
    TILE_URL_MAX,
    set_tile_url,
)
from yiwang.cockpit.models import MapSetting
from yiwang.core import audit, menus
from yiwang.core.forms import add_service_error

TIANDITU_EXAMPLE = (
    "http://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk=您的密钥"
)


def _require_map_viewer(user) -> None:
    if not maps.can_see_maps(user):
        raise PermissionDenied(
            _("The thematic maps are for the admins of the county and the towns, and for chiefs.")
        )


@login_required
@require_GET
def map_page(request):
    """The thematic map of an area (the viewer's first by default): its children coloured
    by an indicator, with the points of its open cases."""
    _require_map_viewer(request.user)
    code = (request.GET.get("area") or "").strip()
    area = areas.area_in_scope(request.user, code) if code else areas.default_area(request.user)
    if area is None:
        raise Http404(_("Not found."))
    panel = maps.panel(area, request.GET, drill_base=reverse("cockpit:map"))
    response = render(
        request,
        "cockpit/map.html",
        {
            "area": area,
            "map": panel,
            "crumbs": areas.crumbs(request.user, area),
            "can_configure": scope.can_configure(request.user),
        },
    )
    return maps.allow_tiles(response, panel.tiles)


class MapSettingForm(forms.Form):
    tile_url = forms.CharField(
        label=gettext_lazy("Tile URL template"),
        required=False,
        max_length=TILE_URL_MAX,
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "http(s) with {z}, {x} and {y} (or {-y}), and {s} for the servers if any. "
            "Leave it empty for no tiles."
        ),
    )
    subdomains = forms.CharField(
        label=gettext_lazy("Servers for {s}"),
        required=False,
        max_length=SUBDOMAINS_MAX,
        help_text=gettext_lazy("The letters or digits {s} stands for; 天地图: 01234567."),
    )
    attribution = forms.CharField(
        label=gettext_lazy("Attribution"),
        required=False,
        max_length=ATTRIBUTION_MAX,
        help_text=gettext_lazy("Shown under the map, e.g. 审图号 and the source of the tiles."),
    )


def _county(request) -> Area:
    code = (request.GET.get("county") or "").strip()
    area = areas.area_in_scope(request.user, code) if code else areas.default_area(request.user)
    if area is None:
        raise Http404(_("Not found."))
    county = Area.objects.filter(code=area.code[: maps.COUNTY_LENGTH], level=Level.COUNTY).first()
    if county is None:
        raise Http404(_("Not found."))
    return county


@login_required
@require_http_methods(["GET", "POST"])
def map_settings(request):
    """The county's tile layer for the thematic maps (county admins)."""
    scope.require_configure(
        request.user, message=_("Only a county admin may configure the maps' tiles.")
    )
    county = _county(request)
    setting = MapSetting.objects.filter(county_code=county.code).first()
    initial = {
        "tile_url": setting.tile_url if setting else "",
        "subdomains": setting.subdomains if setting else "",
        "attribution": setting.attribution if setting else "",
    }
    form = MapSettingForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            set_tile_url(actor=request.user, county_code=county.code, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if form.cleaned_data["tile_url"].strip():
                messages.success(request, _("The tile layer of the maps was saved."))
            else:
                messages.success(
                    request, _("The tile layer was cleared: the maps are drawn without tiles.")
                )
            return redirect(f"{reverse('cockpit:map-settings')}?county={county.code}")
    return render(
        request,
        "cockpit/map_settings.html",
        {"form": form, "county": county, "setting": setting, "example": TIANDITU_EXAMPLE},
    )


urlpatterns = [
    path("cockpit/map/", map_page, name="map"),
    path("cockpit/map-settings/", map_settings, name="map-settings"),
]


def register() -> None:
    """The maps' menu entries and audit actions (from CockpitConfig.ready())."""
    menus.register(
        menus.MenuItem(
            key="cockpit.map",
            label=gettext_lazy("Thematic map"),
            url_name="cockpit:map",
            section="areas",
            order=15,
            visible=maps.can_see_maps,
        ),
        menus.MenuItem(
            key="cockpit.map-settings",
            label=gettext_lazy("Map tiles"),
            url_name="cockpit:map-settings",
            section="settings",
            order=90,
            visible=scope.can_configure,
        ),
    )
    audit.register_actions({"map_setting.save": gettext_lazy("Set the maps' tile layer")})
