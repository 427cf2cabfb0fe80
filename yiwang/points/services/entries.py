"""Every write of the points ledger: atomic, checked against the actor's posts, audited.

An entry gives points to a household (the households' civility index) or to a party
member (red points; the cadres' duty list too) for an item of the village's list in force
in the entry's month. It is recorded once (`record_entry`, idempotent on the client's
UUID), then approved or rejected by a second person (`approve_entry`, `reject_entry`),
never by whoever recorded it; an approved entry is corrected by a new entry reversing it
(`correct_entry`), which a second person approves in turn. Approving a household's entry
credits its points account (services.accounts.credit).

`link_member` pairs a user account with the party member of the ledger it belongs to, so
that records made by users (pairing visits, attendance) propose points for the member.
"""

from __future__ import annotations

import datetime
import uuid as uuid_module
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import User
from yiwang.areas.models import Area
from yiwang.cases.models import Case
from yiwang.core import audit, validators
from yiwang.core import photos as photo_files
from yiwang.core.scoping import get_in_scope
from yiwang.outreach.models import Event, Meeting, Visit
from yiwang.points import access
from yiwang.points.models import (
    Entry,
    EntryPhoto,
    EntrySource,
    EntryStatus,
    Evaluation,
    ListItem,
    ListKind,
)
from yiwang.points.models.entries import MemberAccount
from yiwang.points.models.lists import TEXT_MAX
from yiwang.points.services import accounts
from yiwang.points.services.lists import in_force, read_points, village_of
from yiwang.registry.models import Household, Resident

EVIDENCE_MAX = 2000
MEMBER_KINDS = (ListKind.PARTY_MEMBER, ListKind.CADRE)
LINKS = {"visit": Visit, "case": Case, "meeting": Meeting, "event": Event}


# --- months -------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def read_month(value, errors: dict, field: str = "month") -> datetime.date | None:
    """A month: "2026-11", or a date in it ("2026-11-30")."""
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return month_start(value)
    text = str(value or "").strip()
    day = validators.read_date(text) or validators.read_date(f"{text}-01")
    if day is None:
        errors.setdefault(field, []).append(_("Give the month, such as 2026-11."))
        return None
    return month_start(day)


def reference_day(month: datetime.date) -> datetime.date:
    """The day whose list in force an entry of `month` cites: the month's last day, or
    today while the month is current."""
    today = timezone.localdate()
    if month == month_start(today):
        return today
    return next_month(month) - datetime.timedelta(days=1)


def is_closed(village_code: str, month: datetime.date) -> bool:
    """The village's month is closed: its evaluation exists (open for the board's
    selection, on notice or final), so its standings are computed and frozen. Ask it
    after lock_village in the same transaction."""
    return Evaluation.objects.filter(area_code=village_code, month=month).exists()


def lock_village(village_code: str) -> None:
    """Locks the village's Area row until the transaction ends: the one lock that closing
    the village's month (evaluation.close_month, close_months) and writing an entry of it
    (record_entry, a proposal, approving, rejecting, correcting) take before they look
    whether the month is closed, so that no entry is added or decided in a month being
    closed. Taken after the subject's row (a household, a party member) where both are
    locked; close_months locks its villages in code order; nothing locks a village and
    then a subject, so no two of them wait on each other. A no-op on SQLite (one writer)."""
    list(Area.objects.select_for_update().filter(code=village_code).values_list("pk", flat=True))


def check_month(month: datetime.date, village_code: str, errors: dict) -> None:
    if month > month_start(timezone.localdate()):
        errors.setdefault("month", []).append(
            _("The month is in the future: record points once the deed is done.")
        )
    elif is_closed(village_code, month):
        errors.setdefault("month", []).append(
            _(
                "The village's evaluation of %(month)s is closed: points of that month can "
                "no longer be recorded."
            )
            % {"month": month.strftime("%Y-%m")}
        )


