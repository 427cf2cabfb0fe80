"""The thematic maps: an area's children's boundaries with an indicator's values (the
GeoJSON of the map API), the viewer's choice of classes, the county's tile layer and the
CSP that lets its tiles in, and what the map's partial shows."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Role
from yiwang.areas import codes
from yiwang.areas.models import Area
from yiwang.cockpit import figures
from yiwang.cockpit.map_services import DEFAULT_SUBDOMAINS, tile_origins
from yiwang.cockpit.models import MapSetting
from yiwang.core import indicators

# Who opens the thematic maps: the admins of the county and of the towns, the villages'
# chiefs (and an active superuser).
MAP_ROLES = (Role.COUNTY_ADMIN, Role.TOWN_ADMIN, Role.GRID_CHIEF)
QUANTILE, FIXED = "quantile", "fixed"
CLASS_COUNTS = (3, 4, 5, 6, 7)
DEFAULT_CLASSES = 5
MAX_BREAKS = 8
DEFAULT_INDICATOR = "cases.open"
COUNTY_LENGTH = codes.LENGTH_BY_LEVEL["county"]
# Stands for the indicator's key in the map API's address the page's script is given.
KEY_PLACEHOLDER = "indicator.key"


def can_see_maps(user) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(role in MAP_ROLES for role, _code in scope.current_posts(user))


def cockpit_url() -> str:
    """The cockpit's page; its path until the page is registered under its name."""
    try:
        return reverse("cockpit:cockpit")
    except NoReverseMatch:
        return "/cockpit/"


def drill_url(code: str) -> str:
    """The cockpit one level down: the child's own."""
    return f"{cockpit_url()}?{urlencode({'area': code})}"


# --- the GeoJSON of a map ----------------------------------------------------------------


