"""Every write of duty rosters (值班): a roster and its shifts, its members, the fair
rotation generated over the period, hand adjustments, swaps asked and decided.

The rules a rotation keeps (and a hand-made change is checked against), for each person:
- never on two shifts that overlap, in any roster;
- never on two shifts of whose starts lie less than the roster's `min_gap_hours` apart
  (24: not twice in 24 hours);
- after a shift that covers the night (some of 00:00–06:00) a rest of `night_rest_hours`
  before the next shift starts;
and each shift has one duty leader and `roles[role]` people of each role.

The rotation is greedy over the shifts in time order: each place goes to the member of
its role who may take it (the rules against every shift they hold, in any roster) and has
the fewest shifts of the roster so far, then the one rested longest, then the first
added. Over a period that lets everyone take turns, the counts of a role's members differ
by one at most. A place nobody may take is a message naming the shift, and nothing is
written.

`actor=None` is the command line or a background task (the demo): no checks.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.core import audit, validators
from yiwang.core.scoping import is_area_code
from yiwang.duty import access
from yiwang.duty.models import (
    Assignment,
    DutyFeed,
    DutyRole,
    Roster,
    RosterMember,
    Shift,
    SwapRequest,
    SwapStatus,
)
from yiwang.notices.models import Notification

NOTICE_SWAP_REQUESTED = "duty.swap_requested"
NOTICE_SWAP_DECIDED = "duty.swap_decided"
NAME_MAX = 100
REASON_MAX = 200
MAX_DAYS = 366
MAX_PER_ROLE = 20
MAX_MEMBERS = 500
MAX_RULE_HOURS = 168
NIGHT_END = datetime.time(6, 0)
BATCH = 2000


# --- times ------------------------------------------------------------------------------


def local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def covers_night(starts_at: datetime.datetime, ends_at: datetime.datetime) -> bool:
    """Whether [starts_at, ends_at) holds some of a night's 00:00–06:00 (local time)."""
    start, end = local(starts_at), local(ends_at)
    day = start.date()
    while day <= end.date():
        night = timezone.make_aware(datetime.datetime.combine(day, datetime.time(0, 0)))
        morning = timezone.make_aware(datetime.datetime.combine(day, NIGHT_END))
        if start < morning and end > night:
            return True
        day += datetime.timedelta(days=1)
    return False


def shift_label(starts_at: datetime.datetime, ends_at: datetime.datetime) -> str:
    """ "2026-06-01 08:00–06-02 08:00" in local time."""
    start, end = local(starts_at), local(ends_at)
    tail = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{tail}"