def counted_total(
    *, household_id, resident_id, village_code: str, kind: str, article: str, month
) -> Decimal:
    """The points of the subject for the item (by its article in the village's list) in
    the month that count against its cap: approved entries, and pending ones except
    pending corrections."""
    rows = Entry.objects.filter(
        Q(status=EntryStatus.APPROVED)
        | (Q(status=EntryStatus.PENDING) & ~Q(source=EntrySource.CORRECTION)),
        month=month,
        item__duty_list__area_code=village_code,
        item__duty_list__kind=kind,
        item__article=article,
    )
    if household_id is not None:
        rows = rows.filter(household_id=household_id, resident__isnull=True)
    else:
        rows = rows.filter(resident_id=resident_id)
    return rows.aggregate(total=Sum("points"))["total"] or Decimal("0")


def within_cap(item: ListItem, total: Decimal, points: Decimal) -> bool:
    return item.monthly_cap is None or abs(total + points) <= item.monthly_cap


def item_in_force(village_code: str, kind: str, month: datetime.date, template_id: int):
    """The village's item adopted from `template_id` in its list `kind` in force for the
    month, or None."""
    duty_list = in_force(village_code, kind, reference_day(month))
    if duty_list is None:
        return None
    return duty_list.items.filter(template_id=template_id).first()


# --- recording --------------------------------------------------------------------------


def _uuid(value) -> uuid_module.UUID:
    if isinstance(value, uuid_module.UUID):
        return value
    try:
        return uuid_module.UUID(str(value or "").strip())
    except ValueError:
        raise ValidationError(
            {"uuid": [_("Not a UUID: the app makes one for each entry, e.g. crypto.randomUUID().")]}
        ) from None


def _replayed(actor, entry: Entry) -> Entry:
    if actor is None or entry.recorded_by_id != actor.pk:
        raise ValidationError(
            {"uuid": [_("This UUID belongs to another entry: make a new one for this entry.")]}
        )
    return entry


def _subject(actor, household_id, resident_id, *, lock: bool):
    """(household, resident or None) of the entry, in the actor's scope, locked (entries of
    one subject are checked against their caps in turn)."""
    if (household_id in (None, "")) == (resident_id in (None, "")):
        raise ValidationError(
            {"household": [_("Choose either a household or a party member, not both.")]}
        )
    if resident_id not in (None, ""):
        pk = validators.read_id(resident_id)
        if pk is None:
            raise Http404(_("Not found."))
        resident = get_in_scope(
            Resident.objects.select_related("household"), actor, lock=lock, pk=pk
        )
        if not resident.is_party_member:
            raise ValidationError(
                {
                    "resident": [
                        _(
                            "%(name)s is not a party member: red points are for party "
                            "members; record civility points for the household."
                        )
                        % {"name": resident.name}
                    ]
                }
            )
        return resident.household, resident
    pk = validators.read_id(household_id)
    if pk is None:
        raise Http404(_("Not found."))
    return get_in_scope(Household.objects, actor, lock=lock, pk=pk), None


def _links(actor, links: dict, errors: dict) -> dict:
    found = {}
    for name, model in LINKS.items():
        value = links.get(name)
        if value in (None, ""):
            continue
        pk = validators.read_id(getattr(value, "pk", value))
        rows = model.objects.visible_to(actor) if actor is not None else model.objects.all()
        row = rows.filter(pk=pk).first() if pk is not None else None
        if row is None:
            errors.setdefault(name, []).append(
                _("No such record in your area: choose one you can open, or none.")
            )
        found[name] = row
    if found.get("visit") is not None:
        # The copy the composite foreign key on PostgreSQL names (Entry.visit_at).
        found["visit_at"] = found["visit"].visited_at
    return found


