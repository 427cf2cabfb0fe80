"""Every write of activities and sign-ups: an activity made by a team's organiser with a
six-digit check-in code, volunteers signed up (never more than its places, also when
two sign up at once: the activity's row is locked while its sign-ups are counted), a
sign-up cancelled, a new code, the activity cancelled.

Who may do what: an activity is made by the organisers of its area or a leader of its
team (`access.can_organise`, `access.is_team_leader`); whoever `access.can_run` it signs
others up, changes its code and cancels it; a volunteer signs themselves up.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import audit, validators
from yiwang.core.scoping import get_or_404
from yiwang.volunteering import access
from yiwang.volunteering.models import (
    Activity,
    ActivityStatus,
    SignUp,
    TargetGroup,
    Volunteer,
)
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.services.inputs import read_pk
from yiwang.volunteering.services.volunteers import (
    _area,
    recheck,
    team_of,
    volunteer_of,
)

TITLE_MAX = 100
PLACE_MAX = 100
DESCRIPTION_MAX = 5000
PLACES_MAX = 10_000
# The longest activity: a week.
LENGTH_MAX = datetime.timedelta(days=7)
# An activity takes place at most a year ago (recorded afterwards) and at most two years
# ahead.
EARLIEST = datetime.timedelta(days=365)
LATEST = datetime.timedelta(days=2 * 365)
ONE_DAY = datetime.timedelta(days=1)


def new_code() -> str:
    """Six digits from the system's random source."""
    return f"{secrets.randbelow(1_000_000):06d}"


def activity_of(actor, activity, *, lock: bool = False) -> Activity:
    """The activity (an id or the row) as the actor reaches it, else 404; locked (its own
    row) when `lock`."""
    return get_or_404(
        selectors.activities_visible_to(actor).select_related("team"),
        lock=lock,
        pk=read_pk(activity),
    )


def require_runner(actor, activity: Activity) -> None:
    if not access.can_run(actor, activity):
        raise PermissionDenied(
            _(
                "Only the activity's organisers (the area's grid chief or cadres, a town or "
                "county admin above it) or a leader of its team may do this."
            )
        )


def _moment(value, field: str, errors: dict) -> datetime.datetime | None:
    """A date and time within `EARLIEST` before now and `LATEST` after it, else an error on
    `field` (a year 1 or 9999 would overflow on its way to UTC)."""
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = validators.read_datetime(str(value or "").strip())
    if moment is None:
        errors.setdefault(field, []).append(
            _("Give a date and time such as 2026-05-01T09:00+08:00.")
        )
        return None
    # Compared by their dates first: the far past and future never reach a time zone.
    today = timezone.localdate()
    if not today - EARLIEST - ONE_DAY <= moment.date() <= today + LATEST + ONE_DAY:
        moment = None
    else:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        now = timezone.now()
        if not now - EARLIEST <= moment <= now + LATEST:
            moment = None
    if moment is None:
        errors.setdefault(field, []).append(
            _(
                "Give a time from a year ago to two years ahead (%(first)s to %(last)s): "
                "check the year."
            )
            % {
                "first": f"{today - EARLIEST:%Y-%m-%d}",
                "last": f"{today + LATEST:%Y-%m-%d}",
            }
        )
    return moment


def _places(value, errors: dict) -> int | None:
    if isinstance(value, bool):
        value = None
    text = str(value).strip() if value is not None else ""
    number = value if isinstance(value, int) else None
    if number is None and text.isascii() and text.isdigit() and len(text) <= 6:
        number = int(text)
    if number is None or not 1 <= number <= PLACES_MAX:
        errors["places"] = [
            _("Give the places needed: a whole number from 1 to %(max)d.") % {"max": PLACES_MAX}
        ]
        return None
    return number


def create_activity(
    actor,
    *,
    team,
    title: str,
    description: str = "",
    target_group: str,
    place: str,
    starts_at,
    ends_at,
    places,
    area_code=None,
) -> Activity:
    """Makes an activity of a team, in the team's area or an area under it, with its
    check-in code. The actor is its organiser."""
    if actor is None:
        raise ValueError("An activity has an organiser: create_activity needs an actor.")
    with transaction.atomic():
        recheck(actor)
        team = team_of(actor, team)
        errors: dict = {}
        title = validators.clean_line(
            title, field="title", limit=TITLE_MAX, required=True, errors=errors
        )
        description = validators.clean_text(
            description, field="description", limit=DESCRIPTION_MAX, required=False, errors=errors
        )
        place = validators.clean_line(
            place, field="place", limit=PLACE_MAX, required=True, errors=errors
        )
        if target_group not in TargetGroup.values:
            errors["target_group"] = [_("Choose the target group from the list.")]
        starts = _moment(starts_at, "starts_at", errors)
        ends = _moment(ends_at, "ends_at", errors)
        if starts and ends:
            if ends <= starts:
                errors.setdefault("ends_at", []).append(
                    _("The activity ends before it starts: give an end after the start.")
                )
            elif ends - starts > LENGTH_MAX:
                errors.setdefault("ends_at", []).append(
                    _("An activity lasts a week at most: make one activity a week.")
                )
        places = _places(places, errors)
        code = team.area_code
        if area_code not in (None, ""):
            code = str(area_code).strip()
            if not code.startswith(team.area_code):
                errors.setdefault("area_code", []).append(
                    _("The activity takes place in the team's area: choose an area under it.")
                )
            else:
                code = _area(None, code, errors)
        if not team.is_active:
            errors.setdefault("team", []).append(_("This team is disbanded."))
        if errors:
            raise ValidationError(errors)
        if not (access.can_organise(actor, code) or access.is_team_leader(actor, team)):
            raise PermissionDenied(
                _(
                    "Only the area's grid chief or cadres, a town or county admin above it, or "
                    "a leader of the team may make its activities."
                )
            )
        activity = Activity.objects.create(
            team=team,
            title=title,
            description=description,
            target_group=target_group,
            place=place,
            starts_at=starts,
            ends_at=ends,
            places=places,
            checkin_code=new_code(),
            organiser=actor,
            area_code=code,
        )
        audit.record(
            actor=actor,
            action="volunteering_activity.create",
            obj=activity,
            after=audit.snapshot(activity, exclude=("checkin_code",)),
        )
    return activity


