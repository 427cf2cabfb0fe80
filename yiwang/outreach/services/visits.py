"""Every write of outreach's visits: atomic, checked against the actor's posts, audited.

The visits themselves (idempotent on the client's UUID), their edits, skipping a
scheduled visit, and the occurrences of a trigger. The schedule they feed is
services/schedule.py; the visit rules and triggers (the county admin's) are
services/rules.py.

`actor=None` is the operator at the command line or a background task, who may do all.
A household is reachable by an actor when it lies in the subtrees of their posts or when
they are its current pairing's sponsor (a sponsor may pair across the tree); anything
else answers 404, as missing.
"""

from __future__ import annotations

import datetime
import math
import uuid as uuid_module

import shapely
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from yiwang.accounts import scope
from yiwang.core import audit, validators
from yiwang.core import photos as photo_files
from yiwang.core.scoping import any_subtree_q, get_or_404
from yiwang.outreach.models import (
    NOTE_MAX,
    REASON_MAX,
    Enterprise,
    Occurrence,
    Outcome,
    Pairing,
    RuleKind,
    ScheduledVisit,
    ScheduleStatus,
    Trigger,
    Visit,
    VisitKey,
    VisitPhoto,
    VisitRule,
    VisitSource,
)
from yiwang.outreach.services import schedule
from yiwang.registry.models import Household, HouseholdStatus

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = datetime.timedelta(minutes=5)
# A point farther than this from the household's unit is flagged (never refused).
FAR_METRES = 500
# An occurrence may be recorded this long after it happened.
OCCURRENCE_BACKDATE_DAYS = 365
_METRES_PER_DEGREE = 111_320


def backdate_days() -> int:
    """How many days back a visit may be recorded or edited: settings.OUTREACH_BACKDATE_DAYS
    (7 by default)."""
    return settings.OUTREACH_BACKDATE_DAYS


# --- input ----------------------------------------------------------------------------


def _uuid(value) -> uuid_module.UUID:
    if isinstance(value, uuid_module.UUID):
        return value
    try:
        return uuid_module.UUID(str(value or "").strip())
    except ValueError:
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "Not a UUID: the app makes one for each visit, e.g. with crypto.randomUUID()."
                    )
                ]
            }
        ) from None


def _moment(value, errors: dict) -> datetime.datetime | None:
    moment = value
    if isinstance(value, str):
        moment = validators.read_datetime(value.strip()) if value.strip() else None
    if not isinstance(moment, datetime.datetime):
        errors.setdefault("visited_at", []).append(
            _("Give the date and time of the visit, e.g. 2026-03-01T09:30.")
        )
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def check_visit_time(moment: datetime.datetime, errors: dict, now=None) -> None:
    """Not in the future (a few minutes' skew allowed), not further back than the limit."""
    now = now or timezone.now()
    days = backdate_days()
    if moment > now + CLOCK_SKEW:
        errors.setdefault("visited_at", []).append(
            _("The visit cannot be in the future: check the date and time, and the phone's clock.")
        )
    elif moment < now - datetime.timedelta(days=days):
        errors.setdefault("visited_at", []).append(
            _(
                "A visit can be recorded or changed up to %(days)d days after it took place; "
                "this one is older. Ask your grid chief to note it."
            )
            % {"days": days}
        )


def _coordinate(value, *, field: str, low: float, high: float, errors: dict) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        errors.setdefault(field, []).append(
            _("Not a number of degrees between %(low)d and %(high)d (WGS 84).")
            % {"low": low, "high": high}
        )
        return None
    return number


def _point(latitude, longitude, errors: dict) -> tuple[float | None, float | None]:
    given = [v not in (None, "") for v in (latitude, longitude)]
    if not any(given):
        return None, None
    if not all(given):
        field = "longitude" if given[0] else "latitude"
        errors.setdefault(field, []).append(
            _("Give both latitude and longitude, as decimal degrees (WGS 84).")
        )
        return None, None
    lat = _coordinate(latitude, field="latitude", low=-90, high=90, errors=errors)
    lng = _coordinate(longitude, field="longitude", low=-180, high=180, errors=errors)
    return lat, lng


