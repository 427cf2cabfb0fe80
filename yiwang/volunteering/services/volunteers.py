"""Every write of volunteers and teams: a volunteer registered once with their consent,
their skills and availability changed, taken out of service; teams made and their
members added and ended.

Who may do what (yiwang.volunteering.access): volunteers are registered and changed by
anyone who records in their area (`can_record`); teams are made by the organisers of
their area (`can_organise`), and their members added or ended by those organisers or a
leader of the team. `actor=None` is the operator at the command line, who may do all.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import User
from yiwang.areas.models import Area
from yiwang.core import audit, validators
from yiwang.core.scoping import get_in_scope, get_or_404, is_area_code
from yiwang.registry.models import Resident, ResidentStatus
from yiwang.volunteering import access
from yiwang.volunteering.models import Membership, Team, TeamKind, Volunteer
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.services.inputs import read_pk

SKILLS_MAX = 200
NAME_MAX = 100


def recheck(actor) -> None:
    if actor is not None:
        scope.recheck(actor)
        selectors.forget(actor)


def volunteer_of(actor, volunteer, *, lock: bool = False) -> Volunteer:
    """The volunteer `volunteer` (an id or the row) as the actor reaches it, else 404."""
    return get_or_404(selectors.volunteers_visible_to(actor), lock=lock, pk=read_pk(volunteer))


def team_of(actor, team, *, lock: bool = False) -> Team:
    return get_or_404(selectors.teams_visible_to(actor), lock=lock, pk=read_pk(team))


def _area(actor, code, errors: dict, field: str = "area_code") -> str:
    """An open area of the actor's scope, or an error on `field`."""
    code = str(code or "").strip()
    if (
        not is_area_code(code)
        or not Area.objects.filter(code=code, closed_on__isnull=True).exists()
    ):
        errors.setdefault(field, []).append(_("Choose an area from the list."))
        return ""
    if actor is not None and not scope.in_scope(actor, code):
        errors.setdefault(field, []).append(
            _("This area lies outside your posts' areas: choose one of yours.")
        )
        return ""
    return code


def _require_recorder(actor, code: str) -> None:
    if not access.can_record(actor, code):
        raise PermissionDenied(
            _(
                "Only the area's grid workers, group leaders, grid chief and cadres, or a town "
                "or county admin above it, may register and change its volunteers."
            )
        )


def _require_organiser(actor, team: Team | None, code: str) -> None:
    if access.can_organise(actor, code):
        return
    if team is not None and access.is_team_leader(actor, team):
        return
    raise PermissionDenied(
        _(
            "Only the area's grid chief or cadres, a town or county admin above it, or a "
            "leader of the team may do this."
        )
    )


# --- volunteers ------------------------------------------------------------------------------


def register_volunteer(
    actor,
    *,
    resident=None,
    user=None,
    area_code=None,
    skills: str = "",
    availability: str = "",
    consent: bool = False,
) -> Volunteer:
    """Registers a resident of the ledger, an account, or both as one volunteer, once,
    with the person's consent to record their service. The resident and the account are
    looked up in the actor's scope (the accounts': `User.objects.visible_to`), else 404.
    The area is the resident's unit, else the area given (of the actor's scope)."""
    with transaction.atomic():
        recheck(actor)
        errors: dict = {}
        if consent is not True:
            errors["consent"] = [
                _(
                    "The person's consent to record their service is required: ask them, "
                    "and register them once they agree."
                )
            ]
        person = None
        if resident not in (None, ""):
            person = get_in_scope(Resident.objects.all(), actor, pk=read_pk(resident))
            if person.status != ResidentStatus.LIVING:
                errors.setdefault("resident", []).append(
                    _("%(name)s no longer lives here: only a living resident can volunteer.")
                    % {"name": person.name}
                )
            elif Volunteer.objects.filter(resident=person).exists():
                errors.setdefault("resident", []).append(
                    _("%(name)s is already registered as a volunteer.") % {"name": person.name}
                )
        account = None
        if user not in (None, ""):
            # The actor's own account, or one of their scope (404 alike for one missing and
            # one outside it: an id says nothing of the accounts beyond).
            account = get_in_scope(User.objects.all(), actor, pk=read_pk(user))
            if not account.is_active:
                errors.setdefault("user", []).append(_("Choose an active account."))
            elif Volunteer.objects.filter(user=account).exists():
                errors.setdefault("user", []).append(
                    _("The account %(name)s is already registered as a volunteer.")
                    % {"name": account}
                )
        if person is None and account is None and "user" not in errors:
            errors.setdefault("resident", []).append(
                _("Choose the resident or the account who volunteers.")
            )
        if person is not None:
            code = person.area_code
        elif account is not None:
            code = _area(actor, area_code, errors)
        else:
            code = ""
        skills = validators.clean_line(
            skills, field="skills", limit=SKILLS_MAX, required=False, errors=errors
        )
        availability = validators.clean_line(
            availability, field="availability", limit=SKILLS_MAX, required=False, errors=errors
        )
        if errors:
            raise ValidationError(errors)
        _require_recorder(actor, code)
        name = person.name if person is not None else str(account)
        try:
            with transaction.atomic():
                volunteer = Volunteer.objects.create(
                    resident=person,
                    user=account,
                    name=name[:50],
                    skills=skills,
                    availability=availability,
                    consent_at=timezone.now(),
                    registered_by=actor,
                    area_code=code,
                )
        except IntegrityError:
            raise ValidationError(
                {"resident": [_("%(name)s is already registered as a volunteer.") % {"name": name}]}
            ) from None
        audit.record(
            actor=actor,
            action="volunteering_volunteer.register",
            obj=volunteer,
            after=audit.snapshot(volunteer),
        )
    if account is not None:
        selectors.forget(account)
    return volunteer


