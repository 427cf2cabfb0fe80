"""Every write to cases: intake from each source, and one service per transition of the
state machine (yiwang.cases.states). Each is atomic, checked against the actor's posts,
written with a conditional UPDATE, audited, and shown in the case's timeline.

`actor=None` is the operator at the command line or a background task, who may do all
(the public request page passes no actor and is limited to `submit_request`).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Length
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.geometry import unit_locator
from yiwang.areas.models import Area, Level
from yiwang.cases import attachments as attachment_files
from yiwang.cases import states
from yiwang.cases.models import (
    NAME_MAX,
    NOTE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AssigneeLevel,
    Attachment,
    AttachmentStage,
    Case,
    CaseEvent,
    CaseKind,
    Category,
    Department,
    EventKind,
    HandlingLevel,
    Notice,
    NoticeKind,
    Satisfaction,
    Source,
    Status,
)
from yiwang.core import audit, validators
from yiwang.core.bulk import bulk_writing, db_value, insert_rows
from yiwang.core.models import AuditEntry
from yiwang.registry.models import Household

ADDRESS_MAX = 200
EXTENSION_MAX_HOURS = 30 * 24
_LEVEL_BY_LENGTH = {
    18: AssigneeLevel.UNIT,
    15: AssigneeLevel.GRID,
    12: AssigneeLevel.VILLAGE,
    9: AssigneeLevel.TOWN,
    6: AssigneeLevel.COUNTY,
}
# Unambiguous when read out on the phone: no 0/O, 1/I/L.
_TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_CODE_LENGTH = 20  # about 99 bits: not guessable, even at many tries a second


class Conflict(Exception):
    """The action is not valid in the case's current state: someone else acted first, or
    the case has moved on. Carries the state as it is now (the API answers 409 with it)."""

    def __init__(self, case: Case, message: str = ""):
        self.status = case.status
        self.version = case.version
        self.message = message or _(
            "This action is no longer possible: the case is now “%(status)s”. Reload the "
            "case to see what changed."
        ) % {"status": case.get_status_display()}
        super().__init__(self.message)


# --- input ----------------------------------------------------------------------------


def _strip_controls(text: str) -> str:
    # NUL and the other control characters come from pasted text and break PostgreSQL.
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(value, *, field: str, limit: int, required: bool, errors: dict) -> str:
    """Text as typed, kept as text (never interpreted as HTML): line breaks kept, each
    line tidied like any one-line field, at most one empty line in a row."""
    text = _strip_controls(str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(validators.normalize_text(line) for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    _check_length(text, field=field, limit=limit, required=required, errors=errors)
    return text


def clean_line(value, *, field: str, limit: int, required: bool, errors: dict) -> str:
    text = validators.normalize_text(_strip_controls(str(value or "")))
    _check_length(text, field=field, limit=limit, required=required, errors=errors)
    return text


def _check_length(text: str, *, field: str, limit: int, required: bool, errors: dict) -> None:
    if required and not text:
        errors.setdefault(field, []).append(_("This field cannot be empty."))
    elif len(text) > limit:
        errors.setdefault(field, []).append(
            _("At most %(limit)d characters; this has %(n)d.") % {"limit": limit, "n": len(text)}
        )


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _note(value, *, field: str = "note", required: bool = False) -> str:
    errors: dict = {}
    note = clean_text(value, field=field, limit=NOTE_MAX, required=required, errors=errors)
    _raise(errors)
    return note


def _category(code, errors: dict) -> Category | None:
    category = None
    if code:
        category = Category.objects.filter(code=str(code).strip(), is_active=True).first()
    if category is None:
        errors.setdefault("category", []).append(
            _("Unknown category: choose one of the list of case categories.")
        )
    return category


def _coordinate(value, *, low: int, high: int) -> decimal.Decimal | None:
    try:
        number = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        return None
    if not number.is_finite() or not low <= number <= high:
        return None
    return number.quantize(decimal.Decimal("0.000001"))


def _tracking_code() -> str:
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _i in range(TRACKING_CODE_LENGTH))


def _actor_name(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return str(actor)[:150]


# --- where a case lies ------------------------------------------------------------------


@dataclass
class _Place:
    area_code: str
    unit: Area | None
    household: Household | None
    lat: decimal.Decimal | None
    lng: decimal.Decimal | None


def _open_area(code, level: str, actor) -> Area | None:
    """An open area of the level, within the actor's scope (any, for the public)."""
    code = str(code or "").strip()
    if not code.isdigit():
        return None
    area = Area.objects.open().filter(code=code, level=level).first()
    if area is None or (actor is not None and not scope.in_scope(actor, code)):
        return None
    return area


def _place(
    actor, *, lat, lng, unit_code, village_code, household_id, errors: dict
) -> _Place | None:
    """The deepest area the case is known to lie in: the linked household's unit, the
    unit that contains the point, the unit given, or the village given — in that order.
    Staff can only place a case in their own scope."""
    point_lat = point_lng = None
    if lat not in (None, "") or lng not in (None, ""):
        point_lat = _coordinate(lat, low=-90, high=90)
        point_lng = _coordinate(lng, low=-180, high=180)
        if point_lat is None or point_lng is None:
            errors.setdefault("location", []).append(
                _("Give both latitude and longitude, as decimal degrees (WGS 84).")
            )
            return None

    household = None
    if household_id not in (None, ""):
        if actor is not None and str(household_id).strip().isdigit():
            household = (
                Household.objects.visible_to(actor)
                .select_related("unit")
                .filter(pk=int(household_id))
                .first()
            )
        if household is None:
            errors.setdefault("household", []).append(_("There is no such household in your area."))
            return None

    located = None
    if point_lat is not None:
        code = unit_locator().locate(float(point_lng), float(point_lat))
        located = Area.objects.open().filter(code=code).first() if code else None

    unit = village = None
    if unit_code:
        unit = _open_area(unit_code, Level.UNIT, actor)
        if unit is None:
            errors.setdefault("unit", []).append(
                _("There is no open unit with this code in your area.")
            )
            return None
    if village_code:
        village = _open_area(village_code, Level.VILLAGE, actor)
        if village is None:
            errors.setdefault("village", []).append(
                _("There is no open village with this code in your area.")
            )
            return None

    if household is not None:
        unit = household.unit
    elif located is not None:
        unit = located
    if unit is not None:
        area_code = unit.code
    elif village is not None:
        area_code = village.code
    else:
        if point_lat is not None:
            errors.setdefault("location", []).append(
                _(
                    "The point lies outside every unit of the county: check it on the map, "
                    "or choose the village."
                )
            )
        else:
            errors.setdefault("location", []).append(
                _("Say where it is: a point on the map, a unit, or a village.")
            )
        return None
    if actor is not None and not scope.in_scope(actor, area_code):
        errors.setdefault("location", []).append(
            _("The point lies outside your area: the case belongs to the area where it happened.")
        )
        return None
    return _Place(area_code, unit, household, point_lat, point_lng)


# --- intake ------------------------------------------------------------------------------


def _create(
    *,
    actor,
    source: str,
    category,
    text,
    title,
    lat,
    lng,
    unit_code,
    village_code,
    household_id,
    address,
    reporter_name,
    phone,
    phone_required: bool,
    photos=(),
    stored: list[str] | None = None,
    client_uuid=None,
) -> Case:
    if actor is not None:
        scope.recheck(actor)
    errors: dict = {}
    found = _category(category, errors)
    text = clean_text(text, field="text", limit=TEXT_MAX, required=True, errors=errors)
    title = clean_line(title, field="title", limit=TITLE_MAX, required=False, errors=errors)
    address = clean_line(address, field="address", limit=ADDRESS_MAX, required=False, errors=errors)
    reporter_name = clean_line(
        reporter_name, field="reporter_name", limit=NAME_MAX, required=False, errors=errors
    )
    try:
        phone = validators.clean_phone(phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)
        phone = ""
    else:
        if phone_required and not phone:
            errors.setdefault("phone", []).append(
                _("Give a phone number, so that the case can be followed up with you.")
            )
    place = _place(
        actor,
        lat=lat,
        lng=lng,
        unit_code=unit_code,
        village_code=village_code,
        household_id=household_id,
        errors=errors,
    )
    _raise(errors)

    now = timezone.now()
    village = place.area_code[:12]
    case = Case(
        category=found,
        source=source,
        title=title or text.split("\n", 1)[0][:30],
        text=text,
        address=address,
        reporter=actor if source == Source.PATROL else None,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        reporter_name=reporter_name,
        phone=phone,
        lat=place.lat,
        lng=place.lng,
        unit=place.unit,
        household=place.household,
        area_code=place.area_code,
        status=Status.REPORTED,
        dispatcher_area_code=village,
        assignee_level=AssigneeLevel.VILLAGE,
        assignee_area_code=village,
        is_urgent=found.is_urgent,
        reported_at=now,
        tracking_code=_tracking_code(),
        client_uuid=client_uuid,
    )
    case.due_at = states.stage_due(case, Status.REPORTED, now)
    case.save()
    # The number shows the day and the row: readable on the phone, unique without a lock.
    case.number = f"{timezone.localtime(now):%Y%m%d}-{case.pk:06d}"
    Case.objects.filter(pk=case.pk).update(number=case.number)
    event = CaseEvent.objects.create(
        case=case,
        kind=EventKind.REPORTED,
        to_status=Status.REPORTED,
        actor=case.created_by,
        actor_name=_actor_name(actor) or reporter_name,
        at=now,
        data={"source": source},
    )
    audit.record(actor=actor, action="case.create", obj=case, after=audit.snapshot(case))
    _store_photos(
        actor=actor,
        case=case,
        event=event,
        stage=AttachmentStage.REPORT,
        photos=photos,
        now=now,
        stored=stored,
    )
    return case


