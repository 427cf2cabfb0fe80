"""Every write of help requests (帮办代办): a resident's matter taken by a village worker or
at a service station, the materials received, the steps 委托 → 受理 → 办理 → 送达 → 归档
→ 回访 each with who and when, the follow-up call's satisfaction, a look at the personal
data with a reason, and the hourly clock that reminds and escalates.

The clock: acceptance (受理) needs every required material of the item received; the
due day is the item's time limit in working days after the day accepted, counted on the
working calendar (`yiwang.core.workdays`; a year whose holidays are not known yet is
counted by the weekly rule and the request marked `clock_provisional`). Delivered after
the due day, or still open past it, the request is late for good. Overdue, the sweep
raises it a level at a time (the service station → the town's admins → the county's),
each level notified once: the town the day after the due day, the county once it is
`COUNTY_AFTER_DAYS` working days late (and never in the same round as the town).

Who: whoever holds a post over the request's area takes it, accepts, archives and follows
it up (首问负责); the staff of the item's deciding department also do its handling and
delivery (办理, 送达) and receive materials (access.py). `actor=None` is the command line
or a background task: no checks.
"""

from __future__ import annotations

import datetime
import secrets
import uuid as uuid_module

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.codes import LENGTH_BY_LEVEL
from yiwang.cases.services.intake import TRACKING_ALPHABET
from yiwang.core import audit, validators, workdays
from yiwang.core.masking import may_reveal
from yiwang.notices.models import Notification
from yiwang.services import access
from yiwang.services.models import (
    STEP_ORDER,
    Channel,
    EscalationLevel,
    HelpMaterial,
    HelpRequest,
    HelpReveal,
    HelpStep,
    Satisfaction,
    ServiceItem,
    ServiceMaterial,
    Step,
)
from yiwang.services.selectors import help as selectors

NOTICE_DUE = "services.help_due"
NOTICE_ESCALATED = "services.help_escalated"
TRACKING_CODE_LENGTH = 8
NAME_MAX = 50
MATTER_MAX = 2000
NOTE_MAX = 300
SATISFACTION_NOTE_MAX = 200
REASON_MIN = 4
REASON_MAX = 200
DOCUMENT_MAX = 40
MATERIALS_MAX = 50
# Working days late after which an overdue request is raised to the county.
COUNTY_AFTER_DAYS = 3
# Working days a request may wait at 委托 (its materials not all arrived) before its
# taker is reminded (village stations forward the materials within 3 working days); the
# town is told when it has waited twice as long. The setting SERVICES_ENTRUSTED_REMIND_DAYS.
ENTRUSTED_REMIND_DAYS = 3
# A step's time may lie this far ahead of the server's clock (a phone's clock a little
# fast), no further.
CLOCK_SLACK = datetime.timedelta(minutes=5)
_ATTEMPTS = 20

# The steps the deciding department's staff may do; the others are the takers'.
DEPARTMENT_STEPS = {Step.PROCESSING, Step.DELIVERED}
REVEALABLE = ("id_number", "phone")
DOCUMENT_PREFIX = "document:"


# --- reading input -----------------------------------------------------------------------


def _read_pk(value):
    pk = validators.read_id(getattr(value, "pk", value))
    if pk is None:
        raise Http404(_("Not found."))
    return pk


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


def _read_at(value, errors: dict, field: str = "at") -> datetime.datetime:
    """The moment a step was done: now unless given; never ahead of the clock."""
    now = timezone.now()
    if value in (None, ""):
        return now
    moment = value
    if not isinstance(moment, datetime.datetime):
        moment = validators.read_datetime(str(value))
        if moment is None:
            errors.setdefault(field, []).append(
                _("Give the time as 2026-03-05 14:30, or leave it out for now.")
            )
            return now
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + CLOCK_SLACK:
        errors.setdefault(field, []).append(_("A step cannot be done in the future."))
    return moment


def _today() -> datetime.date:
    return timezone.localdate()


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


# --- loading ----------------------------------------------------------------------------


def _load(actor, request_id, *, lock: bool = True) -> HelpRequest:
    """The request in the actor's sight (404 outside it), its row locked."""
    if actor is not None:
        scope.recheck(actor)
        from yiwang.cases.models import forget_departments

        forget_departments(actor)
    rows = selectors.visible_help_requests(actor).select_related("item")
    if lock:
        rows = rows.select_for_update(of=("self",))
    try:
        return rows.get(pk=_read_pk(request_id))
    except HelpRequest.DoesNotExist:
        raise Http404(_("Not found.")) from None