def is_far(boundary, lat: float | None, lng: float | None) -> bool:
    """Whether the point lies farther than FAR_METRES outside the boundary (GeoJSON). No
    point or no boundary: not flagged. Distances on a plane scaled to metres at the
    point's latitude: a few metres off at 500 m, which is all a flag needs."""
    if lat is None or lng is None or not boundary:
        return False
    try:
        area = shape(boundary)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        return False
    point = shapely.Point(lng, lat)
    if area.covers(point):
        return False
    scale = math.cos(math.radians(lat))

    def metres(coords):
        return coords * [_METRES_PER_DEGREE * scale, _METRES_PER_DEGREE]

    return shapely.transform(area, metres).distance(shapely.transform(point, metres)) > FAR_METRES


# --- who reaches what -------------------------------------------------------------------


def _sponsored(actor, field: str):
    return (
        Pairing.objects.current()
        .filter(sponsor_id=actor.pk, **{f"{field}__isnull": False})
        .values(field)
        .order_by()
    )


def reachable(queryset, actor, field: str):
    """Households (field "household_id") or enterprises ("enterprise_id") of the actor's
    scope, or whose current pairing the actor sponsors."""
    if actor is None:
        return queryset
    codes = scope.scope_codes(actor)
    if codes is None:
        return queryset
    return queryset.filter(any_subtree_q("area_code", codes) | Q(pk__in=_sponsored(actor, field)))


def _subject(actor, household_id, enterprise_id, *, with_area: bool = True):
    """(household, enterprise): exactly one, reachable by the actor, else 404. With
    `with_area`, its unit (or area) comes along, for the boundary a GPS point is checked
    against; a visit without a point does without it (a boundary is a large JSON)."""
    if (household_id in (None, "")) == (enterprise_id in (None, "")):
        raise ValidationError(
            {"household": [_("Say which household (or which enterprise) was visited.")]}
        )
    if household_id not in (None, ""):
        households = Household.objects.select_related("unit") if with_area else Household.objects
        found = _reached(actor, households, "household_id", household_id)
        if found.status != HouseholdStatus.ACTIVE:
            raise ValidationError({"household": [_("The household is no longer active.")]})
        return found, None
    enterprises = Enterprise.objects.select_related("area") if with_area else Enterprise.objects
    return None, _reached(actor, enterprises, "enterprise_id", enterprise_id)


def _reached(actor, queryset, field: str, pk):
    """The household or enterprise `pk` (as typed) that the actor reaches, else 404."""
    if validators.read_id(pk) is None:
        raise Http404(_("Not found."))
    return get_or_404(reachable(queryset, actor, field), pk=validators.read_id(pk))


def visits_visible_to(user):
    """Visits a user may read: those of their scope, and their own."""
    codes = scope.scope_codes(user)
    if codes is None:
        return Visit.objects.all()
    return Visit.objects.filter(any_subtree_q("area_code", codes) | Q(visitor_id=user.pk))


def scheduled_visible_to(user):
    """Scheduled visits a user may read and skip: those of their scope and of their
    current pairings."""
    return ScheduledVisit.objects.filter(schedule.open_rows_q(user))


# --- visits -----------------------------------------------------------------------------


def _raise_case(actor, *, visit: Visit, household, enterprise, category, notes, lat, lng, photos):
    """The case a visit raises, reported by the visitor from the visit (report_case): the
    household and its unit, its address, the notes as the text."""
    from yiwang.cases import services as case_services

    place = {"household_id": household.pk, "address": household.address} if household else {}
    if enterprise is not None:
        place = {"address": enterprise.address or enterprise.name}
        if len(enterprise.area_code) == 18 and lat is None:
            place["unit_code"] = enterprise.area_code
    try:
        case = case_services.report_case(
            actor=actor, category=category, text=notes, lat=lat, lng=lng, photos=photos, **place
        )
    except ValidationError as exc:
        renamed = {"category": "case_category", "text": "notes", "location": "latitude"}
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {renamed.get(f, f): msgs for f, msgs in exc.message_dict.items()}
        ) from None
    visit.case = case
    Visit.objects.filter(pk=visit.pk).update(case=case)
    return case


def _store_photos(visit: Visit, photos, stored: list[str], now) -> list[VisitPhoto]:
    made = []
    for photo in photos:
        row = VisitPhoto(
            visit=visit, visit_at=visit.visited_at, created_at=now, **photo_files.row_values(photo)
        )
        photo_files.store(row, photo, stored)
        made.append(row)
    VisitPhoto.objects.bulk_create(made)
    return made


