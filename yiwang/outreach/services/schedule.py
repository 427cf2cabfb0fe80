"""The schedule engine: the open scheduled visit of every household a periodic visit rule
covers and of every current pairing, and the next one once a visit is done or skipped.

Idempotent throughout: a household (or a pairing) that already has its open row gets
nothing new, and the partial unique constraints of ScheduledVisit are the last line (the
inserts ignore a conflict, so that the daily task and a visit recorded at the same moment
never fail each other). Set-based: one query finds every household missing its row, one
INSERT a thousand rows writes them; never a query per household.

When a visit is due:
- a periodic rule: the household's last visit (any visit, by anyone) + the rule's
  `every_days`; a household never visited is due the day it is first scheduled (today);
- a pairing: its start, or the subject's last visit if later, + the programme's
  `visit_every_days`;
- after a visit: the visit's day + the rhythm; after a skip: the skip's day + the rhythm.
Triggered rules schedule from an occurrence (services.visits.record_occurrence), once.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from yiwang.core.db import stream
from yiwang.core.scoping import subtree_q
from yiwang.outreach.models import (
    Pairing,
    RuleKind,
    ScheduledVisit,
    ScheduleStatus,
    Visit,
    VisitRule,
)
from yiwang.registry.models import Household, HouseholdStatus, ResidentTag

BATCH = 1000
# The reason written on the open rows a rule no longer asks for (the tag ended, the
# household moved out, the rule was switched off) and on those of an ended pairing: kept
# as skipped, not deleted, so that a visit that was overdue stays counted as missed.
NO_LONGER_DUE = "不再适用"
PAIRING_ENDED = "结对已结束"


def _last_visit(field: str, outer: str = "pk") -> Subquery:
    """The time of the last visit of the household (or enterprise) `outer` refers to: one
    probe of the index (household, -visited_at) per row."""
    return Subquery(
        Visit.objects.filter(**{field: OuterRef(outer)})
        .order_by("-visited_at")
        .values("visited_at")[:1]
    )


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localdate(moment)


def rule_households(rule: VisitRule, today: datetime.date, area_code: str | None = None):
    """The active households a periodic rule covers: of its category, with a living
    resident who carries its tag today, or both when it names both."""
    households = Household.objects.filter(status=HouseholdStatus.ACTIVE)
    if area_code:
        households = households.filter(subtree_q("area_code", area_code))
    if rule.household_category:
        households = households.filter(category=rule.household_category)
    if rule.tag_id:
        tagged = ResidentTag.objects.current(today).filter(
            tag_id=rule.tag_id,
            resident_living=True,
            resident__household_id=OuterRef("pk"),
        )
        households = households.filter(Exists(tagged))
    return households


def _insert(rows: list[ScheduledVisit]) -> None:
    # A conflict is a row someone else just made (a visit, the task on another consumer).
    ScheduledVisit.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


def schedule_rules(area_code: str | None = None, today: datetime.date | None = None) -> dict:
    """For every active periodic rule, the open scheduled visit of each household it covers
    (under `area_code`, or the whole county) that has none; and the open rows of households
    it no longer covers closed as skipped. Returns {"scheduled": n, "closed": n}."""
    today = today or timezone.localdate()
    now = timezone.now()
    scheduled = closed = 0
    rules = VisitRule.objects.filter(kind=RuleKind.PERIODIC)
    for rule in rules:
        open_rows = ScheduledVisit.objects.filter(
            rule=rule, status=ScheduleStatus.SCHEDULED, occurrence__isnull=True
        )
        if area_code:
            open_rows = open_rows.filter(subtree_q("area_code", area_code))
        if not rule.is_active or not rule.every_days:
            closed += _close(open_rows, today, now, NO_LONGER_DUE)
            continue
        covered = rule_households(rule, today, area_code)
        closed += _close(
            open_rows.exclude(household_id__in=covered.values("pk")), today, now, NO_LONGER_DUE
        )
        missing = (
            covered.exclude(Exists(open_rows.filter(household_id=OuterRef("pk"))))
            .annotate(last=_last_visit("household_id"))
            .values_list("pk", "area_code", "last")
            .order_by()
        )
        every = datetime.timedelta(days=rule.every_days)
        batch: list[ScheduledVisit] = []
        for household_id, code, last in stream(missing, BATCH):
            due = today if last is None else _local_date(last) + every
            batch.append(
                ScheduledVisit(
                    rule=rule,
                    household_id=household_id,
                    area_code=code,
                    due_on=due,
                    created_at=now,
                    updated_at=now,
                )
            )
            if len(batch) >= BATCH:
                _insert(batch)
                scheduled += len(batch)
                batch = []
        if batch:
            _insert(batch)
            scheduled += len(batch)
    return {"scheduled": scheduled, "closed": closed}


def _close(rows, today: datetime.date, now: datetime.datetime, reason: str) -> int:
    return rows.update(
        status=ScheduleStatus.SKIPPED, closed_on=today, skip_reason=reason, updated_at=now
    )


def schedule_pairings(pairing_ids: list[int]) -> int:
    """The open scheduled visit of each of these pairings that is current and has none:
    due its start (or the subject's last visit, if later) + the programme's rhythm. The
    pairings' service calls it when it makes pairings; returns how many were scheduled."""
    if not pairing_ids:
        return 0
    return _schedule_pairings(Pairing.objects.filter(pk__in=list(pairing_ids)))


def schedule_all_pairings() -> int:
    """The same for every current pairing that has no open row (one that started since it
    was made, say): the nightly task's."""
    return _schedule_pairings(Pairing.objects.all())


def _schedule_pairings(pairings) -> int:
    today = timezone.localdate()
    now = timezone.now()
    open_rows = ScheduledVisit.objects.filter(pairing_id=OuterRef("pk"), status="scheduled")
    rows = (
        pairings.current(today)
        .exclude(Exists(open_rows))
        .annotate(
            household_last=_last_visit("household_id", "household_id"),
            enterprise_last=_last_visit("enterprise_id", "enterprise_id"),
        )
        .values_list(
            "pk",
            "household_id",
            "enterprise_id",
            "area_code",
            "starts_on",
            "programme__visit_every_days",
            "household_last",
            "enterprise_last",
        )
        .order_by()
    )
    made = []
    for pk, household_id, enterprise_id, code, starts_on, every, h_last, e_last in stream(
        rows, BATCH
    ):
        last = _local_date(h_last if household_id else e_last)
        base = max(starts_on, last) if last else starts_on
        made.append(
            ScheduledVisit(
                pairing_id=pk,
                household_id=household_id,
                enterprise_id=None if household_id else enterprise_id,
                area_code=code,
                due_on=base + datetime.timedelta(days=every),
                created_at=now,
                updated_at=now,
            )
        )
    _insert(made)
    return len(made)


def cancel_pairing_schedule(pairing_ids: list[int]) -> int:
    """The open scheduled visits of these (ended) pairings, closed as skipped with the
    reason "pairing ended"; returns how many."""
    if not pairing_ids:
        return 0
    rows = ScheduledVisit.objects.filter(
        pairing_id__in=list(pairing_ids), status=ScheduleStatus.SCHEDULED
    )
    return _close(rows, timezone.localdate(), timezone.now(), PAIRING_ENDED)


def schedule_next(closed: list[ScheduledVisit], on: datetime.date) -> list[ScheduledVisit]:
    """After rows were done or skipped on `on`: the next row of each periodic rule that is
    still active and of each pairing still current, due `on` + the rhythm. The rows come
    with their rule and their pairing's programme loaded. Triggered rows have no next."""
    now = timezone.now()
    made = []
    for row in closed:
        if row.rule_id and row.occurrence_id is None:
            rule = row.rule
            if not (rule.is_active and rule.kind == RuleKind.PERIODIC and rule.every_days):
                continue
            every = rule.every_days
        elif row.pairing_id:
            pairing = row.pairing
            if pairing.ends_on is not None and pairing.ends_on <= on:
                continue
            every = pairing.programme.visit_every_days
        else:
            continue
        made.append(
            ScheduledVisit(
                rule_id=row.rule_id if row.rule_id else None,
                pairing_id=row.pairing_id,
                household_id=row.household_id,
                enterprise_id=row.enterprise_id,
                area_code=row.area_code,
                due_on=on + datetime.timedelta(days=every),
                created_at=now,
                updated_at=now,
            )
        )
    _insert(made)
    return made


def open_rows_q(user) -> Q:
    """The rows a user answers for: those in the subtrees of their posts and those of their
    current pairings (a sponsor may pair across the tree). The pairings are read first, so
    that the query is a union of two index scans (area range, pairing ids), not a filter
    with a subquery that PostgreSQL can only check row by row."""
    from yiwang.accounts.scope import scope_codes
    from yiwang.core.scoping import any_subtree_q

    codes = scope_codes(user)
    if codes is None:
        return Q()
    pairing_ids = list(
        Pairing.objects.current().filter(sponsor_id=user.pk).values_list("pk", flat=True)
    )
    q = any_subtree_q("area_code", codes)
    if pairing_ids:
        q |= Q(pairing_id__in=pairing_ids)
    return q
