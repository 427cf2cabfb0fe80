"""Reads of cases that are more than a filter: the inbox (what waits for a user), the
notifications of a user with the cases they are about, and the likely duplicates of a
case."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import BigIntegerField, CharField, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models import Case as SqlCase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.accounts import scope
from yiwang.accounts.models import SCOPING_ROLES
from yiwang.cases import states
from yiwang.cases.models import CASE_OBJECT_TYPE, AssigneeLevel, Case, Status
from yiwang.core.scoping import subtree_q
from yiwang.notices.models import Notification

# What a case waits for, as the inbox names it.
WAITING_FOR = {
    "accept": _("to accept"),
    "dispatch": _("to dispatch"),
    "handle": _("to handle"),
    "follow_up": _("to follow up"),
    "close": _("to close"),
    "approve_extension": _("to decide on more time"),
}
_DISPATCHER_STAGES = {
    Status.REPORTED: "accept",
    Status.ACCEPTED: "dispatch",
    Status.RESOLVED: "follow_up",
    Status.FOLLOWED_UP: "close",
}
# The assignee levels whose extension requests a post on an area of this code length
# decides: the level just above them.
_APPROVES = {
    12: [AssigneeLevel.UNIT, AssigneeLevel.GRID],
    9: [AssigneeLevel.VILLAGE],
    6: [AssigneeLevel.TOWN],
}


def _waiting_q(user) -> Q:
    """The cases that wait for one of the user's posts itself (not for an area below it:
    what waits at a village is the village's, until it escalates)."""
    posts = scope.current_posts(user)
    dispatching = sorted({code for role, code in posts if role in states.DISPATCHER_ROLES})
    handling = sorted({code for role, code in posts if role in SCOPING_ROLES})
    departments = states.department_ids(user)
    q = Q(pk__in=[])
    if dispatching:
        q |= Q(status__in=list(_DISPATCHER_STAGES), dispatcher_area_code__in=dispatching)
    if handling:
        q |= Q(status__in=list(states.HANDLING), assignee_area_code__in=handling)
    if departments:
        q |= Q(status__in=list(states.HANDLING), assignee_department_id__in=departments)
    for code in dispatching:
        pending = Q(status__in=list(states.HANDLING), extension_until__isnull=False)
        levels = _APPROVES.get(len(code))
        if levels:
            q |= pending & Q(assignee_level__in=levels) & subtree_q("assignee_area_code", code)
        q |= pending & Q(assignee_department__area_code=code)
    return q


def inbox(user) -> QuerySet[Case]:
    """What waits for the user: to accept, dispatch, handle, follow up, close, or to
    decide on more time. Most urgent first (the nearest due time; overdue ones first of
    all), parked cases only from their review date."""
    today = timezone.localdate()
    return (
        Case.objects.visible_to(user)
        .filter(_waiting_q(user))
        .filter(Q(parked=False) | Q(review_on__lte=today))
        .select_related("category", "assignee_department")
        .order_by(F("due_at").asc(nulls_last=True), "-is_urgent", "id")
    )


def waiting_for(user, case: Case) -> str:
    """Which of WAITING_FOR the case waits for from this user (the first that applies)."""
    if case.extension_until is not None and states.may(user, "approve_extension", case):
        codes = {code for _role, code in scope.current_posts(user)}
        if states.approver_area_code(case) in codes:
            return "approve_extension"
    if case.status in _DISPATCHER_STAGES:
        return _DISPATCHER_STAGES[case.status]
    return "handle"


# --- notices ---------------------------------------------------------------------------


def notifications(user):
    """The user's notifications (notices.Notification.for_user: every module's kinds), with
    `case_id` and `case_number` for those about a case (None for the others). The number
    is read whatever the user's scope: a notice to the reporter of a case may name one
    outside it. Subqueries, not joins: a paginator's count leaves them out."""
    about_a_case = Q(object_type=CASE_OBJECT_TYPE)
    number = Case.objects.filter(pk=OuterRef("object_id")).order_by().values("number")
    return Notification.objects.for_user(user).annotate(
        case_id=SqlCase(
            When(about_a_case, then=F("object_id")), default=None, output_field=BigIntegerField()
        ),
        case_number=SqlCase(
            When(about_a_case, then=Subquery(number)), default=None, output_field=CharField()
        ),
    )


