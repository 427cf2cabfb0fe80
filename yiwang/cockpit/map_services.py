"""Writes of the thematic maps' settings: a county's tile layer (atomic, audited, county
admins only)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area, Level
from yiwang.cockpit.models import MapSetting
from yiwang.core import audit

TILE_URL_MAX = MapSetting._meta.get_field("tile_url").max_length
ATTRIBUTION_MAX = MapSetting._meta.get_field("attribution").max_length
SUBDOMAINS_MAX = MapSetting._meta.get_field("subdomains").max_length
# What {s} stands for when no subdomains are given (Leaflet's default).
DEFAULT_SUBDOMAINS = "abc"
# The placeholders a template may hold: the server, the zoom, the column, the row (from
# the top, or from the bottom as TMS counts them).
PLACEHOLDERS = {"{s}", "{z}", "{x}", "{y}", "{-y}"}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_SUBDOMAINS = re.compile(r"^[A-Za-z0-9]+$")
# Nothing a browser or a CSP header could read as more than a URL.
_FORBIDDEN = re.compile(r"[\s\"'<>\\;,`]")


def clean_tile_url(text: str) -> str:
    """The template as it is kept: empty (no tiles), or an http(s) URL with {z}, {x} and
    {y} (or {-y}) and optionally {s}; ValidationError with the reason otherwise."""
    text = (text or "").strip()
    if not text:
        return ""
    if len(text) > TILE_URL_MAX:
        raise ValidationError(
            {"tile_url": _("The tile URL is longer than %(n)d characters.") % {"n": TILE_URL_MAX}}
        )
    if not re.match(r"^https?://", text, re.IGNORECASE):
        raise ValidationError({"tile_url": _("The tile URL must start with http:// or https://.")})
    if _FORBIDDEN.search(text):
        raise ValidationError(
            {"tile_url": _("The tile URL may not contain spaces, quotes, commas or semicolons.")}
        )
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - PLACEHOLDERS)
    if unknown:
        raise ValidationError(
            {
                "tile_url": _(
                    "Unknown placeholder %(found)s: a tile URL may use {s}, {z}, {x}, {y} or {-y}."
                )
                % {"found": "、".join(unknown)}
            }
        )
    if "{z}" not in text or "{x}" not in text or ("{y}" not in text and "{-y}" not in text):
        raise ValidationError(
            {
                "tile_url": _(
                    "The tile URL must contain {z}, {x} and {y} (or {-y}): where the zoom, "
                    "the column and the row of each tile go."
                )
            }
        )
    server = text.split("/", 3)[2]
    if not _HOST.match(server.replace("{s}", "a")) or not urlsplit(_filled(text, "a")).hostname:
        raise ValidationError(
            {"tile_url": _("The tile URL must name a server, e.g. http://t{s}.tianditu.gov.cn/.")}
        )
    return text


def _filled(template: str, server: str) -> str:
    for placeholder in ("{z}", "{x}", "{y}", "{-y}"):
        template = template.replace(placeholder, "0")
    return template.replace("{s}", server)


def clean_subdomains(text: str, tile_url: str) -> str:
    text = (text or "").strip()
    if "{s}" not in tile_url:
        return ""
    if not text:
        return DEFAULT_SUBDOMAINS
    if len(text) > SUBDOMAINS_MAX or not _SUBDOMAINS.match(text):
        raise ValidationError(
            {
                "subdomains": _(
                    "Give the servers {s} stands for as letters or digits, up to %(n)d "
                    "(天地图: 01234567)."
                )
                % {"n": SUBDOMAINS_MAX}
            }
        )
    return text


def tile_origins(tile_url: str, subdomains: str) -> list[str]:
    """The origins the tiles come from (each server {s} stands for), for the CSP."""
    if not tile_url:
        return []
    servers = (subdomains or DEFAULT_SUBDOMAINS) if "{s}" in tile_url else "-"
    origins = []
    for server in servers:
        parts = urlsplit(_filled(tile_url, server))
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        if origin not in origins:
            origins.append(origin)
    return origins


@transaction.atomic
def set_tile_url(
    *, actor, county_code: str, tile_url: str, attribution: str = "", subdomains: str = ""
) -> MapSetting:
    """Sets (or, with an empty template, clears) the county's tile layer: county admins of
    that county only (the operator at the command line too)."""
    scope.require_configure(
        actor, message=_("Only a county admin may configure the maps' tiles."), recheck=True
    )
    if actor is not None:
        scope.require_in_scope(actor, county_code)
    if not Area.objects.filter(code=county_code, level=Level.COUNTY).exists():
        raise ValidationError({"county_code": _("Choose a county.")})
    tile_url = clean_tile_url(tile_url)
    subdomains = clean_subdomains(subdomains, tile_url)
    attribution = " ".join((attribution or "").split())
    if len(attribution) > ATTRIBUTION_MAX:
        raise ValidationError(
            {
                "attribution": _("The attribution is longer than %(n)d characters.")
                % {"n": ATTRIBUTION_MAX}
            }
        )
    if not tile_url:
        attribution = ""
    setting = MapSetting.objects.select_for_update().filter(county_code=county_code).first()
    before = audit.snapshot(setting) if setting else None
    if setting is None:
        setting = MapSetting(county_code=county_code)
    setting.tile_url, setting.subdomains, setting.attribution = tile_url, subdomains, attribution
    setting.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    setting.save()
    audit.record(
        actor=actor,
        action="map_setting.save",
        obj=setting,
        before=before,
        after=audit.snapshot(setting),
    )
    return setting
