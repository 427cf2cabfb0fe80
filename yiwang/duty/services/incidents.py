"""Every write of incidents on their 1/2/24-hour reporting clock: the report from the
village, the town's and the county's confirmations of receipt, the written report, the
closing; and the sweep (every 5 minutes) that reminds and raises them.

The clocks (hours from the village's learning of it, `learned_at`):
- to the town: `town_due` = learned_at + 1 h;
- to the county: `county_due` = town_due + 2 h until the town receives it, then
  town_at + 2 h;
- the written report: `written_due` = learned_at + 24 h.
A clock is reminded once when three quarters of it have run (to the level that owes
it: the village the town clock, the town the county clock and the written report), and
once overdue it is marked late for good and raised once to the level above (the town's
admins for the town clock, the county's for the others). A step done after its due time
is marked late too. `reminded` holds the clocks reminded ("town") and raised ("town!").

Incidents are reported, received and written by people: `actor` is required (the
updates' log names who did each step). The sweep runs with no actor.
"""

from __future__ import annotations

import datetime
import uuid as uuid_module

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Max, Q
from django.db.models.functions import Cast, Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.codes import LENGTH_BY_LEVEL
from yiwang.core import audit, validators
from yiwang.duty import access
from yiwang.duty.models import Incident, IncidentKind, IncidentStatus, IncidentUpdate
from yiwang.notices.models import Notification

NOTICE_DUE = "duty.incident_due"
NOTICE_ESCALATED = "duty.incident_escalated"
# Sent at once when an incident is reported (to the town) and when the town received it
# (to the county): the level above learns of it then, not when a clock runs out.
NOTICE_REPORTED = "duty.incident_reported"
TITLE_MAX = 100
TEXT_MAX = 4000
CASUALTIES_MAX = 200
NOTE_MAX = 2000
NUMBER_ATTEMPTS = 20
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = datetime.timedelta(minutes=5)

TOWN_HOURS = datetime.timedelta(hours=1)
COUNTY_HOURS = datetime.timedelta(hours=2)
WRITTEN_HOURS = datetime.timedelta(hours=24)
OPEN = (
    IncidentStatus.REPORTED,
    IncidentStatus.AT_TOWN,
    IncidentStatus.AT_COUNTY,
    IncidentStatus.WRITTEN,
)

# Each clock: its due field, its done field, its late flag, its length, the level that
# owes it (reminded) and the level above (raised to).
CLOCKS = {
    "town": ("town_due", "town_at", "town_late", TOWN_HOURS, "village", "town"),
    "county": ("county_due", "county_at", "county_late", COUNTY_HOURS, "town", "county"),
    "written": ("written_due", "written_at", "written_late", WRITTEN_HOURS, "town", "county"),
}


def _now(at=None) -> datetime.datetime:
    return at or timezone.now()


def _require_actor(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ValueError("An incident's step is made by someone: the service needs an actor.")
    scope.recheck(actor)


def _moment(value, field: str, errors: dict, *, required: bool = True):
    """An aware datetime as sent (a datetime or ISO text), or a message on `field`."""
    moment = value
    if isinstance(value, str):
        moment = validators.read_datetime(value.strip()) if value.strip() else None
    if moment is None and not required:
        return None
    if not isinstance(moment, datetime.datetime):
        errors.setdefault(field, []).append(_("Give the date and time, e.g. 2026-07-12T09:30."))
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _read_uuid(value) -> uuid_module.UUID:
    if isinstance(value, uuid_module.UUID):
        return value
    try:
        return uuid_module.UUID(str(value or "").strip())
    except ValueError:
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "Not a UUID: the app makes one for each entry, e.g. with crypto.randomUUID()."
                    )
                ]
            }
        ) from None


def _read_pk(value) -> int:
    pk = validators.read_id(getattr(value, "pk", value))
    if pk is None:
        raise Http404(_("Not found."))
    return pk


def level_code(area_code: str, level: str) -> str:
    """The code of the area of `level` above (or at) `area_code`."""
    return area_code[: LENGTH_BY_LEVEL[level]]


# --- reporting ------------------------------------------------------------------------


def _next_number(day: datetime.date) -> str:
    prefix = f"YJ{day:%Y%m%d}-"
    last = (
        Incident.objects.filter(number__startswith=prefix)
        .annotate(serial=Cast(Substr("number", len(prefix) + 1), BigIntegerField()))
        .aggregate(last=Max("serial"))["last"]
    )
    return f"{prefix}{(last or 0) + 1:03d}"


