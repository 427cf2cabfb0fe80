"""Every write of outreach's routines: atomic, checked against the actor's posts, audited.

The county's must-attend event types (六必到) and routines (八项制度); the events that
happened and who attended; the meetings held under a routine with their minutes,
attendees and decisions; a decision done as a task, or raised as a case.

`actor=None` is the operator at the command line, who may do all. Who may attend: anyone
holding a current post on the area's branch — on the area, above it, or inside it (a grid
meeting is attended by the workers of its units), and the actor themselves.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Post, User
from yiwang.areas.models import Area, Level
from yiwang.cases import services as case_services
from yiwang.cases.models import Case
from yiwang.core import audit, validators
from yiwang.core.scoping import get_in_scope, is_area_code
from yiwang.outreach.models import (
    NAME_MAX,
    Decision,
    Event,
    EventType,
    Meeting,
    Rhythm,
    Routine,
)
from yiwang.outreach.services import settings
from yiwang.registry.models import Household

CODE_MAX = 40
EVENT_TYPE_NAME_MAX = 50
PLACE_MAX = 200
TEXT_MAX = 10000
DECISION_MAX = 500
# At most this many decisions in one meeting, and attendees at one meeting or event.
DECISIONS_MAX = 50
ATTENDEES_MAX = 500
# A phone's clock may run a little ahead of the server's: a time this far ahead is "now".
CLOCK_SKEW = datetime.timedelta(minutes=5)
# A routine's code that would hide an API route (/api/v1/routines/compliance/).
RESERVED_CODES = {"compliance"}
# Meetings are held by a village, a grid or a unit; events happen anywhere in the tree.
MEETING_LEVELS = (Level.VILLAGE, Level.GRID, Level.UNIT)


# --- input ----------------------------------------------------------------------------


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _code(value, errors: dict) -> str:
    code = validators.normalize_code(value)
    try:
        validate_slug(code)
    except ValidationError:
        errors.setdefault("code", []).append(
            _("The code must be letters, digits, hyphens or underscores.")
        )
    if len(code) > CODE_MAX:
        errors.setdefault("code", []).append(
            _("The code can have at most %(n)d characters.") % {"n": CODE_MAX}
        )
    return code


def _order(value, errors: dict) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 32767:
        errors.setdefault("order", []).append(_("Give a whole number from 0 to 32767."))
    return number


def _past_time(value, *, field: str, errors: dict) -> datetime.datetime | None:
    """An aware time, not in the future. A naive one is read in the county's time zone."""
    when = value
    if isinstance(value, str):
        when = validators.read_datetime(value.strip())
    if not isinstance(when, datetime.datetime):
        errors.setdefault(field, []).append(_("Give a date and time, such as 2026-11-24 09:30."))
        return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now() + CLOCK_SKEW:
        errors.setdefault(field, []).append(
            _("The time is in the future: record it once it has happened.")
        )
        return None
    return when


def _date(value, *, field: str, errors: dict) -> datetime.date | None:
    if value in (None, ""):
        return None
    day = value
    if isinstance(value, str):
        day = validators.read_date(value.strip())
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    if not isinstance(day, datetime.date):
        errors.setdefault(field, []).append(_("Give a date, such as 2026-11-30."))
        return None
    return day


def _area_in_scope(actor, code, levels=None) -> Area:
    """An open area within the actor's scope; outside it answers 404, like a missing one."""
    code = str(code or "").strip()
    if not is_area_code(code):
        raise Http404(_("Not found."))
    area = get_in_scope(Area.objects.open(), actor, code=code)
    if levels is not None and area.level not in levels:
        raise ValidationError(
            {"area": [_("A meeting is held by a village, a grid or a unit: choose one of them.")]}
        )
    return area


def _ids(values, *, field: str, errors: dict) -> list[int]:
    ids = []
    for value in values or ():
        text = str(getattr(value, "pk", value)).strip()
        pk = validators.read_id(text)
        if pk is None:
            errors.setdefault(field, []).append(_("Unknown person: %(id)s.") % {"id": text[:30]})
            continue
        if pk not in ids:
            ids.append(pk)
    return ids


