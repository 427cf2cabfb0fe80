"""Points proposed from records Yiwang already holds (enter once).

The county admin's rules (`ProposalRule`) name, for each source, the template item it
proposes; `propose(month)` turns the month's records into pending entries (recorded by no
one, `source` "proposed") for the village's item adopted from that template, awaiting a
second person's approval like any other entry:

- a party member's pairing visits: a visit by a sponsor to the household of a pairing of
  theirs current on the visit's day (not "nobody at home"), for the party member the
  sponsor's user account belongs to (`MemberAccount`): "visit:<id>";
- a case with a household closed in the month, for the household's civility:
  "case:<id>";
- attendance at a must-attend event or a routine meeting, for each attendee whose account
  belongs to a party member: "event:<id>:<user>", "meeting:<id>:<user>";
- volunteer hours approved for a resident (the deeds volunteering registers in
  `yiwang.core.deeds`): for the resident when a party member, on a party member's list,
  or for their household, on a household's list: "hours:<id>".

Each record proposes at most once (`Entry.proposal_key` is unique); the item's monthly cap
is respected (nothing beyond it is proposed); a record whose village has no list in force
with the item, or whose month is closed, proposes nothing. Nothing is ever proposed for
logging in, checking in or time online: no source reads them.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.cases.models import Case, CaseKind, Satisfaction, Source, Status
from yiwang.core import audit, deeds
from yiwang.outreach.models import Event, Meeting, Outcome, Pairing, Visit
from yiwang.points.models import (
    Entry,
    EntrySource,
    ListKind,
    ProposalRule,
    ProposalSource,
    TemplateItem,
)
from yiwang.points.models.entries import MemberAccount
from yiwang.points.services.entries import (
    counted_total,
    is_closed,
    item_in_force,
    lock_village,
    month_start,
    next_month,
    within_cap,
)
from yiwang.points.services.lists import refused_templates, village_of
from yiwang.registry.models import Household, Resident

# The sources each kind of list can take: a household's civility from its cases; a party
# member's (or cadre's) red points from their visits and attendance.
SOURCE_KINDS = {
    ProposalSource.PAIRING_VISIT: (ListKind.PARTY_MEMBER, ListKind.CADRE),
    ProposalSource.CLOSED_CASE: (ListKind.HOUSEHOLD,),
    ProposalSource.EVENT: (ListKind.PARTY_MEMBER, ListKind.CADRE),
    ProposalSource.MEETING: (ListKind.PARTY_MEMBER, ListKind.CADRE),
    ProposalSource.VOLUNTEER_HOURS: (ListKind.PARTY_MEMBER, ListKind.HOUSEHOLD),
}
# Sources with records to read (volunteer hours: when volunteering registers its deeds).
IN_USE = (
    ProposalSource.PAIRING_VISIT,
    ProposalSource.CLOSED_CASE,
    ProposalSource.EVENT,
    ProposalSource.MEETING,
    ProposalSource.VOLUNTEER_HOURS,
)


# --- the county's rules -------------------------------------------------------------------


@transaction.atomic
def save_rules(*, actor, choices: dict) -> list[ProposalRule]:
    """Sets, for each source in `choices`, the template item it proposes (an id, or None
    for none): the county admin. A rule whose item changes is retired and a new one made
    (or an old one taken back), so that what was proposed keeps its rule."""
    scope.require_configure(actor, message=refused_templates(), recheck=True)
    errors: dict = {}
    wanted: dict[str, TemplateItem | None] = {}
    for source, value in choices.items():
        if source not in ProposalSource.values:
            errors.setdefault(source, []).append(_("Unknown source."))
            continue
        if value in (None, ""):
            wanted[source] = None
            continue
        item = TemplateItem.objects.filter(pk=getattr(value, "pk", value), is_active=True).first()
        if item is None or item.kind not in SOURCE_KINDS[source]:
            errors.setdefault(source, []).append(
                _("Choose an active item of a list this source can propose for, or none.")
            )
            continue
        wanted[source] = item
    if errors:
        raise ValidationError(errors)
    changed = []
    for source, item in wanted.items():
        current = ProposalRule.objects.select_for_update().filter(source=source, is_active=True)
        keep = current.filter(template=item) if item else ProposalRule.objects.none()
        stale = list(current.exclude(pk__in=keep.values("pk")))
        for rule in stale:
            rule.is_active = False
            rule.save(update_fields=["is_active"])
            audit.record(
                actor=actor,
                action="points_rule.update",
                obj=rule,
                before={"is_active": True},
                after={"is_active": False},
            )
        if item is not None and not keep.exists():
            rule, created = ProposalRule.objects.get_or_create(source=source, template=item)
            if not created:
                rule.is_active = True
                rule.save(update_fields=["is_active"])
            audit.record(
                actor=actor,
                action="points_rule.update",
                obj=rule,
                after={"source": source, "template": item.pk, "is_active": True},
            )
            changed.append(rule)
    return changed


# --- proposing ------------------------------------------------------------------------------


def _bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(month, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(next_month(month), datetime.time.min, tzinfo=tz)
    return start, end


def _members(user_ids) -> dict[int, Resident]:
    """The party member each user's account belongs to."""
    return {
        account.user_id: account.resident
        for account in MemberAccount.objects.filter(
            user_id__in=set(user_ids), resident__is_party_member=True
        ).select_related("resident")
    }