@dataclass
class Held:
    """A shift someone holds: its times, its roster's name and whether it covers a night."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    roster_name: str
    night: bool
    assignment_id: int | None = None

    def label(self) -> str:
        return f"{self.roster_name} {shift_label(self.starts_at, self.ends_at)}"


def conflict(roster: Roster, start, end, held: list[Held], ignore=()) -> Held | None:
    """The first shift in `held` that a shift [start, end) of `roster` would break a rule
    against (overlap, the gap between starts, the rest after a night), else None."""
    gap = datetime.timedelta(hours=roster.min_gap_hours)
    rest = datetime.timedelta(hours=roster.night_rest_hours)
    night = None
    for other in held:
        if other.assignment_id is not None and other.assignment_id in ignore:
            continue
        if other.starts_at < end and other.ends_at > start:
            return other
        if abs(other.starts_at - start) < gap:
            return other
        if other.starts_at < start:
            if other.night and start < other.ends_at + rest:
                return other
        else:
            if night is None:
                night = covers_night(start, end)
            if night and other.starts_at < end + rest:
                return other
    return None


def _rule_message(person, other: Held) -> str:
    return _(
        "%(person)s cannot take this shift: it comes too close to (or overlaps) their shift "
        "%(shift)s (the roster's rules: no two shifts within the gap, a rest after a night)."
    ) % {"person": person, "shift": other.label()}


def _held_by(user_ids, start, end) -> dict[int, list[Held]]:
    """{user id: the shifts they hold in any roster} from `start` to `end` (one query)."""
    held: dict[int, list[Held]] = defaultdict(list)
    rows = (
        Assignment.objects.filter(user_id__in=list(user_ids), ends_at__gt=start, starts_at__lt=end)
        .select_related("shift__roster")
        .only("pk", "user_id", "starts_at", "ends_at", "shift__roster__name")
        .order_by("starts_at")
    )
    for row in rows:
        held[row.user_id].append(
            Held(
                row.starts_at,
                row.ends_at,
                row.shift.roster.name,
                covers_night(row.starts_at, row.ends_at),
                row.pk,
            )
        )
    return held


def _margin(roster: Roster) -> datetime.timedelta:
    return datetime.timedelta(
        hours=max(roster.min_gap_hours, roster.night_rest_hours) + roster.shift_hours + 48
    )


# --- access -----------------------------------------------------------------------------


def _require_keeper(actor, code: str, *, readable: bool = False) -> None:
    """The actor keeps the rosters of `code`: else 404 when they do not see it (unless
    `readable`: they read the roster, being on it), 403 when they see it."""
    if actor is None:
        return
    scope.recheck(actor)
    if not readable and not scope.in_scope(actor, code):
        raise Http404(_("Not found."))
    if not access.can_keep(actor, code):
        raise PermissionDenied(
            _("Only the admins of the roster's area (or an area above it) keep its rosters.")
        )


def _roster(actor, roster_id, *, lock=True) -> Roster:
    rows = Roster.objects.all()
    if actor is not None:
        scope.recheck(actor)
        q = access.roster_q(actor)
        if q is not None:
            rows = rows.filter(q)
    if lock:
        rows = rows.select_for_update(of=("self",))
    pk = validators.read_id(roster_id)
    found = rows.filter(pk=pk).first() if pk else None
    if found is None:
        raise Http404(_("Not found."))
    return found


def _kept_roster(actor, roster_id) -> Roster:
    roster = _roster(actor, roster_id)
    _require_keeper(actor, roster.area_code, readable=True)
    return roster


# --- rosters ----------------------------------------------------------------------------


def _read_date(value, field: str, errors: dict) -> datetime.date | None:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    day = validators.read_date(str(value or "").strip())
    if day is None:
        errors.setdefault(field, []).append(_("Enter a date like 2026-06-01."))
    return day


def _read_time(value, field: str, errors: dict) -> datetime.time | None:
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    try:
        return datetime.time.fromisoformat(str(value or "").strip()).replace(
            second=0, microsecond=0
        )
    except ValueError:
        errors.setdefault(field, []).append(_("Enter a time like 08:00."))
        return None


def _read_hours(value, field: str, low: int, high: int, errors: dict) -> int | None:
    try:
        hours = int(value)
    except (TypeError, ValueError):
        hours = None
    if hours is None or isinstance(value, bool) or not low <= hours <= high:
        errors.setdefault(field, []).append(
            _("A whole number of hours from %(low)d to %(high)d.") % {"low": low, "high": high}
        )
        return None
    return hours


def clean_roles(roles, errors: dict) -> dict:
    """The people a shift needs by role besides its leader: {role: how many}."""
    if roles in (None, ""):
        return {DutyRole.OFFICER.value: 1}
    if not isinstance(roles, dict):
        errors.setdefault("roles", []).append(_("Give the people a shift needs by role."))
        return {}
    cleaned = {}
    for role, count in roles.items():
        if role not in DutyRole.values or role == DutyRole.LEADER:
            errors.setdefault("roles", []).append(
                _("Unknown role %(role)s: choose the roles from the list.") % {"role": role}
            )
            continue
        try:
            number = int(count)
        except (TypeError, ValueError):
            number = -1
        if isinstance(count, bool) or not 0 <= number <= MAX_PER_ROLE:
            errors.setdefault("roles", []).append(
                _("A shift needs from 0 to %(max)d people of a role.") % {"max": MAX_PER_ROLE}
            )
            continue
        if number:
            cleaned[role] = number
    return {role: cleaned[role] for role in DutyRole.values if role in cleaned}


def shift_times(roster: Roster, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    starts = timezone.make_aware(datetime.datetime.combine(day, roster.shift_start))
    return starts, starts + datetime.timedelta(hours=roster.shift_hours)


def _ensure_shifts(roster: Roster) -> None:
    """One shift a day of the period (those missing: a roster's period may grow)."""
    have = set(Shift.objects.filter(roster=roster).values_list("starts_at", flat=True))
    day, rows = roster.starts_on, []
    while day <= roster.ends_on:
        starts, ends = shift_times(roster, day)
        if starts not in have:
            rows.append(Shift(roster=roster, starts_at=starts, ends_at=ends))
        day += datetime.timedelta(days=1)
    Shift.objects.bulk_create(rows, batch_size=BATCH)


@transaction.atomic
def create_roster(
    *,
    actor,
    area_code,
    name,
    place="",
    starts_on,
    ends_on,
    shift_start,
    shift_hours=24,
    roles=None,
    min_gap_hours=24,
    night_rest_hours=24,
) -> Roster:
    """A roster of the area over a period, with its shifts (one a day from `shift_start`,
    `shift_hours` long), kept by the admins of the area and those above."""
    from yiwang.areas.models import Area

    code = str(area_code or "").strip()
    if not is_area_code(code) or not Area.objects.filter(code=code).exists():
        raise ValidationError({"area_code": [_("Choose the area from the list.")]})
    _require_keeper(actor, code)
    errors: dict = {}
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    place = validators.clean_line(
        place, field="place", limit=NAME_MAX, required=False, errors=errors
    )
    first = _read_date(starts_on, "starts_on", errors)
    last = _read_date(ends_on, "ends_on", errors)
    start = _read_time(shift_start, "shift_start", errors)
    hours = _read_hours(shift_hours, "shift_hours", 1, 48, errors)
    gap = _read_hours(min_gap_hours, "min_gap_hours", 0, MAX_RULE_HOURS, errors)
    rest = _read_hours(night_rest_hours, "night_rest_hours", 0, MAX_RULE_HOURS, errors)
    roles = clean_roles(roles, errors)
    if first and last:
        if last < first:
            errors.setdefault("ends_on", []).append(_("The period ends before it starts."))
        elif (last - first).days + 1 > MAX_DAYS:
            errors.setdefault("ends_on", []).append(
                _("A roster covers at most %(days)d days.") % {"days": MAX_DAYS}
            )
    if errors:
        raise ValidationError(errors)
    roster = Roster.objects.create(
        area_code=code,
        name=name,
        place=place,
        starts_on=first,
        ends_on=last,
        shift_start=start,
        shift_hours=hours,
        roles=roles,
        min_gap_hours=gap,
        night_rest_hours=rest,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _ensure_shifts(roster)
    audit.record(actor=actor, action="duty.roster.create", obj=roster, after=audit.snapshot(roster))
    return roster


def _member_snapshot(roster: Roster) -> list:
    return [
        [m.user_id, m.role, m.phone, m.is_active]
        for m in RosterMember.objects.filter(roster=roster).order_by("user_id", "role")
    ]


@transaction.atomic
def set_members(*, actor, roster_id, members: list[dict]) -> list[RosterMember]:
    """The roster's people become those given ({"user": id, "role", "phone"}): those left
    out stay on record, off the rotation (their shifts stay until a new rotation). A duty
    leader is a member in the role "leader"."""
    from yiwang.accounts.models import User

    roster = _kept_roster(actor, roster_id)
    errors: dict = {}
    wanted: dict[tuple[int, str], str] = {}
    if not isinstance(members, list | tuple) or len(members) > MAX_MEMBERS:
        raise ValidationError(
            {"members": [_("At most %(max)d people on a roster.") % {"max": MAX_MEMBERS}]}
        )
    for n, item in enumerate(members, start=1):
        item = item if isinstance(item, dict) else {}
        pk = validators.read_id(item.get("user"))
        role = item.get("role")
        if pk is None:
            errors.setdefault("members", []).append(
                _("Row %(n)d: choose the person from the list.") % {"n": n}
            )
            continue
        if role not in DutyRole.values:
            errors.setdefault("members", []).append(
                _("Row %(n)d: choose the role from the list.") % {"n": n}
            )
            continue
        phone = str(item.get("phone") or "").strip()
        if phone:
            try:
                phone = validators.clean_phone(phone)
            except ValidationError as exc:
                errors.setdefault("members", []).append(
                    _("Row %(n)d: %(reason)s") % {"n": n, "reason": " ".join(exc.messages)}
                )
                continue
        wanted[(pk, role)] = phone
    people = User.objects.filter(pk__in={pk for pk, _role in wanted}, is_active=True)
    if actor is not None:
        people = people.filter(pk__in=User.objects.visible_to(actor).values("pk"))
    found = set(people.values_list("pk", flat=True))
    missing = {pk for pk, _role in wanted} - found
    if missing:
        errors.setdefault("members", []).append(
            _("Choose the people from the list (unknown: %(ids)s).")
            % {"ids": ", ".join(str(pk) for pk in sorted(missing))}
        )
    if errors:
        raise ValidationError(errors)
    before = _member_snapshot(roster)
    current = {(m.user_id, m.role): m for m in RosterMember.objects.filter(roster=roster)}
    for key, member in current.items():
        active = key in wanted
        phone = wanted.get(key, member.phone)
        if member.is_active != active or member.phone != phone:
            member.is_active, member.phone = active, phone
            member.save(update_fields=["is_active", "phone", "updated_at"])
    RosterMember.objects.bulk_create(
        [
            RosterMember(roster=roster, user_id=pk, role=role, phone=phone)
            for (pk, role), phone in wanted.items()
            if (pk, role) not in current
        ]
    )
    after = _member_snapshot(roster)
    if after != before:
        audit.record(
            actor=actor,
            action="duty.roster.members",
            obj=roster,
            before={"members": before},
            after={"members": after},
        )
    return list(RosterMember.objects.filter(roster=roster, is_active=True).select_related("user"))


def _slots(roster: Roster) -> list[str]:
    """The places of a shift: its leader first, then each role as many times as needed."""
    return [DutyRole.LEADER.value] + [
        role for role, count in (roster.roles or {}).items() for _n in range(int(count))
    ]


@transaction.atomic
def generate(*, actor, roster_id, replace_hand_made=False) -> int:
    """Fills the roster's shifts with a fair rotation (see the module's note) and answers
    how many people it placed. Shifts not started yet are planned again, their rotation's
    places dropped first (and the hand-made ones too when `replace_hand_made`); a shift
    that started is kept as it stands, unless nobody holds it (a roster entered after the
    fact). The hand-made places kept count towards fairness and the rules."""
    roster = _kept_roster(actor, roster_id)
    _ensure_shifts(roster)
    now = timezone.now()
    shifts = list(Shift.objects.filter(roster=roster).order_by("starts_at"))
    staffed = set(
        Assignment.objects.filter(shift__roster=roster).values_list("shift_id", flat=True)
    )
    planned = [s for s in shifts if s.starts_at > now or s.pk not in staffed]
    planned_ids = {s.pk for s in planned}
    # A place with a swap awaiting its decision stays as it stands (the swap is decided on
    # it): it is kept out of the new plan, counted like a hand-made place.
    asked = SwapRequest.objects.filter(
        status=SwapStatus.REQUESTED, assignment__shift__roster=roster
    ).values_list("assignment_id", "counterpart_id")
    awaiting = {pk for pair in asked for pk in pair if pk is not None}
    dropped = Assignment.objects.filter(shift_id__in=planned_ids).exclude(pk__in=awaiting)
    if not replace_hand_made:
        dropped = dropped.filter(by_hand=False)
    dropped_count = dropped.count()
    if dropped_count:
        for start in range(0, len(planned), BATCH):
            ids = [s.pk for s in planned[start : start + BATCH]]
            part = Assignment.objects.filter(shift_id__in=ids).exclude(pk__in=awaiting)
            if not replace_hand_made:
                part = part.filter(by_hand=False)
            part.delete()

    members = list(
        RosterMember.objects.filter(roster=roster, is_active=True)
        .select_related("user")
        .order_by("id")
    )
    pools: dict[str, list[RosterMember]] = defaultdict(list)
    for member in members:
        if member.user.is_active:
            pools[member.role].append(member)
    people = {m.user_id: m.user for m in members}
    if not shifts:
        return 0
    margin = _margin(roster)
    held = _held_by(people, shifts[0].starts_at - margin, shifts[-1].ends_at + margin)
    # Fairness: the places each person holds in this roster, and when their last ended.
    counts: dict[int, int] = defaultdict(int)
    last_end: dict[int, datetime.datetime] = {}
    kept_rows = Assignment.objects.filter(shift__roster=roster).values_list(
        "shift_id", "user_id", "role"
    )
    kept: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for shift_id, user_id, role in kept_rows:
        kept[shift_id].append((user_id, role))
        counts[user_id] += 1
    slots = _slots(roster)
    new: list[Assignment] = []
    for shift in shifts:
        here = kept.get(shift.pk, [])
        if shift.pk not in planned_ids:
            for user_id, _role in here:
                last_end[user_id] = max(last_end.get(user_id, shift.ends_at), shift.ends_at)
            continue
        taken = {user_id for user_id, _role in here}
        needed = list(slots)
        for _user_id, role in here:
            if role in needed:
                needed.remove(role)
        night = covers_night(shift.starts_at, shift.ends_at)
        for role in needed:
            choice = None
            best = None
            for member in pools.get(role, ()):
                uid = member.user_id
                if uid in taken:
                    continue
                if conflict(roster, shift.starts_at, shift.ends_at, held[uid]) is not None:
                    continue
                rested = last_end.get(uid)
                key = (counts[uid], rested is not None, rested or now)
                if best is None or key < best:
                    best, choice = key, member
            if choice is None:
                raise ValidationError(
                    {
                        "members": [
                            _(
                                "Nobody may take the %(role)s's place of the shift %(shift)s "
                                "without breaking a rule: add people in that role, or change "
                                "the hand-made places around it."
                            )
                            % {
                                "role": DutyRole(role).label,
                                "shift": shift_label(shift.starts_at, shift.ends_at),
                            }
                        ]
                    }
                )
            uid = choice.user_id
            taken.add(uid)
            counts[uid] += 1
            last_end[uid] = shift.ends_at
            held[uid].append(Held(shift.starts_at, shift.ends_at, roster.name, night))
            new.append(
                Assignment(
                    shift=shift,
                    user_id=uid,
                    role=role,
                    area_code=roster.area_code,
                    starts_at=shift.starts_at,
                    ends_at=shift.ends_at,
                )
            )
        for user_id, _role in here:
            last_end[user_id] = shift.ends_at
    Assignment.objects.bulk_create(new, batch_size=BATCH)
    audit.record(
        actor=actor,
        action="duty.roster.generate",
        obj=roster,
        after={
            "shifts": len(planned),
            "placed": len(new),
            "dropped": dropped_count,
            "kept_for_swaps": len(awaiting),
            "replace_hand_made": bool(replace_hand_made),
        },
    )
    return len(new)


# --- by hand ----------------------------------------------------------------------------


def _assignment_snapshot(row: Assignment) -> dict:
    return audit.snapshot(row)


@transaction.atomic
def assign(*, actor, shift_id, user_id, role) -> Assignment:
    """Puts a member of the roster on a shift by hand, in a role: refused (with a message
    naming the other shift) when it overlaps another shift of theirs in any roster or
    breaks the roster's rules, or when the shift has its leader already."""
    from yiwang.accounts.models import User

    pk = validators.read_id(shift_id)
    shift = Shift.objects.filter(pk=pk).select_related("roster").first() if pk else None
    if shift is None:
        raise Http404(_("Not found."))
    roster = _kept_roster(actor, shift.roster_id)
    if role not in DutyRole.values:
        raise ValidationError({"role": [_("Choose the role from the list.")]})
    uid = validators.read_id(user_id)
    # A place of a role goes to a member in that role (a duty leader is a member "leader").
    member = (
        RosterMember.objects.filter(roster=roster, user_id=uid, role=role, is_active=True)
        .select_related("user")
        .first()
        if uid
        else None
    )
    if member is None or not member.user.is_active:
        raise ValidationError(
            {
                "user": [
                    _(
                        "That person is not on this roster as %(role)s: add them to its "
                        "members in that role first."
                    )
                    % {"role": DutyRole(role).label}
                ]
            }
        )
    person = member.user
    # The shift's row is locked: two hand changes of one shift go one after the other.
    Shift.objects.select_for_update().filter(pk=shift.pk).first()
    here = list(Assignment.objects.filter(shift=shift).select_related("user"))
    if any(a.user_id == uid for a in here):
        raise ValidationError(
            {"user": [_("%(person)s is on this shift already.") % {"person": person}]}
        )
    leader = next((a for a in here if a.role == DutyRole.LEADER), None)
    if role == DutyRole.LEADER and leader is not None:
        raise ValidationError(
            {
                "role": [
                    _("This shift has its duty leader already: %(person)s.")
                    % {"person": leader.user}
                ]
            }
        )
    User.objects.select_for_update().filter(pk=uid).first()  # one change of a person at once
    margin = _margin(roster)
    held = _held_by([uid], shift.starts_at - margin, shift.ends_at + margin)[uid]
    other = conflict(roster, shift.starts_at, shift.ends_at, held)
    if other is not None:
        raise ValidationError({"user": [_rule_message(person, other)]})
    row = Assignment.objects.create(
        shift=shift,
        user_id=uid,
        role=role,
        area_code=roster.area_code,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        by_hand=True,
    )
    audit.record(
        actor=actor, action="duty.assignment.assign", obj=row, after=_assignment_snapshot(row)
    )
    return row


def _assignment(actor, assignment_id, *, lock=True) -> Assignment:
    pk = validators.read_id(assignment_id)
    rows = Assignment.objects.select_related("shift__roster", "user")
    if lock:
        rows = rows.select_for_update(of=("self",))
    row = rows.filter(pk=pk).first() if pk else None
    if row is None:
        raise Http404(_("Not found."))
    if actor is not None:
        _roster(actor, row.shift.roster_id, lock=False)  # 404 outside what the actor reads
    return row


@transaction.atomic
def unassign(*, actor, assignment_id) -> None:
    """Takes a person off a shift by hand."""
    row = _assignment(actor, assignment_id)
    _require_keeper(actor, row.area_code, readable=True)
    before = _assignment_snapshot(row)
    audit.record(
        actor=actor,
        action="duty.assignment.unassign",
        obj=row,
        before=before,
    )
    row.delete()


# --- swaps ------------------------------------------------------------------------------


def _swap_problem(roster: Roster, mine: Assignment, to_user, theirs: Assignment | None) -> str:
    """The rule a swap would break ('' when none): `to_user` takes `mine`, its holder
    takes `theirs` (when given)."""
    ignore = {mine.pk} | ({theirs.pk} if theirs else set())
    margin = _margin(roster)
    moves = [(to_user, mine)] + ([(mine.user, theirs)] if theirs else [])
    for person, row in moves:
        held = _held_by([person.pk], row.starts_at - margin, row.ends_at + margin)[person.pk]
        # The shift the other one hands over is theirs after the swap, too.
        for other_person, other_row in moves:
            if other_person.pk == person.pk and other_row.pk != row.pk:
                held.append(
                    Held(
                        other_row.starts_at,
                        other_row.ends_at,
                        roster.name,
                        covers_night(other_row.starts_at, other_row.ends_at),
                    )
                )
        other = conflict(roster, row.starts_at, row.ends_at, held, ignore=ignore)
        if other is not None:
            return _rule_message(person, other)
    return ""


def _is_member(roster: Roster, user_id, role) -> bool:
    return RosterMember.objects.filter(
        roster=roster, user_id=user_id, role=role, is_active=True, user__is_active=True
    ).exists()


def _swap_errors(roster: Roster, mine: Assignment, to_user, theirs: Assignment | None) -> dict:
    """What forbids the swap besides the rules of rest (asked and checked again at its
    approval): a shift begun, a person not on the roster in the role they would take, the
    two places on one shift, or someone already on the shift they would take."""
    errors: dict = {}
    now = timezone.now()
    if mine.starts_at <= now:
        errors.setdefault("assignment", []).append(
            _("The shift has begun: it is no longer swapped.")
        )
    if not _is_member(roster, to_user.pk, mine.role):
        errors.setdefault("to_user", []).append(
            _(
                "%(person)s is not on this roster as %(role)s: a shift is swapped with a "
                "member in the same role."
            )
            % {"person": to_user, "role": DutyRole(mine.role).label}
        )
    elif Assignment.objects.filter(shift_id=mine.shift_id, user_id=to_user.pk).exists():
        errors.setdefault("to_user", []).append(
            _("%(person)s is on this shift already: they cannot take a second place on it.")
            % {"person": to_user}
        )
    if theirs is not None:
        if theirs.starts_at <= now:
            errors.setdefault("counterpart", []).append(
                _("Their shift has begun: it is no longer swapped.")
            )
        if theirs.shift_id == mine.shift_id:
            errors.setdefault("counterpart", []).append(
                _("Both places are on the same shift: choose one of their other shifts.")
            )
        elif Assignment.objects.filter(shift_id=theirs.shift_id, user_id=mine.user_id).exists():
            errors.setdefault("counterpart", []).append(
                _("%(person)s is on that shift already: they cannot take a second place on it.")
                % {"person": mine.user}
            )
        if not _is_member(roster, mine.user_id, theirs.role):
            errors.setdefault("counterpart", []).append(
                _(
                    "%(person)s is not on this roster as %(role)s: they cannot take that "
                    "shift in exchange."
                )
                % {"person": mine.user, "role": DutyRole(theirs.role).label}
            )
    return errors


def _notice(kind: str, swap: SwapRequest, text: str, **to) -> Notification:
    return Notification(
        kind=kind, object_type="duty.swaprequest", object_id=swap.pk, text=text, **to
    )


@transaction.atomic
def request_swap(*, actor, assignment_id, to_user_id, reason, counterpart_id=None) -> SwapRequest:
    """Asks to hand one's shift to another active member of the roster (optionally taking
    one of theirs in exchange); the roster's keepers approve or refuse it."""
    mine = _assignment(actor, assignment_id)
    roster = mine.shift.roster
    if (
        actor is not None
        and mine.user_id != actor.pk
        and not access.can_keep(actor, roster.area_code)
    ):
        raise PermissionDenied(_("Only the person on the shift asks to swap it."))
    errors: dict = {}
    reason = validators.clean_line(
        reason, field="reason", limit=REASON_MAX, required=True, errors=errors
    )
    uid = validators.read_id(to_user_id)
    member = (
        RosterMember.objects.filter(
            roster=roster, user_id=uid, is_active=True, user__is_active=True
        )
        .select_related("user")
        .first()
        if uid
        else None
    )
    to_user = member.user if member else None
    if to_user is None:
        errors.setdefault("to_user", []).append(
            _("That person is not on this roster: a shift is swapped with a member of it.")
        )
    elif to_user.pk == mine.user_id:
        errors.setdefault("to_user", []).append(_("Choose someone else to swap with."))
    theirs = None
    if counterpart_id not in (None, "") and to_user is not None:
        cpk = validators.read_id(counterpart_id)
        theirs = (
            Assignment.objects.select_for_update()
            .filter(pk=cpk, shift__roster=roster, user=to_user)
            .first()
            if cpk
            else None
        )
        if theirs is None:
            errors.setdefault("counterpart", []).append(
                _("Choose one of their shifts on this roster to take in exchange.")
            )
    if to_user is not None and to_user.pk != mine.user_id and "counterpart" not in errors:
        for field, messages in _swap_errors(roster, mine, to_user, theirs).items():
            errors.setdefault(field, []).extend(messages)
    elif mine.starts_at <= timezone.now():
        errors.setdefault("assignment", []).append(
            _("The shift has begun: it is no longer swapped.")
        )
    if SwapRequest.objects.filter(assignment=mine, status=SwapStatus.REQUESTED).exists():
        errors.setdefault("assignment", []).append(_("A swap of this shift is asked already."))
    if not errors:
        problem = _swap_problem(roster, mine, to_user, theirs)
        if problem:
            errors["to_user"] = [problem]
    if errors:
        raise ValidationError(errors)
    swap = SwapRequest.objects.create(
        assignment=mine,
        counterpart=theirs,
        from_user=mine.user,
        to_user=to_user,
        reason=reason,
        area_code=roster.area_code,
    )
    text = _("%(person)s asks to hand the shift %(shift)s of %(roster)s to %(to)s: %(reason)s") % {
        "person": mine.user,
        "shift": shift_label(mine.starts_at, mine.ends_at),
        "roster": roster.name,
        "to": to_user,
        "reason": reason,
    }
    Notification.objects.bulk_create(
        [
            _notice(NOTICE_SWAP_REQUESTED, swap, text, area_code=roster.area_code),
            _notice(NOTICE_SWAP_REQUESTED, swap, text, recipient=to_user),
        ]
    )
    audit.record(actor=actor, action="duty.swap.request", obj=swap, after=audit.snapshot(swap))
    return swap


@transaction.atomic
def decide_swap(*, actor, swap_id, approve, note="") -> SwapRequest:
    """A keeper of the roster approves the swap (the rules checked again: the shifts
    change hands) or refuses it; both people are told."""
    pk = validators.read_id(swap_id)
    rows = SwapRequest.objects.select_for_update(of=("self",)).select_related(
        "from_user", "to_user"
    )
    if actor is not None:
        scope.recheck(actor)
        q = access.scoped_q(actor)
        if q is not None:
            rows = rows.filter(q | Q(from_user=actor) | Q(to_user=actor))
    swap = rows.filter(pk=pk).first() if pk else None
    if swap is None:
        raise Http404(_("Not found."))
    _require_keeper(actor, swap.area_code, readable=True)
    errors: dict = {}
    note = validators.clean_line(
        note or "", field="note", limit=REASON_MAX, required=False, errors=errors
    )
    if swap.status != SwapStatus.REQUESTED:
        errors.setdefault("status", []).append(_("This swap was decided already."))
    if errors:
        raise ValidationError(errors)
    mine = (
        Assignment.objects.select_for_update()
        .select_related("shift__roster", "user")
        .get(pk=swap.assignment_id)
    )
    theirs = (
        Assignment.objects.select_for_update().get(pk=swap.counterpart_id)
        if swap.counterpart_id
        else None
    )
    roster = mine.shift.roster
    before = audit.snapshot(swap)
    if approve:
        if mine.user_id != swap.from_user_id or (theirs and theirs.user_id != swap.to_user_id):
            raise ValidationError({"status": [_("The shifts changed hands since: ask again.")]})
        # Checked again: a shift may have begun, a role or a shift's people changed since.
        problems = _swap_errors(roster, mine, swap.to_user, theirs)
        if problems:
            raise ValidationError(problems)
        problem = _swap_problem(roster, mine, swap.to_user, theirs)
        if problem:
            raise ValidationError({"to_user": [problem]})
        mine.user, mine.by_hand = swap.to_user, True
        mine.save(update_fields=["user", "by_hand"])
        if theirs is not None:
            theirs.user, theirs.by_hand = swap.from_user, True
            theirs.save(update_fields=["user", "by_hand"])
    swap.status = SwapStatus.APPROVED if approve else SwapStatus.REFUSED
    swap.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    swap.decided_at = timezone.now()
    swap.decision_note = note
    swap.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    text = (
        _("The swap of the shift %(shift)s of %(roster)s with %(to)s was approved.")
        if approve
        else _("The swap of the shift %(shift)s of %(roster)s with %(to)s was refused.")
    ) % {
        "shift": shift_label(mine.starts_at, mine.ends_at),
        "roster": roster.name,
        "to": swap.to_user,
    }
    if note:
        text = f"{text} {note}"
    Notification.objects.bulk_create(
        [
            _notice(NOTICE_SWAP_DECIDED, swap, text, recipient=swap.from_user),
            _notice(NOTICE_SWAP_DECIDED, swap, text, recipient=swap.to_user),
        ]
    )
    audit.record(
        actor=actor,
        action="duty.swap.approve" if approve else "duty.swap.refuse",
        obj=swap,
        before=before,
        after=audit.snapshot(swap),
    )
    return swap


# --- checks -----------------------------------------------------------------------------


def rule_breaks(roster: Roster) -> list[str]:
    """What in the roster breaks a rule, in words: a shift without its leader or short of
    a role, a person on two shifts too close (overlapping, within the gap, no rest after
    a night), also against their shifts in other rosters."""
    breaks: list[str] = []
    shifts = list(Shift.objects.filter(roster=roster).order_by("starts_at"))
    rows = list(
        Assignment.objects.filter(shift__roster=roster).select_related("user").order_by("starts_at")
    )
    by_shift: dict[int, list[Assignment]] = defaultdict(list)
    for row in rows:
        by_shift[row.shift_id].append(row)
    needed = {role: int(n) for role, n in (roster.roles or {}).items()}
    for shift in shifts:
        label = shift_label(shift.starts_at, shift.ends_at)
        here = by_shift.get(shift.pk, [])
        if not any(a.role == DutyRole.LEADER for a in here):
            breaks.append(_("%(shift)s: no duty leader.") % {"shift": label})
        for role, count in needed.items():
            have = sum(1 for a in here if a.role == role)
            if have < count:
                breaks.append(
                    _("%(shift)s: %(have)d of %(count)d %(role)s.")
                    % {"shift": label, "have": have, "count": count, "role": DutyRole(role).label}
                )
    if not rows:
        return breaks
    margin = _margin(roster)
    users = {row.user_id: row.user for row in rows}
    held = _held_by(users, rows[0].starts_at - margin, rows[-1].ends_at + margin)
    seen = set()
    for row in rows:
        mine = [h for h in held[row.user_id] if h.assignment_id != row.pk]
        other = conflict(roster, row.starts_at, row.ends_at, mine)
        if other is None:
            continue
        pair = tuple(sorted((row.pk, other.assignment_id or 0)))
        if pair in seen:
            continue
        seen.add(pair)
        breaks.append(
            _("%(person)s: %(shift)s comes too close to %(other)s.")
            % {
                "person": row.user,
                "shift": shift_label(row.starts_at, row.ends_at),
                "other": other.label(),
            }
        )
    return breaks


# --- calendar feeds ---------------------------------------------------------------------


@transaction.atomic
def ensure_feed(*, actor) -> DutyFeed:
    """The actor's secret calendar address, made when they first ask for it."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to subscribe to your duty calendar."))
    feed, created = DutyFeed.objects.get_or_create(user=actor)
    if created:
        audit.record(
            actor=actor,
            action="duty.feed.create",
            obj=feed,
            area_code=actor.area_code or "",
            after={"user": actor.pk},
        )
    return feed


@transaction.atomic
def renew_feed(*, actor) -> DutyFeed:
    """A new secret address for the actor's calendar: the old one stops answering."""
    from yiwang.duty.models.rosters import new_feed_token

    feed = ensure_feed(actor=actor)
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    audit.record(
        actor=actor,
        action="duty.feed.renew",
        obj=feed,
        area_code=actor.area_code or "",
        after={"user": actor.pk},
    )
    return feed


def may_read_feed(viewer, user_id) -> bool:
    """A person's calendar is theirs alone."""
    return bool(getattr(viewer, "is_authenticated", False) and viewer.pk == user_id)
