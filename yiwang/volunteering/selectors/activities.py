"""Who sees which volunteers, teams, activities and hours.

Every list starts from the model's `visible_to(user)` (the subtrees of the user's posts)
and adds what a volunteer needs beyond their posts:
- volunteers: their own record, and the current members of the teams they lead;
- teams and activities: those of the areas above their scope and their own volunteer
  record's area (a grid worker sees their village's and town's activities, to sign up),
  the teams they belong to and their activities, the activities they signed up for;
- hours: their own, and those of the activities of the teams they lead.
`user=None` is the operator at the command line, who sees everything.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from yiwang.accounts import scope
from yiwang.areas.codes import ancestor_codes
from yiwang.volunteering.models import (
    Activity,
    HoursRecord,
    Membership,
    SignUp,
    Team,
    Volunteer,
)


def own_volunteer(user) -> Volunteer | None:
    """The user's own volunteer record (active or not), cached on the user."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_volunteering_own", False)
    if cached is False:
        cached = Volunteer.objects.filter(user_id=user.pk).first()
        user._volunteering_own = cached
    return cached


def forget(user) -> None:
    """Drops the cached volunteer record (after it was registered or changed)."""
    if user is not None and hasattr(user, "_volunteering_own"):
        del user._volunteering_own


def _ancestors(codes) -> list[str]:
    found = set()
    for code in codes:
        found.update(ancestor_codes(code))
        found.add(code)
    return sorted(found)


def _current(memberships):
    today = timezone.localdate()
    return memberships.filter(joined_on__lte=today).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=today)
    )


def _current_memberships(user):
    return _current(Membership.objects.filter(volunteer__user_id=user.pk))


def _leaderships(user):
    """The user's current leaderships, through their volunteer record in service (an
    inactive volunteer leads nothing: access.is_team_leader)."""
    return _current_memberships(user).filter(is_leader=True, volunteer__is_active=True)


def led_team_ids(user) -> set[int]:
    """The teams the user currently leads (one query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(_leaderships(user).values_list("team_id", flat=True))


def _around(user) -> list[str]:
    """The areas above the user's scope and their own volunteer record's area."""
    codes = list(scope.scope_codes(user) or ())
    own = own_volunteer(user)
    if own is not None:
        codes.append(own.area_code)
    return _ancestors(codes)


def volunteers_visible_to(user):
    if user is None:
        return Volunteer.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Volunteer.objects.none()
    members = _current(Membership.objects.filter(team_id__in=_leaderships(user).values("team_id")))
    return Volunteer.objects.visible_to(user) | Volunteer.objects.filter(
        Q(user_id=user.pk) | Q(pk__in=members.values("volunteer_id"))
    )


def teams_visible_to(user):
    if user is None or scope.scope_codes(user) is None:
        return Team.objects.all()
    return Team.objects.visible_to(user) | Team.objects.filter(
        Q(area_code__in=_around(user)) | Q(pk__in=_current_memberships(user).values("team_id"))
    )


def activities_visible_to(user):
    if user is None or scope.scope_codes(user) is None:
        return Activity.objects.all()
    signed = SignUp.objects.filter(volunteer__user_id=user.pk).values("activity_id")
    return Activity.objects.visible_to(user) | Activity.objects.filter(
        Q(area_code__in=_around(user))
        | Q(team_id__in=_current_memberships(user).values("team_id"))
        | Q(pk__in=signed)
    )


def hours_visible_to(user):
    if user is None or scope.scope_codes(user) is None:
        return HoursRecord.objects.all()
    return HoursRecord.objects.visible_to(user) | HoursRecord.objects.filter(
        Q(volunteer__user_id=user.pk) | Q(activity__team_id__in=list(led_team_ids(user)))
    )