def _require_taker(actor, row: HelpRequest) -> None:
    if actor is not None and not access.can_take(actor, row.area_code):
        raise PermissionDenied(
            _("Only the staff of the request's village, town or county take this step.")
        )


def _require_handler(actor, row: HelpRequest) -> None:
    if actor is not None and not access.can_handle(actor, row):
        raise PermissionDenied(
            _(
                "Only the staff of the request's area or of the item's deciding department "
                "take this step."
            )
        )


def _step_label(step: str) -> str:
    return str(Step(step).label)


def _record_step(row: HelpRequest, step: str, actor, at, note: str) -> HelpStep:
    """The step done, under the actor; a background task's under the request's handler."""
    who = actor if getattr(actor, "is_authenticated", False) else None
    return HelpStep.objects.create(
        request=row,
        step=step,
        at=at,
        actor_id=who.pk if who is not None else (row.handler_id or row.taken_by_id),
        note=note,
    )


# --- taking a request -----------------------------------------------------------------------


def new_tracking_code() -> str:
    """A fresh code for the resident's tracking page, in the cases' alphabet (no
    look-alikes), that no help request has yet; the unique constraint stays the last
    word."""
    for _try in range(_ATTEMPTS):
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(TRACKING_CODE_LENGTH))
        if not HelpRequest.objects.filter(tracking_code=code).exists():
            return code
    raise RuntimeError("no free tracking code found")  # 20 collisions in a row: never


def _next_number(day: datetime.date) -> str:
    """The day's next number, BD20261206 0001: one more than the day's largest."""
    prefix = f"BD{day:%Y%m%d}"
    last = (
        HelpRequest.objects.filter(number__startswith=prefix)
        .annotate(serial=Cast(Substr("number", len(prefix) + 1), BigIntegerField()))
        .aggregate(last=Max("serial"))["last"]
    )
    return f"{prefix}{(last or 0) + 1:04d}"


def _insert(row: HelpRequest, day: datetime.date, *, actor, applicant_name) -> HelpRequest | None:
    """Saves the new request with the day's next number and a fresh tracking code;
    answers the stored request instead when another copy of it (the same uuid) was saved
    meanwhile, under the same checks as before saving (`_stored`: the actor's to see and
    the same matter, else a message)."""
    for _attempt in range(_ATTEMPTS):
        row.number = _next_number(day)
        row.tracking_code = new_tracking_code()
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            return None
        except IntegrityError:
            stored = _stored(actor, row.uuid, item_pk=row.item_id, applicant_name=applicant_name)
            if stored is not None:
                return stored
            row.pk = None
    raise ValidationError(_("Too many requests were recorded at this moment: send it again."))


def _stored(actor, key, *, item_pk, applicant_name) -> HelpRequest | None:
    """A request sent before under the same uuid: the actor's to see and the same matter
    (item and applicant), else a message."""
    stored = HelpRequest.objects.filter(uuid=key).first()
    if stored is None:
        return None
    if not selectors.visible_help_requests(actor).filter(pk=stored.pk).exists():
        raise ValidationError({"uuid": [_("That UUID belongs to another request.")]})
    name = validators.normalize_text(applicant_name)
    if stored.item_id != item_pk or (name and name != stored.applicant_name):
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "That UUID was sent before with another item or applicant (request "
                        "%(number)s): make a new UUID for a new request."
                    )
                    % {"number": stored.number}
                ]
            }
        )
    return stored


def _item(item_id, errors: dict) -> ServiceItem | None:
    pk = validators.read_id(getattr(item_id, "pk", item_id))
    item = ServiceItem.objects.filter(pk=pk, is_active=True).first() if pk else None
    if item is None:
        errors.setdefault("item", []).append(_("Choose the item from the catalogue."))
    return item