@transaction.atomic
def update_volunteer(actor, volunteer, *, skills=None, availability=None) -> Volunteer:
    """Changes a volunteer's skills or availability (None: as they are)."""
    recheck(actor)
    row = volunteer_of(actor, volunteer, lock=True)
    _require_recorder(actor, row.area_code)
    errors: dict = {}
    values = {}
    if skills is not None:
        values["skills"] = validators.clean_line(
            skills, field="skills", limit=SKILLS_MAX, required=False, errors=errors
        )
    if availability is not None:
        values["availability"] = validators.clean_line(
            availability, field="availability", limit=SKILLS_MAX, required=False, errors=errors
        )
    if errors:
        raise ValidationError(errors)
    audit.save_changes(actor=actor, obj=row, values=values, action="volunteering_volunteer.update")
    return row


@transaction.atomic
def deactivate_volunteer(actor, volunteer) -> Volunteer:
    """Takes a volunteer out of service: their record and hours stay."""
    recheck(actor)
    row = volunteer_of(actor, volunteer, lock=True)
    _require_recorder(actor, row.area_code)
    if not row.is_active:
        raise ValidationError({"volunteer": [_("This volunteer is already out of service.")]})
    audit.save_changes(
        actor=actor,
        obj=row,
        values={"is_active": False},
        action="volunteering_volunteer.deactivate",
    )
    return row


# --- teams -----------------------------------------------------------------------------------


@transaction.atomic
def create_team(actor, *, name: str, kind: str, area_code: str) -> Team:
    """Makes a volunteer team of a village, a town or the county."""
    recheck(actor)
    errors: dict = {}
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    if kind not in TeamKind.values:
        errors["kind"] = [_("Choose the kind of team from the list.")]
    code = _area(actor, area_code, errors)
    if not errors and Team.objects.filter(area_code=code, name=name).exists():
        errors["name"] = [
            _("The area already has a team named %(name)s: choose another name.") % {"name": name}
        ]
    if errors:
        raise ValidationError(errors)
    _require_organiser(actor, None, code)
    team = Team.objects.create(name=name, kind=kind, area_code=code)
    audit.record(
        actor=actor, action="volunteering_team.create", obj=team, after=audit.snapshot(team)
    )
    return team


def _day(value, field: str, errors: dict) -> datetime.date | None:
    if value in (None, ""):
        return timezone.localdate()
    if isinstance(value, datetime.date):
        return value
    day = validators.read_date(str(value))
    if day is None:
        errors.setdefault(field, []).append(_("Give a date such as 2026-05-01."))
    return day


@transaction.atomic
def add_member(actor, team, volunteer, is_leader: bool = False, joined_on=None) -> Membership:
    """Adds an active volunteer to a team (as a leader or not), from `joined_on` (today)."""
    recheck(actor)
    team = team_of(actor, team, lock=True)
    row = volunteer_of(actor, volunteer)
    # A leader adds members; only the organisers name leaders.
    _require_organiser(actor, None if is_leader else team, team.area_code)
    errors: dict = {}
    joined = _day(joined_on, "joined_on", errors)
    if joined is not None and joined > timezone.localdate():
        errors.setdefault("joined_on", []).append(
            _("The day joined is in the future: give today or a day before.")
        )
    if not team.is_active:
        errors.setdefault("team", []).append(_("This team is disbanded."))
    if not row.is_active:
        errors.setdefault("volunteer", []).append(
            _("%(name)s is out of service: only an active volunteer joins a team.")
            % {"name": row.name}
        )
    elif Membership.objects.filter(team=team, volunteer=row, left_on__isnull=True).exists():
        errors.setdefault("volunteer", []).append(
            _("%(name)s is already a member of %(team)s.") % {"name": row.name, "team": team.name}
        )
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                team=team, volunteer=row, is_leader=bool(is_leader), joined_on=joined
            )
    except IntegrityError:
        raise ValidationError(
            {
                "volunteer": [
                    _("%(name)s is already a member of %(team)s.")
                    % {"name": row.name, "team": team.name}
                ]
            }
        ) from None
    audit.record(
        actor=actor,
        action="volunteering_team.add_member",
        obj=team,
        after={"volunteer_id": row.pk, "is_leader": bool(is_leader), "joined_on": joined},
    )
    return membership


@transaction.atomic
def end_membership(actor, membership, left_on=None) -> Membership:
    """Ends a membership on `left_on` (today): the history stays."""
    recheck(actor)
    row = get_or_404(
        Membership.objects.filter(team__in=selectors.teams_visible_to(actor)).select_related(
            "team", "volunteer"
        ),
        lock=True,
        pk=read_pk(membership),
    )
    _require_organiser(actor, None if row.is_leader else row.team, row.team.area_code)
    errors: dict = {}
    left = _day(left_on, "left_on", errors)
    if row.left_on is not None:
        errors.setdefault("left_on", []).append(
            _("This membership already ended on %(day)s.") % {"day": row.left_on}
        )
    elif left is not None and left < row.joined_on:
        errors.setdefault("left_on", []).append(
            _("The day left is before the day joined (%(day)s).") % {"day": row.joined_on}
        )
    if errors:
        raise ValidationError(errors)
    row.left_on = left
    row.save(update_fields=["left_on", "updated_at"])
    audit.record(
        actor=actor,
        action="volunteering_team.end_membership",
        obj=row.team,
        after={"volunteer_id": row.volunteer_id, "left_on": left},
    )
    return row
