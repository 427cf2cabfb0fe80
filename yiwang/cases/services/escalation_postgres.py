"""The escalation of a stage on PostgreSQL, set-based (see below); the sweep
(escalation.escalate_overdue) calls `_escalate_stage`."""

from __future__ import annotations

import re

from django.db import connections, transaction

from yiwang.areas.models import Area
from yiwang.cases import states
from yiwang.cases.models import (
    AssigneeLevel,
    Case,
    CaseEvent,
    Category,
    Department,
    EventKind,
    NoticeKind,
    Status,
)
from yiwang.cases.services.common import _LEVEL_BY_LENGTH
from yiwang.cases.services.deadlines import (
    _UP,
    DISPATCHER_DUE,
    _escalated_fields,
    _escalation_texts,
)
from yiwang.core import audit
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Notification

# On PostgreSQL the escalation of a stage is set-based: one statement per chunk locks the
# overdue cases (FOR UPDATE SKIP LOCKED: a case another consumer or a person is writing is
# left to them, and to the next run), moves them up, and inserts their timeline entries,
# notices (notices.Notification, about the case) and audit entries from the same rows
# (data-modifying WITH queries), the texts and documents built by the database, with no
# row going through Python (the benchmark in docs/PERFORMANCE.md compares the two). It writes what `_escalate_chunk` writes
# (test_deadlines checks both, word for word); SQLite, which has no data-modifying WITH
# and one writer at a time, takes that path.
ESCALATION_CHUNK = 5000


def _sql_level(code: str) -> str:
    """SQL: the level of an area code, by its length (as `_level_of`)."""
    whens = " ".join(f"WHEN {n} THEN '{level}'" for n, level in _LEVEL_BY_LENGTH.items())
    return f"CASE length({code}) {whens} END"


def _sql_up(code: str) -> str:
    """SQL: the code of the level above (as `party_above`, by `_UP`)."""
    whens = " ".join(f"WHEN {n} THEN {up}" for n, up in _UP.items())
    return f"substr({code}, 1, CASE length({code}) {whens} END)"


def _sql_iso(value: str) -> str:
    """SQL: a timestamp with time zone as Python's isoformat() writes it in UTC."""
    utc = f"({value} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN"
        f" mod(extract(microseconds FROM {utc})::bigint, 1000000) = 0 THEN ''"
        f" ELSE to_char({utc}, '.US') END || '+00:00'"
    )


def _sql_text(template: str, columns: dict[str, str], params: dict, key: str) -> str:
    """SQL: a translated %-template with its named values taken from `columns`; the
    template's own text goes in as parameters (added to `params`)."""
    pieces = []
    for i, part in enumerate(re.split(r"%\((\w+)\)s", template)):
        if i % 2:
            pieces.append(columns[part])
        elif part:
            params[f"{key}_{i}"] = part.replace("%%", "%")
            pieces.append(f"%({key}_{i})s::text")
    return " || ".join(pieces) or "''"


def _sql_object(pairs: dict[str, str]) -> str:
    return "jsonb_build_object({})".format(", ".join(f"'{k}', {v}" for k, v in pairs.items()))