def _area(actor, area_code, resident, errors: dict) -> str:
    """The request's area: the resident's when one of the ledger is named (it must lie in
    the area given, if any), else the area given, which must be an open area of the
    actor's scope (404 outside it)."""
    from yiwang.areas.models import Area

    code = str(area_code or "").strip()
    if resident is not None:
        if code and not resident.area_code.startswith(code):
            errors.setdefault("resident", []).append(
                _("The resident does not live in the area chosen.")
            )
        return resident.area_code
    if not code:
        errors.setdefault("area_code", []).append(_("Choose the resident's village or unit."))
        return ""
    area = Area.objects.filter(code=code).first()
    if area is None or (actor is not None and not scope.in_scope(actor, code)):
        raise Http404(_("Not found."))
    if not area.is_open:
        errors.setdefault("area_code", []).append(_("That area is closed."))
    return code


def _resident(actor, resident_id):
    from yiwang.registry.models import Resident

    if resident_id in (None, ""):
        return None
    rows = Resident.objects.all() if actor is None else Resident.objects.visible_to(actor)
    found = rows.filter(pk=_read_pk(resident_id)).first()
    if found is None:
        raise Http404(_("Not found."))
    return found


def _material_rows(item: ServiceItem, materials, errors: dict) -> list[dict]:
    """The materials received as sent ({"material": id or None, "name", "document_number"}):
    one of the item's (by id), or another by name; each once."""
    rows: list[dict] = []
    entries = list(materials or ())
    if len(entries) > MATERIALS_MAX:
        errors.setdefault("materials", []).append(
            _("At most %(max)d materials a request.") % {"max": MATERIALS_MAX}
        )
        return rows
    known = {m.pk: m for m in item.materials.all()} if item is not None else {}
    seen_ids: set[int] = set()
    seen_names: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            errors.setdefault("materials", []).append(_("Each material is a name or a choice."))
            continue
        document = validators.clean_line(
            entry.get("document_number", ""),
            field="materials",
            limit=DOCUMENT_MAX,
            required=False,
            errors=errors,
        )
        chosen = entry.get("material")
        if chosen not in (None, ""):
            pk = validators.read_id(getattr(chosen, "pk", chosen))
            material = known.get(pk)
            if material is None:
                errors.setdefault("materials", []).append(
                    _("Choose the materials among the item's.")
                )
                continue
            if material.pk in seen_ids:
                errors.setdefault("materials", []).append(
                    _("The material “%(name)s” is listed twice.") % {"name": material.name}
                )
                continue
            seen_ids.add(material.pk)
            rows.append({"material": material, "name": material.name, "document": document})
            continue
        name = validators.clean_line(
            entry.get("name", ""), field="materials", limit=100, required=True, errors=errors
        )
        if not name:
            continue
        if name in seen_names:
            errors.setdefault("materials", []).append(
                _("The material “%(name)s” is listed twice.") % {"name": name}
            )
            continue
        seen_names.add(name)
        match = next((m for m in known.values() if m.name == name), None)
        if match is not None and match.pk in seen_ids:
            errors.setdefault("materials", []).append(
                _("The material “%(name)s” is listed twice.") % {"name": name}
            )
            continue
        if match is not None:
            seen_ids.add(match.pk)
        rows.append({"material": match, "name": name, "document": document})
    return rows


def _material_audit(material: HelpMaterial) -> dict:
    return {
        "id": material.pk,
        "material": material.material_id,
        "name": material.name,
        "document_number": material.masked_document_number,
    }


