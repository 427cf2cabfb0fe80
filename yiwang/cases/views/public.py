"""The public pages of cases, for residents with no account: sending a request, following
it with its tracking code and rating it, and the village map the request form draws.

Floods are held back per client address (Django's cache, fixed windows): the request form
answers at most CASES_PUBLIC_POST_LIMIT posts and creates at most
CASES_PUBLIC_REQUEST_LIMIT cases, the tracking page answers at most
CASES_PUBLIC_LOOKUP_LIMIT look-ups and CASES_PUBLIC_MISS_LIMIT unknown codes; past a
limit the answer is 429 with a page saying when to try again, and nothing is done. The
form's challenge is in yiwang.cases.forms.public.

What the public sees of a case is chosen here: its category, its stage in plain words, a
timeline without names, notes only where they are meant for the reporter (the reason of
a rejection, the result), the phone number masked.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import time

import shapely
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from shapely.geometry import mapping, shape

from yiwang.areas.models import Area, Level
from yiwang.cases import services
from yiwang.cases.forms.public import (
    PublicRequestForm,
    RatingForm,
    TrackForm,
    issue_challenge,
)
from yiwang.cases.models import (
    Case,
    CaseEvent,
    Department,
    EventKind,
    Satisfaction,
    Source,
    Status,
)
from yiwang.core import photos as photo_files
from yiwang.core.forms import add_service_error
from yiwang.core.net import client_ip
from yiwang.core.scoping import is_area_code

# --- flood limits -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Limit:
    """At most `count` events per client in a window of `seconds` (settings override the
    default as (count, seconds)). Fixed windows: one counter a window, an atomic add and
    increment in the cache; across a window's edge a client gets at most twice the count."""

    name: str
    setting: str
    default: tuple[int, int]

    def _window(self) -> tuple[str, int, int]:
        count, seconds = getattr(settings, self.setting, self.default)
        now = int(time.time())
        return f"{now // seconds}", count, seconds - now % seconds

    def _key(self, client: str, window: str) -> str:
        return f"cases:public:{self.name}:{client}:{window}"

    def wait(self, client: str) -> int:
        """Seconds until the client may try again; 0 when under the limit."""
        window, count, left = self._window()
        return left if (cache.get(self._key(client, window)) or 0) >= count else 0

    def count(self, client: str) -> None:
        window, _count, left = self._window()
        key = self._key(client, window)
        cache.add(key, 0, left + 1)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, left + 1)


POSTS = Limit("post", "CASES_PUBLIC_POST_LIMIT", (20, 600))
REQUESTS = Limit("request", "CASES_PUBLIC_REQUEST_LIMIT", (5, 600))
LOOKUPS = Limit("lookup", "CASES_PUBLIC_LOOKUP_LIMIT", (60, 600))
MISSES = Limit("miss", "CASES_PUBLIC_MISS_LIMIT", (10, 600))


