"""Every write of the monthly evaluation (一月一评比): the review boards, the quotas and
award settings, closing a month (one village, or every village of an area at once), the
board's selection and minutes, the public notice (公示) with its objections and answers,
and the finalisation that pays the rewards (services.funds).

`actor=None` is the operator at the command line or a periodic task, who may do all.
Who may do what: access.py (a village's review board selects, writes the minutes,
publishes, answers objections and finalises; its grid chief or an admin above it keeps
the board and may close the month too).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import Role, User
from yiwang.accounts.scope import can_configure, recheck, roles_over
from yiwang.areas.codes import ancestor_codes
from yiwang.areas.models import Area, Level
from yiwang.core import audit, validators
from yiwang.core.reporting import month_end, parse_month
from yiwang.core.scoping import get_in_scope, is_area_code, subtree_q
from yiwang.points import access
from yiwang.points.models import (
    AwardKind,
    AwardSetting,
    BoardMember,
    Entry,
    EntryStatus,
    Evaluation,
    ListKind,
    Quota,
)
from yiwang.registry.models import Household, HouseholdStatus

NOTICE_DAYS = 7
TEXT_MAX = 300
MINUTES_MAX = 20000
OBJECTION_MAX = 2000
CONTACT_NAME_MAX = 50
QUOTA_MAX = 1000
AMOUNT_MAX = Decimal("1000000")
VILLAGE_LENGTH, GRID_LENGTH = 12, 15

# The standings' parts, the award chosen from each, and the key of a subject in it.
PARTY_MEMBERS, HOUSEHOLDS, GRIDS = "party_members", "households", "grids"
PART_OF_KIND = {
    AwardKind.RED_FLAG_GRID: GRIDS,
    AwardKind.RED_PIONEER: PARTY_MEMBERS,
    AwardKind.MODEL_VILLAGER: HOUSEHOLDS,
}
PARTY_KINDS = (ListKind.PARTY_MEMBER, ListKind.CADRE)

NOTICE_OBJECTION = "points.objection"
NOTICE_ENDED = "points.notice_ended"
NOTICE_FINAL = "points.finalised"
REFUSED_BOARD = "Only a member of the village's review board may do this."
REFUSED_KEEPER = (
    "Only the village's grid chief or cadres, or a town or county admin above it, keep the "
    "review board."
)


# --- input ------------------------------------------------------------------------------


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def as_month(value, field: str = "month") -> datetime.date:
    """The first day of a month given as a date or as YYYY-MM."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    try:
        return parse_month(str(value or "").strip())
    except ValueError as exc:
        raise ValidationError({field: [str(exc)]}) from None


def _text(value, *, field: str, limit: int, required: bool, errors: dict) -> str:
    return validators.clean_text(value, field=field, limit=limit, required=required, errors=errors)


def _line(value, *, field: str, limit: int, required: bool, errors: dict) -> str:
    return validators.clean_line(value, field=field, limit=limit, required=required, errors=errors)


def _village(actor, code) -> Area:
    """An open village in the actor's scope (404 outside it, like a missing one)."""
    code = str(code or "").strip()
    if not is_area_code(code) or len(code) != VILLAGE_LENGTH:
        raise ValidationError({"village": [_("Choose a village.")]})
    return get_in_scope(Area.objects.open(), actor, code=code)


def _require_board(actor, village_code: str) -> None:
    if not access.is_board_member(actor, village_code):
        raise PermissionDenied(_(REFUSED_BOARD))


def _evaluation(actor, evaluation_id, *, lock: bool = True) -> Evaluation:
    return get_in_scope(
        Evaluation.objects.all(), actor, lock=lock, recheck=actor is not None, pk=evaluation_id
    )


def _points(value) -> str:
    return format(Decimal(value or 0).quantize(Decimal("0.1"), ROUND_HALF_UP), "f")


# --- the review board -----------------------------------------------------------------


def may_keep_board(user, village_code: str) -> bool:
    return access.can_adopt(user, village_code)