def unread_notices(user):
    """The user's unread notifications, of every kind (the menu's badge counts them)."""
    return Notification.objects.for_user(user).unread()


def case_links(user, ids) -> dict[int, tuple[str, str]]:
    """{case id: (URL of the case's page, its number)} for the cases among `ids` that the
    user may open: the `links` of the cases' kinds of notification (notices.kinds). One
    query."""
    ids = [pk for pk in ids if pk is not None]
    if not ids:
        return {}
    rows = Case.objects.visible_to(user).filter(pk__in=ids).values_list("pk", "number")
    return {pk: (reverse("cases:detail", args=[pk]), number) for pk, number in rows}


# --- likely duplicates ------------------------------------------------------------------

DUPLICATE_RADIUS_M = 50
DUPLICATE_WINDOW = datetime.timedelta(days=7)
# difflib's ratio of the two texts (letters and digits only). Reworded reports of one
# matter score 0.5 and more; different matters of one category 0.3 and less.
DUPLICATE_SIMILARITY = 0.4
DUPLICATES_SHOWN = 10
# Candidates read at most: a category's cases of two weeks around one place are few.
_CANDIDATES = 200
# The start of a text is enough to tell, and bounds the quadratic comparison.
_COMPARED_CHARACTERS = 500
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Duplicate:
    case: Case
    similarity: float
    distance_m: float | None  # None when either case has no point
    same_unit: bool


def _comparable(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())[:_COMPARED_CHARACTERS]


def text_similarity(a: str, b: str) -> float:
    a, b = _comparable(a), _comparable(b)
    if not a or not b:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.quick_ratio() < DUPLICATE_SIMILARITY:  # an upper bound, and cheap
        return 0.0
    return matcher.ratio()


def distance_m(lat1, lng1, lat2, lng2) -> float:
    """Equirectangular distance: exact enough at a few hundred metres."""
    phi = math.radians((float(lat1) + float(lat2)) / 2)
    dx = (float(lng2) - float(lng1)) * math.cos(phi)
    dy = float(lat2) - float(lat1)
    return math.hypot(dx, dy) * _METRES_PER_DEGREE


def likely_duplicates(case: Case, user=None) -> list[Duplicate]:
    """Open cases that may report the same matter as `case`: of the same category,
    reported within 7 days of it, within 50 m of its point or in its unit, with a similar
    text; the most similar first. Within the user's scope when a user is given (the merge
    takes only a case the dispatcher sees).

    The (category, reported_at) index finds the category's cases of those two weeks; a
    bounding box around the point (or the unit's code) narrows them before the texts are
    compared in Python."""
    place = Q()
    if len(case.area_code) == 18:  # the unit is known
        place |= Q(area_code=case.area_code)
    if case.lat is not None and case.lng is not None:
        lat, lng = float(case.lat), float(case.lng)
        dlat = DUPLICATE_RADIUS_M / _METRES_PER_DEGREE
        dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
        place |= Q(lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng))
    if not place:
        return []
    candidates = Case.objects.visible_to(user) if user is not None else Case.objects.all()
    candidates = (
        candidates.filter(
            place,
            category_id=case.category_id,
            reported_at__range=(
                case.reported_at - DUPLICATE_WINDOW,
                case.reported_at + DUPLICATE_WINDOW,
            ),
        )
        .exclude(pk=case.pk)
        .exclude(status__in=list(states.TERMINAL))
        .only("id", "number", "title", "text", "status", "area_code", "lat", "lng", "reported_at")
        .order_by("-reported_at", "-id")[:_CANDIDATES]
    )
    found = []
    for other in candidates:
        distance = None
        if None not in (case.lat, case.lng, other.lat, other.lng):
            distance = distance_m(case.lat, case.lng, other.lat, other.lng)
        same_unit = len(case.area_code) == 18 and other.area_code == case.area_code
        if not same_unit and (distance is None or distance > DUPLICATE_RADIUS_M):
            continue
        similarity = text_similarity(case.text, other.text)
        if similarity >= DUPLICATE_SIMILARITY:
            found.append(Duplicate(other, round(similarity, 2), distance, same_unit))
    found.sort(key=lambda d: (-d.similarity, d.distance_m or 0.0, -d.case.pk))
    return found[:DUPLICATES_SHOWN]