def _on_branch(post_code: str, area_code: str) -> bool:
    return area_code.startswith(post_code) or post_code.startswith(area_code)


def eligible_people(area_code: str):
    """Users who may attend at `area_code`: active, with a current post on its branch
    (the area, an area above it, or one inside it)."""
    above = [area_code[:n] for n in range(1, len(area_code) + 1)]
    posts = Post.objects.current().filter(
        Q(area_code__in=above) | Q(area_code__startswith=area_code),
        Q(area__closed_on__isnull=True) | Q(area__closed_on__gt=timezone.localdate()),
    )
    return User.objects.filter(is_active=True, pk__in=posts.values("user_id"))


def _people(actor, ids: list[int], area: Area, *, field: str, errors: dict) -> list[User]:
    """The users of `ids`, each allowed at the area (or the actor); one query for all."""
    if len(ids) > ATTENDEES_MAX:
        errors.setdefault(field, []).append(_("At most %(n)d people.") % {"n": ATTENDEES_MAX})
        return []
    found = {user.pk: user for user in eligible_people(area.code).filter(pk__in=ids)}
    if actor is not None and actor.pk in ids and actor.pk not in found:
        found[actor.pk] = actor
    missing = [i for i in ids if i not in found]
    if missing:
        names = dict(User.objects.filter(pk__in=missing).values_list("pk", "username"))
        for pk in missing:
            errors.setdefault(field, []).append(
                _(
                    "%(person)s holds no post in %(area)s or above it: only people of the "
                    "area can be recorded here."
                )
                % {"person": names.get(pk, pk), "area": area.name}
            )
    return [found[i] for i in ids if i in found]


# --- the county's settings: event types and routines ------------------------------------


@transaction.atomic
def save_event_type(
    *, actor, code: str, name: str, is_active: bool = True, order: int = 0
) -> EventType:
    """Adds the must-attend event type `code`, or changes it (county admins only). Types
    are retired (`is_active=False`), never deleted: events refer to them."""
    scope.require_configure(actor, message=settings.REFUSED, recheck=True)
    errors: dict = {}
    code = _code(code, errors)
    name = validators.clean_line(
        name, field="name", limit=EVENT_TYPE_NAME_MAX, required=True, errors=errors
    )
    order = _order(order, errors)
    if name and EventType.objects.filter(name=name).exclude(code=code).exists():
        errors.setdefault("name", []).append(
            _("Another event type is already called %(name)s.") % {"name": name}
        )
    _raise(errors)
    return settings.save_setting(
        EventType,
        actor=actor,
        code=code,
        values={"name": name, "is_active": bool(is_active), "order": order},
        actions=("outreach_event_type.save", "outreach_event_type.save"),
    )


@transaction.atomic
def save_routine(
    *,
    actor,
    code: str,
    name: str,
    rhythm: str,
    times: int,
    is_active: bool = True,
    order: int = 0,
) -> Routine:
    """Adds the routine `code`, or changes it (county admins only): how often it is kept
    (daily, weekly, monthly, quarterly) and how many times in each period (at least 1)."""
    scope.require_configure(actor, message=settings.REFUSED, recheck=True)
    errors: dict = {}
    code = _code(code, errors)
    if code in RESERVED_CODES:
        errors.setdefault("code", []).append(_("This code is reserved: choose another."))
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    if rhythm not in Rhythm.values:
        errors.setdefault("rhythm", []).append(
            _("Choose how often it is kept: daily, weekly, monthly or quarterly.")
        )
    try:
        times = int(times)
    except (TypeError, ValueError):
        times = 0
    if not 1 <= times <= 100:
        errors.setdefault("times", []).append(
            _("Give how many times in each period: a whole number from 1 to 100.")
        )
    order = _order(order, errors)
    if name and Routine.objects.filter(name=name).exclude(code=code).exists():
        errors.setdefault("name", []).append(
            _("Another routine is already called %(name)s.") % {"name": name}
        )
    _raise(errors)
    return settings.save_setting(
        Routine,
        actor=actor,
        code=code,
        values={
            "name": name,
            "rhythm": rhythm,
            "times": times,
            "is_active": bool(is_active),
            "order": order,
        },
        actions=("outreach_routine.save", "outreach_routine.save"),
    )