def _insert(row: Incident) -> Incident | None:
    """Saves the new incident with the day's next number; answers the stored one when
    another copy (the same uuid) was saved meanwhile."""
    day = timezone.localdate(timezone.now())
    for _attempt in range(NUMBER_ATTEMPTS):
        row.number = _next_number(day)
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            return None
        except IntegrityError:
            stored = Incident.objects.filter(uuid=row.uuid).first()
            if stored is not None:
                return stored
            if not Incident.objects.filter(number=row.number).exists():
                raise
            row.pk = None
    raise ValidationError(_("Too many incidents were reported at this moment: send it again."))


def _stored(actor, key) -> Incident | None:
    stored = Incident.objects.filter(uuid=key).first()
    if stored is None:
        return None
    if not Incident.objects.visible_to(actor).filter(pk=stored.pk).exists():
        raise ValidationError({"uuid": [_("That UUID belongs to another incident.")]})
    return stored


def _log(incident: Incident, actor, status: str, note: str, at) -> None:
    IncidentUpdate.objects.create(incident=incident, at=at, actor=actor, status=status, note=note)


@transaction.atomic
def report_incident(
    *,
    actor,
    area_code,
    kind,
    title,
    text,
    occurred_at,
    learned_at=None,
    casualties="",
    uuid=None,
) -> tuple[Incident, bool]:
    """Records an emergency in a village (or a unit of it), by whoever holds a post over
    it, with its three clocks. The same `uuid` again answers (the stored incident,
    False)."""
    _require_actor(actor)
    key = _read_uuid(uuid) if uuid not in (None, "") else uuid_module.uuid4()
    stored = _stored(actor, key)
    if stored is not None:
        return stored, False
    errors: dict = {}
    code = str(area_code or "").strip()
    from yiwang.areas.models import Area

    area = Area.objects.filter(code=code).first() if code else None
    if area is None or not scope.in_scope(actor, code):
        errors["area_code"] = [_("Choose the village (or a unit in it) from the list.")]
    elif len(code) < LENGTH_BY_LEVEL["village"]:
        errors["area_code"] = [
            _("An incident is reported in a village or a unit in it, not in a town or county.")
        ]
    elif not access.can_report(actor, code):
        raise PermissionDenied(_("Your posts do not allow reporting an incident here."))
    if kind not in IncidentKind.values:
        errors["kind"] = [_("Choose the kind of incident from the list.")]
    title = validators.clean_line(
        title, field="title", limit=TITLE_MAX, required=True, errors=errors
    )
    text = validators.clean_text(text, field="text", limit=TEXT_MAX, required=True, errors=errors)
    casualties = validators.clean_line(
        casualties, field="casualties", limit=CASUALTIES_MAX, required=False, errors=errors
    )
    now = timezone.now()
    occurred = _moment(occurred_at, "occurred_at", errors)
    learned = _moment(learned_at, "learned_at", errors, required=False) or now
    for field, moment in (("occurred_at", occurred), ("learned_at", learned)):
        if moment is not None and moment > now + CLOCK_SKEW:
            errors.setdefault(field, []).append(
                _("The time cannot be in the future: check the date and time.")
            )
    if occurred is not None and learned is not None and learned < occurred:
        errors.setdefault("learned_at", []).append(
            _("The village cannot have learned of it before it happened.")
        )
    if errors:
        raise ValidationError(errors)
    town_due = learned + TOWN_HOURS
    row = Incident(
        area_code=code,
        kind=kind,
        title=title,
        text=text,
        casualties=casualties,
        occurred_at=occurred,
        learned_at=learned,
        town_due=town_due,
        county_due=town_due + COUNTY_HOURS,
        written_due=learned + WRITTEN_HOURS,
        reported_by=actor,
        uuid=key,
    )
    stored = _insert(row)
    if stored is not None:
        return stored, False
    _log(row, actor, IncidentStatus.REPORTED, "", now)
    audit.record(actor=actor, action="duty_incident.report", obj=row, after=audit.snapshot(row))
    _notify(
        NOTICE_REPORTED,
        row,
        "town",
        _(
            "Incident %(number)s (%(title)s) was reported from the village: the town "
            "confirms receipt by %(due)s."
        )
        % _notice_values(row, row.town_due),
    )
    return row, True


def _load(actor, incident_id) -> Incident:
    try:
        return (
            Incident.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .get(pk=_read_pk(incident_id))
        )
    except Incident.DoesNotExist:
        raise Http404(_("Not found.")) from None


def _note(note, errors: dict) -> str:
    return validators.clean_text(note, field="note", limit=NOTE_MAX, required=False, errors=errors)


def _step(actor, row: Incident, action: str, values: dict, note: str, at) -> Incident:
    before = {name: getattr(row, name) for name in values}
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=[*values, "updated_at"])
    _log(row, actor, row.status, note, at)
    audit.record(actor=actor, action=action, obj=row, before=before, after=values)
    return row