def report_case(
    *,
    actor,
    category: str,
    text: str,
    title: str = "",
    lat=None,
    lng=None,
    unit_code: str = "",
    household_id: int | None = None,
    address: str = "",
    photos=(),
    client_uuid=None,
) -> Case:
    """A grid worker's patrol report: the unit comes from the point (or the household, or
    the unit given); a household of the ledger in the worker's scope may be linked.
    `photos`, read by attachments.read_photos before, go with the report's timeline entry.
    `client_uuid`, made by the phone, is stored with it (see report_case_once)."""
    with _removed_on_failure() as stored, transaction.atomic():
        return _create(
            actor=actor,
            source=Source.PATROL,
            category=category,
            text=text,
            title=title,
            lat=lat,
            lng=lng,
            unit_code=unit_code,
            village_code="",
            household_id=household_id,
            address=address,
            reporter_name=_actor_name(actor)[:NAME_MAX],
            phone="",
            phone_required=False,
            photos=photos,
            stored=stored,
            client_uuid=client_uuid,
        )


def report_case_once(*, actor, client_uuid, **fields) -> tuple[Case, bool]:
    """report_case, idempotent on the client's UUID: the report a phone sends again (its
    answer lost, or queued offline and sent twice) answers the case already stored, and
    (case, False); else (the new case, True). Two sendings at once store one case: the
    unique constraint refuses the second, which then reads the first. A UUID another
    user's report carries is refused."""
    try:
        with transaction.atomic():
            return report_case(actor=actor, client_uuid=client_uuid, **fields), True
    except IntegrityError:
        stored = Case.objects.filter(client_uuid=client_uuid).first()
        if stored is None:
            raise
    return _same_reporter(actor, stored), False


def stored_report(*, actor, client_uuid) -> Case | None:
    """The case reported with this client UUID, or None: checked before anything is
    validated, so that a report sent again is answered as it was the first time."""
    stored = Case.objects.filter(client_uuid=client_uuid).first()
    return None if stored is None else _same_reporter(actor, stored)


def _same_reporter(actor, case: Case) -> Case:
    if case.reporter_id != getattr(actor, "pk", None):
        raise ValidationError({"uuid": [_("This UUID belongs to another report.")]})
    return case


def submit_request(
    *,
    category: str,
    text: str,
    phone: str,
    name: str = "",
    title: str = "",
    lat=None,
    lng=None,
    village_code: str = "",
    address: str = "",
    photos=(),
) -> Case:
    """A resident's request with no account (the public page): a point on the map or a
    village, a phone number to follow up, photos if they like (read by
    attachments.read_photos, which drops their GPS position). The case's tracking code goes
    back to them. Flood protection (rate limit, challenge) is the page's business."""
    with _removed_on_failure() as stored, transaction.atomic():
        return _create(
            actor=None,
            source=Source.PUBLIC,
            category=category,
            text=text,
            title=title,
            lat=lat,
            lng=lng,
            unit_code="",
            village_code=village_code,
            household_id=None,
            address=address,
            reporter_name=name,
            phone=phone,
            phone_required=True,
            photos=photos,
            stored=stored,
        )


def record_hotline_call(
    *,
    actor,
    category: str,
    text: str,
    phone: str = "",
    name: str = "",
    title: str = "",
    lat=None,
    lng=None,
    unit_code: str = "",
    village_code: str = "",
    household_id: int | None = None,
    address: str = "",
    source: str = Source.HOTLINE,
    photos=(),
) -> Case:
    """A request taken by staff: a hotline call, or (with `source`) one that another
    system sends through the API. The caller needs no account. `photos` as for
    report_case."""
    if source not in (Source.HOTLINE, Source.API, Source.OPEN311):
        raise ValidationError({"source": [_("Unknown source.")]})
    with _removed_on_failure() as stored, transaction.atomic():
        return _create(
            actor=actor,
            source=source,
            category=category,
            text=text,
            title=title,
            lat=lat,
            lng=lng,
            unit_code=unit_code,
            village_code=village_code,
            household_id=household_id,
            address=address,
            reporter_name=name,
            phone=phone,
            phone_required=False,
            photos=photos,
            stored=stored,
        )


# --- transitions: the common steps ------------------------------------------------------


def _load(actor, case_id) -> Case:
    """The case within the actor's scope, after re-reading (and locking) their posts.
    Not locked itself: the write is conditional on the state read here."""
    queryset = Case.objects.select_related("category", "assignee_department")
    if actor is not None:
        scope.recheck(actor)
        states.forget_departments(actor)
        queryset = queryset.visible_to(actor)
    case = queryset.filter(pk=case_id).first()
    if case is None:
        raise Http404(_("Not found."))
    return case


def _begin(actor, case_id, action: str) -> Case:
    """404 outside the scope, Conflict when the action is not valid in the case's state,
    403 when the actor's posts do not allow it."""
    case = _load(actor, case_id)
    if not states.can_happen(action, case):
        raise Conflict(case)
    if actor is not None and not states.may(actor, action, case):
        raise PermissionDenied(_("Your posts do not allow this action on this case."))
    return case


def _commit(
    actor,
    case: Case,
    action: str,
    kind: str,
    *,
    now: datetime.datetime,
    changes: dict,
    note: str = "",
    data: dict | None = None,
    version: int | None = None,
    to_status: str | None = None,
) -> Case:
    """Writes the transition if the case is still as it was read (same stage and version,
    or the version the client saw): one conditional UPDATE, so that of two people acting
    at once exactly one succeeds. Then the timeline and the audit log."""
    before_status = case.status
    target = to_status or states.TRANSITIONS[action].target or before_status
    values = {"status": target, **changes}
    expected = case.version if version is None else version
    updated = Case.objects.filter(pk=case.pk, status=before_status, version=expected).update(
        version=F("version") + 1, updated_at=now, **values
    )
    if not updated:
        current = Case.objects.filter(pk=case.pk).first()
        if current is None:
            raise Http404(_("Not found."))
        raise Conflict(current)
    before = {name: getattr(case, name) for name in values}
    before["version"] = expected
    for name, value in values.items():
        setattr(case, name, value)
    case.version = expected + 1
    case.updated_at = now
    CaseEvent.objects.create(
        case=case,
        kind=kind,
        from_status=before_status,
        to_status=target if target != before_status else "",
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=_actor_name(actor),
        note=note,
        at=now,
        data=data or {},
    )
    # Notices to the people concerned will be queued here, on commit (one place for all).
    audit.record(
        actor=actor,
        action=f"case.{action}",
        obj=case,
        before=before,
        after={**values, "version": case.version},
    )
    return case


def _level_of(code: str) -> str:
    return _LEVEL_BY_LENGTH[len(code)]


# --- transitions ----------------------------------------------------------------------


@transaction.atomic
def accept(*, actor, case_id: int, note: str = "", version: int | None = None) -> Case:
    """The dispatching level takes the case on: reported → accepted."""
    case = _begin(actor, case_id, "accept")
    note = _note(note)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "accept",
        EventKind.ACCEPTED,
        now=now,
        note=note,
        version=version,
        changes={
            "accepted_at": now,
            "responded_on_time": states.responded_in_time(case, now),
            "due_at": states.stage_due(case, Status.ACCEPTED, now),
        },
    )


@transaction.atomic
def reject(*, actor, case_id: int, reason: str, version: int | None = None) -> Case:
    """Not a case for the grid (out of its remit, nonsense, a test): reported → rejected,
    with the reason the reporter will see."""
    case = _begin(actor, case_id, "reject")
    reason = _note(reason, field="reason", required=True)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "reject",
        EventKind.REJECTED,
        now=now,
        note=reason,
        version=version,
        changes={"responded_on_time": states.responded_in_time(case, now), "due_at": None},
    )


@transaction.atomic
def merge(
    *,
    actor,
    case_id: int,
    into_id: int | None = None,
    into_number: str = "",
    note: str = "",
    version: int | None = None,
) -> Case:
    """The same matter as an open case already known: reported → merged into it. The
    other case's timeline shows it, so that both reporters can be kept informed."""
    case = _begin(actor, case_id, "merge")
    note = _note(note)
    targets = Case.objects.select_for_update()
    if actor is not None:
        targets = targets.visible_to(actor)
    if into_id not in (None, ""):
        target = targets.filter(pk=into_id).first()
    else:
        number = validators.normalize_text(into_number)
        target = targets.filter(number=number).first() if number else None
    if target is None:
        raise ValidationError({"into": [_("There is no such case in your area.")]})
    if target.pk == case.pk:
        raise ValidationError({"into": [_("A case cannot be merged into itself.")]})
    if not target.is_open:
        raise ValidationError(
            {
                "into": [
                    _("Case %(number)s is %(status)s: merge into an open case.")
                    % {"number": target.number, "status": target.get_status_display()}
                ]
            }
        )
    now = timezone.now()
    case = _commit(
        actor,
        case,
        "merge",
        EventKind.MERGED,
        now=now,
        note=note,
        version=version,
        data={"into": target.pk, "into_number": target.number},
        changes={
            "merged_into_id": target.pk,
            "responded_on_time": states.responded_in_time(case, now),
            "due_at": None,
        },
    )
    CaseEvent.objects.create(
        case=target,
        kind=EventKind.CASE_MERGED_IN,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=_actor_name(actor),
        note=note,
        at=now,
        data={"case": case.pk, "number": case.number},
    )
    _notify_merge(case, target, now)
    return case


