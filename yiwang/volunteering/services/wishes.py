"""Every write of micro-wishes (微心愿): recorded on a resident's behalf, claimed once,
fulfilled with photos and the recipient's confirmation, a follow-up story, cancelled;
and the daily sweep that raises the wishes nobody claimed to their village.

Who may do what (yiwang.volunteering.access): a wish is recorded, claimed on a claimer's
behalf, fulfilled and given its story by anyone who records in its area (`can_record`);
it is cancelled by an organiser of its area or by whoever recorded it.

A claim is decided by a conditional UPDATE of the wish (open → claimed) and the wish's
one-to-one claim row: of two claimers at once one wins, the other gets `Conflict` (the
API answers 409) naming the winner, masked. The client's `uuid` makes a claim idempotent:
the same claim sent again answers the stored one.

`actor=None` is the operator at the command line or a background task, who may do all
but record a wish or its claim (someone records them: `recorded_by`, `claimed_by`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.codes import LENGTH_BY_LEVEL
from yiwang.core import audit, validators
from yiwang.core import photos as photo_files
from yiwang.core.masking import mask_name, may_reveal
from yiwang.core.scoping import get_in_scope
from yiwang.notices.models import Notification
from yiwang.registry.models import Resident, ResidentStatus
from yiwang.volunteering import access
from yiwang.volunteering.models import (
    ClaimerKind,
    Volunteer,
    Wish,
    WishClaim,
    WishPhoto,
    WishStatus,
)
from yiwang.volunteering.services.errors import Conflict
from yiwang.volunteering.services.inputs import next_number, read_pk, read_uuid

TITLE_MAX = 100
DESCRIPTION_MAX = 2000
STORY_MAX = 2000
CLAIMER_MAX = 100
MEMBERS_MAX = 300
CONFIRMER_MAX = 50
VALUE_MAX = Decimal("99999999.99")
NUMBER_ATTEMPTS = 20
NOTICE_KIND = "volunteering.wish_unclaimed"


# --- input ----------------------------------------------------------------------------


def read_value(value, field: str, errors: dict, *, required: bool) -> Decimal | None:
    """An amount of yuan above 0 with at most two decimals, or a message on `field`."""
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(
                _("Give the value in yuan: a number above 0, e.g. 120 or 35.50.")
            )
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount > VALUE_MAX:
        errors.setdefault(field, []).append(
            _("Give the value in yuan: a number above 0 and at most %(max)s, e.g. 120 or 35.50.")
            % {"max": VALUE_MAX}
        )
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.setdefault(field, []).append(
            _("An amount of yuan has at most two decimal places, e.g. 35.50.")
        )
        return None
    return amount


def _load(actor, wish, *, lock: bool = False) -> Wish:
    """The wish in the actor's scope (404 outside it), after re-reading their posts."""
    return get_in_scope(Wish.objects.all(), actor, recheck=True, lock=lock, pk=read_pk(wish))


def _require_recorder(actor, wish: Wish) -> None:
    if not access.can_record(actor, wish.area_code):
        raise PermissionDenied(
            _("Only those who work in the wish's area may record its claim and fulfilment.")
        )


def confirmed_by_shown(user, name: str) -> str:
    """Who confirmed a wish fulfilled (the recipient or their guardian) as `user` may see
    it: masked (王*妈) unless they may reveal personal data. The permission is asked only
    of a name, once a request (the user caches it)."""
    if not name or may_reveal(user):
        return name
    return mask_name(name)


def wish_links(user, ids) -> dict:
    """{wish id: (URL, title)} for the wishes among `ids` the user may open (the inbox)."""
    from django.urls import reverse

    rows = Wish.objects.visible_to(user).filter(pk__in=list(ids)).values_list("pk", "number")
    return {pk: (reverse("volunteering:wish", args=[pk]), number) for pk, number in rows}


# --- recording ----------------------------------------------------------------------------


def _next_number(year: int) -> str:
    return next_number(Wish, f"W{year}-", 5)


def _insert_numbered(wish: Wish) -> None:
    """Saves the new wish with the next number of the year. Two recorded at once may pick
    the same number: the unique constraint refuses the second, which takes the next."""
    year = timezone.localdate().year
    for _attempt in range(NUMBER_ATTEMPTS):
        wish.number = _next_number(year)
        try:
            with transaction.atomic():
                wish.save(force_insert=True)
            return
        except IntegrityError:
            if not Wish.objects.filter(number=wish.number).exists():
                raise
            wish.pk = None
    raise ValidationError(_("Too many wishes were recorded at this moment: send it again."))


def _names(title: str, name: str) -> bool:
    """Whether the wish's title names the person: their full name, or their given name
    of two characters or more (王小明: 小明)."""
    name = "".join(name.split())
    given = name[1:] if len(name) >= 3 else ""
    return any(part and part in title for part in (name, given))


