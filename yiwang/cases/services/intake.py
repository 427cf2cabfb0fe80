"""Intake of cases from each source: a grid worker's patrol report (once per UUID the
phone made), a resident's request from the public page, a call or another system's
request taken by staff; and where a case lies."""

from __future__ import annotations

import decimal
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.geometry import unit_locator
from yiwang.areas.models import Area, Level
from yiwang.cases import states
from yiwang.cases.models import (
    NAME_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AssigneeLevel,
    AttachmentStage,
    Case,
    CaseEvent,
    Category,
    EventKind,
    Source,
    Status,
)
from yiwang.cases.services.attachments import _store_photos
from yiwang.cases.services.common import _actor_name, _raise
from yiwang.core import audit, validators
from yiwang.core.photos import removed_on_failure
from yiwang.core.scoping import is_area_code
from yiwang.registry.models import Household

ADDRESS_MAX = 200
# A code a resident can read out on the phone and copy down by hand: 8 characters from an
# alphabet without look-alikes (0, 1, O, I and L left out, and B for 8, S for 5, Z for 2,
# U for V). 27**8 is about 2.8e11 codes: among a million cases a guess finds one in
# 280,000 tries, and the tracking page answers at most 10 unknown codes a client every
# 10 minutes (views.public.MISSES), so about half a year of guessing per address.
TRACKING_ALPHABET = "23456789ACDEFGHJKMNPQRTVWXY"
TRACKING_CODE_LENGTH = 8
# The codes given before: 20 characters of this alphabet. They are still looked up, as
# the residents hold them on paper (yiwang.cases.services.public.clean_tracking_code).
OLD_TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
OLD_TRACKING_CODE_LENGTH = 20
_TRACKING_TRIES = 20


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


def new_tracking_code() -> str:
    """A fresh tracking code (`secrets`), one no case has yet; the unique constraint on
    the column stays the last word."""
    for _try in range(_TRACKING_TRIES):
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(TRACKING_CODE_LENGTH))
        if not Case.objects.filter(tracking_code=code).exists():
            return code
    raise RuntimeError("no free tracking code found")  # 20 collisions in a row: never


# --- where a case lies ------------------------------------------------------------------


@dataclass
class _Place:
    area_code: str
    unit: Area | None
    household: Household | None
    lat: decimal.Decimal | None
    lng: decimal.Decimal | None


def _open_area(code, level: str, actor) -> Area | None:
    """An open area of the level, within the actor's scope (any, for the public); without
    its boundary, a large JSON that a case never reads."""
    code = str(code or "").strip()
    if not is_area_code(code):
        return None
    area = Area.objects.open().filter(code=code, level=level).defer("boundary").first()
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
        if actor is not None and validators.read_id(household_id) is not None:
            household = (
                Household.objects.visible_to(actor)
                .select_related("unit")
                .filter(pk=validators.read_id(household_id))
                .first()
            )
        if household is None:
            errors.setdefault("household", []).append(_("There is no such household in your area."))
            return None

    located = None
    if point_lat is not None:
        code = unit_locator().locate(float(point_lng), float(point_lat))
        located = Area.objects.open().filter(code=code).defer("boundary").first() if code else None

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
    text = validators.clean_text(text, field="text", limit=TEXT_MAX, required=True, errors=errors)
    title = validators.clean_line(
        title, field="title", limit=TITLE_MAX, required=False, errors=errors
    )
    address = validators.clean_line(
        address, field="address", limit=ADDRESS_MAX, required=False, errors=errors
    )
    reporter_name = validators.clean_line(
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
        tracking_code=new_tracking_code(),
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
    `photos`, read by core.photos.read_photos before, go with the report's timeline entry.
    `client_uuid`, made by the phone, is stored with it (see report_case_once)."""
    with removed_on_failure() as stored, transaction.atomic():
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
    core.photos.read_photos, which drops their GPS position). The case's tracking code goes
    back to them. Flood protection (rate limit, challenge) is the page's business."""
    with removed_on_failure() as stored, transaction.atomic():
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
    with removed_on_failure() as stored, transaction.atomic():
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