def _dispatch_target(actor, case: Case, area_code: str, department: str):
    """(level, area code, department) the case goes to: the one given, else the
    category's handling level. Raises ValidationError naming the field to fix."""
    if department:
        found = Department.objects.filter(code=str(department).strip(), is_active=True).first()
        if found is None or not case.area_code.startswith(found.area_code):
            raise ValidationError(
                {"department": [_("There is no such department for this case's area.")]}
            )
        return AssigneeLevel.DEPARTMENT, "", found
    code = str(area_code or "").strip()
    if not code:
        level = case.category.handling_level
        if level == HandlingLevel.DEPARTMENT:
            if case.category.department_id is None or not case.category.department.is_active:
                raise ValidationError(
                    {"department": [_("Choose the department to send the case to.")]}
                )
            return _dispatch_target(actor, case, "", case.category.department.code)
        if level == HandlingLevel.UNIT:
            if len(case.area_code) != 18:
                raise ValidationError(
                    {"area_code": [_("The case's unit is not known: choose the unit.")]}
                )
            code = case.area_code
        else:
            code = case.area_code[: 12 if level == HandlingLevel.VILLAGE else 9]
    on_the_line = code.startswith(case.area_code) or case.area_code.startswith(code)
    area = Area.objects.open().filter(code=code).first() if on_the_line else None
    if (
        area is None
        or area.level not in (Level.UNIT, Level.VILLAGE, Level.TOWN)
        or (
            actor is not None
            and len(code) > len(case.area_code)
            and not scope.in_scope(actor, code)
        )
    ):
        raise ValidationError(
            {
                "area_code": [
                    _(
                        "Send the case to its unit, its village or its town (an open area "
                        "where the case lies)."
                    )
                ]
            }
        )
    return _level_of(code), code, None


@transaction.atomic
def dispatch(
    *,
    actor,
    case_id: int,
    area_code: str = "",
    department: str = "",
    note: str = "",
    version: int | None = None,
) -> Case:
    """Sends the accepted case to a unit, village, town or department to handle:
    accepted → dispatched. Without a target, the category's handling level decides."""
    case = _begin(actor, case_id, "dispatch")
    note = _note(note)
    level, code, found = _dispatch_target(actor, case, area_code, department)
    now = timezone.now()
    changes = {
        "dispatched_at": now,
        "assignee_level": level,
        "assignee_area_code": code,
        "assignee_department_id": found.pk if found else None,
        "due_at": states.stage_due(case, Status.DISPATCHED, now),
        "extension_until": None,
    }
    if code and len(code) > len(case.area_code):
        # Sent to a unit of the village it was reported in: now the unit is known.
        changes["area_code"] = code
        if level == AssigneeLevel.UNIT:
            changes["unit_id"] = Area.objects.get(code=code).pk
    return _commit(
        actor,
        case,
        "dispatch",
        EventKind.DISPATCHED,
        now=now,
        note=note,
        version=version,
        data={"level": level, "area_code": code, "department": found.code if found else ""},
        changes=changes,
    )


@transaction.atomic
def start(*, actor, case_id: int, note: str = "", version: int | None = None) -> Case:
    """The handler takes it up: dispatched → in progress (the due time stays)."""
    case = _begin(actor, case_id, "start")
    note = _note(note)
    return _commit(
        actor,
        case,
        "start",
        EventKind.STARTED,
        now=timezone.now(),
        note=note,
        version=version,
        changes={},
    )


@transaction.atomic
def return_case(*, actor, case_id: int, reason: str, version: int | None = None) -> Case:
    """Not the handler's to handle: back to the dispatching level, with the reason
    (dispatched or in progress → accepted)."""
    case = _begin(actor, case_id, "return")
    reason = _note(reason, field="reason", required=True)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "return",
        EventKind.RETURNED,
        now=now,
        note=reason,
        version=version,
        data={
            "from_area_code": case.assignee_area_code,
            "from_department": case.assignee_department.code if case.assignee_department else "",
        },
        changes={
            "assignee_level": _level_of(case.dispatcher_area_code),
            "assignee_area_code": case.dispatcher_area_code,
            "assignee_department_id": None,
            "due_at": states.stage_due(case, Status.ACCEPTED, now),
            "extension_until": None,
        },
    )


@transaction.atomic
def resolve(*, actor, case_id: int, result: str, version: int | None = None) -> Case:
    """Done, with what was done: in progress → resolved; the follow-up is due next."""
    case = _begin(actor, case_id, "resolve")
    errors: dict = {}
    result = clean_text(result, field="result", limit=TEXT_MAX, required=True, errors=errors)
    _raise(errors)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "resolve",
        EventKind.RESOLVED,
        now=now,
        version=version,
        changes={
            "result": result,
            "resolved_at": now,
            "resolved_on_time": states.resolved_in_time(case, now),
            "due_at": states.stage_due(case, Status.RESOLVED, now),
            "extension_until": None,
            "parked": False,
            "review_on": None,
        },
    )


@transaction.atomic
def request_extension(
    *, actor, case_id: int, hours: int, reason: str, version: int | None = None
) -> Case:
    """The handler asks the level above for more time (the due time moves once approved)."""
    case = _begin(actor, case_id, "extend")
    errors: dict = {}
    reason = clean_text(reason, field="reason", limit=NOTE_MAX, required=True, errors=errors)
    try:
        hours = int(hours)
    except (TypeError, ValueError):
        hours = 0
    if not 1 <= hours <= EXTENSION_MAX_HOURS:
        errors.setdefault("hours", []).append(
            _("Ask for 1 to %(max)d hours.") % {"max": EXTENSION_MAX_HOURS}
        )
    _raise(errors)
    now = timezone.now()
    until = max(case.due_at or now, now) + datetime.timedelta(hours=hours)
    return _commit(
        actor,
        case,
        "extend",
        EventKind.EXTENSION_REQUESTED,
        now=now,
        note=reason,
        version=version,
        data={"hours": hours, "until": until.isoformat()},
        changes={"extension_until": until},
    )


@transaction.atomic
def approve_extension(
    *, actor, case_id: int, approve: bool = True, note: str = "", version: int | None = None
) -> Case:
    """The level above grants the time asked for (the due time moves) or refuses it."""
    case = _begin(actor, case_id, "approve_extension")
    note = _note(note)
    changes: dict = {"extension_until": None}
    if approve:
        changes["due_at"] = case.extension_until
    return _commit(
        actor,
        case,
        "approve_extension",
        EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED,
        now=timezone.now(),
        note=note,
        version=version,
        data={"until": case.extension_until.isoformat()},
        changes=changes,
    )


@transaction.atomic
def supervise(*, actor, case_id: int, note: str = "", version: int | None = None) -> Case:
    """The county puts the case under supervision (督办)."""
    case = _begin(actor, case_id, "supervise")
    note = _note(note)
    return _commit(
        actor,
        case,
        "supervise",
        EventKind.SUPERVISED,
        now=timezone.now(),
        note=note,
        version=version,
        changes={"supervised": True},
    )


@transaction.atomic
def park(*, actor, case_id: int, review_on, reason: str, version: int | None = None) -> Case:
    """A known long-term matter (挂账): its deadlines stop counting until it is taken up
    again; it comes back to the inbox on the review date."""
    case = _begin(actor, case_id, "park")
    errors: dict = {}
    reason = clean_text(reason, field="reason", limit=NOTE_MAX, required=True, errors=errors)
    try:
        review = validators.clean_date(review_on) if review_on else None
    except ValidationError as exc:
        errors.setdefault("review_on", []).extend(exc.messages)
        review = None
    else:
        if review is None or review <= timezone.localdate():
            errors.setdefault("review_on", []).append(_("Give a review date after today."))
    _raise(errors)
    return _commit(
        actor,
        case,
        "park",
        EventKind.PARKED,
        now=timezone.now(),
        note=reason,
        version=version,
        data={"review_on": review.isoformat()},
        changes={"parked": True, "review_on": review},
    )


@transaction.atomic
def unpark(*, actor, case_id: int, note: str = "", version: int | None = None) -> Case:
    """Takes a parked case up again: its stage gets a fresh due time."""
    case = _begin(actor, case_id, "unpark")
    note = _note(note)
    now = timezone.now()
    stage = Status.DISPATCHED if case.status == Status.IN_PROGRESS else case.status
    return _commit(
        actor,
        case,
        "unpark",
        EventKind.UNPARKED,
        now=now,
        note=note,
        version=version,
        changes={
            "parked": False,
            "review_on": None,
            "due_at": states.stage_due(case, stage, now),
        },
    )