@transaction.atomic
def take_request(
    *,
    actor,
    item_id,
    area_code,
    applicant_name,
    id_number="",
    phone="",
    resident_id=None,
    matter="",
    channel="worker",
    materials=(),
    uuid=None,
    at=None,
    taken_by=None,
) -> tuple[HelpRequest, bool]:
    """Takes a resident's request for an item of the catalogue (委托), with the materials
    received, under a new number (BD + the day + a serial) and a tracking code for the
    resident. The applicant is the ledger's resident when one is named (their name, ID
    and phone unless typed), else as typed. Taken by whoever holds a post over the area;
    the same `uuid` again answers (the stored request, False). `taken_by`: the worker a
    background task (actor None) records it under."""
    if actor is not None:
        scope.recheck(actor)
    key = _read_uuid(uuid) if uuid not in (None, "") else uuid_module.uuid4()
    errors: dict = {}
    item = _item(item_id, errors)
    if item is not None:
        stored = _stored(actor, key, item_pk=item.pk, applicant_name=applicant_name)
        if stored is not None:
            return stored, False
    resident = _resident(actor, resident_id)
    code = _area(actor, area_code, resident, errors)
    if code and actor is not None and not access.can_take(actor, code):
        raise PermissionDenied(
            _("Only the staff of the resident's village, town or county take help requests.")
        )
    name = validators.clean_line(
        applicant_name or (resident.name if resident else ""),
        field="applicant_name",
        limit=NAME_MAX,
        required=True,
        errors=errors,
    )
    number = id_number or (resident.id_number if resident else "")
    try:
        number = validators.clean_id_number(number)
    except ValidationError as exc:
        errors.setdefault("id_number", []).extend(exc.messages)
    phone = phone or (resident.phone if resident else "")
    try:
        phone = validators.clean_phone(phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)
    matter = validators.clean_text(
        matter or "", field="matter", limit=MATTER_MAX, required=False, errors=errors
    )
    if channel not in Channel.values:
        errors.setdefault("channel", []).append(_("Choose how the request was taken."))
    received = _material_rows(item, materials, errors)
    moment = _read_at(at, errors)
    worker = actor if getattr(actor, "is_authenticated", False) else taken_by
    if worker is None:
        errors.setdefault("taken_by", []).append(_("Say who took the request."))
    _raise(errors)
    row = HelpRequest(
        area_code=code,
        item=item,
        channel=channel,
        resident=resident,
        applicant_name=name,
        id_number=number,
        phone=phone,
        matter=matter,
        step=Step.ENTRUSTED,
        uuid=key,
        taken_by_id=worker.pk,
        handler_id=worker.pk,
    )
    stored = _insert(row, timezone.localdate(moment), actor=actor, applicant_name=name)
    if stored is not None:
        return stored, False
    _record_step(row, Step.ENTRUSTED, worker, moment, "")
    kept = HelpMaterial.objects.bulk_create(
        [
            HelpMaterial(
                request=row,
                material=entry["material"],
                name=entry["name"],
                document_number=entry["document"],
                received_at=moment,
                received_by_id=worker.pk,
            )
            for entry in received
        ]
    )
    audit.record(
        actor=actor,
        action="services_help.take",
        obj=row,
        after={
            **audit.snapshot(row),
            "materials": [
                {
                    "material": m.material_id,
                    "name": m.name,
                    "document_number": m.masked_document_number,
                }
                for m in kept
            ],
        },
    )
    return row, True


# --- materials ------------------------------------------------------------------------------


@transaction.atomic
def receive_material(
    *, actor, request_id, material_id=None, name="", document_number=""
) -> HelpMaterial:
    """A material received from the resident after the request was taken: one of the
    item's (by id) or another by name, once each, until the request is delivered."""
    row = _load(actor, request_id)
    _require_handler(actor, row)
    errors: dict = {}
    if not row.is_open:
        errors.setdefault("material", []).append(
            _("The request was delivered: no more materials are received.")
        )
        _raise(errors)
    entries = _material_rows(
        row.item,
        [{"material": material_id, "name": name, "document_number": document_number}],
        errors,
    )
    _raise({"material" if k == "materials" else k: v for k, v in errors.items()})
    entry = entries[0]
    already = row.materials.filter(
        **({"material": entry["material"]} if entry["material"] else {"name": entry["name"]})
    )
    if already.exists():
        raise ValidationError(
            {"material": [_("“%(name)s” was received already.") % {"name": entry["name"]}]}
        )
    worker = actor if getattr(actor, "is_authenticated", False) else None
    material = HelpMaterial.objects.create(
        request=row,
        material=entry["material"],
        name=entry["name"],
        document_number=entry["document"],
        received_at=timezone.now(),
        received_by_id=worker.pk if worker else (row.handler_id or row.taken_by_id),
    )
    audit.record(
        actor=actor,
        action="services_help.material",
        obj=row,
        after=_material_audit(material),
    )
    return material


def missing_materials(row: HelpRequest) -> list[ServiceMaterial]:
    """The item's required materials not received for the request yet."""
    received = set(row.materials.exclude(material=None).values_list("material", flat=True))
    return [m for m in row.item.materials.filter(is_required=True) if m.pk not in received]


# --- steps ----------------------------------------------------------------------------------


def next_step(row: HelpRequest) -> str | None:
    """The step that comes after the request's, None after the last."""
    index = STEP_ORDER.index(row.step)
    return STEP_ORDER[index + 1] if index + 1 < len(STEP_ORDER) else None