def _pairing_visits(month, area_code):
    start, end = _bounds(month)
    visits = (
        Visit.objects.filter(visited_at__gte=start, visited_at__lt=end, household__isnull=False)
        .exclude(outcome=Outcome.NOT_HOME)
        .order_by("visited_at", "id")
    )
    members = _members(visits.values_list("visitor_id", flat=True))
    visits = visits.filter(visitor_id__in=list(members))
    pairings: dict[tuple[int, int], list[Pairing]] = {}
    for pairing in Pairing.objects.filter(
        sponsor_id__in=list(members), household__isnull=False
    ).only("sponsor_id", "household_id", "starts_on", "ends_on"):
        pairings.setdefault((pairing.sponsor_id, pairing.household_id), []).append(pairing)
    for visit in visits:
        day = timezone.localdate(visit.visited_at)
        current = any(
            p.starts_on <= day and (p.ends_on is None or p.ends_on > day)
            for p in pairings.get((visit.visitor_id, visit.household_id), ())
        )
        member = members[visit.visitor_id]
        if current and (not area_code or member.area_code.startswith(area_code)):
            yield f"visit:{visit.pk}", None, member, {"visit": visit, "visit_at": visit.visited_at}


# The sources through which residents bring their own requests (the public page, the
# hotline, entered by a worker from a call, another system, Open311); a grid worker's patrol
# report is not the household's deed, even when it names the household (a dispute, an
# illegal building).
RESIDENT_SOURCES = (Source.PUBLIC, Source.HOTLINE, Source.API, Source.OPEN311)


def _closed_cases(month, area_code):
    """The residents' own requests (a category of the kind "request", brought by a
    resident's source) naming a household, closed in the month, and not followed up as
    dissatisfied."""
    start, end = _bounds(month)
    cases = (
        Case.objects.filter(
            status=Status.CLOSED,
            closed_at__gte=start,
            closed_at__lt=end,
            household__isnull=False,
            source__in=RESIDENT_SOURCES,
            category__kind=CaseKind.REQUEST,
        )
        .exclude(satisfaction=Satisfaction.DISSATISFIED)
        .order_by("closed_at", "id")
    )
    households = Household.objects.in_bulk(list(cases.values_list("household_id", flat=True)))
    for case in cases:
        household = households[case.household_id]
        if not area_code or household.area_code.startswith(area_code):
            yield f"case:{case.pk}", household, None, {"case": case}


def _attendance(model, prefix: str, field: str, month, area_code):
    start, end = _bounds(month)
    rows = list(
        model.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end}).order_by(field, "id")
    )
    through = model.attendees.through
    column = f"{model._meta.model_name}_id"
    pairs = list(
        through.objects.filter(**{f"{column}__in": [r.pk for r in rows]}).values_list(
            column, "user_id"
        )
    )
    members = _members(user for _row, user in pairs)
    by_row: dict[int, list[int]] = {}
    for row_id, user_id in pairs:
        if user_id in members:
            by_row.setdefault(row_id, []).append(user_id)
    for row in rows:
        for user_id in sorted(by_row.get(row.pk, ())):
            member = members[user_id]
            if not area_code or member.area_code.startswith(area_code):
                yield f"{prefix}:{row.pk}:{user_id}", None, member, {prefix: row}