def _escalation_statement(status: str, now, size: int) -> tuple[str, dict]:
    """The statement escalating up to `size` overdue cases of one stage, and its
    parameters; it answers the number escalated."""
    dispatcher = status in DISPATCHER_DUE
    params = {
        "status": status,
        "now": now,
        "size": size,
        "follow_up": states.follow_up_minutes(),
        "department": AssigneeLevel.DEPARTMENT,
        "county": AssigneeLevel.COUNTY,
        "escalated_event": EventKind.ESCALATED,
        "overdue_notice": NoticeKind.OVERDUE,
        "escalated_notice": NoticeKind.ESCALATED,
        "source": audit.current_source(),
        "action": "case.escalate",
        "object_type": Case._meta.label_lower,
    }
    if dispatcher:
        # Below the top, at a level that has one above.
        stage = f"length(c.dispatcher_area_code) IN ({', '.join(map(str, _UP))})"
        due_level, due_code = _sql_level("c.dispatcher_area_code"), "c.dispatcher_area_code"
        due_department, above = "NULL::bigint", _sql_up("c.dispatcher_area_code")
    else:
        by_department = "c.assignee_level = %(department)s"
        stage = (
            f"c.assignee_level <> %(county)s AND ({by_department} OR"
            f" length(c.assignee_area_code) IN ({', '.join(map(str, _UP))}))"
        )
        due_level = (
            f"CASE WHEN {by_department} THEN %(department)s"
            f" ELSE {_sql_level('c.assignee_area_code')} END"
        )
        due_code = f"CASE WHEN {by_department} THEN '' ELSE c.assignee_area_code END"
        due_department = f"CASE WHEN {by_department} THEN c.assignee_department_id END"
        above = (
            f"CASE WHEN {by_department} THEN substr(c.area_code, 1, 6)"
            f" ELSE {_sql_up('c.assignee_area_code')} END"
        )
    minutes = {
        Status.REPORTED: "cat.accept_minutes",
        Status.ACCEPTED: "cat.dispatch_minutes",
        Status.RESOLVED: "%(follow_up)s",
    }.get(status, "cat.resolve_minutes")
    new_values = {
        "due_at": "plan.new_due",
        "response_lapsed": "true",
        "resolution_lapsed": "true",
        "dispatcher_area_code": "plan.above_code",
        "assignee_level": "plan.above_level",
        "assignee_area_code": "plan.above_code",
        "assignee_user_id": "NULL::bigint",
    }
    fields = _escalated_fields(status)
    sets = ", ".join(f"{name} = {new_values[name]}" for name in fields)

    # The documents of the audit entry, as `audit.build_row` writes them: times in ISO 8601.
    times = {"due_at", "extension_until"}

    def before_value(name: str) -> str:
        return _sql_iso(f"plan.{name}") if name in times else f"plan.{name}"

    before = {name: before_value(name) for name in (*fields, "extension_until")}
    before |= {"version": "plan.version", "escalation_level": "plan.escalation_level"}
    after = {
        name: _sql_iso(new_values[name]) if name in times else new_values[name] for name in fields
    }
    after |= {
        "version": "plan.version + 1",
        "escalation_level": "plan.escalation_level + 1",
        "extension_until": "NULL::text",
    }
    due_party = {
        "level": "plan.due_level",
        "area_code": "plan.due_code",
        "department": "plan.due_department",
    }
    above_party = {
        "level": "plan.above_level",
        "area_code": "plan.above_code",
        "department": "NULL",
    }
    data = {
        "from": _sql_object(due_party),
        "to": _sql_object(above_party),
        "was_due": _sql_iso("plan.due_at"),
        "due_at": _sql_iso("plan.new_due"),
        "escalation_level": "plan.escalation_level + 1",
    }
    values = {
        "number": "plan.number",
        "title": "plan.title",
        "from": "plan.lapsed",
        "to": "plan.taken",
    }
    note, overdue, yours = (
        _sql_text(template, values, params, key)
        for template, key in zip(_escalation_texts(), ("note", "overdue", "yours"), strict=True)
    )
    tables = {
        name: connections[Case.objects.db].ops.quote_name(model._meta.db_table)
        for name, model in {
            "case": Case,
            "category": Category,
            "area": Area,
            "department": Department,
            "event": CaseEvent,
            "notice": Notification,
            "audit": AuditEntry,
        }.items()
    }
    sql = f"""
WITH old AS (
    SELECT c.id, c.number, c.title, c.area_code, c.category_id, c.due_at, c.version,
        c.escalation_level, c.extension_until, c.response_lapsed, c.resolution_lapsed,
        c.dispatcher_area_code, c.assignee_level, c.assignee_area_code, c.assignee_user_id,
        {due_level} AS due_level, {due_code} AS due_code,
        {due_department} AS due_department, {above} AS above_code
    FROM {tables["case"]} c
    WHERE c.parked = false AND c.status = %(status)s AND c.due_at <= %(now)s AND {stage}
    ORDER BY c.due_at, c.id
    LIMIT %(size)s
    FOR UPDATE OF c SKIP LOCKED
), plan AS (
    SELECT old.*, {_sql_level("old.above_code")} AS above_level,
        %(now)s + make_interval(mins => {minutes}) AS new_due,
        coalesce(dd.name, da.name || ' (' || da.code || ')', old.due_code) AS lapsed,
        coalesce(aa.name || ' (' || aa.code || ')', old.above_code) AS taken
    FROM old
    JOIN {tables["category"]} cat ON cat.id = old.category_id
    LEFT JOIN {tables["area"]} da ON da.code = old.due_code
    LEFT JOIN {tables["department"]} dd ON dd.id = old.due_department
    LEFT JOIN {tables["area"]} aa ON aa.code = old.above_code
    ORDER BY old.id
), moved AS (
    UPDATE {tables["case"]} c SET {sets}, version = c.version + 1,
        escalation_level = c.escalation_level + 1, extension_until = NULL,
        updated_at = %(now)s
    FROM plan WHERE c.id = plan.id
    RETURNING c.id
), events AS (
    INSERT INTO {tables["event"]}
        (case_id, kind, from_status, to_status, actor_name, note, at, data)
    SELECT plan.id, %(escalated_event)s, %(status)s, '', '', {note}, %(now)s,
        {_sql_object(data)}
    FROM plan ORDER BY plan.id
), notices AS (
    INSERT INTO {tables["notice"]}
        (kind, object_type, object_id, area_code, level, department_id, to_reporter, text,
         created_at)
    SELECT kind, %(object_type)s, case_id, area_code, level, department_id, false, text,
        %(now)s FROM (
        SELECT plan.id AS case_id, 1 AS n, %(overdue_notice)s AS kind,
            plan.due_code AS area_code, plan.due_level AS level,
            plan.due_department AS department_id, {overdue} AS text
        FROM plan
        UNION ALL
        SELECT plan.id, 2, %(escalated_notice)s, plan.above_code, plan.above_level, NULL,
            {yours}
        FROM plan
    ) rows ORDER BY case_id, n
), audit AS (
    INSERT INTO {tables["audit"]}
        (at, actor_username, source, action, object_type, object_id, object_repr,
         area_code, before, after)
    SELECT %(now)s, '', %(source)s, %(action)s, %(object_type)s, plan.id::text,
        left(plan.number || ' ' || plan.title, 200), plan.area_code,
        {_sql_object(before)}, {_sql_object(after)}
    FROM plan ORDER BY plan.id
)
SELECT count(*) FROM moved"""
    return sql, params


def _escalate_stage(status: str, now, budget: int) -> int:
    """PostgreSQL: escalates the overdue cases of a stage, a chunk per transaction, up to
    `budget` of them. Answers how many."""
    done = 0
    while done < budget:
        size = min(ESCALATION_CHUNK, budget - done)
        sql, params = _escalation_statement(status, now, size)
        with transaction.atomic(), connections[Case.objects.db].cursor() as cursor:
            cursor.execute(sql, params)
            escalated = cursor.fetchone()[0]
        done += escalated
        if escalated < size:
            break
    return done