def _reopening(case: Case, now: datetime.datetime) -> dict:
    """Back to the handler it was resolved by, with a fresh resolution time."""
    return {
        "reopen_count": case.reopen_count + 1,
        "due_at": states.stage_due(case, Status.DISPATCHED, now),
        "resolution_lapsed": False,
    }


@transaction.atomic
def follow_up(
    *, actor, case_id: int, satisfaction: str, note: str = "", version: int | None = None
) -> Case:
    """The reporter's satisfaction, asked by the dispatching level: resolved → followed
    up. Dissatisfied, with reopens left (once by default), it goes back to the handler."""
    case = _begin(actor, case_id, "follow_up")
    note = _note(note)
    if satisfaction not in Satisfaction.values:
        raise ValidationError(
            {"satisfaction": [_("Choose satisfied, basically satisfied or dissatisfied.")]}
        )
    now = timezone.now()
    changes = {"satisfaction": satisfaction, "followed_up_at": now, "due_at": None}
    reopens = satisfaction == Satisfaction.DISSATISFIED and case.reopen_count < (
        states.reopen_limit()
    )
    if reopens:
        changes.update(_reopening(case, now))
    return _commit(
        actor,
        case,
        "follow_up",
        EventKind.FOLLOWED_UP,
        now=now,
        note=note,
        version=version,
        to_status=Status.DISPATCHED if reopens else Status.FOLLOWED_UP,
        data={"satisfaction": satisfaction, "reopened": reopens},
        changes=changes,
    )


@transaction.atomic
def reopen(*, actor, case_id: int, reason: str, version: int | None = None) -> Case:
    """Sends a followed-up case back to its handler (while reopens are left)."""
    case = _begin(actor, case_id, "reopen")
    reason = _note(reason, field="reason", required=True)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "reopen",
        EventKind.REOPENED,
        now=now,
        note=reason,
        version=version,
        changes=_reopening(case, now),
    )


@transaction.atomic
def close(*, actor, case_id: int, note: str = "", version: int | None = None) -> Case:
    """Files the case: resolved (when no follow-up is possible) or followed up → closed."""
    case = _begin(actor, case_id, "close")
    note = _note(note)
    now = timezone.now()
    return _commit(
        actor,
        case,
        "close",
        EventKind.CLOSED,
        now=now,
        note=note,
        version=version,
        changes={"closed_at": now, "due_at": None, "parked": False, "review_on": None},
    )


# The service of each action, for the API and the pages.
ACTIONS = {
    "accept": accept,
    "reject": reject,
    "merge": merge,
    "dispatch": dispatch,
    "start": start,
    "return": return_case,
    "resolve": resolve,
    "extend": request_extension,
    "approve_extension": approve_extension,
    "supervise": supervise,
    "park": park,
    "unpark": unpark,
    "follow_up": follow_up,
    "reopen": reopen,
    "close": close,
}


# --- deadlines: reminders and escalation --------------------------------------------------
#
# Run every minute by the periodic task yiwang.cases.tasks.sweep_cases, on any number of
# consumers at once, and each case is escalated, or reminded, exactly once:
# - reminders, and escalation on SQLite: a chunk of cases read from the (status, due_at)
#   index is claimed by one conditional UPDATE whose WHERE holds each row to the version
#   that was read, and whose RETURNING says which rows it wrote. A row that another
#   consumer (or a person) changed meanwhile is not written, and nothing else is done for
#   it. Then the timeline, notice and audit rows of the rows written are inserted.
# - escalation on PostgreSQL: one statement per chunk locks the overdue cases and writes
#   them and their rows (see `_escalation_statement`).

# The stages whose due time the dispatching level keeps (accept, dispatch, follow up), and
# those the handler keeps.
DISPATCHER_DUE = (Status.REPORTED, Status.ACCEPTED, Status.RESOLVED)
HANDLER_DUE = (Status.DISPATCHED, Status.IN_PROGRESS)
# Cases a sweep transaction claims and writes: on PostgreSQL small chunks, which several
# consumers share out; on SQLite, one writer at a time, larger ones (fewer commits; other
# writers wait meanwhile, well inside the busy timeout of the settings).
SWEEP_CHUNK = {"postgresql": 1000, "sqlite": 5000}
# A reminder goes out when a quarter of the stage's time is left, at most a day ahead.
REMIND_FRACTION = 4
REMIND_AT_MOST = datetime.timedelta(days=1)
# The level above, by the length of the area code: unit and grid → village → town →
# county, the top.
_UP = {18: 12, 15: 12, 12: 9, 9: 6}


@dataclass(slots=True)
class Swept:
    """What the sweep reads of a case: a model instance for each of thousands of cases
    would cost more than the rest of the sweep."""

    id: int
    number: str
    title: str
    status: str
    version: int
    category_id: int
    area_code: str
    dispatcher_area_code: str
    assignee_level: str
    assignee_area_code: str
    assignee_department_id: int | None
    due_at: datetime.datetime
    reminded_due_at: datetime.datetime | None
    escalation_level: int
    extension_until: datetime.datetime | None
    response_lapsed: bool
    resolution_lapsed: bool

    @property
    def pk(self) -> int:
        return self.id

    def __str__(self) -> str:
        return f"{self.number} {self.title}"  # as Case.__str__, for the audit log


_SWEPT_FIELDS = tuple(Swept.__dataclass_fields__)


@dataclass(frozen=True)
class Party:
    """Who keeps a stage's due time: an area (at its level) or a department."""

    level: str
    area_code: str = ""
    department_id: int | None = None

    def notice(self, case: Case, kind: str, text: str, at) -> tuple:
        """A row of NOTICE_FIELDS addressed to this party (`at` as the database takes it)."""
        return (
            case.pk,
            kind,
            self.area_code,
            self.level,
            self.department_id,
            None,
            False,
            text,
            at,
        )

    def as_data(self) -> dict:
        return {"level": self.level, "area_code": self.area_code, "department": self.department_id}


def _stage_minutes(category: Category, status: str) -> int:
    if status == Status.REPORTED:
        return category.accept_minutes
    if status == Status.ACCEPTED:
        return category.dispatch_minutes
    if status in HANDLER_DUE:
        return category.resolve_minutes
    return states.follow_up_minutes()


def remind_lead(category: Category, status: str) -> datetime.timedelta:
    """How long before the due time the one reminder goes out."""
    stage = datetime.timedelta(minutes=_stage_minutes(category, status))
    return min(stage / REMIND_FRACTION, REMIND_AT_MOST)


def due_party(case: Case) -> Party:
    if case.status in DISPATCHER_DUE:
        return Party(_level_of(case.dispatcher_area_code), case.dispatcher_area_code)
    if case.assignee_level == AssigneeLevel.DEPARTMENT:
        return Party(AssigneeLevel.DEPARTMENT, department_id=case.assignee_department_id)
    return Party(_level_of(case.assignee_area_code), case.assignee_area_code)


def party_above(case: Case) -> Party | None:
    """The level a lapsed stage goes up to; None at the county, the top. A department's
    case goes to its county."""
    if case.status in HANDLER_DUE and case.assignee_level == AssigneeLevel.DEPARTMENT:
        return Party(AssigneeLevel.COUNTY, case.area_code[:6])
    party = due_party(case)
    up = _UP.get(len(party.area_code))
    if up is None:
        return None
    return Party(_level_of(party.area_code[:up]), party.area_code[:up])


def _escalated_fields(status: str) -> list[str]:
    """The fields an escalation of a stage changes, besides its version, escalation level
    and pending extension."""
    fields = ["due_at"]
    # The lapse stays on the case: whoever answers or resolves it now does so late.
    if status == Status.REPORTED:
        fields.append("response_lapsed")
    elif status == Status.ACCEPTED or status in HANDLER_DUE:
        fields.append("resolution_lapsed")
    if status in DISPATCHER_DUE:
        fields.append("dispatcher_area_code")
    # A resolved case keeps its handler on record. A department's case keeps its
    # department: the department still does the work (and its rates count the lapse),
    # with the county now the level the case waits on.
    if status != Status.RESOLVED:
        fields += ["assignee_level", "assignee_area_code"]
    return fields


def _escalation_changes(case: Case, above: Party, category: Category, now) -> dict:
    new = {
        "due_at": now + datetime.timedelta(minutes=_stage_minutes(category, case.status)),
        "response_lapsed": True,
        "resolution_lapsed": True,
        "dispatcher_area_code": above.area_code,
        "assignee_level": above.level,
        "assignee_area_code": above.area_code,
    }
    return {name: new[name] for name in _escalated_fields(case.status)}


def _escalation_texts() -> tuple[str, str, str]:
    """The timeline note, the notice to the level that let the stage lapse and the one to
    the level above, in the active language."""
    return (
        _("Not done in time by %(from)s; now with %(to)s."),
        _("Case %(number)s was overdue and has gone up to %(to)s: %(title)s"),
        _("Case %(number)s was late at %(from)s and is now yours: %(title)s"),
    )