@transaction.atomic
def record_wish(actor, *, recipient, title, description="", value=None) -> Wish:
    """Records a wish on behalf of a living resident of the actor's scope. Its title is
    shown on the public wall (with the village, the person masked): it may not hold the
    person's name; the description is for those who work in the area only."""
    if actor is None:
        raise ValueError("A wish is recorded by someone: record_wish needs an actor.")
    scope.recheck(actor)
    errors: dict = {}
    pk = validators.read_id(getattr(recipient, "pk", recipient))
    if pk is None:
        raise ValidationError({"recipient": [_("Choose the resident whose wish it is.")]})
    person = get_in_scope(Resident.objects.all(), actor, pk=pk)
    if person.status != ResidentStatus.LIVING:
        errors["recipient"] = [_("The resident no longer lives here: choose another.")]
    title = validators.clean_line(
        title, field="title", limit=TITLE_MAX, required=True, errors=errors
    )
    description = validators.clean_text(
        description or "", field="description", limit=DESCRIPTION_MAX, required=False, errors=errors
    )
    value = read_value(value, "value", errors, required=False)
    if title and "title" not in errors and _names(title, person.name):
        errors["title"] = [
            _(
                "The wish is shown on the public wall: leave the person's name out of it "
                "(their name, school or family go in the description, which only workers see)."
            )
        ]
    if errors:
        raise ValidationError(errors)
    if not access.can_record(actor, person.area_code):
        raise PermissionDenied(_("Only those who work in the resident's area may record a wish."))
    wish = Wish(
        area_code=person.area_code,
        recipient=person,
        title=title,
        description=description,
        value=value,
        recorded_by=actor,
    )
    _insert_numbered(wish)
    audit.record(
        actor=actor, action="volunteering_wish.create", obj=wish, after=audit.snapshot(wish)
    )
    return wish


# --- claiming -------------------------------------------------------------------------------


def claimed_message(claim: WishClaim) -> str:
    return _("This wish was already claimed by %(name)s on %(day)s: choose another wish.") % {
        "name": mask_name(claim.claimer_name),
        "day": timezone.localtime(claim.claimed_at).date().isoformat(),
    }


def _not_open(wish: Wish) -> ValidationError:
    """Why an open wish is what a claim needs, for a wish that is not open."""
    if wish.status == WishStatus.CLAIMED:
        claim = WishClaim.objects.filter(wish=wish).first()
        if claim is not None:
            return Conflict(claimed_message(claim))
        return Conflict(_("This wish was already claimed: choose another wish."))
    if wish.status == WishStatus.FULFILLED:
        return ValidationError(
            {"wish": [_("This wish has already been fulfilled: it can no longer be claimed.")]}
        )
    return ValidationError({"wish": [_("This wish was cancelled: it can no longer be claimed.")]})


def _claimer(actor, kind, volunteer, enterprise, claimer_name, group_members):
    """(kind, volunteer, enterprise, name, members) checked, or a ValidationError."""
    errors: dict = {}
    if kind not in ClaimerKind.values:
        errors["kind"] = [
            _("Say who claims it: a volunteer, a party member, an enterprise or a group.")
        ]
        raise ValidationError(errors)
    name = validators.clean_line(
        claimer_name or "", field="claimer_name", limit=CLAIMER_MAX, required=False, errors=errors
    )
    members = validators.clean_line(
        group_members or "",
        field="group_members",
        limit=MEMBERS_MAX,
        required=False,
        errors=errors,
    )
    found_volunteer = found_enterprise = None
    if volunteer not in (None, ""):
        pk = validators.read_id(getattr(volunteer, "pk", volunteer))
        found_volunteer = (
            Volunteer.objects.visible_to(actor).filter(pk=pk).first()
            if actor is not None
            else Volunteer.objects.filter(pk=pk).first()
        )
        if found_volunteer is None:
            errors["volunteer"] = [_("Choose the volunteer from the list.")]
    if enterprise not in (None, ""):
        from yiwang.outreach.models import Enterprise

        pk = validators.read_id(getattr(enterprise, "pk", enterprise))
        enterprises = Enterprise.objects.filter(pk=pk, is_active=True)
        if actor is not None:
            enterprises = enterprises.visible_to(actor)
        found_enterprise = enterprises.first()
        if found_enterprise is None:
            errors["enterprise"] = [_("Choose the enterprise from the list.")]
    if errors:
        raise ValidationError(errors)
    if kind == ClaimerKind.VOLUNTEER and found_volunteer is None:
        errors["volunteer"] = [_("Choose the volunteer who claims the wish.")]
    if kind == ClaimerKind.ENTERPRISE and found_enterprise is None:
        errors["enterprise"] = [_("Choose the enterprise that claims the wish.")]
    if kind != ClaimerKind.ENTERPRISE and found_enterprise is not None:
        errors["enterprise"] = [_("Only an enterprise's claim names an enterprise.")]
    if kind == ClaimerKind.GROUP and not members:
        errors["group_members"] = [_("Name the members of the group who share the wish.")]
    if not name:
        name = (found_volunteer and found_volunteer.name) or (
            found_enterprise and found_enterprise.name
        )
    if not name:
        errors["claimer_name"] = [_("Give the claimer's name.")]
    if errors:
        raise ValidationError(errors)
    return found_volunteer, found_enterprise, name, members