def due_day(accepted_on: datetime.date, days: int) -> tuple[datetime.date, bool]:
    """The due day `days` working days after `accepted_on`, and whether a year of it was
    counted by the weekly rule alone (its holidays not known yet)."""
    counting = workdays.calendar().provisional()
    if not counting.years or accepted_on.year < counting.years[0]:
        raise ValidationError({"step": [str(workdays.UnknownCalendarYear(accepted_on.year))]})
    return counting.add(accepted_on, days), bool(counting.assumed)


def _check_order(row: HelpRequest, step: str) -> None:
    if step not in Step.values:
        raise ValidationError({"step": [_("Choose the step from the list.")]})
    expected = next_step(row)
    if step != expected:
        if expected is None:
            message = _("The request went through every step already.")
        else:
            message = _(
                "The step “%(step)s” is out of order: the request is at “%(current)s”, its "
                "next step is “%(next)s”."
            ) % {
                "step": _step_label(step),
                "current": _step_label(row.step),
                "next": _step_label(expected),
            }
        raise ValidationError({"step": [message]})


def _check_after_last(row: HelpRequest, moment, errors: dict) -> None:
    last = row.steps.order_by("-at").values_list("at", flat=True).first()
    if last is not None and moment < last:
        errors.setdefault("at", []).append(
            _("A step cannot be done before the one before it (%(at)s).")
            % {"at": timezone.localtime(last).strftime("%Y-%m-%d %H:%M")}
        )


@transaction.atomic
def advance(*, actor, request_id, step, note="", at=None) -> HelpRequest:
    """Takes the request to its next step (only the next one): acceptance (受理) once every
    required material is received, starting the clock; handling (办理); delivery (送达),
    late when after the due day; archiving (归档). The follow-up call is `follow_up`."""
    row = _load(actor, request_id)
    if step == Step.FOLLOWED_UP and row.step == Step.ARCHIVED:
        raise ValidationError(
            {"step": [_("The follow-up call is recorded with the resident's satisfaction.")]}
        )
    _check_order(row, step)
    if step in DEPARTMENT_STEPS:
        _require_handler(actor, row)
    else:
        _require_taker(actor, row)
    errors: dict = {}
    note = validators.clean_line(
        note or "", field="note", limit=NOTE_MAX, required=False, errors=errors
    )
    moment = _read_at(at, errors)
    _check_after_last(row, moment, errors)
    values: dict = {"step": step}
    if step == Step.ACCEPTED:
        missing = missing_materials(row)
        if missing:
            errors.setdefault("materials", []).append(
                _("Materials not received yet: %(names)s.")
                % {"names": "、".join(m.name for m in missing)}
            )
        _raise(errors)
        day = timezone.localdate(moment)
        due, provisional = due_day(day, row.item.time_limit_days)
        # The clock of the wait at 委托 stops: the due day's clock starts from the station.
        values.update(
            accepted_on=day,
            due_on=due,
            clock_provisional=provisional,
            reminded_on=None,
            escalation_level=EscalationLevel.STATION,
        )
    elif step == Step.DELIVERED:
        _raise(errors)
        day = timezone.localdate(moment)
        values.update(
            delivered_on=day, is_late=row.is_late or (row.due_on is not None and day > row.due_on)
        )
    _raise(errors)
    before = {name: getattr(row, name) for name in values}
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=[*values, "updated_at"])
    _record_step(row, step, actor, moment, note)
    audit.record(
        actor=actor,
        action=f"services_help.{step}",
        obj=row,
        before=before,
        after={**values, **({"note": note} if note else {})},
    )
    return row


@transaction.atomic
def follow_up(*, actor, request_id, satisfaction, note="", at=None) -> HelpRequest:
    """The follow-up call (回访) of an archived request, with the resident's satisfaction."""
    row = _load(actor, request_id)
    _check_order(row, Step.FOLLOWED_UP)
    _require_taker(actor, row)
    errors: dict = {}
    if satisfaction not in Satisfaction.values:
        errors.setdefault("satisfaction", []).append(
            _("Choose the resident's satisfaction from the list.")
        )
    note = validators.clean_line(
        note or "", field="note", limit=SATISFACTION_NOTE_MAX, required=False, errors=errors
    )
    moment = _read_at(at, errors)
    _check_after_last(row, moment, errors)
    _raise(errors)
    values = {
        "step": Step.FOLLOWED_UP,
        "satisfaction": satisfaction,
        "satisfaction_note": note,
    }
    before = {name: getattr(row, name) for name in values}
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=[*values, "updated_at"])
    _record_step(row, Step.FOLLOWED_UP, actor, moment, note)
    audit.record(
        actor=actor, action="services_help.followed_up", obj=row, before=before, after=values
    )
    return row