def collection(area: Area, indicator, month: datetime.date | None) -> dict:
    """The area's open children that have a boundary, each with the indicator's value and
    the records behind it, as a GeoJSON FeatureCollection; the area's own boundary as its
    outline. One query for the children (their boundaries, whether they have children),
    one reading of the values. The caller checks that `area` is in the user's scope."""
    today = timezone.localdate()
    below = Area.objects.open(today).filter(parent=OuterRef("pk"))
    rows = list(
        Area.objects.open(today)
        .filter(parent=area, boundary__isnull=False)
        .annotate(has_children=Exists(below))
        .order_by("code")
        .values_list("code", "name", "level", "boundary", "has_children")
    )
    reading = figures.read_month(
        indicator,
        area,
        [(code, name) for code, name, *_rest in rows],
        month,
        refreshed=True,
    )
    values = {child["code"]: child for child in reading.children}
    features = []
    for code, name, level, boundary, has_children in rows:
        child = values[code]
        features.append(
            {
                "type": "Feature",
                "geometry": boundary,
                "properties": {
                    "code": code,
                    "name": name,
                    "level": level,
                    "value": child["value"],
                    "records_url": child["records_url"],
                    "page_url": child["page_url"],
                    "drill": drill_url(code),
                    "has_children": has_children,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "indicator": describe(indicator),
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "period": f"{month:%Y-%m}" if month else None,
        "as_of": reading.as_of,
        "outline": area.boundary or None,
        "features": features,
    }


def describe(indicator) -> dict:
    return {
        "key": indicator.key,
        "name": str(indicator.name),
        "unit": str(indicator.unit),
        "kind": indicator.kind,
    }


# --- the viewer's classes ----------------------------------------------------------------


@dataclass
class Classes:
    """How the values are put into classes: quantiles (`count` of them) or fixed breaks
    (ascending numbers; n breaks make n+1 classes). `error`: why the breaks given were
    not taken (quantiles are drawn meanwhile)."""

    method: str = QUANTILE
    count: int = DEFAULT_CLASSES
    breaks: list[float] = field(default_factory=list)
    breaks_text: str = ""
    error: str = ""


def parse_breaks(text: str) -> list[float]:
    """Comma-separated ascending numbers (Chinese commas too); ValueError with the reason."""
    parts = [p.strip() for p in re.split(r"[,，、\s]+", text or "") if p.strip()]
    if not parts:
        raise ValueError(_("Give the breaks as numbers separated by commas, e.g. 10,20,50."))
    numbers = []
    for part in parts:
        try:
            number = float(part)
        except ValueError:
            raise ValueError(
                _("“%(part)s” is not a number: give the breaks as numbers separated by commas.")
                % {"part": part}
            ) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(_("“%(part)s” is not a number.") % {"part": part})
        numbers.append(number)
    if len(numbers) > MAX_BREAKS:
        raise ValueError(_("Give at most %(n)s breaks.") % {"n": MAX_BREAKS})
    if any(b <= a for a, b in zip(numbers, numbers[1:], strict=False)):
        raise ValueError(_("The breaks must go up: each larger than the one before."))
    return numbers


def parse_classes(params) -> Classes:
    method = params.get("classes") or QUANTILE
    choice = Classes(method=method if method in (QUANTILE, FIXED) else QUANTILE)
    try:
        count = int(params.get("n") or DEFAULT_CLASSES)
    except ValueError:
        count = DEFAULT_CLASSES
    choice.count = count if count in CLASS_COUNTS else DEFAULT_CLASSES
    choice.breaks_text = (params.get("breaks") or "").strip()[:200]
    if choice.method == FIXED:
        try:
            choice.breaks = parse_breaks(choice.breaks_text)
        except ValueError as exc:
            choice.error = str(exc)
    return choice


# --- the county's tiles ------------------------------------------------------------------


@dataclass(frozen=True)
class Tiles:
    url: str
    subdomains: str
    attribution: str

    @property
    def origins(self) -> list[str]:
        return tile_origins(self.url, self.subdomains)


def tiles(area: Area) -> Tiles | None:
    """The tile layer of the area's county, if one is set."""
    setting = MapSetting.objects.filter(county_code=area.code[:COUNTY_LENGTH]).first()
    if setting is None or not setting.tile_url:
        return None
    return Tiles(
        setting.tile_url,
        setting.subdomains or (DEFAULT_SUBDOMAINS if "{s}" in setting.tile_url else ""),
        setting.attribution,
    )


def allow_tiles(response, layer: Tiles | None):
    """Lets the page load the county's tiles: their origins are added to img-src for this
    response only; every other directive stays as strict as everywhere."""
    if layer is not None:
        response._csp_update = {"img-src": layer.origins}
    return response


# --- the partial -------------------------------------------------------------------------


@dataclass
class Panel:
    """What templates/cockpit/_map.html shows: the area, the indicator chosen, the
    choices, the API addresses and the tiles."""

    area: Area
    indicator: object
    indicators: list[tuple[str, str]]
    classes: Classes
    period: str
    tiles: Tiles | None
    # The map API's address with KEY_PLACEHOLDER for the indicator's key.
    map_api: str
    cases_api: str
    # Where a click on a child goes, with ?area=<code> and the choices: the cockpit, or
    # the full-page map.
    drill_base: str
    class_counts: tuple = CLASS_COUNTS
    max_breaks: int = MAX_BREAKS
    error: str = ""


def indicator_choices() -> list[tuple[str, str]]:
    choices = []
    for indicator in indicators.all_indicators():
        label = str(indicator.name)
        if indicator.kind == "ratio":
            label = f"{label} (%)"
        choices.append((indicator.key, label))
    return choices


def panel(area: Area, params, *, drill_base: str | None = None) -> Panel:
    """The map of `area` (in the viewer's scope: the caller checks) with the choices of
    the query `params` (indicator, classes, n, breaks, period). An unknown indicator
    leaves `error` set, with the default drawn meanwhile."""
    key = (params.get("indicator") or "").strip()
    error = ""
    indicator = indicators.get(key) if key else None
    if key and indicator is None:
        error = _("There is no indicator “%(key)s”: choose one from the list.") % {"key": key[:64]}
    if indicator is None:
        indicator = indicators.get(DEFAULT_INDICATOR) or next(
            iter(indicators.all_indicators()), None
        )
    period = (params.get("period") or "").strip()
    if period and not re.match(r"^[0-9]{4}-[0-9]{2}$", period):
        period = ""
    return Panel(
        area=area,
        indicator=indicator,
        indicators=indicator_choices(),
        classes=parse_classes(params),
        period=period,
        tiles=tiles(area),
        map_api=reverse("api:indicator-map", args=[KEY_PLACEHOLDER]),
        cases_api=reverse("api:cockpit-cases"),
        drill_base=drill_base if drill_base is not None else cockpit_url(),
        error=error,
    )
