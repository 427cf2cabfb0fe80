"""The points of an area's open cases that have a location, for the cockpit's thematic
maps: the newest first, capped."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from yiwang.cases.models import Case, Status
from yiwang.core.scoping import subtree_q

# The most points a map is sent: the newest open cases.
POINTS_MAX = 2000


def open_case_points(user, area_code: str, limit: int | None = None) -> tuple[list[dict], bool]:
    """([point], truncated): the open cases with a location under `area_code` that the
    user sees (`Case.objects.visible_to`), the newest `limit` (POINTS_MAX) of them, each with its
    tracking code, category, status, whether it is overdue and its page; truncated says
    there were more. One query."""
    limit = POINTS_MAX if limit is None else limit
    now = timezone.now()
    rows = list(
        Case.objects.visible_to(user)
        .open()
        .filter(subtree_q("area_code", area_code), lat__isnull=False, lng__isnull=False)
        .order_by("-reported_at", "-id")
        .values_list("pk", "tracking_code", "category__name", "status", "due_at", "lat", "lng")[
            : limit + 1
        ]
    )
    labels = dict(Status.choices)
    points = [
        {
            "lat": float(lat),
            "lng": float(lng),
            "tracking_code": tracking_code,
            "category": category,
            "status": str(labels.get(status, status)),
            "overdue": due_at is not None and due_at < now,
            "url": reverse("cases:detail", args=[pk]),
        }
        for pk, tracking_code, category, status, due_at, lat, lng in rows[:limit]
    ]
    return points, len(rows) > limit
