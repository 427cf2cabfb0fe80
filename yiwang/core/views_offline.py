"""The service worker that lets the field pages open with no signal (js/offline.js queues
what is typed there). Served from the site's root, so that its scope is the whole site."""

from __future__ import annotations

import hashlib
import json

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

# The static files every field page needs, kept by the worker when it installs.
ASSETS = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "django_htmx/htmx-2.min.js",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "css/yiwang.css",
    "js/yiwang.js",
    "js/offline.js",
    "img/favicon.svg",
)
# The pages a grid worker opens in the field: kept on each visit online, opened from the
# kept copy offline.
FIELD_PAGES = ("outreach:today", "cases:create")


def field_pages() -> list[str]:
    pages = []
    for name in FIELD_PAGES:
        try:
            pages.append(reverse(name))
        except NoReverseMatch:  # a module not installed
            continue
    return pages


@require_GET
def service_worker(request):
    assets = [static(path) for path in ASSETS]
    pages = field_pages()
    offline_page = render_to_string("core/offline.html", request=request)
    # A new version whenever what it keeps changes (hashed static names after a deploy).
    version = hashlib.sha256(json.dumps([assets, pages, offline_page]).encode()).hexdigest()
    body = render_to_string(
        "core/sw.js",
        {
            "version": version[:16],
            "assets": json.dumps(assets),
            "pages": json.dumps(pages),
            "offline_page": json.dumps(offline_page, ensure_ascii=False),
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker at every navigation; never an old one from a cache.
    response["Cache-Control"] = "no-cache"
    return response