@transaction.atomic
def set_event_type_active(*, actor, code: str, is_active: bool) -> EventType:
    """Retires an event type (or takes it back): it can no longer be chosen for an event."""
    scope.require_configure(actor, message=settings.REFUSED, recheck=True)
    event_type = EventType.objects.select_for_update().filter(code=code).first()
    if event_type is None:
        raise Http404(_("Not found."))
    return save_event_type(
        actor=actor,
        code=code,
        name=event_type.name,
        is_active=is_active,
        order=event_type.order,
    )


@transaction.atomic
def set_routine_active(*, actor, code: str, is_active: bool) -> Routine:
    """Retires a routine (or takes it back): no new meetings, and compliance leaves it out."""
    scope.require_configure(actor, message=settings.REFUSED, recheck=True)
    routine = Routine.objects.select_for_update().filter(code=code).first()
    if routine is None:
        raise Http404(_("Not found."))
    return save_routine(
        actor=actor,
        code=code,
        name=routine.name,
        rhythm=routine.rhythm,
        times=routine.times,
        is_active=is_active,
        order=routine.order,
    )


# --- must-attend events -------------------------------------------------------------------


def _snapshot_with_people(obj, people: list[User]) -> dict:
    return {**audit.snapshot(obj), "attendees": sorted(user.pk for user in people)}