def _replayed(actor, claim: WishClaim, wish_id: int) -> WishClaim:
    if claim.wish_id != wish_id:
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "This UUID was sent before with another wish: make a new UUID for a "
                        "new claim."
                    )
                ]
            }
        )
    if actor is not None and not Wish.objects.visible_to(actor).filter(pk=wish_id).exists():
        raise Http404(_("Not found."))
    return claim


def claim_wish(
    actor,
    wish,
    *,
    uuid,
    kind,
    volunteer=None,
    enterprise=None,
    claimer_name="",
    group_members="",
) -> tuple[WishClaim, bool]:
    """Claims an open wish for a volunteer, a party member, an enterprise or a group.
    Returns (claim, created): created False when the same uuid was sent before for this
    wish (nothing changes again). Refused: a wish outside the scope (404), an actor who
    does not record in its area (403), bad input (ValidationError), a wish fulfilled or
    cancelled (ValidationError), a wish claimed by someone else (`Conflict`)."""
    if actor is None:
        raise ValueError("A claim is recorded by someone: claim_wish needs an actor.")
    key = read_uuid(
        uuid, _("Not a UUID: the app makes one for each claim, e.g. with crypto.randomUUID().")
    )
    wish_id = read_pk(wish)
    stored = WishClaim.objects.filter(uuid=key).first()
    if stored is not None:
        return _replayed(actor, stored, wish_id), False
    try:
        with transaction.atomic():
            found = _load(actor, wish_id)
            _require_recorder(actor, found)
            volunteer, enterprise, name, members = _claimer(
                actor, kind, volunteer, enterprise, claimer_name, group_members
            )
            now = timezone.now()
            taken = Wish.objects.filter(pk=found.pk, status=WishStatus.OPEN).update(
                status=WishStatus.CLAIMED, updated_at=now
            )
            if not taken:
                # Someone claimed it first: the same claim sent twice at once answers the
                # stored one, any other is refused with the winner's name.
                stored = WishClaim.objects.filter(uuid=key).first()
                if stored is not None:
                    return _replayed(actor, stored, wish_id), False
                found.refresh_from_db(fields=["status"])
                raise _not_open(found)
            claim = WishClaim(
                uuid=key,
                wish=found,
                kind=kind,
                volunteer=volunteer,
                enterprise=enterprise,
                claimer_name=name,
                group_members=members,
                claimed_by=actor,
                claimed_at=now,
            )
            claim.save(force_insert=True)
            audit.record(
                actor=actor,
                action="volunteering_wish.claim",
                obj=found,
                before={"status": WishStatus.OPEN},
                after={"status": WishStatus.CLAIMED, **audit.snapshot(claim)},
            )
    except IntegrityError:
        stored = WishClaim.objects.filter(uuid=key).first()
        if stored is not None:
            return _replayed(actor, stored, wish_id), False
        stored = WishClaim.objects.filter(wish_id=wish_id).first()
        if stored is not None:
            raise Conflict(claimed_message(stored)) from None
        raise
    return claim, True


# --- fulfilment, story, cancellation ----------------------------------------------------------