def _key(row: ScheduledVisit) -> tuple:
    return (row.rule_id, row.occurrence_id, row.pairing_id)


def _fulfil(visit: Visit, on: datetime.date) -> list[int]:
    """Every open scheduled visit of the visit's household (or enterprise), rule or pairing,
    due any time (early counts): done by this visit; then the next one of each periodic
    rule and pairing. Not done by it: a row scheduled after the visit's day (a visit sent
    late does not do what a newer one scheduled), and the next row of a rule or pairing
    that a visit did on that same day (two visits in a day count once). Locked, so that
    two visits at once close each row once."""
    subject = (
        {"household_id": visit.household_id}
        if visit.household_id
        else {"enterprise_id": visit.enterprise_id}
    )
    rows = list(
        ScheduledVisit.objects.select_for_update(of=("self",))
        .select_related("rule", "pairing__programme")
        .filter(
            Q(status=ScheduleStatus.SCHEDULED) | Q(status=ScheduleStatus.DONE, closed_on=on),
            **subject,
        )
    )
    done_that_day = {_key(row) for row in rows if row.status == ScheduleStatus.DONE}
    rows = [
        row
        for row in rows
        if row.status == ScheduleStatus.SCHEDULED
        and timezone.localdate(row.created_at) <= on
        and _key(row) not in done_that_day
    ]
    if not rows:
        return []
    ids = [row.pk for row in rows]
    ScheduledVisit.objects.filter(pk__in=ids).update(
        status=ScheduleStatus.DONE,
        visit=visit,
        visit_at=visit.visited_at,
        closed_on=on,
        updated_at=timezone.now(),
    )
    schedule.schedule_next(rows, on)
    return ids


def record_visit(
    *,
    actor,
    uuid,
    household_id=None,
    enterprise_id=None,
    visited_at,
    outcome: str,
    notes: str = "",
    latitude=None,
    longitude=None,
    photos=None,
    source: str = VisitSource.WEB,
    case_category: str = "",
) -> tuple[Visit, bool]:
    """Records a visit to a household (or an enterprise) once: the same `uuid` again
    answers the stored visit with created=False and stores nothing, also when the copies
    carry different times and when both arrive at once (the key table's primary key
    decides: `VisitKey`, filled by a trigger with every visit inserted). It fulfils the household's open scheduled
    visits and schedules the next ones; with outcome "case" it raises a case of
    `case_category` from the notes (yiwang.cases.services.report_case) and links it.

    `photos`: uploads or core.photos.Photo, read here before the transaction. A GPS point
    far from the household's unit is flagged (`far_from_area`), never refused."""
    if actor is None:
        raise ValueError("A visit is made by someone: record_visit needs an actor.")
    key = _uuid(uuid)
    stored_visit = _stored(key)
    if stored_visit is not None:
        return _replayed(actor, stored_visit), False
    errors: dict = {}
    moment = _moment(visited_at, errors)
    if moment is not None:
        check_visit_time(moment, errors)
    if outcome not in Outcome.values:
        errors.setdefault("outcome", []).append(_("Choose one of the outcomes of a visit."))
    if source not in VisitSource.values:
        errors.setdefault("source", []).append(_("Unknown source."))
    notes = validators.clean_text(
        notes, field="notes", limit=NOTE_MAX, required=outcome == Outcome.CASE_RAISED, errors=errors
    )
    if outcome == Outcome.CASE_RAISED and not str(case_category or "").strip():
        errors.setdefault("case_category", []).append(
            _("Choose the category of the case the visit raises.")
        )
    lat, lng = _point(latitude, longitude, errors)
    if errors:
        raise ValidationError(errors)
    # Decoding a large photo takes a while: before the transaction. Refused, nothing is made.
    try:
        photos = photo_files.read_photos(photos or [])
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages}) from None

    with photo_files.removed_on_failure() as stored, transaction.atomic():
        scope.recheck(actor)
        pointed = lat is not None and lng is not None
        household, enterprise = _subject(actor, household_id, enterprise_id, with_area=pointed)
        subject = household or enterprise
        boundary = None
        if pointed:
            boundary = household.unit.boundary if household else enterprise.area.boundary
        now = timezone.now()
        visit = Visit(
            uuid=key,
            household=household,
            enterprise=enterprise,
            visitor=actor,
            visited_at=moment,
            outcome=outcome,
            notes=notes,
            latitude=lat,
            longitude=lng,
            far_from_area=is_far(boundary, lat, lng),
            source=source,
            area_code=subject.area_code,
            created_at=now,
            updated_at=now,
        )
        try:
            with transaction.atomic():
                # Also counts the household in its month's tally (services/tally.py).
                visit.save(force_insert=True)
        except IntegrityError:
            # The same visit, sent twice at once: the other one was stored first.
            stored_visit = _stored(key)
            if stored_visit is None:
                if VisitKey.objects.filter(uuid=key).exists():
                    # Its month was detached and archived: the key stays, the visit is gone.
                    raise ValidationError(
                        {
                            "uuid": [
                                _(
                                    "This UUID belongs to a visit of an archived month: make "
                                    "a new one for this visit."
                                )
                            ]
                        }
                    ) from None
                raise
            return _replayed(actor, stored_visit), False
        on = timezone.localdate(moment)
        fulfilled = _fulfil(visit, on)
        if outcome == Outcome.CASE_RAISED:
            _raise_case(
                actor,
                visit=visit,
                household=household,
                enterprise=enterprise,
                category=str(case_category).strip(),
                notes=notes,
                lat=lat,
                lng=lng,
                photos=photos,
            )
        saved_photos = _store_photos(visit, photos, stored, now)
        audit.record(
            actor=actor,
            action="visit.create",
            obj=visit,
            after={
                **audit.snapshot(visit),
                "fulfilled": fulfilled,
                "photos": len(saved_photos),
            },
        )
    return visit, True