def _claim_source(connection, cases: list[Case], names: list[str], per_case) -> tuple:
    """The chunk's rows (claim_id, claim_version, value_0, …) as a relation `claim` to
    join, and its parameters: on PostgreSQL one JSON document read by json_to_recordset
    (typed by the column list; a few parameters instead of thousands to interpolate), on
    SQLite a VALUES list."""
    fields = [Case._meta.get_field(name) for name in names]
    if connection.vendor == "postgresql":
        columns = ", ".join(
            [
                "claim_id bigint",
                "claim_version integer",
                *(f"value_{i} {f.cast_db_type(connection)}" for i, f in enumerate(fields)),
            ]
        )
        document = json.dumps(
            [
                {
                    "claim_id": case.pk,
                    "claim_version": case.version,
                    **{f"value_{i}": per_case[case.pk][name] for i, name in enumerate(names)},
                }
                for case in cases
            ],
            default=lambda value: value.isoformat(),  # aware datetimes, to the microsecond
        )
        return f"json_to_recordset(%s) AS claim ({columns})", [document]
    marks = f"({', '.join(['%s'] * (2 + len(names)))})"
    # A chunk's new values are few (a due time per category and stage, a few codes): each
    # is prepared for the database once.
    prepared: dict = {}

    def prepare(field, value):
        key = (field.name, value)
        if key not in prepared:
            prepared[key] = field.get_db_prep_save(value, connection)
        return prepared[key]

    params = []
    for case in cases:
        params += [case.pk, case.version]
        params += [
            prepare(field, per_case[case.pk][name])
            for name, field in zip(names, fields, strict=True)
        ]
    columns = ", ".join(["claim_id", "claim_version", *(f"value_{i}" for i in range(len(names)))])
    values = ", ".join([marks] * len(cases))
    return f"(WITH claim ({columns}) AS (VALUES {values}) SELECT * FROM claim) AS claim", params


def _claim(
    cases: list[Case],
    status: str,
    per_case: dict[int, dict],
    *,
    escalate: bool = False,
    now: datetime.datetime | None = None,
    unreminded: bool = False,
) -> set[int]:
    """One conditional UPDATE for a chunk of cases of one stage, with each row's own new
    values (`per_case`: the same fields for every row). A row is written only if it is
    still in that stage at the version read; `escalate` also raises its version and
    escalation level, `unreminded` also asks that it was not reminded of this due time
    meanwhile. Answers the ids written (RETURNING, on PostgreSQL and SQLite ≥ 3.35).

    Raw SQL: the ORM would build a CASE of a WHEN per row and field, which costs more than
    the whole rest of the sweep."""
    connection = connections[Case.objects.db]
    quote = connection.ops.quote_name
    table = quote(Case._meta.db_table)
    names = list(per_case[cases[0].pk])
    source, params = _claim_source(connection, cases, names, per_case)
    sets = [
        f"{quote(Case._meta.get_field(name).column)} = claim.value_{i}"
        for i, name in enumerate(names)
    ]
    if escalate:
        sets += [
            f"{quote('version')} = {table}.{quote('version')} + 1",
            f"{quote('escalation_level')} = {table}.{quote('escalation_level')} + 1",
            # A pending request for more time was addressed to the level that now handles
            # the case itself.
            f"{quote('extension_until')} = NULL",
            f"{quote('updated_at')} = %s",
        ]
        params = [Case._meta.get_field("updated_at").get_db_prep_save(now, connection), *params]
    conditions = [
        f"{table}.{quote('id')} = claim.claim_id",
        f"{table}.{quote('version')} = claim.claim_version",
        f"{table}.{quote('status')} = %s",
    ]
    params.append(status)
    if unreminded:
        conditions.append(
            f"({table}.{quote('reminded_due_at')} IS NULL"
            f" OR {table}.{quote('reminded_due_at')} <> {table}.{quote('due_at')})"
        )
    sql = (
        f"UPDATE {table} SET {', '.join(sets)} FROM {source} "
        f"WHERE {' AND '.join(conditions)} RETURNING {table}.{quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _chunk(queryset, after: tuple | None, size: int) -> list[Swept]:
    """The next rows of `queryset` by due time, after the last row read (keyset on due_at,
    id): a row left as it was (lost to another consumer, say) is not read again."""
    if after is not None:
        due, pk = after
        queryset = queryset.filter(due_at__gte=due).filter(Q(due_at__gt=due) | Q(pk__gt=pk))
    rows = queryset.order_by("due_at", "pk").values_list(*_SWEPT_FIELDS)[:size]
    return [Swept(*row) for row in rows]


def _names(parties) -> dict:
    """How a notice names each area and department: its name and code."""
    codes = {p.area_code for p in parties if p.area_code}
    departments = {p.department_id for p in parties if p.department_id}
    names: dict = {
        code: f"{name} ({code})"
        for code, name in Area.objects.filter(code__in=codes).values_list("code", "name")
    }
    names.update(Department.objects.filter(pk__in=departments).values_list("pk", "name"))
    return names


# The sweep writes its timeline entries, notices and audit entries as rows, by COPY on
# PostgreSQL: model instances and bulk_create would cost it most of its time.
EVENT_FIELDS = ("case", "kind", "from_status", "to_status", "note", "at", "data", "actor_name")
NOTICE_FIELDS = (
    "case",
    "kind",
    "area_code",
    "level",
    "department",
    "recipient",
    "to_reporter",
    "text",
    "created_at",
)
AUDIT_FIELDS = (
    "at",
    "actor",
    "actor_username",
    "source",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "area_code",
    "before",
    "after",
)


# One encoder for the sweep's thousands of documents: json.dumps with options builds a
# new one at every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=lambda v: v.isoformat())


def _json(value) -> str:
    """JSON as the database takes it for a JSON column, from text, on both databases."""
    return _ENCODER.encode(value)


def _event_row(case: Case, kind: str, at, note: str, data: dict, from_status: str = "") -> tuple:
    return (case.pk, kind, from_status, "", note, at, _json(data), "")


def _audit_row(case: Case, action: str, at, before: dict, after: dict) -> tuple:
    """The row audit.record() would write for the background task (no actor; the values
    here are codes, times and counts: nothing to mask)."""
    return (
        at,
        None,
        "",
        audit.current_source(),
        action,
        Case._meta.label_lower,
        str(case.pk),
        str(case)[:200],
        case.area_code,
        _json(before),
        _json(after),
    )


def _write(events: list, notices: list, entries: list) -> None:
    insert_rows(CaseEvent, EVENT_FIELDS, events)
    insert_rows(Notice, NOTICE_FIELDS, notices)
    insert_rows(AuditEntry, AUDIT_FIELDS, entries)


def _escalate_chunk(cases, status, categories, now) -> int:
    plans = {}
    for case in cases:
        above = party_above(case)
        if above is not None:
            plans[case.pk] = (due_party(case), above)
    if not plans:
        return 0
    by_id = {case.pk: case for case in cases if case.pk in plans}
    per_case = {
        pk: _escalation_changes(by_id[pk], above, categories[by_id[pk].category_id], now)
        for pk, (_due, above) in plans.items()
    }
    at = db_value(CaseEvent, "at", now)
    with transaction.atomic():
        claimed = _claim(list(by_id.values()), status, per_case, escalate=True, now=now)
        if not claimed:
            return 0
        names = _names([p for pk in claimed for p in plans[pk]])
        note, overdue, yours = _escalation_texts()
        events, notices, entries = [], [], []
        for pk in sorted(claimed):
            case, (due, above), changes = by_id[pk], plans[pk], per_case[pk]
            before = {name: getattr(case, name) for name in changes}
            before.update(
                version=case.version,
                escalation_level=case.escalation_level,
                extension_until=case.extension_until,
            )
            was_due = case.due_at
            for name, value in changes.items():
                setattr(case, name, value)
            case.version += 1
            case.escalation_level += 1
            case.extension_until = None
            after = {
                **changes,
                "version": case.version,
                "escalation_level": case.escalation_level,
                "extension_until": None,
            }
            lapsed = names.get(due.department_id or due.area_code, due.area_code)
            taken = names.get(above.area_code, above.area_code)
            values = {"number": case.number, "title": case.title, "from": lapsed, "to": taken}
            events.append(
                _event_row(
                    case,
                    EventKind.ESCALATED,
                    at,
                    note % values,
                    {
                        "from": due.as_data(),
                        "to": above.as_data(),
                        "was_due": was_due.isoformat(),
                        "due_at": case.due_at.isoformat(),
                        "escalation_level": case.escalation_level,
                    },
                    from_status=status,
                )
            )
            notices.append(
                due.notice(
                    case,
                    NoticeKind.OVERDUE,
                    overdue % values,
                    at,
                )
            )
            notices.append(
                above.notice(
                    case,
                    NoticeKind.ESCALATED,
                    yours % values,
                    at,
                )
            )
            entries.append(_audit_row(case, "case.escalate", at, before, after))
        _write(events, notices, entries)
    return len(claimed)


# On PostgreSQL the escalation of a stage is set-based: one statement per chunk locks the
# overdue cases (FOR UPDATE SKIP LOCKED: a case another consumer or a person is writing is
# left to them, and to the next run), moves them up, and inserts their timeline entries,
# notices and audit entries from the same rows (data-modifying WITH queries), the texts
# and documents built by the database, with no row going through Python (the benchmark in
# docs/PERFORMANCE.md compares the two). It writes what `_escalate_chunk` writes
# (test_deadlines checks both, word for word); SQLite, which has no data-modifying WITH
# and one writer at a time, takes that path.
ESCALATION_CHUNK = 5000


def _sql_level(code: str) -> str:
    """SQL: the level of an area code, by its length (as `_level_of`)."""
    whens = " ".join(f"WHEN {n} THEN '{level}'" for n, level in _LEVEL_BY_LENGTH.items())
    return f"CASE length({code}) {whens} END"


def _sql_up(code: str) -> str:
    """SQL: the code of the level above (as `party_above`, by `_UP`)."""
    whens = " ".join(f"WHEN {n} THEN {up}" for n, up in _UP.items())
    return f"substr({code}, 1, CASE length({code}) {whens} END)"


def _sql_iso(value: str) -> str:
    """SQL: a timestamp with time zone as Python's isoformat() writes it in UTC."""
    utc = f"({value} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN"
        f" mod(extract(microseconds FROM {utc})::bigint, 1000000) = 0 THEN ''"
        f" ELSE to_char({utc}, '.US') END || '+00:00'"
    )