def current_members(village_code: str, on=None):
    on = on or timezone.localdate()
    return (
        BoardMember.objects.filter(area_code=village_code, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .select_related("user")
    )


@transaction.atomic
def add_board_member(
    *, actor, village_code, user_id, is_chair=False, starts_on=None, ends_on=None
) -> BoardMember:
    """Adds a member to the village's review board: an account holding a post on the
    village or above. A new chair takes the chair from the one before."""
    if actor is not None:
        recheck(actor)
    village = _village(actor, village_code)
    if not may_keep_board(actor, village.code):
        raise PermissionDenied(_(REFUSED_KEEPER))
    errors: dict = {}
    user = User.objects.filter(pk=validators.read_id(str(user_id or "")) or 0).first()
    if user is None or not user.is_active or not roles_over(user, village.code):
        errors.setdefault("user", []).append(
            _("Choose a person who holds a post on this village or above it.")
        )
    starts_on = starts_on or timezone.localdate()
    if ends_on and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(_("The end comes before the start."))
    if user is not None and current_members(village.code).filter(user=user).exists():
        errors.setdefault("user", []).append(_("This person is already on the board."))
    _raise(errors)
    if is_chair:
        for member in current_members(village.code).filter(is_chair=True):
            member.is_chair = False
            member.save(update_fields=["is_chair", "updated_at"])
    member = BoardMember.objects.create(
        area_code=village.code,
        user=user,
        is_chair=bool(is_chair),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    audit.record(
        actor=actor,
        action="points.board.add",
        obj=member,
        object_repr=str(user),
        after={"user": str(user), "is_chair": member.is_chair, "starts_on": starts_on},
    )
    return member


@transaction.atomic
def end_board_member(*, actor, member_id, ends_on=None) -> BoardMember:
    member = get_in_scope(
        BoardMember.objects.all(), actor, lock=True, recheck=actor is not None, pk=member_id
    )
    if not may_keep_board(actor, member.area_code):
        raise PermissionDenied(_(REFUSED_KEEPER))
    ends_on = ends_on or timezone.localdate()
    if ends_on < member.starts_on:
        raise ValidationError({"ends_on": [_("The end comes before the start.")]})
    before = {"ends_on": member.ends_on}
    member.ends_on = ends_on
    member.save(update_fields=["ends_on", "updated_at"])
    audit.record(
        actor=actor,
        action="points.board.end",
        obj=member,
        object_repr=str(member.user),
        before=before,
        after={"ends_on": ends_on},
    )
    return member


# --- quotas and award settings --------------------------------------------------------


def may_set_quota(user, code: str) -> bool:
    """The county admin for the county and its towns; a town admin for the town."""
    if user is None or (getattr(user, "is_superuser", False) and user.is_active):
        return True
    return bool(roles_over(user, code) & {Role.COUNTY_ADMIN, Role.TOWN_ADMIN})


def quota_for(village_code: str, kind: str) -> int | None:
    """The quota of the award for the village: the nearest set up the tree (town, then
    county); None when none is set."""
    found = (
        Quota.objects.filter(area_code__in=ancestor_codes(village_code), kind=kind)
        .order_by(Length("area_code").desc())
        .values_list("per_village", flat=True)
        .first()
    )
    return found


@transaction.atomic
def set_quota(*, actor, area_code, kind, per_village) -> Quota:
    """How many of an award each village below the county or a town may select a month."""
    if actor is not None:
        recheck(actor)
    code = str(area_code or "").strip()
    if not is_area_code(code) or len(code) not in (6, 9):
        raise ValidationError({"area_code": [_("Choose the county or a town.")]})
    area = get_in_scope(Area.objects.all(), actor, code=code)
    if area.level not in (Level.COUNTY, Level.TOWN):
        raise ValidationError({"area_code": [_("Choose the county or a town.")]})
    if not may_set_quota(actor, area.code):
        raise PermissionDenied(_("Only the county admin or the town's admin sets its quotas."))
    errors: dict = {}
    if kind not in AwardKind.values:
        errors.setdefault("kind", []).append(_("Choose an award."))
    try:
        number = int(str(per_village).strip())
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= QUOTA_MAX:
        errors.setdefault("per_village", []).append(
            _("Give a whole number from 0 to %(max)d.") % {"max": QUOTA_MAX}
        )
    _raise(errors)
    quota = Quota.objects.select_for_update().filter(area_code=area.code, kind=kind).first()
    before = {"per_village": quota.per_village} if quota else None
    if quota is None:
        quota = Quota.objects.create(area_code=area.code, kind=kind, per_village=number)
    else:
        quota.per_village = number
        quota.save(update_fields=["per_village", "updated_at"])
    audit.record(
        actor=actor,
        action="points.quota.set",
        obj=quota,
        object_repr=f"{area.name}: {AwardKind(kind).label}",
        before=before,
        after={"kind": kind, "per_village": number},
    )
    return quota


@transaction.atomic
def set_award_amount(*, actor, kind, amount) -> AwardSetting:
    """The reward in yuan of an award (the county admin's setting)."""
    if actor is not None:
        recheck(actor)
        if not can_configure(actor):
            raise PermissionDenied(_("Only the county admin sets the rewards."))
    errors: dict = {}
    if kind not in AwardKind.values:
        errors.setdefault("kind", []).append(_("Choose an award."))
    try:
        value = Decimal(str(amount).strip())
        ok = (
            value.is_finite()
            and 0 <= value <= AMOUNT_MAX
            and value == value.quantize(Decimal("0.01"))
        )
    except (ArithmeticError, ValueError):
        ok = False
    if not ok:
        errors.setdefault("amount", []).append(
            _("Give the reward in yuan, from 0 to %(max)s, to the fen.") % {"max": AMOUNT_MAX}
        )
    _raise(errors)
    setting = AwardSetting.objects.select_for_update().filter(kind=kind).first()
    before = {"amount": setting.amount} if setting else None
    if setting is None:
        setting = AwardSetting.objects.create(kind=kind, amount=value)
    else:
        setting.amount = value
        setting.save(update_fields=["amount"])
    audit.record(
        actor=actor,
        action="points.award.set",
        obj=setting,
        before=before,
        after={"kind": kind, "amount": value},
    )
    return setting


# --- standings -------------------------------------------------------------------------


def _sorted(rows: list[dict], key: str) -> list[dict]:
    return sorted(rows, key=lambda row: (-Decimal(row["points"]), row[key]))


def compute_standings(prefix: str, month: datetime.date) -> dict[str, dict]:
    """{village code: standings} of every village under `prefix` with approved entries in
    the month: three GROUP BYs over the month's approved entries under the prefix (party
    members, households, grids) and one over the households (a grid's size), rows
    bucketed by village.

    A village's standings: `party_members` ([{id, points}], red points of the lists of
    party members and cadres, by resident), `households` ([{id, points}], civility
    points, by household) and `grids` ([{code, points, households, per_household}], all
    approved points of the grid over its active households); each best first."""
    approved = Entry.objects.filter(
        subtree_q("area_code", prefix), month=month, status=EntryStatus.APPROVED
    ).order_by()
    village = Substr("area_code", 1, VILLAGE_LENGTH)
    grid = Substr("area_code", 1, GRID_LENGTH)
    found: dict[str, dict] = defaultdict(lambda: {PARTY_MEMBERS: [], HOUSEHOLDS: [], GRIDS: []})
    members = (
        approved.filter(resident__isnull=False, item__duty_list__kind__in=PARTY_KINDS)
        .annotate(village=village)
        .values_list("village", "resident_id")
        .annotate(total=Sum("points"))
    )
    for code, resident_id, total in members:
        found[code][PARTY_MEMBERS].append({"id": resident_id, "points": _points(total)})
    households = (
        approved.filter(household__isnull=False, item__duty_list__kind=ListKind.HOUSEHOLD)
        .annotate(village=village)
        .values_list("village", "household_id")
        .annotate(total=Sum("points"))
    )
    for code, household_id, total in households:
        found[code][HOUSEHOLDS].append({"id": household_id, "points": _points(total)})
    grids = dict(
        approved.annotate(grid=grid)
        .values_list("grid")
        .annotate(total=Sum("points"))
        .values_list("grid", "total")
    )
    if grids:
        sizes = dict(
            Household.objects.filter(subtree_q("area_code", prefix), status=HouseholdStatus.ACTIVE)
            .order_by()
            .annotate(grid=grid)
            .values_list("grid")
            .annotate(n=Count("id"))
            .values_list("grid", "n")
        )
        for code, total in grids.items():
            size = sizes.get(code, 0)
            per = Decimal(total or 0) / size if size else Decimal(0)
            found[code[:VILLAGE_LENGTH]][GRIDS].append(
                {
                    "code": code,
                    "points": _points(per),
                    "total": _points(total),
                    "households": size,
                }
            )
    result = {}
    for code, parts in found.items():
        result[code] = {
            PARTY_MEMBERS: _sorted(parts[PARTY_MEMBERS], "id"),
            HOUSEHOLDS: _sorted(parts[HOUSEHOLDS], "id"),
            GRIDS: _sorted(parts[GRIDS], "code"),
        }
    return result


def empty_standings() -> dict:
    return {PARTY_MEMBERS: [], HOUSEHOLDS: [], GRIDS: []}


def pending_counts(prefix: str, month: datetime.date) -> dict[str, int]:
    """{village code: entries of the month awaiting approval}, one GROUP BY."""
    return dict(
        Entry.objects.filter(
            subtree_q("area_code", prefix), month=month, status=EntryStatus.PENDING
        )
        .order_by()
        .annotate(village=Substr("area_code", 1, VILLAGE_LENGTH))
        .values_list("village")
        .annotate(n=Count("id"))
        .values_list("village", "n")
    )


def _require_ended(month: datetime.date) -> None:
    if month_end(month) >= timezone.localdate():
        raise ValidationError(
            {
                "month": [
                    _("The month %(month)s has not ended yet: close it from the 1st of the next.")
                    % {"month": f"{month:%Y-%m}"}
                ]
            }
        )


@transaction.atomic
def close_month(actor, village_code, month) -> Evaluation:
    """Closes the village's month: its standings computed from the approved entries and
    kept in a new evaluation, open for the board's selection. Refused for a month not
    yet ended, a month already closed, and while entries of the month await approval."""
    if actor is not None:
        recheck(actor)
    village = _village(actor, village_code)
    if not (access.is_board_member(actor, village.code) or may_keep_board(actor, village.code)):
        raise PermissionDenied(_(REFUSED_BOARD))
    month = as_month(month)
    _require_ended(month)
    # The village's lock, as recording, proposing and deciding an entry take it: none of
    # them is between its check and its write while this counts and closes.
    from yiwang.points.services.entries import lock_village

    lock_village(village.code)
    if Evaluation.objects.filter(area_code=village.code, month=month).exists():
        raise ValidationError(
            {"month": [_("The month %(month)s is already closed.") % {"month": f"{month:%Y-%m}"}]}
        )
    pending = pending_counts(village.code, month).get(village.code, 0)
    if pending:
        raise ValidationError(
            {
                "month": [
                    _(
                        "%(count)d entries of %(month)s await approval: approve or reject them "
                        "first, then close the month."
                    )
                    % {"count": pending, "month": f"{month:%Y-%m}"}
                ]
            },
            code="pending",
            params={"count": pending},
        )
    standings = compute_standings(village.code, month).get(village.code) or empty_standings()
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                area_code=village.code,
                month=month,
                standings=standings,
                computed_at=timezone.now(),
                closed_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise ValidationError(
            {"month": [_("The month %(month)s is already closed.") % {"month": f"{month:%Y-%m}"}]}
        ) from None
    audit.record(
        actor=actor,
        action="points.evaluation.close",
        obj=evaluation,
        object_repr=f"{village.name} {month:%Y-%m}",
        after=_counts(standings),
    )
    return evaluation


def _counts(standings: dict) -> dict:
    return {part: len(standings.get(part, ())) for part in (PARTY_MEMBERS, HOUSEHOLDS, GRIDS)}


@transaction.atomic
def close_months(month, area_code, actor=None) -> dict:
    """Closes the month for every open village under `area_code` (a county or a town)
    that has no entry of the month awaiting approval and is not closed yet, in a few
    queries whatever the number of villages: the standings' GROUP BYs once for the whole
    area (compute_standings), the evaluations written in bulk. Returns the counts:
    {"closed", "pending", "already"}."""
    month = as_month(month)
    _require_ended(month)
    code = str(area_code or "").strip()
    if actor is not None:
        recheck(actor)
    if not is_area_code(code):
        raise ValidationError({"area_code": [_("Choose the county or a town.")]})
    area = get_in_scope(Area.objects.all(), actor, code=code)
    if actor is not None and not may_keep_board(actor, area.code):
        raise PermissionDenied(_(REFUSED_KEEPER))
    # Every village's lock (as close_month and the entries' writers take it), in code order
    # so that two runs over overlapping areas wait rather than deadlock: one query.
    villages = list(
        Area.objects.open()
        .filter(subtree_q("code", area.code), level=Level.VILLAGE)
        .order_by("code")
        .select_for_update()
        .values_list("code", "name")
    )
    done = set(
        Evaluation.objects.filter(subtree_q("area_code", area.code), month=month).values_list(
            "area_code", flat=True
        )
    )
    pending = pending_counts(area.code, month)
    todo = [(c, n) for c, n in villages if c not in done and not pending.get(c)]
    counts = {
        "closed": 0,
        "pending": sum(1 for c, _n in villages if c not in done and pending.get(c)),
        "already": sum(1 for c, _n in villages if c in done),
    }
    if not todo:
        return counts
    standings = compute_standings(area.code, month)
    now = timezone.now()
    closer = actor if getattr(actor, "is_authenticated", False) else None
    rows = [
        Evaluation(
            area_code=c,
            month=month,
            standings=standings.get(c) or empty_standings(),
            computed_at=now,
            closed_by=closer,
            created_at=now,
            updated_at=now,
        )
        for c, _n in todo
    ]
    Evaluation.objects.bulk_create(rows, batch_size=200, ignore_conflicts=True)
    # A concurrent run (a second consumer, a board closing its own month) may have
    # inserted some of them first: the conflicts were skipped, so this run's rows are
    # those that carry its own time of computing; only they are counted and audited.
    mine = dict(
        Evaluation.objects.filter(
            subtree_q("area_code", area.code), month=month, computed_at=now
        ).values_list("area_code", "pk")
    )
    names = dict(todo)
    counts["closed"] = len(mine)
    counts["already"] += len(todo) - len(mine)
    audit.record_many(
        [
            audit.build_entry(
                actor=actor,
                action="points.evaluation.close",
                object_type="points.evaluation",
                object_id=str(mine[c]),
                object_repr=f"{names[c]} {month:%Y-%m}",
                area_code=c,
                after=_counts(standings.get(c) or {}),
            )
            for c in sorted(mine)
        ]
    )
    return counts


# --- the month closed on the 1st ------------------------------------------------------


def close_ended_month(today=None) -> dict:
    """The 1st of each month: the month just ended closed for every village of every
    county that has no entry of it awaiting approval."""
    today = today or timezone.localdate()
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    totals = {"closed": 0, "pending": 0, "already": 0}
    for code in Area.objects.open().filter(level=Level.COUNTY).values_list("code", flat=True):
        for key, value in close_months(month, code).items():
            totals[key] += value
    return totals