def _deeds(source: str, month, area_code, kind: str):
    """Deeds another module records (yiwang.core.deeds), for the resident when the rule
    rewards party members (and the resident is one), or for the resident's household."""
    last = next_month(month) - datetime.timedelta(days=1)
    found = list(deeds.deeds(source, month, last, area_code))
    residents = Resident.objects.select_related("household").in_bulk(
        {deed.resident_id for deed in found}
    )
    for deed in found:
        resident = residents.get(deed.resident_id)
        if resident is None or (area_code and not resident.area_code.startswith(area_code)):
            continue
        if kind == ListKind.HOUSEHOLD:
            yield deed.key, resident.household, None, {"evidence": deed.text}
        elif resident.is_party_member:
            yield deed.key, None, resident, {"evidence": deed.text}


def _records(rule, month, area_code):
    source = rule.source
    if source == ProposalSource.PAIRING_VISIT:
        return _pairing_visits(month, area_code)
    if source == ProposalSource.CLOSED_CASE:
        return _closed_cases(month, area_code)
    if source == ProposalSource.EVENT:
        return _attendance(Event, "event", "happened_at", month, area_code)
    if source == ProposalSource.MEETING:
        return _attendance(Meeting, "meeting", "held_at", month, area_code)
    return _deeds(source, month, area_code, rule.template.kind)


def _propose_one(rule, month, key, household, resident, links) -> str:
    """Proposes the entry of one record: "made", or why not ("known", "no_item", "closed",
    "cap")."""
    subject = resident or household
    # What the record says was done, else the source's name.
    links = dict(links)
    evidence = links.pop("evidence", "") or str(rule.get_source_display())
    village = village_of(subject.area_code)
    if is_closed(village, month):  # asked again below, under the lock
        return "closed"
    item = item_in_force(village, rule.template.kind, month, rule.template_id)
    if item is None:
        return "no_item"
    points = item.points if not item.has_range or item.allows(item.points) else item.min_points
    with transaction.atomic():
        # Entries of one subject are checked against their caps in turn.
        type(subject).objects.select_for_update().filter(pk=subject.pk).first()
        # Closing the month waits for this proposal, or this sees the month closed.
        lock_village(village)
        if is_closed(village, month):
            return "closed"
        if Entry.objects.filter(proposal_key=key).exists():
            return "known"
        total = counted_total(
            household_id=household.pk if household else None,
            resident_id=resident.pk if resident else None,
            village_code=village,
            kind=item.duty_list.kind,
            article=item.article,
            month=month,
        )
        if not within_cap(item, total, points):
            return "cap"
        entry = Entry(
            item=item,
            household=household,
            resident=resident,
            month=month,
            points=points,
            source=EntrySource.PROPOSED,
            proposal_key=key,
            recorded_by=None,
            area_code=subject.area_code,
            evidence=evidence,
            **links,
        )
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
        except IntegrityError:
            return "known"  # proposed at the same moment by another run
        audit.record(
            actor=None,
            action="points_entry.propose",
            obj=entry,
            after={**audit.snapshot(entry), "rule": rule.pk},
        )
    return "made"


def propose(month, area_code: str | None = None) -> dict[str, int]:
    """Proposes the entries of the month's records (under `area_code`, or everywhere) by
    every active rule; idempotent. Returns how many records ended how ("made", "known",
    "no_item", "closed", "cap")."""
    if isinstance(month, datetime.datetime):
        month = timezone.localdate(month)
    month = month_start(month)
    counts: Counter = Counter()
    rules = ProposalRule.objects.filter(is_active=True, source__in=IN_USE).select_related(
        "template"
    )
    for rule in rules:
        for key, household, resident, links in _records(rule, month, area_code or ""):
            counts[_propose_one(rule, month, key, household, resident, links)] += 1
    return dict(counts)