def _sql_text(template: str, columns: dict[str, str], params: dict, key: str) -> str:
    """SQL: a translated %-template with its named values taken from `columns`; the
    template's own text goes in as parameters (added to `params`)."""
    pieces = []
    for i, part in enumerate(re.split(r"%\((\w+)\)s", template)):
        if i % 2:
            pieces.append(columns[part])
        elif part:
            params[f"{key}_{i}"] = part.replace("%%", "%")
            pieces.append(f"%({key}_{i})s::text")
    return " || ".join(pieces) or "''"


def _sql_object(pairs: dict[str, str]) -> str:
    return "jsonb_build_object({})".format(", ".join(f"'{k}', {v}" for k, v in pairs.items()))


def _escalation_statement(status: str, now, size: int) -> tuple[str, dict]:
    """The statement escalating up to `size` overdue cases of one stage, and its
    parameters; it answers the number escalated."""
    dispatcher = status in DISPATCHER_DUE
    params = {
        "status": status,
        "now": now,
        "size": size,
        "follow_up": states.follow_up_minutes(),
        "department": AssigneeLevel.DEPARTMENT,
        "county": AssigneeLevel.COUNTY,
        "escalated_event": EventKind.ESCALATED,
        "overdue_notice": NoticeKind.OVERDUE,
        "escalated_notice": NoticeKind.ESCALATED,
        "source": audit.current_source(),
        "action": "case.escalate",
        "object_type": Case._meta.label_lower,
    }
    if dispatcher:
        # Below the top, at a level that has one above.
        stage = f"length(c.dispatcher_area_code) IN ({', '.join(map(str, _UP))})"
        due_level, due_code = _sql_level("c.dispatcher_area_code"), "c.dispatcher_area_code"
        due_department, above = "NULL::bigint", _sql_up("c.dispatcher_area_code")
    else:
        by_department = "c.assignee_level = %(department)s"
        stage = (
            f"c.assignee_level <> %(county)s AND ({by_department} OR"
            f" length(c.assignee_area_code) IN ({', '.join(map(str, _UP))}))"
        )
        due_level = (
            f"CASE WHEN {by_department} THEN %(department)s"
            f" ELSE {_sql_level('c.assignee_area_code')} END"
        )
        due_code = f"CASE WHEN {by_department} THEN '' ELSE c.assignee_area_code END"
        due_department = f"CASE WHEN {by_department} THEN c.assignee_department_id END"
        above = (
            f"CASE WHEN {by_department} THEN substr(c.area_code, 1, 6)"
            f" ELSE {_sql_up('c.assignee_area_code')} END"
        )
    minutes = {
        Status.REPORTED: "cat.accept_minutes",
        Status.ACCEPTED: "cat.dispatch_minutes",
        Status.RESOLVED: "%(follow_up)s",
    }.get(status, "cat.resolve_minutes")
    new_values = {
        "due_at": "plan.new_due",
        "response_lapsed": "true",
        "resolution_lapsed": "true",
        "dispatcher_area_code": "plan.above_code",
        "assignee_level": "plan.above_level",
        "assignee_area_code": "plan.above_code",
    }
    fields = _escalated_fields(status)
    sets = ", ".join(f"{name} = {new_values[name]}" for name in fields)

    # The documents of the audit entry, as `_audit_row` writes them: times in ISO 8601.
    times = {"due_at", "extension_until"}

    def before_value(name: str) -> str:
        return _sql_iso(f"plan.{name}") if name in times else f"plan.{name}"

    before = {name: before_value(name) for name in (*fields, "extension_until")}
    before |= {"version": "plan.version", "escalation_level": "plan.escalation_level"}
    after = {
        name: _sql_iso(new_values[name]) if name in times else new_values[name] for name in fields
    }
    after |= {
        "version": "plan.version + 1",
        "escalation_level": "plan.escalation_level + 1",
        "extension_until": "NULL::text",
    }
    due_party = {
        "level": "plan.due_level",
        "area_code": "plan.due_code",
        "department": "plan.due_department",
    }
    above_party = {
        "level": "plan.above_level",
        "area_code": "plan.above_code",
        "department": "NULL",
    }
    data = {
        "from": _sql_object(due_party),
        "to": _sql_object(above_party),
        "was_due": _sql_iso("plan.due_at"),
        "due_at": _sql_iso("plan.new_due"),
        "escalation_level": "plan.escalation_level + 1",
    }
    values = {
        "number": "plan.number",
        "title": "plan.title",
        "from": "plan.lapsed",
        "to": "plan.taken",
    }
    note, overdue, yours = (
        _sql_text(template, values, params, key)
        for template, key in zip(_escalation_texts(), ("note", "overdue", "yours"), strict=True)
    )
    tables = {
        name: connections[Case.objects.db].ops.quote_name(model._meta.db_table)
        for name, model in {
            "case": Case,
            "category": Category,
            "area": Area,
            "department": Department,
            "event": CaseEvent,
            "notice": Notice,
            "audit": AuditEntry,
        }.items()
    }
    sql = f"""
WITH old AS (
    SELECT c.id, c.number, c.title, c.area_code, c.category_id, c.due_at, c.version,
        c.escalation_level, c.extension_until, c.response_lapsed, c.resolution_lapsed,
        c.dispatcher_area_code, c.assignee_level, c.assignee_area_code,
        {due_level} AS due_level, {due_code} AS due_code,
        {due_department} AS due_department, {above} AS above_code
    FROM {tables["case"]} c
    WHERE c.parked = false AND c.status = %(status)s AND c.due_at <= %(now)s AND {stage}
    ORDER BY c.due_at, c.id
    LIMIT %(size)s
    FOR UPDATE OF c SKIP LOCKED
), plan AS (
    SELECT old.*, {_sql_level("old.above_code")} AS above_level,
        %(now)s + make_interval(mins => {minutes}) AS new_due,
        coalesce(dd.name, da.name || ' (' || da.code || ')', old.due_code) AS lapsed,
        coalesce(aa.name || ' (' || aa.code || ')', old.above_code) AS taken
    FROM old
    JOIN {tables["category"]} cat ON cat.id = old.category_id
    LEFT JOIN {tables["area"]} da ON da.code = old.due_code
    LEFT JOIN {tables["department"]} dd ON dd.id = old.due_department
    LEFT JOIN {tables["area"]} aa ON aa.code = old.above_code
    ORDER BY old.id
), moved AS (
    UPDATE {tables["case"]} c SET {sets}, version = c.version + 1,
        escalation_level = c.escalation_level + 1, extension_until = NULL,
        updated_at = %(now)s
    FROM plan WHERE c.id = plan.id
    RETURNING c.id
), events AS (
    INSERT INTO {tables["event"]}
        (case_id, kind, from_status, to_status, actor_name, note, at, data)
    SELECT plan.id, %(escalated_event)s, %(status)s, '', '', {note}, %(now)s,
        {_sql_object(data)}
    FROM plan ORDER BY plan.id
), notices AS (
    INSERT INTO {tables["notice"]}
        (case_id, kind, area_code, level, department_id, to_reporter, text, created_at)
    SELECT case_id, kind, area_code, level, department_id, false, text, %(now)s FROM (
        SELECT plan.id AS case_id, 1 AS n, %(overdue_notice)s AS kind,
            plan.due_code AS area_code, plan.due_level AS level,
            plan.due_department AS department_id, {overdue} AS text
        FROM plan
        UNION ALL
        SELECT plan.id, 2, %(escalated_notice)s, plan.above_code, plan.above_level, NULL,
            {yours}
        FROM plan
    ) rows ORDER BY case_id, n
), audit AS (
    INSERT INTO {tables["audit"]}
        (at, actor_username, source, action, object_type, object_id, object_repr,
         area_code, before, after)
    SELECT %(now)s, '', %(source)s, %(action)s, %(object_type)s, plan.id::text,
        left(plan.number || ' ' || plan.title, 200), plan.area_code,
        {_sql_object(before)}, {_sql_object(after)}
    FROM plan ORDER BY plan.id
)
SELECT count(*) FROM moved"""
    return sql, params