def _when(at, row: Incident, errors: dict, *, after=None, after_message=None):
    """The moment of a step (now when not given): not in the future, not before the
    village learned of it, nor before `after` (the step before it) when given."""
    now = timezone.now()
    moment = _moment(at, "at", errors, required=False) or now
    if moment > now + CLOCK_SKEW:
        errors.setdefault("at", []).append(
            _("The time cannot be in the future: check the date and time.")
        )
    elif moment < row.learned_at:
        errors.setdefault("at", []).append(
            _("The time cannot be before the village learned of it.")
        )
    elif after is not None and moment < after:
        errors.setdefault("at", []).append(after_message)
    return moment


@transaction.atomic
def receive_at_town(*, actor, incident_id, note="", at=None) -> Incident:
    """The town confirms it received the incident (its admins, or the county's): the
    county clock now runs 2 hours from then; late when after `town_due`."""
    _require_actor(actor)
    row = _load(actor, incident_id)
    if not access.can_receive_at_town(actor, row.area_code):
        raise PermissionDenied(_("The town's admins confirm that the town received an incident."))
    if row.status != IncidentStatus.REPORTED:
        raise ValidationError({"status": [_("The town has confirmed this incident already.")]})
    errors: dict = {}
    note = _note(note, errors)
    moment = _when(at, row, errors)
    if errors:
        raise ValidationError(errors)
    row = _step(
        actor,
        row,
        "duty_incident.town",
        {
            "status": IncidentStatus.AT_TOWN,
            "town_at": moment,
            "town_late": row.town_late or moment > row.town_due,
            "county_due": moment + COUNTY_HOURS,
        },
        note,
        moment,
    )
    _notify(
        NOTICE_REPORTED,
        row,
        "county",
        _(
            "The town reported incident %(number)s (%(title)s): the county confirms "
            "receipt by %(due)s."
        )
        % _notice_values(row, row.county_due),
    )
    return row


@transaction.atomic
def receive_at_county(*, actor, incident_id, note="", at=None) -> Incident:
    """The county confirms it received the incident from the town (a county admin)."""
    _require_actor(actor)
    row = _load(actor, incident_id)
    if not access.can_receive_at_county(actor):
        raise PermissionDenied(
            _("The county's admins confirm that the county received an incident.")
        )
    if row.status != IncidentStatus.AT_TOWN:
        raise ValidationError(
            {"status": [_("The county confirms an incident once, after the town did.")]}
        )
    errors: dict = {}
    note = _note(note, errors)
    moment = _when(
        at,
        row,
        errors,
        after=row.town_at,
        after_message=_("The county cannot have received it before the town did."),
    )
    if errors:
        raise ValidationError(errors)
    return _step(
        actor,
        row,
        "duty_incident.county",
        {
            "status": IncidentStatus.AT_COUNTY,
            "county_at": moment,
            "county_late": row.county_late or moment > row.county_due,
        },
        note,
        moment,
    )


@transaction.atomic
def file_written_report(*, actor, incident_id, report, at=None) -> Incident:
    """The written report, once the county has the incident: by whoever may report it
    (the village's, the town's or the county's people); late after `written_due`.

    Its moment (`at`) must be after the village learned of it and not in the future,
    and MAY be before the county's receipt: the 24-hour clock runs from `learned_at`
    on its own, and a village often writes its report while the town is still passing
    the incident up; it is entered here once the county has the incident."""
    _require_actor(actor)
    row = _load(actor, incident_id)
    if not access.can_report(actor, row.area_code):
        raise PermissionDenied(_("Your posts do not allow reporting on this incident."))
    if row.status != IncidentStatus.AT_COUNTY:
        raise ValidationError(
            {"status": [_("The written report follows once the county has received the incident.")]}
        )
    errors: dict = {}
    report = validators.clean_text(
        report, field="report", limit=TEXT_MAX * 4, required=True, errors=errors
    )
    moment = _when(at, row, errors)
    if errors:
        raise ValidationError(errors)
    return _step(
        actor,
        row,
        "duty_incident.written",
        {
            "status": IncidentStatus.WRITTEN,
            "written_at": moment,
            "written_report": report,
            "written_late": row.written_late or moment > row.written_due,
        },
        "",
        moment,
    )