def _stored(key: uuid_module.UUID) -> Visit | None:
    """The visit stored under the UUID: its time from the key table, then the visit in that
    month's partition (on PostgreSQL) by the index of (uuid, visited_at)."""
    found = VisitKey.objects.filter(uuid=key).values_list("visited_at", flat=True).first()
    if found is None:
        return None
    return Visit.objects.filter(uuid=key, visited_at=found).order_by().first()


def _replayed(actor, visit: Visit) -> Visit:
    """The stored visit a repeated UUID answers: the sender's own only (a UUID is not a
    way into someone else's visit)."""
    if visit.visitor_id != actor.pk:
        raise ValidationError(
            {"uuid": [_("This UUID belongs to another visit: make a new one for this visit.")]}
        )
    return visit


@transaction.atomic
def update_visit(
    *,
    actor,
    visit_id: int,
    notes: str | None = None,
    outcome: str | None = None,
    case_category: str = "",
) -> Visit:
    """The visitor changes the notes or the outcome of their visit, while it is within
    the back-dating limit; audited with before and after. Changing the outcome to "case"
    raises the case then (once)."""
    if actor is not None:
        scope.recheck(actor)
    queryset = visits_visible_to(actor) if actor is not None else Visit.objects.all()
    visit = get_or_404(queryset.select_related("household", "enterprise"), lock=True, pk=visit_id)
    if actor is not None and visit.visitor_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Only the person who made a visit changes it."))
    errors: dict = {}
    check_visit_time(visit.visited_at, errors)
    if errors:
        raise ValidationError(errors)
    changes = {}
    if notes is not None:
        changes["notes"] = validators.clean_text(
            notes, field="notes", limit=NOTE_MAX, required=False, errors=errors
        )
    if outcome is not None:
        if outcome not in Outcome.values:
            errors.setdefault("outcome", []).append(_("Choose one of the outcomes of a visit."))
        changes["outcome"] = outcome
    raising = changes.get("outcome") == Outcome.CASE_RAISED and visit.case_id is None
    if raising:
        if not str(case_category or "").strip():
            errors.setdefault("case_category", []).append(
                _("Choose the category of the case the visit raises.")
            )
        if not changes.get("notes", visit.notes):
            errors.setdefault("notes", []).append(_("This field cannot be empty."))
    if errors:
        raise ValidationError(errors)
    changes = {k: v for k, v in changes.items() if getattr(visit, k) != v}
    if not changes:
        return visit
    before = {name: getattr(visit, name) for name in changes}
    for name, value in changes.items():
        setattr(visit, name, value)
    visit.save(update_fields=[*changes, "updated_at"])
    if raising:
        _raise_case(
            actor,
            visit=visit,
            household=visit.household,
            enterprise=visit.enterprise,
            category=str(case_category).strip(),
            notes=visit.notes,
            lat=visit.latitude,
            lng=visit.longitude,
            photos=[],
        )
        changes["case"] = visit.case_id
    audit.record(actor=actor, action="visit.update", obj=visit, before=before, after=changes)
    return visit