# --- personal data --------------------------------------------------------------------------


@transaction.atomic
def reveal(*, actor, request_id, field, reason) -> str:
    """The applicant's full ID or phone number, or a material's document number
    ("document:<id>"), for whoever works on the request (or may reveal the ledger's
    personal data) and says why; the look is kept (HelpReveal) and audited."""
    row = _load(actor, request_id, lock=False)
    field = str(field or "")
    if field in REVEALABLE:
        value = getattr(row, field)
        target = None
    elif field.startswith(DOCUMENT_PREFIX):
        pk = validators.read_id(field[len(DOCUMENT_PREFIX) :])
        target = row.materials.filter(pk=pk).first() if pk else None
        if target is None:
            raise Http404(_("Not found."))
        value = target.document_number
    else:
        raise ValidationError(
            {"field": [_("Only the ID number, the phone and document numbers are revealed.")]}
        )
    if actor is not None and not (access.can_handle(actor, row) or may_reveal(actor)):
        raise PermissionDenied(_("Your account may not reveal personal data."))
    reason = validators.normalize_text(reason)
    if len(reason) < REASON_MIN:
        raise ValidationError(
            {"reason": [_("Say why you need to see it (at least 4 characters).")]}
        )
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [_("At most %(max)d characters.") % {"max": REASON_MAX}]})
    if not value:
        raise ValidationError({"field": [_("Nothing was recorded there.")]})
    who = actor if getattr(actor, "is_authenticated", False) else None
    if who is not None:
        HelpReveal.objects.create(
            request=row, user=who, field=field[:20], reason=reason, area_code=row.area_code
        )
    audit.record(
        actor=actor,
        action="services_help.reveal",
        obj=row,
        after={"field": field, "reason": reason},
    )
    return value


# --- the public tracking page ---------------------------------------------------------------


def clean_tracking_code(text) -> str:
    """A code as typed (spaces, dashes, lower case dropped), or "" when it is no code."""
    code = "".join(ch for ch in str(text or "").upper() if ch not in " -\t")
    if len(code) != TRACKING_CODE_LENGTH or any(ch not in TRACKING_ALPHABET for ch in code):
        return ""
    return code


def public_status(tracking_code) -> dict | None:
    """What the resident's tracking page shows of a request: the item, the steps done with
    their days, the due day. Nothing personal: no name, number or worker. None for a code
    no request has."""
    code = clean_tracking_code(tracking_code)
    if not code:
        return None
    row = HelpRequest.objects.select_related("item").filter(tracking_code=code).first()
    if row is None:
        return None
    done = {s.step: s.at for s in row.steps.all()}
    return {
        "number": row.number,
        "item": row.item.name,
        "mode": row.item.get_mode_display(),
        "step": row.step,
        "step_label": _step_label(row.step),
        "steps": [
            {
                "step": step,
                "label": _step_label(step),
                "done": step in done,
                "on": timezone.localdate(done[step]) if step in done else None,
            }
            for step in STEP_ORDER
        ],
        "accepted_on": row.accepted_on,
        "due_on": row.due_on,
        "clock_provisional": row.clock_provisional,
        "delivered_on": row.delivered_on,
        "is_open": row.is_open,
        "is_late": row.is_late,
    }


# --- the clock ------------------------------------------------------------------------------


def _notice(kind: str, row: HelpRequest, text: str, **to) -> Notification:
    return Notification(
        kind=kind, object_type=row._meta.label_lower, object_id=row.pk, text=text, **to
    )


def _level_code(area_code: str, level: int) -> tuple[str, str]:
    """The area (and its level) that a request raised to `level` is addressed to."""
    if level == EscalationLevel.TOWN and len(area_code) >= LENGTH_BY_LEVEL["town"]:
        return area_code[: LENGTH_BY_LEVEL["town"]], "town"
    return area_code[: LENGTH_BY_LEVEL["county"]], "county"