def _escalate_stage(status: str, now, budget: int) -> int:
    """PostgreSQL: escalates the overdue cases of a stage, a chunk per transaction, up to
    `budget` of them. Answers how many."""
    done = 0
    while done < budget:
        size = min(ESCALATION_CHUNK, budget - done)
        sql, params = _escalation_statement(status, now, size)
        with transaction.atomic(), connections[Case.objects.db].cursor() as cursor:
            cursor.execute(sql, params)
            escalated = cursor.fetchone()[0]
        done += escalated
        if escalated < size:
            break
    return done


def _remind_chunk(cases, status, categories, now) -> int:
    due_soon = [
        case
        for case in cases
        if case.due_at - now <= remind_lead(categories[case.category_id], status)
    ]
    if not due_soon:
        return 0
    at = db_value(CaseEvent, "at", now)
    with transaction.atomic():
        # A reminder leaves the version alone (it changes nothing anyone acts on), so the
        # claim also asks that the row was not reminded of this due time meanwhile.
        claimed = _claim(
            due_soon,
            status,
            {case.pk: {"reminded_due_at": case.due_at} for case in due_soon},
            unreminded=True,
        )
        if not claimed:
            return 0
        parties = {case.pk: due_party(case) for case in due_soon if case.pk in claimed}
        names = _names(parties.values())
        events, notices, entries = [], [], []
        for case in due_soon:
            if case.pk not in claimed:
                continue
            party = parties[case.pk]
            before = {"reminded_due_at": case.reminded_due_at}
            case.reminded_due_at = case.due_at
            when = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
            to = names.get(party.department_id or party.area_code, party.area_code)
            events.append(
                _event_row(
                    case,
                    EventKind.REMINDED,
                    at,
                    _("Reminded %(to)s: due at %(due)s.") % {"to": to, "due": when},
                    {"to": party.as_data(), "due_at": case.due_at.isoformat()},
                )
            )
            notices.append(
                party.notice(
                    case,
                    NoticeKind.REMINDER,
                    _("Case %(number)s is due at %(due)s: %(title)s")
                    % {"number": case.number, "due": when, "title": case.title},
                    at,
                )
            )
            entries.append(
                _audit_row(
                    case, "case.remind", at, before, {"reminded_due_at": case.reminded_due_at}
                )
            )
        _write(events, notices, entries)
    return len(claimed)


def _sweep(queryset, status: str, handle, categories, now, budget: int) -> tuple[int, int]:
    """Hands the cases of `queryset` to `handle` a chunk at a time: (read, done)."""
    read = done = 0
    after = None
    chunk = SWEEP_CHUNK.get(connections[Case.objects.db].vendor, 1000)
    while read < budget:
        size = min(chunk, budget - read)
        cases = _chunk(queryset, after, size)
        if not cases:
            break
        read += len(cases)
        # Taken before `handle`, which moves the due times of the cases it writes.
        after = cases[-1].due_at, cases[-1].pk
        done += handle(cases, status, categories, now)
        if len(cases) < size:
            break
    return read, done


def escalate_overdue(now: datetime.datetime | None = None, limit: int | None = None) -> dict:
    """The deadline sweep: reminds the party a stage waits for once before it is due, and
    moves an overdue stage one level up (unit → village → town → county; a department →
    its county) with a fresh due time there, a notice to both levels, a timeline entry and
    an audit entry. Parked cases are left alone, and the county is the top.

    Idempotent, and safe to run on many consumers at once (see the claim above). `limit`
    bounds the cases read by each pass, escalation then reminders; when escalation uses it
    up, the reminders wait for the next run. Answers the counts."""
    with bulk_writing():  # SQLite: a large page cache, no checkpoint at every chunk
        return _escalate_overdue(now or timezone.now(), limit)


def _escalate_overdue(now: datetime.datetime, limit: int | None) -> dict:
    budget = limit if limit is not None else 1 << 62
    categories = {category.pk: category for category in Category.objects.all()}
    counts = {"escalated": 0, "reminded": 0}
    if budget <= 0 or not categories:
        return counts
    open_stages = Case.objects.filter(parked=False)
    set_based = connections[Case.objects.db].vendor == "postgresql"
    for status in (*DISPATCHER_DUE, *HANDLER_DUE):
        if set_based:
            read = done = _escalate_stage(status, now, budget)
        else:
            overdue = open_stages.filter(status=status, due_at__lte=now)
            # At the top already: nothing to do, so not read at all.
            if status in DISPATCHER_DUE:
                overdue = overdue.alias(length=Length("dispatcher_area_code")).exclude(length=6)
            else:
                overdue = overdue.exclude(assignee_level=AssigneeLevel.COUNTY)
            read, done = _sweep(overdue, status, _escalate_chunk, categories, now, budget)
        budget -= read
        counts["escalated"] += done
        if budget <= 0:
            return counts
    budget = limit if limit is not None else 1 << 62
    for status in (*DISPATCHER_DUE, *HANDLER_DUE):
        lead = max(remind_lead(category, status) for category in categories.values())
        due_soon = open_stages.filter(
            status=status, due_at__gt=now, due_at__lte=now + lead
        ).exclude(reminded_due_at=F("due_at"))
        read, done = _sweep(due_soon, status, _remind_chunk, categories, now, budget)
        budget -= read
        counts["reminded"] += done
        if budget <= 0:
            break
    return counts


# --- notices to the reporters of merged cases -----------------------------------------


def _notify_merge(case: Case, target: Case, now: datetime.datetime) -> None:
    """Both reporters hear of it: the one whose case ends here, and the one whose case
    goes on (a user with an account, or a resident on the tracking page)."""
    values = {"number": case.number, "into": target.number}
    Notice.objects.bulk_create(
        [
            Notice(
                case=case,
                kind=NoticeKind.MERGED,
                recipient_id=case.reporter_id,
                to_reporter=True,
                text=_(
                    "Your report %(number)s is the same matter as case %(into)s and is "
                    "followed there."
                )
                % values,
                created_at=now,
            ),
            Notice(
                case=target,
                kind=NoticeKind.MERGED_IN,
                recipient_id=target.reporter_id,
                to_reporter=True,
                text=_(
                    "Case %(number)s, another report of the same matter, was merged into "
                    "your case %(into)s."
                )
                % values,
                created_at=now,
            ),
        ]
    )


# --- attachments ------------------------------------------------------------------------


def _check_attaching(actor, case: Case, stage: str) -> None:
    """Report photos while the case is open, by anyone who sees it; resolution photos
    while it is handled or resolved, by its handler."""
    if not case.is_open or (
        stage == AttachmentStage.RESOLUTION
        and case.status not in (Status.IN_PROGRESS, Status.RESOLVED)
    ):
        raise Conflict(
            case,
            _("Photos of this kind cannot be added now: the case is “%(status)s”.")
            % {"status": case.get_status_display()},
        )
    if (
        stage == AttachmentStage.RESOLUTION
        and actor is not None
        and not states.is_handler(actor, case)
    ):
        raise PermissionDenied(_("Only the case's handler adds photos of the resolution."))