def _item(item_id, errors: dict) -> ListItem | None:
    pk = validators.read_id(getattr(item_id, "pk", item_id))
    item = (
        ListItem.objects.select_related("duty_list", "template").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if item is None:
        errors.setdefault("item", []).append(_("Choose an item of the village's list."))
    return item


def record_entry(
    *,
    actor,
    item,
    month,
    household=None,
    resident=None,
    points=None,
    evidence: str = "",
    photos=None,
    visit=None,
    case=None,
    meeting=None,
    event=None,
    uuid=None,
) -> tuple[Entry, bool]:
    """Records points for a household or a party member (`household`, `resident`: ids) for
    `item` (a ListItem id) in `month`; pending until a second person approves it. The same
    `uuid` again answers the stored entry with created=False and stores nothing.

    Refused, with nothing stored: an item not in the village's list in force for the
    month (the village is the subject's), points outside the item's range (an item without
    a range gives its points), over the item's monthly cap (approved and pending entries
    count), evidence missing where the item requires it (text, a photo or a record), a
    month in the future or closed by the village's evaluation."""
    if actor is None:
        raise ValueError("Points are recorded by someone: record_entry needs an actor.")
    key = _uuid(uuid) if uuid not in (None, "") else uuid_module.uuid4()
    stored = Entry.objects.filter(uuid=key).first()
    if stored is not None:
        return _replayed(actor, stored), False
    errors: dict = {}
    found_month = read_month(month, errors)
    found_item = _item(item, errors)
    given = read_points(points, field="points", errors=errors, required=False)
    evidence = validators.clean_text(
        evidence, field="evidence", limit=EVIDENCE_MAX, required=False, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    try:
        read = photo_files.read_photos(photos or [])
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages}) from None

    with photo_files.removed_on_failure() as stored_files, transaction.atomic():
        scope.recheck(actor)
        household, resident = _subject(actor, household, resident, lock=True)
        code = household.area_code
        if not access.can_record(actor, code):
            raise PermissionDenied(_("Only those who work in the village record its points."))
        village = village_of(code)
        kinds = MEMBER_KINDS if resident is not None else (ListKind.HOUSEHOLD,)
        lock_village(village)  # closing the month waits, or this sees it closed
        check_month(found_month, village, errors)
        duty_list = found_item.duty_list
        in_force_list = None
        if duty_list.kind in kinds and duty_list.area_code == village:
            in_force_list = in_force(village, duty_list.kind, reference_day(found_month))
        if in_force_list is None or in_force_list.pk != duty_list.pk:
            errors.setdefault("item", []).append(
                _(
                    "This item is not in the village's list in force for %(month)s for this "
                    "subject: choose an item of that list."
                )
                % {"month": found_month.strftime("%Y-%m")}
            )
        linked = _links(
            actor, {"visit": visit, "case": case, "meeting": meeting, "event": event}, errors
        )
        if errors:
            raise ValidationError(errors)
        if found_item.has_range:
            if given is None or not found_item.allows(given):
                errors.setdefault("points", []).append(
                    _("Give points from %(low)s to %(high)s for this item.")
                    % {"low": found_item.min_points, "high": found_item.max_points}
                )
            value = given
        else:
            if given is not None and given != found_item.points:
                errors.setdefault("points", []).append(
                    _("This item gives %(points)s points: leave the points empty or give that.")
                    % {"points": found_item.points}
                )
            value = found_item.points
        if found_item.evidence_required and not (evidence or read or any(linked.values())):
            errors.setdefault("evidence", []).append(
                _(
                    "This item requires evidence: describe it, add a photo, or link the "
                    "visit, case, meeting or event."
                )
            )
        if not errors:
            total = counted_total(
                household_id=None if resident else household.pk,
                resident_id=resident.pk if resident else None,
                village_code=village,
                kind=duty_list.kind,
                article=found_item.article,
                month=found_month,
            )
            if not within_cap(found_item, total, value):
                errors.setdefault("points", []).append(
                    _(
                        "Over the item's monthly cap of %(cap)s: %(total)s already counted "
                        "for %(month)s."
                    )
                    % {
                        "cap": found_item.monthly_cap,
                        "total": total,
                        "month": found_month.strftime("%Y-%m"),
                    }
                )
        if errors:
            raise ValidationError(errors)
        entry = Entry(
            uuid=key,
            item=found_item,
            household=None if resident is not None else household,
            resident=resident,
            month=found_month,
            points=value,
            evidence=evidence,
            source=EntrySource.MANUAL,
            recorded_by=actor,
            area_code=code,
            **linked,
        )
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
        except IntegrityError:
            again = Entry.objects.filter(uuid=key).first()
            if again is None:
                raise
            return _replayed(actor, again), False
        made = []
        for photo in read:
            row = EntryPhoto(entry=entry, **photo_files.row_values(photo))
            photo_files.store(row, photo, stored_files)
            made.append(row)
        EntryPhoto.objects.bulk_create(made)
        audit.record(
            actor=actor,
            action="points_entry.create",
            obj=entry,
            after={**audit.snapshot(entry), "photos": len(made)},
        )
    return entry, True