def _remind(row: HelpRequest) -> bool:
    with transaction.atomic():
        claimed = (
            HelpRequest.objects.filter(pk=row.pk, step__in=selectors.OPEN_STEPS, due_on=row.due_on)
            .exclude(reminded_on=row.due_on)
            .update(reminded_on=row.due_on, updated_at=timezone.now())
        )
        if not claimed:
            return False
        text = _("Help request %(number)s (%(item)s) is due today, %(due)s.") % {
            "number": row.number,
            "item": row.item.name,
            "due": row.due_on.isoformat(),
        }
        _notice(NOTICE_DUE, row, text, recipient_id=row.handler_id or row.taken_by_id).save()
        audit.record(
            actor=None,
            action="services_help.remind",
            obj=row,
            before={"reminded_on": row.reminded_on},
            after={"reminded_on": row.due_on},
        )
    return True


def target_level(
    due_on: datetime.date, today: datetime.date, counting: workdays.WorkCalendar | None = None
) -> int:
    """The level an open request due on `due_on` belongs at on `today`: the station until
    the due day has passed, the town after it, the county once `COUNTY_AFTER_DAYS`
    working days late. `counting`: the calendar (provisional) the sweep built once."""
    if today <= due_on:
        return EscalationLevel.STATION
    if counting is None:
        counting = workdays.calendar().provisional()
    late = counting.count(due_on, today)
    return EscalationLevel.COUNTY if late >= COUNTY_AFTER_DAYS else EscalationLevel.TOWN


def _escalate(
    row: HelpRequest, today: datetime.date, counting: workdays.WorkCalendar | None = None
) -> bool:
    """Marks the overdue request late (for good) and raises it one level towards the one
    it belongs at, the new level notified once. The conditional UPDATE holds the row to
    what was read: of two sweeps at once one writes."""
    goal = target_level(row.due_on, today, counting)
    level = min(row.escalation_level + 1, goal) if goal > row.escalation_level else None
    changes: dict = {}
    if not row.is_late:
        changes["is_late"] = True
    if level is not None:
        changes["escalation_level"] = level
    if not changes:
        return False
    with transaction.atomic():
        claimed = HelpRequest.objects.filter(
            pk=row.pk,
            step__in=selectors.OPEN_STEPS,
            escalation_level=row.escalation_level,
            is_late=row.is_late,
        ).update(**changes, updated_at=timezone.now())
        if not claimed:
            return False
        if level is not None:
            code, kind = _level_code(row.area_code, level)
            text = _(
                "Help request %(number)s (%(item)s) was due on %(due)s and is not delivered: "
                "it was raised to %(level)s."
            ) % {
                "number": row.number,
                "item": row.item.name,
                "due": row.due_on.isoformat(),
                "level": EscalationLevel(level).label,
            }
            _notice(NOTICE_ESCALATED, row, text, area_code=code, level=kind).save()
        audit.record(
            actor=None,
            action="services_help.escalate" if level is not None else "services_help.late",
            obj=row,
            before={name: getattr(row, name) for name in changes},
            after=changes,
        )
    return level is not None


def entrusted_remind_days() -> int:
    """Working days a request waits at 委托 before its taker is reminded (the setting)."""
    return max(1, int(getattr(settings, "SERVICES_ENTRUSTED_REMIND_DAYS", ENTRUSTED_REMIND_DAYS)))


def _waiting_text(row: HelpRequest, taken_on: datetime.date, waited: int, level=None) -> str:
    values = {
        "number": row.number,
        "item": row.item.name,
        "taken": taken_on.isoformat(),
        "days": waited,
    }
    if level is None:
        return (
            _(
                "Help request %(number)s (%(item)s), taken on %(taken)s, has waited "
                "%(days)d working days for its materials and is not accepted yet."
            )
            % values
        )
    return _(
        "Help request %(number)s (%(item)s), taken on %(taken)s, has waited %(days)d "
        "working days for its materials and is not accepted yet: it was raised to "
        "%(level)s."
    ) % {**values, "level": EscalationLevel(level).label}


def _remind_waiting(row: HelpRequest, taken_on: datetime.date, waited: int, today) -> bool:
    """The taker (the handler) reminded, once, that the request still waits at 委托."""
    with transaction.atomic():
        claimed = HelpRequest.objects.filter(
            pk=row.pk, step=Step.ENTRUSTED, reminded_on=None
        ).update(reminded_on=today, updated_at=timezone.now())
        if not claimed:
            return False
        text = _waiting_text(row, taken_on, waited)
        _notice(NOTICE_DUE, row, text, recipient_id=row.handler_id or row.taken_by_id).save()
        audit.record(
            actor=None,
            action="services_help.remind",
            obj=row,
            before={"reminded_on": None},
            after={"reminded_on": today, "waiting_days": waited},
        )
    return True