@transaction.atomic
def close_incident(*, actor, incident_id, note="") -> Incident:
    """Closes the incident (a county admin), once the written report is filed: closing
    stops the clocks, so it never stops the 24-hour one with no report."""
    _require_actor(actor)
    row = _load(actor, incident_id)
    if not access.can_receive_at_county(actor):
        raise PermissionDenied(_("The county's admins close an incident."))
    if row.status == IncidentStatus.CLOSED:
        raise ValidationError({"status": [_("This incident is closed already.")]})
    if row.status != IncidentStatus.WRITTEN or not row.written_at:
        raise ValidationError(
            {"status": [_("An incident is closed once its written report is filed.")]}
        )
    errors: dict = {}
    note = _note(note, errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    return _step(
        actor,
        row,
        "duty_incident.close",
        {"status": IncidentStatus.CLOSED, "closed_at": now},
        note,
        now,
    )


def incident_links(user, ids) -> dict:
    """{incident id: (URL, number)} of the incidents among `ids` the user sees (the inbox)."""
    from django.urls import reverse

    rows = Incident.objects.visible_to(user).filter(pk__in=list(ids)).values_list("pk", "number")
    return {pk: (reverse("duty:incident", args=[pk]), number) for pk, number in rows}


# --- the clock sweep ------------------------------------------------------------------


def clock_label(clock: str) -> str:
    return {
        "town": _("the report to the town (1 hour)"),
        "county": _("the report to the county (2 hours)"),
        "written": _("the written report (24 hours)"),
    }[clock]


def _pending(row: Incident, clock: str) -> bool:
    _due, done, _late, _length, _owes, _above = CLOCKS[clock]
    return row.status in OPEN and getattr(row, done) is None


def _claim(row: Incident, marker: str, changes: dict) -> bool:
    """Adds `marker` to the row's `reminded` (and writes `changes`) unless another sweep
    did: a conditional UPDATE on the list as read."""
    marks = list(row.reminded or [])
    if marker in marks:
        return False
    claimed = Incident.objects.filter(pk=row.pk, reminded=row.reminded, status=row.status).update(
        reminded=[*marks, marker], updated_at=timezone.now(), **changes
    )
    if claimed:
        row.reminded = [*marks, marker]
        for name, value in changes.items():
            setattr(row, name, value)
    return bool(claimed)


def _notify(kind: str, row: Incident, level: str, text: str) -> None:
    Notification.objects.create(
        kind=kind,
        object_type=row._meta.label_lower,
        object_id=row.pk,
        area_code=level_code(row.area_code, level),
        level=level,
        text=text,
    )


def _notice_values(row: Incident, due) -> dict:
    return {
        "number": row.number,
        "title": row.title,
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
    }


def _sweep_one(row: Incident, now: datetime.datetime, counts: dict) -> None:
    for clock, (due_field, _done, late_flag, length, owes, above) in CLOCKS.items():
        if not _pending(row, clock):
            continue
        due = getattr(row, due_field)
        values = {"number": row.number, "title": row.title, "clock": clock_label(clock)}
        values["due"] = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
        if now > due and f"{clock}!" not in (row.reminded or []):
            with transaction.atomic():
                if not _claim(row, f"{clock}!", {late_flag: True}):
                    continue
                _notify(
                    NOTICE_ESCALATED,
                    row,
                    above,
                    _("Incident %(number)s (%(title)s) is overdue: %(clock)s was due at %(due)s.")
                    % values,
                )
                audit.record(
                    actor=None,
                    action="duty_incident.escalate",
                    obj=row,
                    before={late_flag: False},
                    after={late_flag: True, "clock": clock, "to": above},
                )
            counts["escalated"] += 1
        elif due - length / 4 <= now <= due and clock not in (row.reminded or []):
            with transaction.atomic():
                if not _claim(row, clock, {}):
                    continue
                _notify(
                    NOTICE_DUE,
                    row,
                    owes,
                    _("Incident %(number)s (%(title)s): %(clock)s is due at %(due)s.") % values,
                )
                audit.record(
                    actor=None,
                    action="duty_incident.remind",
                    obj=row,
                    after={"clock": clock, "to": owes},
                )
            counts["reminded"] += 1


def sweep_incident_clocks(now=None) -> dict:
    """The round of the open incidents' clocks (every 5 minutes): each clock reminded once
    at three quarters of it, raised once when overdue (marked late for good).
    Idempotent, safe on two consumers at once (each write is a conditional UPDATE).
    Answers the counts."""
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0}
    # A clock whose last quarter has begun and that is still to be done.
    soon = Q()
    for _clock, (due_field, done, _late, length, _owes, _above) in CLOCKS.items():
        soon |= Q(**{f"{done}__isnull": True, f"{due_field}__lte": now + length / 4})
    rows = Incident.objects.filter(status__in=OPEN).filter(soon).order_by("pk")
    for row in rows:
        _sweep_one(row, now, counts)
    return counts