@transaction.atomic
def skip_scheduled(*, actor, scheduled_id: int, reason: str) -> ScheduledVisit:
    """A scheduled visit that will not take place (the household is away for months, in
    hospital elsewhere …), with the reason; the next one of its rule or pairing is
    scheduled from today."""
    if actor is not None:
        scope.recheck(actor)
    queryset = ScheduledVisit.objects.select_related("rule", "pairing__programme")
    if actor is not None:
        queryset = queryset.filter(schedule.open_rows_q(actor))
    row = get_or_404(queryset, pk=scheduled_id)
    errors: dict = {}
    reason = validators.clean_line(
        reason, field="reason", limit=REASON_MAX, required=True, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    updated = ScheduledVisit.objects.filter(pk=row.pk, status=ScheduleStatus.SCHEDULED).update(
        status=ScheduleStatus.SKIPPED,
        skip_reason=reason,
        closed_on=today,
        updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(
            {"status": [_("This scheduled visit is already done or skipped: reload the page.")]}
        )
    row.status, row.skip_reason, row.closed_on = ScheduleStatus.SKIPPED, reason, today
    schedule.schedule_next([row], today)
    audit.record(
        actor=actor,
        action="scheduled_visit.skip",
        obj=row,
        before={"status": ScheduleStatus.SCHEDULED},
        after={"status": ScheduleStatus.SKIPPED, "skip_reason": reason},
    )
    return row


# --- occurrences ------------------------------------------------------------------------


@transaction.atomic
def record_occurrence(
    *, actor, household_id: int, trigger_code: str, occurred_on, note: str = ""
) -> Occurrence:
    """A trigger happened to a household (a hospital stay, a bereavement …): recorded, and
    each active rule of the trigger schedules its visit, due `occurred_on` + its
    `within_days`."""
    if actor is not None:
        scope.recheck(actor)
    household = _reached(actor, Household.objects.all(), "household_id", household_id)
    errors: dict = {}
    trigger = Trigger.objects.filter(code=str(trigger_code or "").strip(), is_active=True).first()
    if trigger is None:
        errors.setdefault("trigger", []).append(_("Choose one of the triggers of the list."))
    day = occurred_on
    if isinstance(day, str):
        day = validators.read_date(day.strip()) if day.strip() else None
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    today = timezone.localdate()
    if not isinstance(day, datetime.date):
        errors.setdefault("occurred_on", []).append(_("Give the date, e.g. 2026-03-01."))
    elif day > today:
        errors.setdefault("occurred_on", []).append(_("The date cannot be in the future."))
    elif day < today - datetime.timedelta(days=OCCURRENCE_BACKDATE_DAYS):
        errors.setdefault("occurred_on", []).append(_("The date is more than a year ago."))
    note = validators.clean_line(
        note, field="note", limit=REASON_MAX, required=False, errors=errors
    )
    if household.status != HouseholdStatus.ACTIVE:
        errors.setdefault("household", []).append(_("The household is no longer active."))
    if errors:
        raise ValidationError(errors)
    occurrence = Occurrence.objects.create(
        trigger=trigger,
        household=household,
        occurred_on=day,
        note=note,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
        area_code=household.area_code,
    )
    now = timezone.now()
    rows = [
        ScheduledVisit(
            rule=rule,
            occurrence=occurrence,
            household=household,
            area_code=household.area_code,
            due_on=day + datetime.timedelta(days=rule.within_days),
            created_at=now,
            updated_at=now,
        )
        for rule in VisitRule.objects.filter(
            kind=RuleKind.TRIGGERED, trigger=trigger, is_active=True
        )
    ]
    ScheduledVisit.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action="occurrence.create",
        obj=occurrence,
        after={**audit.snapshot(occurrence), "scheduled": [r.due_on for r in rows]},
    )
    return occurrence