def fulfil_wish(actor, wish, *, photos, confirmed_by) -> Wish:
    """Records a claimed wish as fulfilled, with at least one photo and the name of the
    recipient (or their guardian) who confirmed it. Nothing changes when a photo is not
    an image."""
    errors: dict = {}
    confirmed_by = validators.clean_line(
        confirmed_by or "", field="confirmed_by", limit=CONFIRMER_MAX, required=False, errors=errors
    )
    if not confirmed_by and not errors:
        errors["confirmed_by"] = [
            _("Give the name of the recipient, or of their guardian, who confirmed the wish.")
        ]
    files = [f for f in (photos or []) if f is not None]
    if not files:
        errors["photos"] = [_("Add at least one photo of the wish fulfilled.")]
    else:
        # Decoding a large photo takes a while: before the transaction.
        try:
            files = photo_files.read_photos(files)
        except ValidationError as exc:
            errors["photos"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with photo_files.removed_on_failure() as stored, transaction.atomic():
        found = _load(actor, wish)
        _require_recorder(actor, found)
        now = timezone.now()
        done = Wish.objects.filter(pk=found.pk, status=WishStatus.CLAIMED).update(
            status=WishStatus.FULFILLED,
            fulfilled_at=now,
            fulfilled_by=actor,
            confirmed_by_recipient=confirmed_by,
            updated_at=now,
        )
        if not done:
            found.refresh_from_db(fields=["status"])
            if found.status == WishStatus.FULFILLED:
                raise Conflict(_("This wish has already been fulfilled."))
            if found.status == WishStatus.OPEN:
                raise ValidationError(
                    {"wish": [_("Nobody has claimed this wish yet: record its claim first.")]}
                )
            raise ValidationError({"wish": [_("This wish was cancelled.")]})
        rows = []
        for photo in files:
            row = WishPhoto(wish=found, created_at=now, **photo_files.row_values(photo))
            photo_files.store(row, photo, stored)
            rows.append(row)
        WishPhoto.objects.bulk_create(rows)
        found.refresh_from_db()
        audit.record(
            actor=actor,
            action="volunteering_wish.fulfil",
            obj=found,
            before={"status": WishStatus.CLAIMED},
            after={
                "status": found.status,
                "confirmed_by_recipient": confirmed_by,
                "photos": len(rows),
            },
        )
    return found


@transaction.atomic
def add_story(actor, wish, story) -> Wish:
    """Writes (or rewrites) the short follow-up story of a fulfilled wish."""
    found = _load(actor, wish, lock=True)
    _require_recorder(actor, found)
    errors: dict = {}
    story = validators.clean_text(
        story or "", field="story", limit=STORY_MAX, required=True, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    if found.status != WishStatus.FULFILLED:
        raise ValidationError(
            {"story": [_("A follow-up story is written once the wish is fulfilled.")]}
        )
    audit.save_changes(
        actor=actor, obj=found, values={"story": story}, action="volunteering_wish.story"
    )
    return found


@transaction.atomic
def cancel_wish(actor, wish, *, reason="") -> Wish:
    """Cancels a wish not yet fulfilled (the recipient moved away, the wish was met
    otherwise): by an organiser of its area or by whoever recorded it."""
    found = _load(actor, wish, lock=True)
    if not (
        access.can_organise(actor, found.area_code)
        or (actor is not None and found.recorded_by_id == actor.pk)
    ):
        raise PermissionDenied(
            _("Only whoever recorded the wish, or an organiser of its area, may cancel it.")
        )
    errors: dict = {}
    reason = validators.clean_line(
        reason or "", field="reason", limit=200, required=False, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    if found.status not in (WishStatus.OPEN, WishStatus.CLAIMED):
        raise ValidationError(
            {"wish": [_("Only a wish not yet fulfilled or cancelled can be cancelled.")]}
        )
    before = found.status
    Wish.objects.filter(pk=found.pk).update(status=WishStatus.CANCELLED, updated_at=timezone.now())
    found.refresh_from_db()
    audit.record(
        actor=actor,
        action="volunteering_wish.cancel",
        obj=found,
        before={"status": before},
        after={"status": found.status, "reason": reason},
    )
    return found


# --- the daily sweep ----------------------------------------------------------------------


def raise_days() -> int:
    return settings.VOLUNTEERING_WISH_RAISE_DAYS


def raise_unclaimed(now: datetime.datetime | None = None) -> int:
    """Each wish still open `VOLUNTEERING_WISH_RAISE_DAYS` after it was recorded is raised
    to its village once (claimed by a conditional UPDATE on `raised_at`), with a
    notification to the village's posts (its grid chief). Answers how many were raised."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=raise_days())
    due = list(
        Wish.objects.filter(status=WishStatus.OPEN, raised_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:1000]
    )
    raised = 0
    for pk in due:
        with transaction.atomic():
            if not Wish.objects.filter(
                pk=pk, status=WishStatus.OPEN, raised_at__isnull=True
            ).update(raised_at=now):
                continue
            wish = Wish.objects.get(pk=pk)
            days = (now - wish.created_at).days
            Notification.objects.create(
                kind=NOTICE_KIND,
                object_type=Wish._meta.label_lower,
                object_id=wish.pk,
                area_code=wish.area_code[: LENGTH_BY_LEVEL["village"]],
                level="village",
                text=_(
                    "The micro-wish %(number)s “%(title)s” has waited %(days)d days without "
                    "a claimer: find one for it."
                )
                % {"number": wish.number, "title": wish.title, "days": days},
                created_at=now,
            )
            audit.record(
                actor=None,
                action="volunteering_wish.raise",
                obj=wish,
                before={"raised_at": None},
                after={"raised_at": now},
            )
            raised += 1
    return raised
