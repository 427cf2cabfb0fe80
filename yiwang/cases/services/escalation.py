"""The deadline sweep, `escalate_overdue`: reminders, and escalation read and claimed a
chunk at a time (the path on SQLite); on PostgreSQL escalation is set-based
(escalation_postgres)."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.areas.models import Area
from yiwang.cases.models import (
    AssigneeLevel,
    Case,
    CaseEvent,
    Category,
    Department,
    EventKind,
    NoticeKind,
)
from yiwang.cases.services.deadlines import (
    DISPATCHER_DUE,
    HANDLER_DUE,
    _escalation_changes,
    _escalation_texts,
    due_party,
    party_above,
    remind_lead,
)
from yiwang.cases.services.escalation_postgres import _escalate_stage
from yiwang.core import audit
from yiwang.core.bulk import bulk_writing, db_value, insert_rows
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Notification

# --- deadlines: reminders and escalation --------------------------------------------------
#
# Run every minute by the periodic task yiwang.cases.tasks.sweep_cases, on any number of
# consumers at once, and each case is escalated, or reminded, exactly once:
# - reminders, and escalation on SQLite: a chunk of cases read from the (status, due_at)
#   index is claimed by one conditional UPDATE whose WHERE holds each row to the version
#   that was read, and whose RETURNING says which rows it wrote. A row that another
#   consumer (or a person) changed meanwhile is not written, and nothing else is done for
#   it. Then the timeline, notice and audit rows of the rows written are inserted.
# - escalation on PostgreSQL: one statement per chunk locks the overdue cases and writes
#   them and their rows (see escalation_postgres.`_escalation_statement`).

# Cases a sweep transaction claims and writes: on PostgreSQL small chunks, which several
# consumers share out; on SQLite, one writer at a time, larger ones (fewer commits; other
# writers wait meanwhile, well inside the busy timeout of the settings).
SWEEP_CHUNK = {"postgresql": 1000, "sqlite": 5000}


@dataclass(slots=True)
class Swept:
    """What the sweep reads of a case: a model instance for each of thousands of cases
    would cost more than the rest of the sweep."""

    id: int
    number: str
    title: str
    status: str
    version: int
    category_id: int
    area_code: str
    dispatcher_area_code: str
    assignee_level: str
    assignee_area_code: str
    assignee_department_id: int | None
    assignee_user_id: int | None
    due_at: datetime.datetime
    reminded_due_at: datetime.datetime | None
    escalation_level: int
    extension_until: datetime.datetime | None
    response_lapsed: bool
    resolution_lapsed: bool

    @property
    def pk(self) -> int:
        return self.id

    def __str__(self) -> str:
        return f"{self.number} {self.title}"  # as Case.__str__, for the audit log


_SWEPT_FIELDS = tuple(Swept.__dataclass_fields__)


def _claim_source(connection, cases: list[Case], names: list[str], per_case) -> tuple:
    """The chunk's rows (claim_id, claim_version, value_0, …) as a relation `claim` to
    join, and its parameters: on PostgreSQL one JSON document read by json_to_recordset
    (typed by the column list; a few parameters instead of thousands to interpolate), on
    SQLite a VALUES list."""
    fields = [Case._meta.get_field(name) for name in names]
    if connection.vendor == "postgresql":
        columns = ", ".join(
            [
                "claim_id bigint",
                "claim_version integer",
                *(f"value_{i} {f.cast_db_type(connection)}" for i, f in enumerate(fields)),
            ]
        )
        document = json.dumps(
            [
                {
                    "claim_id": case.pk,
                    "claim_version": case.version,
                    **{f"value_{i}": per_case[case.pk][name] for i, name in enumerate(names)},
                }
                for case in cases
            ],
            default=lambda value: value.isoformat(),  # aware datetimes, to the microsecond
        )
        return f"json_to_recordset(%s) AS claim ({columns})", [document]
    marks = f"({', '.join(['%s'] * (2 + len(names)))})"
    # A chunk's new values are few (a due time per category and stage, a few codes): each
    # is prepared for the database once.
    prepared: dict = {}

    def prepare(field, value):
        key = (field.name, value)
        if key not in prepared:
            prepared[key] = field.get_db_prep_save(value, connection)
        return prepared[key]

    params = []
    for case in cases:
        params += [case.pk, case.version]
        params += [
            prepare(field, per_case[case.pk][name])
            for name, field in zip(names, fields, strict=True)
        ]
    columns = ", ".join(["claim_id", "claim_version", *(f"value_{i}" for i in range(len(names)))])
    values = ", ".join([marks] * len(cases))
    return f"(WITH claim ({columns}) AS (VALUES {values}) SELECT * FROM claim) AS claim", params


def _claim(
    cases: list[Case],
    status: str,
    per_case: dict[int, dict],
    *,
    escalate: bool = False,
    now: datetime.datetime | None = None,
    unreminded: bool = False,
) -> set[int]:
    """One conditional UPDATE for a chunk of cases of one stage, with each row's own new
    values (`per_case`: the same fields for every row). A row is written only if it is
    still in that stage at the version read; `escalate` also raises its version and
    escalation level, `unreminded` also asks that it was not reminded of this due time
    meanwhile. Answers the ids written (RETURNING, on PostgreSQL and SQLite ≥ 3.35).

    Raw SQL: the ORM would build a CASE of a WHEN per row and field, which costs more than
    the whole rest of the sweep."""
    connection = connections[Case.objects.db]
    quote = connection.ops.quote_name
    table = quote(Case._meta.db_table)
    names = list(per_case[cases[0].pk])
    source, params = _claim_source(connection, cases, names, per_case)
    sets = [
        f"{quote(Case._meta.get_field(name).column)} = claim.value_{i}"
        for i, name in enumerate(names)
    ]
    if escalate:
        sets += [
            f"{quote('version')} = {table}.{quote('version')} + 1",
            f"{quote('escalation_level')} = {table}.{quote('escalation_level')} + 1",
            # A pending request for more time was addressed to the level that now handles
            # the case itself.
            f"{quote('extension_until')} = NULL",
            f"{quote('updated_at')} = %s",
        ]
        params = [Case._meta.get_field("updated_at").get_db_prep_save(now, connection), *params]
    conditions = [
        f"{table}.{quote('id')} = claim.claim_id",
        f"{table}.{quote('version')} = claim.claim_version",
        f"{table}.{quote('status')} = %s",
    ]
    params.append(status)
    if unreminded:
        conditions.append(
            f"({table}.{quote('reminded_due_at')} IS NULL"
            f" OR {table}.{quote('reminded_due_at')} <> {table}.{quote('due_at')})"
        )
    sql = (
        f"UPDATE {table} SET {', '.join(sets)} FROM {source} "
        f"WHERE {' AND '.join(conditions)} RETURNING {table}.{quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _chunk(queryset, after: tuple | None, size: int) -> list[Swept]:
    """The next rows of `queryset` by due time, after the last row read (keyset on due_at,
    id): a row left as it was (lost to another consumer, say) is not read again."""
    if after is not None:
        due, pk = after
        queryset = queryset.filter(due_at__gte=due).filter(Q(due_at__gt=due) | Q(pk__gt=pk))
    rows = queryset.order_by("due_at", "pk").values_list(*_SWEPT_FIELDS)[:size]
    return [Swept(*row) for row in rows]


def _names(parties) -> dict:
    """How a notice names each area and department: its name and code."""
    codes = {p.area_code for p in parties if p.area_code}
    departments = {p.department_id for p in parties if p.department_id}
    names: dict = {
        code: f"{name} ({code})"
        for code, name in Area.objects.filter(code__in=codes).values_list("code", "name")
    }
    names.update(Department.objects.filter(pk__in=departments).values_list("pk", "name"))
    return names


# The sweep writes its timeline entries, notices (notices.Notification, about the case) and
# audit entries as rows, by COPY on PostgreSQL: model instances and bulk_create would cost
# it most of its time.
EVENT_FIELDS = ("case", "kind", "from_status", "to_status", "note", "at", "data", "actor_name")
NOTICE_FIELDS = (
    "kind",
    "object_type",
    "object_id",
    "area_code",
    "level",
    "department_id",
    "recipient",
    "to_reporter",
    "text",
    "created_at",
)
# One encoder for the sweep's thousands of documents: json.dumps with options builds a
# new one at every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=lambda v: v.isoformat())


def _json(value) -> str:
    """JSON as the database takes it for a JSON column, from text, on both databases."""
    return _ENCODER.encode(value)


def _event_row(case: Case, kind: str, at, note: str, data: dict, from_status: str = "") -> tuple:
    return (case.pk, kind, from_status, "", note, at, _json(data), "")


def _audit_row(case: Swept, action: str, at, before: dict, after: dict) -> tuple:
    """The background task's audit entry of a case read as a `Swept` row, not a model
    instance (no actor; the values are codes, times and counts: nothing to mask)."""
    return audit.build_row(
        at=at,
        actor=None,
        action=action,
        obj=case,
        object_type=Case._meta.label_lower,
        before=before,
        after=after,
    )


def _write(events: list, notices: list, entries: list) -> None:
    insert_rows(CaseEvent, EVENT_FIELDS, events)
    insert_rows(Notification, NOTICE_FIELDS, notices)
    insert_rows(AuditEntry, audit.ROW_FIELDS, entries)


def _escalate_chunk(cases, status, categories, now) -> int:
    plans = {}
    for case in cases:
        above = party_above(case)
        if above is not None:
            plans[case.pk] = (due_party(case), above)
    if not plans:
        return 0
    by_id = {case.pk: case for case in cases if case.pk in plans}
    per_case = {
        pk: _escalation_changes(by_id[pk], above, categories[by_id[pk].category_id], now)
        for pk, (_due, above) in plans.items()
    }
    at = db_value(CaseEvent, "at", now)
    with transaction.atomic():
        claimed = _claim(list(by_id.values()), status, per_case, escalate=True, now=now)
        if not claimed:
            return 0
        names = _names([p for pk in claimed for p in plans[pk]])
        note, overdue, yours = _escalation_texts()
        events, notices, entries = [], [], []
        for pk in sorted(claimed):
            case, (due, above), changes = by_id[pk], plans[pk], per_case[pk]
            before = {name: getattr(case, name) for name in changes}
            before.update(
                version=case.version,
                escalation_level=case.escalation_level,
                extension_until=case.extension_until,
            )
            was_due = case.due_at
            for name, value in changes.items():
                setattr(case, name, value)
            case.version += 1
            case.escalation_level += 1
            case.extension_until = None
            after = {
                **changes,
                "version": case.version,
                "escalation_level": case.escalation_level,
                "extension_until": None,
            }
            lapsed = names.get(due.department_id or due.area_code, due.area_code)
            taken = names.get(above.area_code, above.area_code)
            values = {"number": case.number, "title": case.title, "from": lapsed, "to": taken}
            events.append(
                _event_row(
                    case,
                    EventKind.ESCALATED,
                    at,
                    note % values,
                    {
                        "from": due.as_data(),
                        "to": above.as_data(),
                        "was_due": was_due.isoformat(),
                        "due_at": case.due_at.isoformat(),
                        "escalation_level": case.escalation_level,
                    },
                    from_status=status,
                )
            )
            notices.append(
                due.notice(
                    case,
                    NoticeKind.OVERDUE,
                    overdue % values,
                    at,
                )
            )
            notices.append(
                above.notice(
                    case,
                    NoticeKind.ESCALATED,
                    yours % values,
                    at,
                )
            )
            entries.append(_audit_row(case, "case.escalate", at, before, after))
        _write(events, notices, entries)
    return len(claimed)


def _remind_chunk(cases, status, categories, now) -> int:
    due_soon = [
        case
        for case in cases
        if case.due_at - now <= remind_lead(categories[case.category_id], status)
    ]
    if not due_soon:
        return 0
    at = db_value(CaseEvent, "at", now)
    with transaction.atomic():
        # A reminder leaves the version alone (it changes nothing anyone acts on), so the
        # claim also asks that the row was not reminded of this due time meanwhile.
        claimed = _claim(
            due_soon,
            status,
            {case.pk: {"reminded_due_at": case.due_at} for case in due_soon},
            unreminded=True,
        )
        if not claimed:
            return 0
        parties = {case.pk: due_party(case) for case in due_soon if case.pk in claimed}
        names = _names(parties.values())
        events, notices, entries = [], [], []
        for case in due_soon:
            if case.pk not in claimed:
                continue
            party = parties[case.pk]
            before = {"reminded_due_at": case.reminded_due_at}
            case.reminded_due_at = case.due_at
            when = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
            to = names.get(party.department_id or party.area_code, party.area_code)
            events.append(
                _event_row(
                    case,
                    EventKind.REMINDED,
                    at,
                    _("Reminded %(to)s: due at %(due)s.") % {"to": to, "due": when},
                    {"to": party.as_data(), "due_at": case.due_at.isoformat()},
                )
            )
            notices.append(
                party.notice(
                    case,
                    NoticeKind.REMINDER,
                    _("Case %(number)s is due at %(due)s: %(title)s")
                    % {"number": case.number, "due": when, "title": case.title},
                    at,
                )
            )
            entries.append(
                _audit_row(
                    case, "case.remind", at, before, {"reminded_due_at": case.reminded_due_at}
                )
            )
        _write(events, notices, entries)
    return len(claimed)


def _sweep(queryset, status: str, handle, categories, now, budget: int) -> tuple[int, int]:
    """Hands the cases of `queryset` to `handle` a chunk at a time: (read, done)."""
    read = done = 0
    after = None
    chunk = SWEEP_CHUNK.get(connections[Case.objects.db].vendor, 1000)
    while read < budget:
        size = min(chunk, budget - read)
        cases = _chunk(queryset, after, size)
        if not cases:
            break
        read += len(cases)
        # Taken before `handle`, which moves the due times of the cases it writes.
        after = cases[-1].due_at, cases[-1].pk
        done += handle(cases, status, categories, now)
        if len(cases) < size:
            break
    return read, done


def escalate_overdue(now: datetime.datetime | None = None, limit: int | None = None) -> dict:
    """The deadline sweep: reminds the party a stage waits for once before it is due, and
    moves an overdue stage one level up (unit → village → town → county; a department →
    its county) with a fresh due time there, a notice to both levels, a timeline entry and
    an audit entry. Parked cases are left alone, and the county is the top.

    Idempotent, and safe to run on many consumers at once (see the claim above). `limit`
    bounds the cases read by each pass, escalation then reminders; when escalation uses it
    up, the reminders wait for the next run. Answers the counts."""
    with bulk_writing():  # SQLite: a large page cache, no checkpoint at every chunk
        return _escalate_overdue(now or timezone.now(), limit)


def _escalate_overdue(now: datetime.datetime, limit: int | None) -> dict:
    budget = limit if limit is not None else 1 << 62
    categories = {category.pk: category for category in Category.objects.all()}
    counts = {"escalated": 0, "reminded": 0}
    if budget <= 0 or not categories:
        return counts
    open_stages = Case.objects.filter(parked=False)
    set_based = connections[Case.objects.db].vendor == "postgresql"
    for status in (*DISPATCHER_DUE, *HANDLER_DUE):
        if set_based:
            read = done = _escalate_stage(status, now, budget)
        else:
            overdue = open_stages.filter(status=status, due_at__lte=now)
            # At the top already: nothing to do, so not read at all.
            if status in DISPATCHER_DUE:
                overdue = overdue.alias(length=Length("dispatcher_area_code")).exclude(length=6)
            else:
                overdue = overdue.exclude(assignee_level=AssigneeLevel.COUNTY)
            read, done = _sweep(overdue, status, _escalate_chunk, categories, now, budget)
        budget -= read
        counts["escalated"] += done
        if budget <= 0:
            return counts
    budget = limit if limit is not None else 1 << 62
    for status in (*DISPATCHER_DUE, *HANDLER_DUE):
        lead = max(remind_lead(category, status) for category in categories.values())
        due_soon = open_stages.filter(
            status=status, due_at__gt=now, due_at__lte=now + lead
        ).exclude(reminded_due_at=F("due_at"))
        read, done = _sweep(due_soon, status, _remind_chunk, categories, now, budget)
        budget -= read
        counts["reminded"] += done
        if budget <= 0:
            break
    return counts
