"""The households visited per unit and month (`VisitTally`) and the markers that count a
household once a month (`HouseholdVisitMonth`): counted visit by visit, or recounted.

`count_visit` runs when a visit is inserted through the ORM (`post_save` with created,
connected here: record_visit's insert, in its transaction, and any `Visit.objects.create`
or `save()`): it inserts the household's marker for the month of the visit (`INSERT … ON
CONFLICT DO NOTHING`) and, only when the marker is new, adds one to the tally of the
marker's unit and month (an upsert). Two visits of a household in a month count once; a
replayed UUID stores no visit and counts nothing. The receiver is connected when this
module is imported (by the app's ready()).

Visits are never deleted, moved or re-dated (update_visit changes notes and outcome
only); writers that bypass `save()` (bulk inserts, `QuerySet.update()`, raw SQL) must
call `rebuild` after them.

`rebuild` recounts both tables from the visits, set-based (one DELETE and one INSERT …
SELECT per table): after a bulk load that wrote visits around the service (the demo, the
benchmark's fill), in migration 0004, and in the tests as the reference. The tally is
registered with yiwang.core.tallies (`REGISTRATION`), which checks and rebuilds it like the
tallies kept by triggers (docs/ARCHITECTURE.md, "Tallies": why this one is kept here).

The month is the local month of `visited_at` (TIME_ZONE): in Python `timezone.localdate`;
in SQL `core.tallies.local_month_sql`, as the cases' tally does
(yiwang/cases/migrations/0004_case_tally.py).

A household visited in two units in one month (it moved) is counted in one of them only:
the unit of its first counted visit (`rebuild`: the smaller code), where counting the
visits of the month would count it under both units' areas.
"""

from __future__ import annotations

import datetime

from django.db import connection as default_connection
from django.db import connections
from django.db.models.signals import post_save
from django.utils import timezone

from yiwang.core import tallies

# Raw SQL on fixed tables, so that migration 0004 can run it whatever the models become.
VISITS = "outreach_visit"
MARKERS = "outreach_householdvisitmonth"
TALLY = "outreach_visittally"


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the local month of `moment`."""
    return timezone.localdate(moment).replace(day=1)


def count_visit(visit, connection=None) -> bool:
    """Counts a newly stored visit (of a household; an enterprise's counts nothing). True
    when it was the household's first counted visit of that month."""
    if visit.household_id is None:
        return False
    connection = connection or default_connection
    month = connection.ops.adapt_datefield_value(month_of(visit.visited_at))
    with connection.cursor() as cursor:
        # rowcount: 1 when the row was inserted, 0 when the conflict skipped it (SQLite's
        # changes() and PostgreSQL's command tag alike).
        cursor.execute(
            f"INSERT INTO {MARKERS} (household_id, month, area_code) VALUES (%s, %s, %s)"
            " ON CONFLICT (household_id, month) DO NOTHING",
            [visit.household_id, month, visit.area_code],
        )
        if cursor.rowcount != 1:
            return False
        cursor.execute(
            f"INSERT INTO {TALLY} (area_code, month, households) VALUES (%s, %s, 1)"
            f" ON CONFLICT (area_code, month) DO UPDATE SET households = {TALLY}.households + 1",
            [visit.area_code, month],
        )
    return True


def _subtree(area_code: str | None) -> tuple[str, list]:
    """A condition on `area_code` for the subtree of a code (all when None)."""
    if not area_code:
        return "TRUE", []
    return "area_code LIKE %s", [area_code.replace("%", "").replace("_", "") + "%"]


def rebuild(area_code: str | None = None, connection=None) -> None:
    """Recounts the markers and the tally of the units under `area_code` (all when None)
    from the visits: set-based, in the caller's transaction. A household whose marker of
    a month lies outside the subtree keeps it there."""
    connection = connection or default_connection
    where, params = _subtree(area_code)
    month = tallies.local_month_sql("visited_at", connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TALLY} WHERE {where}", params)
        cursor.execute(f"DELETE FROM {MARKERS} WHERE {where}", params)
        # WHERE before ON CONFLICT: SQLite's parser needs it in an INSERT … SELECT upsert.
        cursor.execute(
            f"INSERT INTO {MARKERS} (household_id, month, area_code)"
            f" SELECT household_id, {month}, MIN(area_code) FROM {VISITS}"
            f" WHERE household_id IS NOT NULL AND {where}"
            f" GROUP BY household_id, {month}"
            " ON CONFLICT (household_id, month) DO NOTHING",
            params,
        )
        cursor.execute(
            f"INSERT INTO {TALLY} (area_code, month, households)"
            f" SELECT area_code, month, COUNT(*) FROM {MARKERS} WHERE {where}"
            " GROUP BY area_code, month",
            params,
        )


# Kept here, not by triggers; rebuilt from every visit.
REGISTRATION = tallies.Tally(
    model="outreach.visittally", key=("area_code", "month"), rebuild=rebuild
)


def _count_created(sender, instance, created, **kwargs) -> None:
    if created:
        count_visit(instance, connection=connections[kwargs.get("using") or "default"])


post_save.connect(_count_created, sender="outreach.Visit", dispatch_uid="outreach.tally")
