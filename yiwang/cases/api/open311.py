"""Open311 GeoReport v2 at /open311/v2/: our categories as services, cases as service
requests. JSON only (no XML routes). Errors answer the spec's way:
`[{"code": <HTTP status>, "description": "..."}]`, one entry a problem.

- `services.json`: the active categories a case can be filed under (a parent with active
  sub-categories is only their `group`); `services/{code}.json`: no extra attributes.
- `requests.json` GET, `requests/{id}.json`: public; the residents' requests (and whatever
  came in through Open311), with public fields only: no reporter, no free text, the point
  rounded to about 100 m, the village as the address. Patrol reports stay internal.
- `requests.json` POST: an account's API token, the same token as /api/v1/: best in a
  header (`X-Api-Key: …` or `Authorization: Token …`), else as the spec's `api_key` field
  (never logged: the console masks `api_key=` in a query string); the case is filed as
  that account, within its scope, and its id is the `service_request_id`
  (/api/v1/cases/{id}/).

Our stages map onto open (reported, accepted, dispatched, in progress) and closed
(resolved, followed up, closed, rejected, merged); a reopened case is open again.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.accounts.auth import TokenAuthentication
from yiwang.areas.models import Area
from yiwang.cases import services
from yiwang.cases.models import Case, CaseKind, Category, Source, Status
from yiwang.cases.views.public import PLAIN_STATUS
from yiwang.core import validators
from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.scoping import is_area_code

OPEN = frozenset({Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS})
MAX_DAYS = 90  # the longest span one query may cover, and the default span
MAX_REQUESTS = 1000  # the most requests one query answers, newest first
POINT_DECIMALS = 3  # about 100 m: the neighbourhood, not the house

# Our services' field names in their errors, as the Open311 client calls them.
_FIELDS = {
    "category": "service_code",
    "text": "description",
    "location": "lat/long",
    "village": "address_id",
    "unit": "address_id",
    "address": "address_string",
    "reporter_name": "first_name/last_name",
    "phone": "phone",
    "title": "description",
}


class Open311Error(exceptions.APIException):
    def __init__(self, description: str, code: int = 400):
        self.status_code = code
        super().__init__(description)


def _fields(request) -> dict:
    """The posted fields: a form (the spec's way) or a JSON object."""
    data = request.data
    return data if isinstance(data, dict) else {}


class ApiKeyAuthentication(TokenAuthentication):
    """The account's API token sent in the `X-Api-Key` header, or as Open311's `api_key`
    parameter (in the body or the query string)."""

    def authenticate(self, request):
        key = (
            request.headers.get("X-Api-Key")
            or _fields(request).get("api_key")
            or request.query_params.get("api_key")
        )
        if not key:
            return None
        return self.authenticate_key(str(key).strip())


def _errors(exc) -> tuple[int, list[dict]] | None:
    """The spec's answer to an exception; None for a fault of ours (a 500, as anywhere)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return 400, [
                {"code": 400, "description": f"{_FIELDS.get(field, field)}: {message}"}
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        return 400, [{"code": 400, "description": str(m)} for m in exc.messages]
    if isinstance(exc, Http404 | exceptions.NotFound):
        return 404, [{"code": 404, "description": _("Not found.")}]
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # The spec's answer to a missing or wrong api_key.
        return 403, [
            {"code": 403, "description": _("A valid api_key is required to post a request.")}
        ]
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, dict):
            texts = [
                f"{k}: {m}" for k, v in detail.items() for m in (v if isinstance(v, list) else [v])
            ]
        elif isinstance(detail, list):
            texts = [str(m) for m in detail]
        else:
            texts = [str(detail)]
        return exc.status_code, [{"code": exc.status_code, "description": t} for t in texts]
    return None


class Open311View(APIView):
    """Public and JSON only; every error in the spec's list format."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]
    # Described by the GeoReport v2 spec, not by our OpenAPI schema.
    schema = None

    def handle_exception(self, exc):
        answer = _errors(exc)
        if answer is None:
            return super().handle_exception(exc)
        status, body = answer
        response = Response(body, status=status)
        response.exception = True
        return response


# --- services -----------------------------------------------------------------------------


def service_categories():
    """The categories a request can be filed under: active, and no parent of active ones."""
    return (
        Category.objects.filter(is_active=True)
        .exclude(children__is_active=True)
        .select_related("parent")
        .order_by("kind", "order", "code")
    )


def _duration(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        n = minutes // (24 * 60)
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
    if minutes % 60 == 0:
        n = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def service_notice(category: Category) -> str:
    return _("Accepted within %(accept)s; handled within %(resolve)s once assigned.") % {
        "accept": _duration(category.accept_minutes),
        "resolve": _duration(category.resolve_minutes),
    }


def _service(category: Category) -> dict:
    keywords = [str(category.get_kind_display())]
    if category.is_urgent:
        keywords.append(str(_("urgent")))
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": service_notice(category),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": category.parent.name if category.parent_id else category.name,
    }


class ServiceList(Open311View):
    def get(self, request):
        return Response([_service(c) for c in service_categories()])


class ServiceDefinition(Open311View):
    def get(self, request, code: str):
        if not service_categories().filter(code=code).exists():
            raise Http404
        return Response({"service_code": code, "attributes": []})


# --- requests -----------------------------------------------------------------------------


def public_requests():
    """The cases Open311 shows: residents' requests, and what came in through Open311."""
    return Case.objects.filter(
        Q(category__kind=CaseKind.REQUEST) | Q(source=Source.OPEN311)
    ).select_related("category", "assignee_department")


def _time(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _coordinate(value) -> float | None:
    return None if value is None else round(float(value), POINT_DECIMALS)


def _request(case: Case, names: dict[str, str]) -> dict:
    village, town = case.area_code[:12], case.area_code[:9]
    if case.assignee_department_id:
        agency = case.assignee_department.name
    else:
        agency = names.get(case.assignee_area_code, "")
    if case.status == Status.MERGED and case.merged_into_id:
        notes = _("Handled together with request %(id)d.") % {"id": case.merged_into_id}
    else:
        notes = str(PLAIN_STATUS[case.status])
    handling = case.status in (Status.DISPATCHED, Status.IN_PROGRESS)
    return {
        "service_request_id": case.pk,
        "status": "open" if case.status in OPEN else "closed",
        "status_notes": notes,
        "service_name": case.category.name,
        "service_code": case.category.code,
        # The reporter's own words may name people: not published.
        "description": None,
        "agency_responsible": agency or None,
        "service_notice": service_notice(case.category),
        "requested_datetime": _time(case.reported_at),
        "updated_datetime": _time(case.updated_at),
        "expected_datetime": _time(case.due_at) if handling else None,
        "address": f"{names.get(town, '')}{names.get(village, '')}" or None,
        "address_id": village,
        "zipcode": None,
        "lat": _coordinate(case.lat),
        "long": _coordinate(case.lng),
        # Photos: the public copy of the first one, once cases have attachments.
        "media_url": None,
    }


def _requests(cases) -> list[dict]:
    cases = list(cases)
    codes = set()
    for case in cases:
        codes.update({case.area_code[:9], case.area_code[:12], case.assignee_area_code})
    codes.discard("")
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    return [_request(case, names) for case in cases]


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _moment(name: str, value: str) -> datetime.datetime:
    moment = validators.read_datetime(value)
    if moment is None:
        day = validators.read_date(value)
        if day is not None:
            moment = datetime.datetime.combine(day, datetime.time.min)
    if moment is None:
        raise Open311Error(
            _("%(name)s: give a date and time such as 2026-03-01T08:00:00+08:00.") % {"name": name}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _span(params) -> tuple[datetime.datetime, datetime.datetime]:
    """start_date and end_date: at most MAX_DAYS apart; the last MAX_DAYS by default."""
    limit = datetime.timedelta(days=MAX_DAYS)
    start = _moment("start_date", params["start_date"]) if params.get("start_date") else None
    end = _moment("end_date", params["end_date"]) if params.get("end_date") else None
    if start is None and end is None:
        end = timezone.now()
    start = start or end - limit
    end = end or start + limit
    if end < start:
        raise Open311Error(_("end_date is before start_date."))
    if end - start > limit:
        raise Open311Error(
            _("start_date and end_date may be at most %(n)d days apart.") % {"n": MAX_DAYS}
        )
    return start, end


def _location(data) -> dict:
    """Where the request lies, in the intake service's terms: a point, or the code of a
    village or unit as `address_id`. We cannot geocode a bare address_string."""
    lat, lng = data.get("lat"), data.get("long")
    address_id = str(data.get("address_id") or "").strip()
    if lat not in (None, "") or lng not in (None, ""):
        return {"lat": lat, "lng": lng}
    if address_id:
        if is_area_code(address_id) and len(address_id) == 12:
            return {"village_code": address_id}
        if is_area_code(address_id) and len(address_id) == 18:
            return {"unit_code": address_id}
        raise Open311Error(
            _("address_id: give the 12-digit code of a village or the 18-digit code of a unit.")
        )
    if data.get("address_string"):
        raise Open311Error(
            _(
                "address_string alone cannot be placed: give lat and long, or address_id (the "
                "code of a village or unit)."
            )
        )
    raise Open311Error(_("Say where it is: lat and long, or address_id."))


def _name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"  # a Chinese name: the family name first, no space
    return " ".join(part for part in (first, last) if part)


class RequestList(Open311View):
    def get_authenticators(self):
        # Only a POST names an account; a GET is public and ignores any key it carries.
        if self.request.method == "POST":
            return [ApiKeyAuthentication(), TokenAuthentication()]
        return []

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.IsAuthenticated()]
        return []

    def get(self, request):
        params = request.query_params
        cases = public_requests()
        if params.get("service_request_id"):
            # The spec: a list of ids overrides every other parameter.
            ids = _list(params["service_request_id"])
            if not all(validators.read_id(i) is not None for i in ids):
                raise Open311Error(_("service_request_id: give ids separated by commas."))
            cases = cases.filter(pk__in=[validators.read_id(i) for i in ids])
        else:
            start, end = _span(params)
            cases = cases.filter(reported_at__gte=start, reported_at__lte=end)
            if params.get("service_code"):
                codes = _list(params["service_code"])
                known = set(
                    service_categories().filter(code__in=codes).values_list("code", flat=True)
                )
                unknown = [c for c in codes if c not in known]
                if unknown:
                    raise Open311Error(
                        _("Unknown service_code: %(codes)s. services.json lists the services.")
                        % {"codes": ", ".join(unknown)}
                    )
                cases = cases.filter(category__code__in=codes)
            if params.get("status"):
                wanted = set(_list(params["status"]))
                if not wanted <= {"open", "closed"}:
                    raise Open311Error(_("status: open, closed, or both separated by a comma."))
                if wanted == {"open"}:
                    cases = cases.filter(status__in=OPEN)
                elif wanted == {"closed"}:
                    cases = cases.exclude(status__in=OPEN)
        return Response(_requests(cases.order_by("-reported_at", "-id")[:MAX_REQUESTS]))

    def post(self, request):
        data = _fields(request)
        code = str(data.get("service_code") or "").strip()
        if not code:
            raise Open311Error(_("service_code is required: services.json lists the services."))
        category = service_categories().filter(code=code).first()
        if category is None:
            raise Open311Error(
                _("Unknown service_code: %(codes)s. services.json lists the services.")
                % {"codes": code}
            )
        place = _location(data)
        with audit_source(AuditSource.API):
            case = services.record_hotline_call(
                actor=request.user,
                source=Source.OPEN311,
                category=code,
                text=str(data.get("description") or ""),
                phone=str(data.get("phone") or ""),
                name=_name(str(data.get("first_name") or ""), str(data.get("last_name") or "")),
                address=str(data.get("address_string") or ""),
                **place,
            )
        # Photos (media_url) are not fetched: county intranets have no internet.
        return Response(
            [
                {
                    "service_request_id": case.pk,
                    "service_notice": service_notice(category),
                    "account_id": None,
                }
            ]
        )


class RequestDetail(Open311View):
    def get(self, request, request_id: int):
        case = public_requests().filter(pk=request_id).first()
        if case is None:
            raise Http404
        return Response(_requests([case]))