def _raise_waiting(row: HelpRequest, taken_on: datetime.date, waited: int) -> bool:
    """The request still at 委托 raised to the town's admins, once."""
    with transaction.atomic():
        claimed = HelpRequest.objects.filter(
            pk=row.pk, step=Step.ENTRUSTED, escalation_level=EscalationLevel.STATION
        ).update(escalation_level=EscalationLevel.TOWN, updated_at=timezone.now())
        if not claimed:
            return False
        code, kind = _level_code(row.area_code, EscalationLevel.TOWN)
        text = _waiting_text(row, taken_on, waited, EscalationLevel.TOWN)
        _notice(NOTICE_ESCALATED, row, text, area_code=code, level=kind).save()
        audit.record(
            actor=None,
            action="services_help.escalate",
            obj=row,
            before={"escalation_level": EscalationLevel.STATION},
            after={"escalation_level": EscalationLevel.TOWN, "waiting_days": waited},
        )
    return True


def _sweep_waiting(today: datetime.date, counting: workdays.WorkCalendar, counts: dict) -> None:
    """The requests left at 委托 (their materials never arrived): the taker reminded once
    when one has waited `entrusted_remind_days()` working days since it was taken, the
    town told once at twice that (never in the same round as the reminder)."""
    days = entrusted_remind_days()
    # Waited n working days: taken at least n calendar days ago.
    start = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=days - 1), datetime.time())
    )
    taken_at = HelpStep.objects.filter(request=OuterRef("pk"), step=Step.ENTRUSTED).values("at")
    waiting = (
        HelpRequest.objects.select_related("item")
        .filter(step=Step.ENTRUSTED)
        .filter(Q(reminded_on=None) | Q(escalation_level=EscalationLevel.STATION))
        .annotate(taken_at=Subquery(taken_at[:1]))
        .filter(taken_at__lt=start)
        .order_by("pk")
    )
    for row in waiting:
        taken_on = timezone.localdate(row.taken_at)
        try:
            waited = counting.count(taken_on, today)
        except workdays.UnknownCalendarYear:
            continue  # taken before the calendar's first year: no clock to count on
        if row.reminded_on is None:
            if waited >= days:
                counts["reminded"] += _remind_waiting(row, taken_on, waited, today)
        elif waited >= 2 * days and row.escalation_level == EscalationLevel.STATION:
            counts["escalated"] += _raise_waiting(row, taken_on, waited)


def sweep_help_clock(now: datetime.datetime | None = None) -> dict:
    """The hourly round of the open help requests: the handler reminded once on the due
    day; an overdue request marked late for good and raised a level (once a level, one
    level a round); a request left at 委托 reminded once, then raised to the town once
    (`_sweep_waiting`). Idempotent, and safe on two consumers at once (each write is a
    conditional UPDATE). The working calendar is built once a round. Answers the counts."""
    today = timezone.localdate(now) if now is not None else _today()
    counts = {"reminded": 0, "escalated": 0}
    counting = workdays.calendar().provisional()
    rows = HelpRequest.objects.select_related("item")
    for row in rows.filter(selectors.due_today_q(today)).exclude(reminded_on=today).order_by("pk"):
        counts["reminded"] += _remind(row)
    behind = rows.filter(selectors.overdue_q(today)).order_by("pk")
    for row in behind:
        if row.is_late and row.escalation_level >= target_level(row.due_on, today, counting):
            continue
        counts["escalated"] += _escalate(row, today, counting)
    _sweep_waiting(today, counting, counts)
    return counts


def help_links(user, ids) -> dict:
    """{request id: (URL, number)} of the requests among `ids` the user sees (the inbox)."""
    rows = (
        selectors.visible_help_requests(user).filter(pk__in=list(ids)).values_list("pk", "number")
    )
    return {pk: (request_url(pk), number) for pk, number in rows}


def request_url(pk: int) -> str:
    """The request's page (the pages' URL name when it is there, else its path)."""
    from django.urls import NoReverseMatch, reverse

    for name in ("services:help-request", "services:help-detail", "services:help"):
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            continue
    return f"/services/help/{pk}/"