# --- deciding -------------------------------------------------------------------------------


def _decidable(actor, entry_id) -> Entry:
    if actor is not None:
        scope.recheck(actor)
    entry = get_in_scope(Entry.objects.select_related("resident", "household"), actor, pk=entry_id)
    if entry.recorded_by_id is not None and actor is not None and entry.recorded_by_id == actor.pk:
        raise ValidationError(_("You recorded this entry: another person approves or rejects it."))
    if not access.can_approve(actor, entry.area_code):
        raise PermissionDenied(
            _("Only the village's grid chief or cadres, or the town or county, decide on points.")
        )
    if (
        actor is not None
        and entry.resident_id is not None
        and MemberAccount.objects.filter(user=actor, resident_id=entry.resident_id).exists()
    ):
        raise ValidationError(_("These are your own points: another person decides on them."))
    if entry.status != EntryStatus.PENDING:
        raise ValidationError(
            _("This entry was already %(status)s: only pending entries are decided.")
            % {"status": entry.get_status_display()}
        )
    village = village_of(entry.area_code)
    lock_village(village)
    if is_closed(village, entry.month):
        raise ValidationError(
            _(
                "The village's month %(month)s is closed and its standings are final: its "
                "entries can no longer be approved or rejected."
            )
            % {"month": entry.month.strftime("%Y-%m")}
        )
    return entry


def _decide(actor, entry: Entry, status: str, reason: str = "") -> tuple[Entry, dict]:
    now = timezone.now()
    updated = Entry.objects.filter(pk=entry.pk, status=EntryStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=now, reject_reason=reason, updated_at=now
    )
    if not updated:
        raise ValidationError(_("Someone else has just decided on this entry."))
    before = {"status": entry.status}
    entry.refresh_from_db()
    return entry, before


@transaction.atomic
def approve_entry(actor, entry_id) -> Entry:
    """Approves a pending entry (the village's grid chief or a cadre, or the town or
    county; never whoever recorded it, nor the party member it is for). A conditional
    UPDATE: of two approvers at once, one approves and the other is told. A household's
    points go to its account."""
    entry = _decidable(actor, entry_id)
    entry, before = _decide(actor, entry, EntryStatus.APPROVED)
    if entry.household_id is not None and entry.resident_id is None:
        accounts.credit(entry.household, entry.points)
    audit.record(
        actor=actor,
        action="points_entry.approve",
        obj=entry,
        before=before,
        after={"status": entry.status, "points": entry.points},
    )
    return entry


@transaction.atomic
def reject_entry(actor, entry_id, reason) -> Entry:
    """Rejects a pending entry with the reason (same people as approve)."""
    errors: dict = {}
    reason = validators.clean_line(
        reason, field="reason", limit=TEXT_MAX, required=True, errors=errors
    )
    if errors:
        raise ValidationError({"reason": [_("Give the reason for rejecting the entry.")]})
    entry = _decidable(actor, entry_id)
    entry, before = _decide(actor, entry, EntryStatus.REJECTED, reason)
    audit.record(
        actor=actor,
        action="points_entry.reject",
        obj=entry,
        before=before,
        after={"status": entry.status, "reject_reason": reason},
    )
    return entry