def client_key(request) -> str:
    """Whom the limits count: the client's address, an IPv6 client by its /64 (one
    household or phone holds a whole /64). X-Forwarded-For is believed only behind the
    proxy (BEHIND_PROXY), as for login throttling; otherwise a client could pick it."""
    address = client_ip(request) if settings.BEHIND_PROXY else request.META.get("REMOTE_ADDR")
    try:
        ip = ipaddress.ip_address(str(address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(getattr(ip, "ipv4_mapped", None) or ip)


def _wait(client: str, *limits: Limit) -> int:
    return max(limit.wait(client) for limit in limits)


def _throttled(request, seconds: int):
    minutes = max(1, (seconds + 59) // 60)
    response = render(request, "cases/public_throttled.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    return response


# --- what the public sees -----------------------------------------------------------------

# The stage of a case in plain words.
PLAIN_STATUS = {
    Status.REPORTED: gettext_lazy("Received, waiting to be accepted"),
    Status.ACCEPTED: gettext_lazy("Accepted, being assigned"),
    Status.DISPATCHED: gettext_lazy("Assigned, waiting to be handled"),
    Status.IN_PROGRESS: gettext_lazy("Being handled"),
    Status.RESOLVED: gettext_lazy("Handled, waiting for your rating"),
    Status.FOLLOWED_UP: gettext_lazy("Handled and rated"),
    Status.CLOSED: gettext_lazy("Finished"),
    Status.REJECTED: gettext_lazy("Not accepted"),
    Status.MERGED: gettext_lazy("Handled together with the same matter reported by others"),
}

# The events the public timeline shows; the others (returns, extensions, reminders,
# escalation, supervision) are the offices' own business.
_PUBLIC_EVENTS = {
    EventKind.REPORTED: gettext_lazy("Request received"),
    EventKind.ACCEPTED: gettext_lazy("Accepted"),
    EventKind.REJECTED: gettext_lazy("Not accepted"),
    EventKind.MERGED: gettext_lazy("Handled together with the same matter reported by others"),
    EventKind.DISPATCHED: gettext_lazy("Assigned to %(agency)s"),
    EventKind.STARTED: gettext_lazy("Handling started"),
    EventKind.RESOLVED: gettext_lazy("Handled"),
    EventKind.FOLLOWED_UP: gettext_lazy("Rated: %(satisfaction)s"),
    EventKind.REOPENED: gettext_lazy("Taken up again"),
    EventKind.CLOSED: gettext_lazy("Finished"),
}


@dataclasses.dataclass
class PublicEvent:
    at: datetime.datetime
    label: str
    note: str = ""
    kind: str = ""


def _agency_names(events) -> tuple[dict, dict]:
    dispatched = [e.data for e in events if e.kind == EventKind.DISPATCHED]
    codes = {d["area_code"] for d in dispatched if d.get("area_code")}
    departments = {d["department"] for d in dispatched if d.get("department")}
    areas = dict(Area.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    offices = (
        dict(Department.objects.filter(code__in=departments).values_list("code", "name"))
        if departments
        else {}
    )
    return areas, offices


def public_timeline(case: Case) -> list[PublicEvent]:
    """The case's timeline as the reporter sees it: no names of staff, no internal notes."""
    events = list(
        CaseEvent.objects.filter(case=case, kind__in=list(_PUBLIC_EVENTS)).order_by("at", "id")
    )
    areas, offices = _agency_names(events)
    timeline = []
    for event in events:
        label = _PUBLIC_EVENTS[event.kind]
        note = ""
        if event.kind == EventKind.DISPATCHED:
            agency = offices.get(event.data.get("department")) or areas.get(
                event.data.get("area_code")
            )
            label = label % {"agency": agency or _("the office in charge")}
        elif event.kind == EventKind.FOLLOWED_UP:
            satisfaction = event.data.get("satisfaction", "")
            label = label % {"satisfaction": _satisfaction_label(satisfaction)}
            if event.data.get("reopened"):
                note = _("Not satisfied: the request is handled again.")
        elif event.kind == EventKind.REJECTED:
            note = event.note  # the reason, written for the reporter
        timeline.append(PublicEvent(at=event.at, label=str(label), note=note, kind=event.kind))
    return timeline


@dataclasses.dataclass
class Step:
    label: str
    at: datetime.datetime | None  # when it was reached; None while still ahead
    current: bool = False


# The steps a request goes through, as the tracking page lists them: (the event that
# reaches the step, its label, how far a case at each stage has come).
_STEPS = [
    (EventKind.REPORTED, gettext_lazy("Received")),
    (EventKind.ACCEPTED, gettext_lazy("Accepted")),
    (EventKind.DISPATCHED, gettext_lazy("Assigned")),
    (EventKind.STARTED, gettext_lazy("Being handled")),
    (EventKind.RESOLVED, gettext_lazy("Handled")),
    (EventKind.CLOSED, gettext_lazy("Finished")),
]
_STEPS_DONE = {
    Status.REPORTED: 1,
    Status.ACCEPTED: 2,
    Status.DISPATCHED: 3,
    Status.IN_PROGRESS: 4,
    Status.RESOLVED: 5,
    Status.FOLLOWED_UP: 5,
    Status.CLOSED: 6,
}


def public_steps(case: Case, timeline: list[PublicEvent]) -> list[Step]:
    """Each step of the request, reached or still ahead, with the time it was last reached
    (a request handled again goes through its steps again). A request not accepted, or
    handled together with another, ends after its first step with that answer."""
    events = {event.kind: event.at for event in timeline}  # the last of each kind
    if case.status in (Status.REJECTED, Status.MERGED):
        last = EventKind.REJECTED if case.status == Status.REJECTED else EventKind.MERGED
        return [
            Step(str(_STEPS[0][1]), events.get(EventKind.REPORTED)),
            Step(str(_PUBLIC_EVENTS[last]), events.get(last), current=True),
        ]
    done = _STEPS_DONE[case.status]
    return [
        Step(str(label), events.get(kind) if index < done else None, current=index == done - 1)
        for index, (kind, label) in enumerate(_STEPS)
    ]


def _satisfaction_label(value: str) -> str:
    return str(Satisfaction(value).label) if value in Satisfaction.values else ""


def grouped_code(code: str) -> str:
    """K7M4 Q9XP (and the older ABCD EFGH JKLM NPQR STUV): easier to copy down and read
    out."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _find(code: str) -> Case | None:
    """The case of a clean tracking code (TrackForm's), or None."""
    code = services.clean_tracking_code(code)
    if not code:
        return None
    return (
        Case.objects.select_related("category", "category__parent", "merged_into")
        .filter(tracking_code=code)
        .first()
    )


def _may_rate(case: Case) -> bool:
    return (
        case.status == Status.RESOLVED
        and case.source != Source.PATROL
        and not services.resident_has_rated(case)
    )


def _track_context(case: Case, rating_form: RatingForm | None = None) -> dict:
    village = Area.objects.filter(code=case.area_code[:12]).values_list("name", flat=True).first()
    shown = case.merged_into if case.status == Status.MERGED and case.merged_into else case
    may_rate = _may_rate(case)
    timeline = public_timeline(case)
    return {
        "case": case,
        "code": grouped_code(case.tracking_code),
        "plain_status": PLAIN_STATUS[case.status],
        "village": village or "",
        "timeline": timeline,
        "steps": public_steps(case, timeline),
        # A merged request is handled as the other: its stage and result are the answer.
        "merged_status": PLAIN_STATUS[shown.status] if shown is not case else "",
        "result": shown.result
        if shown.status in (Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED)
        else "",
        # A form that came back with errors keeps them; none once rating is not possible.
        "rating_form": (rating_form or RatingForm(initial={"code": case.tracking_code}))
        if may_rate
        else None,
    }


# --- pages --------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def request_page(request):
    """A resident's request: no account; a tracking code back."""
    form = PublicRequestForm()
    if request.method == "POST":
        client = client_key(request)
        wait = _wait(client, POSTS, REQUESTS)
        if wait:
            return _throttled(request, wait)
        POSTS.count(client)
        form = PublicRequestForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                # Read only past the challenge, and before the transaction: decoding takes
                # a while. Every piece of metadata goes, the GPS position with it.
                photos = photo_files.read_photos(form.cleaned_data["photos"])
                case = services.submit_request(**form.service_values(), photos=photos)
            except ValidationError as exc:
                add_service_error(
                    form, exc, {"location": None, "village_code": "village", "files": "photos"}
                )
            else:
                REQUESTS.count(client)
                context = {"case": case, "code": grouped_code(case.tracking_code)}
                return render(request, "cases/public_request_done.html", context)
    # Every page gets a fresh question: one that was answered (or seen by a script) is spent.
    context = {
        "form": form,
        "challenge": issue_challenge(),
        # A page that comes back cannot keep the chosen files: the resident picks them again.
        "photos_dropped": bool(request.method == "POST" and request.FILES.getlist("photos")),
    }
    return render(request, "cases/public_request.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def track_page(request):
    """The tracking code in a form (POST, so that it stays out of addresses and logs);
    the case as the public sees it, or one neutral answer for any code that finds none."""
    form = TrackForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        return render(request, "cases/public_track.html", {"form": form})
    client = client_key(request)
    wait = _wait(client, LOOKUPS, MISSES)
    if wait:
        return _throttled(request, wait)
    LOOKUPS.count(client)
    case = _find(form.cleaned_data["code"])
    if case is None:
        MISSES.count(client)
        return _not_found(request, form)
    return render(
        request,
        "cases/public_track.html",
        {"form": TrackForm(initial={"code": case.tracking_code}), **_track_context(case)},
    )


def _not_found(request, form):
    form.add_error(
        "code",
        _("No request was found for this code. Check the code you were given and type it again."),
    )
    return render(request, "cases/public_track.html", {"form": form}, status=404)


@never_cache
@require_POST
def rate(request):
    """The resident's rating of a resolved request, once."""
    form = RatingForm(request.POST)
    client = client_key(request)
    wait = _wait(client, LOOKUPS, MISSES)
    if wait:
        return _throttled(request, wait)
    LOOKUPS.count(client)
    case = _find(request.POST.get("code", ""))
    if case is None:
        MISSES.count(client)
        return _not_found(request, TrackForm(request.POST))
    if form.is_valid():
        try:
            case = services.rate_by_resident(
                tracking_code=case.tracking_code,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except services.Conflict as exc:
            messages.warning(request, exc.message)
            form = None
        except ValidationError as exc:
            add_service_error(form, exc, {"note": "comment"})
        except Http404:
            MISSES.count(client)
            return _not_found(request, TrackForm(request.POST))
        else:
            messages.success(request, _("Thank you: your rating was recorded."))
            form = None
        case = Case.objects.select_related("category", "merged_into").get(pk=case.pk)
    context = {"form": TrackForm(initial={"code": case.tracking_code})}
    context.update(_track_context(case, form if form is not None and form.errors else None))
    return render(request, "cases/public_track.html", context)


@require_GET
def villages_map(request):
    """The county's public geography as GeoJSON, the base layer of the request form's map
    (county intranets have no tile server): the open towns' boundaries with their names,
    or with ?town=CODE that town's open villages. A town drawn by no boundary of its own
    is drawn as the union of its villages'. Kept in the cache until a boundary changes."""
    town = request.GET.get("town", "")
    if town and not (len(town) == 9 and is_area_code(town)):
        return JsonResponse({"type": "FeatureCollection", "features": []}, status=400)
    areas = Area.objects.open().filter(level__in=[Level.TOWN, Level.VILLAGE])
    stamp = areas.aggregate(n=Count("id"), changed=Max("updated_at"))
    changed = stamp["changed"].timestamp() if stamp["changed"] else 0
    key = f"cases:public:map:{town or 'towns'}:{stamp['n']}:{changed}"
    collection = cache.get(key)
    if collection is None:
        features = _village_features(areas, town) if town else _town_features(areas)
        collection = {"type": "FeatureCollection", "features": features}
        cache.set(key, collection, 3600)
    response = JsonResponse(collection)
    response["Cache-Control"] = "public, max-age=600"
    return response


def _feature(code: str, name: str, level: str, boundary: dict, **properties) -> dict:
    return {
        "type": "Feature",
        "geometry": boundary,
        "properties": {"code": code, "name": name, "level": level, **properties},
    }


def _village_features(areas, town: str) -> list[dict]:
    town_name = areas.filter(code=town, level=Level.TOWN).values_list("name", flat=True).first()
    if town_name is None:
        return []
    villages = areas.filter(level=Level.VILLAGE, code__startswith=town, boundary__isnull=False)
    return [
        _feature(code, name, Level.VILLAGE, boundary, town=town_name)
        for code, name, boundary in villages.order_by("code").values_list(
            "code", "name", "boundary"
        )
    ]


def _town_features(areas) -> list[dict]:
    towns = list(
        areas.filter(level=Level.TOWN).order_by("code").values_list("code", "name", "boundary")
    )
    drawn: dict[str, list] = {}
    for code, boundary in areas.filter(level=Level.VILLAGE, boundary__isnull=False).values_list(
        "code", "boundary"
    ):
        drawn.setdefault(code[:9], []).append(boundary)
    features = []
    for code, name, boundary in towns:
        if not boundary and drawn.get(code):
            union = shapely.union_all([shape(b) for b in drawn[code]])
            boundary = mapping(union.simplify(0.0005))
        if boundary:
            features.append(_feature(code, name, Level.TOWN, boundary))
    return features