@contextlib.contextmanager
def _removed_on_failure():
    """The list of the files a write stores, deleted again when the write fails: the
    database rolls back, the storage does not. Put it around the transaction, so that a
    failed commit is caught too."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _store_photos(
    *, actor, case: Case, event: CaseEvent, stage: str, photos, now, stored, already: int = 0
) -> list[Attachment]:
    """Stores `photos` (attachments.Photo, read before the transaction) as attachments of
    `case` with the timeline entry `event`, at most 9 of a stage with the `already`
    stored, and audits them; the names of the files go into `stored` (see
    _removed_on_failure). Nothing to do without photos."""
    if not photos:
        return []
    # Photos read already pass as they are; here they are counted.
    photos = attachment_files.read_photos(photos, already=already)
    uploader = actor if actor is not None and actor.is_authenticated else None
    created = []
    for photo in photos:
        attachment = Attachment(
            case=case,
            event=event,
            stage=stage,
            content_type=photo.content_type,
            size=len(photo.content),
            width=photo.width,
            height=photo.height,
            uploaded_by=uploader,
            created_at=now,
        )
        name = secrets.token_hex(16)
        attachment.file.save(f"{name}.{photo.extension}", ContentFile(photo.content), save=False)
        stored.append(attachment.file.name)
        attachment.thumbnail.save(f"{name}-thumb.jpg", ContentFile(photo.thumbnail), save=False)
        stored.append(attachment.thumbnail.name)
        attachment.save()
        created.append(attachment)
    audit.record(
        actor=actor,
        action="case.attach",
        obj=case,
        after={
            "stage": stage,
            "attachments": [
                {
                    "id": a.pk,
                    "content_type": a.content_type,
                    "size": a.size,
                    "width": a.width,
                    "height": a.height,
                }
                for a in created
            ],
        },
    )
    return created


def add_attachments(
    *, actor, case_id: int, files, stage: str = AttachmentStage.REPORT, event_id=None
) -> list[Attachment]:
    """Adds photos to a case, the report's or the resolution's: at most 9 of each, JPEG,
    PNG or WebP of at most 10 MB each, told apart by their bytes, stored without any
    metadata (no GPS) with a thumbnail (yiwang.cases.attachments). They go with the
    timeline entry `event_id` (the report, the resolution), or with one of their own.

    The photos are read before the transaction (decoding takes a while); the rows, the
    timeline entry and the audit entry are written in one, and the stored files are
    deleted again when it fails."""
    if stage not in AttachmentStage.values:
        raise ValidationError({"stage": [_("Choose report or resolution.")]})
    photos = attachment_files.read_photos(files)
    if not photos:
        raise ValidationError({"files": [_("Choose at least one photo.")]})
    with _removed_on_failure() as stored, transaction.atomic():
        case = _load(actor, case_id)
        # Locked, so that two uploads at once cannot pass the limit together.
        list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk"))
        _check_attaching(actor, case, stage)
        already = Attachment.objects.filter(case=case, stage=stage).count()
        now = timezone.now()
        if event_id is not None:
            event = CaseEvent.objects.filter(pk=event_id, case=case).first()
            if event is None:
                raise ValidationError({"event": [_("No such entry in this case's timeline.")]})
        else:
            event = CaseEvent.objects.create(
                case=case,
                kind=EventKind.ATTACHED,
                actor=actor if actor is not None and actor.is_authenticated else None,
                actor_name=_actor_name(actor),
                at=now,
                data={"stage": stage, "count": len(photos)},
            )
        return _store_photos(
            actor=actor,
            case=case,
            event=event,
            stage=stage,
            photos=photos,
            now=now,
            stored=stored,
            already=already,
        )


# --- departments ------------------------------------------------------------------------


@transaction.atomic
def save_department(
    *, actor, code: str, name: str, area_code: str, members=(), is_active: bool = True
) -> Department:
    """Adds or changes a department and its staff (county admins; the operator)."""
    if actor is not None:
        scope.recheck(actor)
        if not (
            getattr(actor, "is_superuser", False)
            or any(role in states.COUNTY_ROLES for role, _c in scope.current_posts(actor))
        ):
            raise PermissionDenied(_("Only a county admin may configure departments."))
        scope.require_in_scope(actor, area_code)
    errors: dict = {}
    name = clean_line(name, field="name", limit=100, required=True, errors=errors)
    if len(str(area_code)) not in (6, 9) or not Area.objects.filter(code=area_code).exists():
        errors.setdefault("area_code", []).append(_("A department belongs to a county or a town."))
    _raise(errors)
    department = Department.objects.select_for_update().filter(code=code).first()
    before = audit.snapshot(department) if department else None
    if department is None:
        department = Department(code=code)
    department.name, department.area_code, department.is_active = name, area_code, is_active
    department.save()
    department.members.set(members)
    audit.record(
        actor=actor,
        action="department.save",
        obj=department,
        before=before,
        after={
            **audit.snapshot(department),
            "members": sorted(u.pk for u in department.members.all()),
        },
    )
    return department


# --- categories -------------------------------------------------------------------------


def _require_county_admin(actor) -> None:
    if actor is None or getattr(actor, "is_superuser", False):
        return
    scope.recheck(actor)
    if not any(role in states.COUNTY_ROLES for role, _c in scope.current_posts(actor)):
        raise PermissionDenied(_("Only a county admin may configure case categories."))


@transaction.atomic
def save_category(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    handling_level: str,
    accept: int,
    dispatch: int,
    resolve: int,
    is_urgent: bool = False,
    parent: str = "",
    department: str = "",
    is_active: bool = True,
    order: int = 0,
) -> Category:
    """Adds or changes a category. The limits are entered in hours, or in minutes for an
    urgent category, and stored in minutes. Two levels at most: a parent is a top-level
    category of the same kind."""
    _require_county_admin(actor)
    errors: dict = {}
    name = clean_line(name, field="name", limit=40, required=True, errors=errors)
    if kind not in CaseKind.values:
        errors.setdefault("kind", []).append(_("Choose patrol report or resident request."))
    if handling_level not in HandlingLevel.values:
        errors.setdefault("handling_level", []).append(
            _("Choose unit, village, town or department.")
        )
    limits = {}
    for field, value in (("accept", accept), ("dispatch", dispatch), ("resolve", resolve)):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            errors.setdefault(field, []).append(_("Give a whole number greater than zero."))
        limits[f"{field}_minutes"] = number if is_urgent else number * 60
    found_parent = None
    if parent:
        found_parent = Category.objects.filter(code=parent).first()
        if found_parent is None or found_parent.parent_id is not None or found_parent.code == code:
            errors.setdefault("parent", []).append(
                _("The parent must be a top-level category: categories have two levels.")
            )
        elif found_parent.kind != kind:
            errors.setdefault("parent", []).append(_("The parent must be of the same kind."))
    found_department = None
    if department:
        found_department = Department.objects.filter(code=department, is_active=True).first()
        if found_department is None:
            errors.setdefault("department", []).append(_("Unknown department."))
    elif handling_level == HandlingLevel.DEPARTMENT:
        errors.setdefault("department", []).append(_("Choose the department that handles it."))
    category = Category.objects.select_for_update().filter(code=code).first()
    if category is not None and found_parent is not None and category.children.exists():
        errors.setdefault("parent", []).append(
            _("This category has sub-categories: it must stay at the top level.")
        )
    _raise(errors)
    before = audit.snapshot(category) if category else None
    category = category or Category(code=code)
    category.name, category.kind, category.handling_level = name, kind, handling_level
    category.parent, category.department = found_parent, found_department
    category.is_urgent, category.is_active, category.order = is_urgent, is_active, order
    for field, minutes in limits.items():
        setattr(category, field, minutes)
    category.save()
    audit.record(
        actor=actor,
        action="case_category.save",
        obj=category,
        before=before,
        after=audit.snapshot(category),
    )
    return category


# --- the public: residents with a tracking code ---------------------------------------
# (yiwang.cases.public: the request and tracking pages; their flood limits live there.)

# Marks the follow-up event a resident gave on the tracking page: they rate a case once.
RATED_BY_RESIDENT = "resident"


def clean_tracking_code(value) -> str:
    """A tracking code as typed or read out (spaces, hyphens, full-width or lower-case
    letters allowed); "" when it cannot be one, so that no query is made for it."""
    text = validators.normalize_text(str(value or "")).upper()
    code = "".join(ch for ch in text if ch.isalnum())
    if len(code) != TRACKING_CODE_LENGTH or any(ch not in _TRACKING_ALPHABET for ch in code):
        return ""
    return code


def resident_has_rated(case: Case) -> bool:
    return CaseEvent.objects.filter(
        case=case, kind=EventKind.FOLLOWED_UP, data__by=RATED_BY_RESIDENT
    ).exists()


@transaction.atomic
def rate_by_resident(*, tracking_code: str, satisfaction: str, comment: str = "") -> Case:
    """The resident's own follow-up from the tracking page: their satisfaction with a
    resolved case, given once per case (a patrol report has no resident to ask). It takes
    the follow-up path: 不满意 reopens the case while reopens are left (once by default).
    No actor; audited as coming from the web page. 404 for an unknown code, Conflict when
    the case is not waiting for a rating or was rated already."""
    code = clean_tracking_code(tracking_code)
    case = (
        Case.objects.filter(tracking_code=code).exclude(source=Source.PATROL).first()
        if code
        else None
    )
    if case is None:
        raise Http404(_("Not found."))
    if resident_has_rated(case):
        raise Conflict(case, _("This request has been rated already: each request is rated once."))
    from yiwang.core.models import AuditSource

    with audit.audit_source(AuditSource.WEB):
        case = follow_up(actor=None, case_id=case.pk, satisfaction=satisfaction, note=comment)
    event = CaseEvent.objects.filter(case=case, kind=EventKind.FOLLOWED_UP).order_by("-id").first()
    event.data = {**event.data, "by": RATED_BY_RESIDENT}
    event.save(update_fields=["data"])
    return case


# --- the notices of a user ---------------------------------------------------------------


def _notice_ids(values) -> list[int]:
    """The ids as numbers; anything that cannot be an id is passed over."""
    ids = set()
    for value in values:
        if isinstance(value, bool):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < number < 1 << 63:
            ids.add(number)
    return sorted(ids)


def mark_notices_read(*, actor, notice_ids=None) -> int:
    """Marks the actor's unread notices as read: those of `notice_ids`, or all of them when
    it is None. Only notices addressed to the actor count (Notice.objects.for_user, against
    their posts as they are now): any other id is passed over exactly like one that does not
    exist. One UPDATE, and one audit entry with the count when anything was marked; answers
    the count. A notice to an area or a department is one row for whoever holds a post
    there: read by one of them, it is read for all."""
    ids = None if notice_ids is None else _notice_ids(notice_ids)
    if ids == []:
        return 0
    with transaction.atomic():
        scope.recheck(actor)
        states.forget_departments(actor)
        notices = Notice.objects.for_user(actor).unread()
        if ids is not None:
            notices = notices.filter(pk__in=ids)
        count = notices.update(read_at=timezone.now())
        if count:
            audit.record(
                actor=actor,
                action="case.notices_read",
                object_type=Notice._meta.label_lower,
                object_repr=str(actor),
                area_code=getattr(actor, "area_code", ""),
                after={"count": count, "notice_ids": ids},
            )
    return count