@transaction.atomic
def correct_entry(actor, entry_id, reason) -> Entry:
    """Corrects an approved entry: a new entry reversing it (its points negated, the
    reason as evidence), pending until a second person approves it. Once per entry.

    The correction is booked to the entry's month while that month is open; once the
    village's month is closed (its standings frozen), to the current month, and its
    evidence says which entry of which month it reverses."""
    errors: dict = {}
    reason = validators.clean_line(
        reason, field="reason", limit=TEXT_MAX, required=True, errors=errors
    )
    if errors:
        raise ValidationError({"reason": [_("Give the reason for the correction.")]})
    if actor is not None:
        scope.recheck(actor)
    entry = get_in_scope(Entry.objects.select_related("item"), actor, lock=True, pk=entry_id)
    if not access.can_record(actor, entry.area_code):
        raise PermissionDenied(_("Only those who work in the village record its points."))
    if entry.source == EntrySource.CORRECTION:
        raise ValidationError(_("This entry is a correction: it is not corrected again."))
    if entry.status != EntryStatus.APPROVED:
        raise ValidationError(_("Only an approved entry is corrected; a pending one is rejected."))
    if Entry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This entry was already corrected once."))
    village = village_of(entry.area_code)
    lock_village(village)
    month, evidence = entry.month, reason
    if is_closed(village, entry.month):
        month = month_start(timezone.localdate())
        if is_closed(village, month):
            raise ValidationError(
                _("The village's month %(month)s is closed: no correction can be booked now.")
                % {"month": month.strftime("%Y-%m")}
            )
        evidence = _(
            "Correction of the entry of %(month)s, booked in %(now)s because %(month)s is "
            "closed: %(reason)s"
        ) % {
            "month": entry.month.strftime("%Y-%m"),
            "now": month.strftime("%Y-%m"),
            "reason": reason,
        }
    correction = Entry.objects.create(
        item=entry.item,
        household_id=entry.household_id,
        resident_id=entry.resident_id,
        month=month,
        points=-entry.points,
        evidence=evidence,
        source=EntrySource.CORRECTION,
        reverses=entry,
        recorded_by=actor,
        area_code=entry.area_code,
    )
    audit.record(
        actor=actor,
        action="points_entry.correct",
        obj=correction,
        after={**audit.snapshot(correction)},
    )
    return correction


# --- party members' accounts ----------------------------------------------------------------


@transaction.atomic
def link_member(*, actor, resident, username) -> MemberAccount:
    """Links the user `username` (holding a post in the resident's village) to the party
    member `resident` (an id) of the actor's scope: the grid chief or a cadre of the
    village, or the town or county above it. A user and a member are linked once."""
    if actor is not None:
        scope.recheck(actor)
    pk = validators.read_id(getattr(resident, "pk", resident))
    if pk is None:
        raise Http404(_("Not found."))
    member = get_in_scope(Resident.objects, actor, lock=True, pk=pk)
    village = village_of(member.area_code)
    if not access.can_adopt(actor, village):
        raise PermissionDenied(
            _("Only the village's grid chief or cadres, or the town or county, link accounts.")
        )
    errors: dict = {}
    if not member.is_party_member:
        errors.setdefault("resident", []).append(
            _("%(name)s is not a party member: only party members are linked.")
            % {"name": member.name}
        )
    name = str(username or "").strip()
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None or not any(
        code.startswith(village) or village.startswith(code)
        for code in (scope.scope_codes(user) or ())
    ):
        errors.setdefault("username", []).append(
            _("No active user of this village has this user name: give the user's name.")
        )
    if errors:
        raise ValidationError(errors)
    if MemberAccount.objects.filter(Q(user=user) | Q(resident=member)).exists():
        raise ValidationError(
            {"username": [_("This user or this party member is already linked: unlink it first.")]}
        )
    account = MemberAccount.objects.create(
        user=user, resident=member, linked_by=actor, area_code=member.area_code
    )
    audit.record(
        actor=actor, action="points_member.link", obj=account, after=audit.snapshot(account)
    )
    return account


@transaction.atomic
def unlink_member(*, actor, account_id) -> None:
    if actor is not None:
        scope.recheck(actor)
    account = get_in_scope(MemberAccount.objects, actor, lock=True, pk=account_id)
    if not access.can_adopt(actor, village_of(account.area_code)):
        raise PermissionDenied(
            _("Only the village's grid chief or cadres, or the town or county, link accounts.")
        )
    before = audit.snapshot(account)
    audit.record(actor=actor, action="points_member.unlink", obj=account, before=before)
    account.delete()