@transaction.atomic
def record_event(
    *,
    actor,
    event_type_code: str,
    title: str,
    happened_at,
    area_code: str,
    place: str = "",
    notes: str = "",
    household_id: int | None = None,
    attendee_ids=(),
) -> Event:
    """Records a must-attend event that happened in an area of the actor's scope (404
    outside it), with the people who attended: at least one, each holding a post on the
    area's branch (or the actor); a household of the area may be named."""
    scope.recheck(actor)
    area = _area_in_scope(actor, area_code)
    errors: dict = {}
    event_type = None
    if event_type_code:
        event_type = EventType.objects.filter(
            code=str(event_type_code).strip(), is_active=True
        ).first()
    if event_type is None:
        errors.setdefault("event_type", []).append(
            _("Unknown event type: choose one of the list of must-attend events.")
        )
    title = validators.clean_line(
        title, field="title", limit=NAME_MAX, required=True, errors=errors
    )
    place = validators.clean_line(
        place, field="place", limit=PLACE_MAX, required=False, errors=errors
    )
    notes = validators.clean_text(
        notes, field="notes", limit=TEXT_MAX, required=False, errors=errors
    )
    when = _past_time(happened_at, field="happened_at", errors=errors)
    household = None
    if household_id not in (None, ""):
        text = str(household_id).strip()
        households = (
            Household.objects.all() if actor is None else Household.objects.visible_to(actor)
        )
        if validators.read_id(text) is not None:
            household = households.under(area.code).filter(pk=validators.read_id(text)).first()
        if household is None:
            errors.setdefault("household", []).append(
                _("There is no such household in %(area)s.") % {"area": area.name}
            )
    ids = _ids(attendee_ids, field="attendees", errors=errors)
    if not ids and "attendees" not in errors:
        errors.setdefault("attendees", []).append(_("Name at least one person who attended."))
    people = _people(actor, ids, area, field="attendees", errors=errors)
    _raise(errors)

    event = Event.objects.create(
        event_type=event_type,
        title=title,
        happened_at=when,
        area_code=area.code,
        place=place,
        notes=notes,
        household=household,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    event.attendees.set(people)
    audit.record(
        actor=actor,
        action="outreach_event.create",
        obj=event,
        after=_snapshot_with_people(event, people),
    )
    return event


# --- meetings and their decisions ---------------------------------------------------------


def _decisions(actor, rows, area: Area, errors: dict) -> list[Decision]:
    """The decision rows, checked: a text each; an owner of the area's branch; a due date
    only with an owner (owner and due date make it a task). Messages name the row: its
    place in the list, or the `row` it carries (the number a form shows)."""
    rows = list(rows or ())
    if len(rows) > DECISIONS_MAX:
        errors.setdefault("decisions", []).append(
            _("At most %(n)d decisions in one meeting.") % {"n": DECISIONS_MAX}
        )
        return []
    values = [row.get("owner_id", row.get("owner")) for row in rows]
    # Every owner looked up in one query; a row's unknown owner is reported with its row.
    owner_ids = _ids([v for v in values if v not in (None, "")], field="owner", errors={})
    owners = {u.pk: u for u in _people(actor, owner_ids, area, field="owner", errors={})}
    decisions: list[Decision] = []
    for n, (row, owner_value) in enumerate(zip(rows, values, strict=True), start=1):
        row_errors: dict = {}
        text = validators.clean_line(
            row.get("text"), field="text", limit=DECISION_MAX, required=True, errors=row_errors
        )
        due_on = _date(row.get("due_on"), field="due_on", errors=row_errors)
        owner = None
        if owner_value not in (None, ""):
            pk = str(getattr(owner_value, "pk", owner_value)).strip()
            owner = owners.get(validators.read_id(pk))
            if owner is None:
                row_errors.setdefault("owner", []).append(
                    _("The owner must hold a post in %(area)s or above it.") % {"area": area.name}
                )
        elif due_on is not None:
            row_errors.setdefault("owner", []).append(
                _("A decision with a due date needs an owner, who answers for it.")
            )
        for messages in row_errors.values():
            for message in messages:
                errors.setdefault("decisions", []).append(
                    _("Decision %(n)s: %(message)s") % {"n": row.get("row", n), "message": message}
                )
        decisions.append(Decision(text=text, owner=owner, due_on=due_on))
    return decisions


@transaction.atomic
def record_meeting(
    *,
    actor,
    routine_code: str,
    area_code: str,
    held_at,
    minutes: str = "",
    attendee_ids=(),
    decisions=(),
) -> Meeting:
    """Records a meeting held under a routine by a village, grid or unit of the actor's
    scope (404 outside it): the minutes, who attended (as for events), and what it decided
    (`[{"text", "owner_id"?, "due_on"?}]`)."""
    scope.recheck(actor)
    area = _area_in_scope(actor, area_code, levels=MEETING_LEVELS)
    errors: dict = {}
    routine = None
    if routine_code:
        routine = Routine.objects.filter(code=str(routine_code).strip(), is_active=True).first()
    if routine is None:
        errors.setdefault("routine", []).append(_("Unknown routine: choose one of the list."))
    when = _past_time(held_at, field="held_at", errors=errors)
    minutes = validators.clean_text(
        minutes, field="minutes", limit=TEXT_MAX, required=False, errors=errors
    )
    ids = _ids(attendee_ids, field="attendees", errors=errors)
    if not ids and "attendees" not in errors:
        errors.setdefault("attendees", []).append(_("Name at least one person who attended."))
    people = _people(actor, ids, area, field="attendees", errors=errors)
    rows = _decisions(actor, decisions, area, errors)
    _raise(errors)

    meeting = Meeting.objects.create(
        routine=routine,
        area_code=area.code,
        held_at=when,
        minutes=minutes,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    meeting.attendees.set(people)
    for decision in rows:
        decision.meeting = meeting
    Decision.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action="outreach_meeting.create",
        obj=meeting,
        after={
            **_snapshot_with_people(meeting, people),
            "decisions": [
                {"text": d.text, "owner_id": d.owner_id, "due_on": d.due_on} for d in rows
            ],
        },
    )
    return meeting


def _decision_in_scope(actor, decision_id, *, owners_too: bool = False) -> Decision:
    """The decision, locked, if its meeting lies in the actor's scope (or, with
    `owners_too`, the actor owns it: a unit's worker owns tasks of the grid's meeting);
    404 otherwise."""
    text = str(decision_id).strip()
    decision = None
    if validators.read_id(text) is not None:
        decision = (
            Decision.objects.select_for_update(of=("self",))
            .select_related("meeting")
            .filter(pk=validators.read_id(text))
            .first()
        )
    visible = actor is None or (
        decision is not None
        and (
            scope.in_scope(actor, decision.meeting.area_code)
            or (owners_too and decision.owner_id == actor.pk)
        )
    )
    if decision is None or not visible:
        raise Http404(_("Not found."))
    return decision


@transaction.atomic
def complete_decision(*, actor, decision_id) -> Decision:
    """Marks a task done: only its owner does (the operator too). Done twice is refused."""
    scope.recheck(actor)
    decision = _decision_in_scope(actor, decision_id, owners_too=True)
    if actor is not None and decision.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner of the task marks it done."))
    if decision.owner_id is None or decision.due_on is None:
        raise ValidationError(
            {"decision": [_("This decision is not a task: it has no owner and due date.")]}
        )
    if decision.done_on is not None:
        raise ValidationError(
            {
                "decision": [
                    _("This task was already marked done on %(day)s.") % {"day": decision.done_on}
                ]
            }
        )
    before = audit.snapshot(decision)
    decision.done_on = timezone.localdate()
    decision.save(update_fields=["done_on"])
    audit.record(
        actor=actor,
        action="outreach_decision.complete",
        obj=decision,
        area_code=decision.meeting.area_code,
        before=before,
        after=audit.snapshot(decision),
    )
    return decision


@transaction.atomic
def decision_to_case(
    *,
    actor,
    decision_id,
    category_code: str,
    unit_code: str = "",
    household_id: int | None = None,
    lat=None,
    lng=None,
    address: str = "",
) -> Case:
    """Raises a case from a decision, as a patrol report of the actor (the cases' own
    intake, report_case) with the decision's text, and links it. A case lies in a unit: a
    meeting held by a unit gives it its unit; a grid's or a village's meeting needs the
    unit (or a household, or a point) inside the meeting's area. A decision raises one
    case."""
    scope.recheck(actor)
    decision = _decision_in_scope(actor, decision_id)
    meeting = decision.meeting
    if decision.case_id is not None:
        raise ValidationError({"decision": [_("This decision has already raised a case.")]})
    area = Area.objects.filter(code=meeting.area_code).first()
    unit_code = str(unit_code or "").strip()
    if not unit_code and area is not None and area.level == Level.UNIT:
        unit_code = area.code
    if unit_code and not unit_code.startswith(meeting.area_code):
        raise ValidationError(
            {
                "unit": [
                    _("Choose a unit inside the meeting's area, %(area)s.") % {"area": area.name}
                ]
            }
        )
    if not unit_code and household_id in (None, "") and lat in (None, ""):
        raise ValidationError(
            {
                "unit": [
                    _(
                        "Say where the case lies: a unit of %(area)s, a household, or a point "
                        "on the map."
                    )
                    % {"area": area.name if area else meeting.area_code}
                ]
            }
        )
    case = case_services.report_case(
        actor=actor,
        category=category_code,
        text=decision.text,
        title="",
        lat=lat,
        lng=lng,
        unit_code=unit_code,
        household_id=household_id,
        address=address or (area.name if area else ""),
    )
    if not case.area_code.startswith(meeting.area_code):
        raise ValidationError(
            {
                "location": [
                    _("The case must lie inside the meeting's area, %(area)s.")
                    % {"area": area.name}
                ]
            }
        )
    before = audit.snapshot(decision)
    decision.case = case
    decision.save(update_fields=["case"])
    audit.record(
        actor=actor,
        action="outreach_decision.case",
        obj=decision,
        area_code=meeting.area_code,
        before=before,
        after=audit.snapshot(decision),
    )
    return case