def _own_record(actor) -> Volunteer:
    own = selectors.own_volunteer(actor)
    if own is None:
        raise ValidationError(
            {
                "volunteer": [
                    _(
                        "You are not registered as a volunteer: ask a grid worker to register "
                        "you, or choose the volunteer."
                    )
                ]
            }
        )
    return own


def volunteer_for(actor, activity: Activity, volunteer) -> Volunteer:
    """The actor's own volunteer record, or the volunteer given by someone who runs the
    activity (a volunteer without a phone)."""
    if volunteer in (None, ""):
        row = _own_record(actor)
    else:
        row = volunteer_of(actor, volunteer)
        own = selectors.own_volunteer(actor)
        if own is None or own.pk != row.pk:
            require_runner(actor, activity)
    if not row.is_active:
        raise ValidationError(
            {"volunteer": [_("%(name)s is out of service.") % {"name": row.name}]}
        )
    return row


def locked_activity(actor, activity) -> Activity:
    """The activity's row locked for the rest of the transaction: sign-ups to it wait."""
    return activity_of(actor, activity, lock=True)


def taken_places(activity: Activity) -> int:
    return SignUp.objects.filter(activity=activity, cancelled_at__isnull=True).count()


def sign_up(actor, activity, volunteer=None) -> SignUp:
    """Signs a volunteer up (the actor's own record unless someone who runs the activity
    names another). The activity's row is locked while its sign-ups are counted, so that
    two at once never take more than its places."""
    with transaction.atomic():
        recheck(actor)
        row = locked_activity(actor, activity)
        person = volunteer_for(actor, row, volunteer)
        errors: dict = {}
        if row.status != ActivityStatus.OPEN:
            errors["activity"] = [_("This activity is cancelled.")]
        elif row.ends_at <= timezone.now():
            errors["activity"] = [_("This activity has ended: sign-ups are closed.")]
        found = SignUp.objects.filter(activity=row, volunteer=person).first()
        if found is not None and found.cancelled_at is None:
            errors.setdefault("volunteer", []).append(
                _("%(name)s is already signed up.") % {"name": person.name}
            )
        if errors:
            raise ValidationError(errors)
        if taken_places(row) >= row.places:
            raise ValidationError(
                {
                    "activity": [
                        _("All %(places)d places are taken: the activity is full.")
                        % {"places": row.places}
                    ]
                }
            )
        if found is None:
            found = SignUp.objects.create(activity=row, volunteer=person)
        else:
            found.cancelled_at = None
            found.save(update_fields=["cancelled_at", "updated_at"])
        audit.record(
            actor=actor,
            action="volunteering_activity.sign_up",
            obj=row,
            after={"volunteer_id": person.pk, "signup_id": found.pk},
        )
    return found


def cancel_sign_up(actor, activity, volunteer=None) -> SignUp:
    """Cancels a volunteer's sign-up (their own, or by someone who runs the activity): the
    row stays, the place is free again."""
    with transaction.atomic():
        recheck(actor)
        row = locked_activity(actor, activity)
        person = volunteer_for(actor, row, volunteer)
        found = SignUp.objects.filter(
            activity=row, volunteer=person, cancelled_at__isnull=True
        ).first()
        if found is None:
            raise ValidationError(
                {"volunteer": [_("%(name)s is not signed up.") % {"name": person.name}]}
            )
        found.cancelled_at = timezone.now()
        found.save(update_fields=["cancelled_at", "updated_at"])
        audit.record(
            actor=actor,
            action="volunteering_activity.cancel_sign_up",
            obj=row,
            after={"volunteer_id": person.pk, "signup_id": found.pk},
        )
    return found


@transaction.atomic
def new_checkin_code(actor, activity) -> Activity:
    """Gives the activity a new check-in code (the old one no longer works)."""
    recheck(actor)
    row = activity_of(actor, activity, lock=True)
    require_runner(actor, row)
    code = new_code()
    while code == row.checkin_code:
        code = new_code()
    row.checkin_code = code
    row.save(update_fields=["checkin_code", "updated_at"])
    audit.record(
        actor=actor,
        action="volunteering_activity.new_code",
        obj=row,
        after={"checkin_code": "changed"},
    )
    return row


@transaction.atomic
def cancel_activity(actor, activity) -> Activity:
    """Cancels an open activity: no more sign-ups or check-ins; its rows stay."""
    recheck(actor)
    row = activity_of(actor, activity, lock=True)
    require_runner(actor, row)
    if not Activity.objects.filter(pk=row.pk, status=ActivityStatus.OPEN).update(
        status=ActivityStatus.CANCELLED, updated_at=timezone.now()
    ):
        raise ValidationError({"activity": [_("This activity is already cancelled.")]})
    row.status = ActivityStatus.CANCELLED
    audit.record(
        actor=actor,
        action="volunteering_activity.cancel",
        obj=row,
        before={"status": ActivityStatus.OPEN},
        after={"status": ActivityStatus.CANCELLED},
    )
    return row
