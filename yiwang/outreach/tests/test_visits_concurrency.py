"""The same visit sent twice at once (a phone retrying on a bad network): stored once, and
both sends answer that one visit.

On PostgreSQL two threads really race: both look the UUID up and miss it, both wait until
both have looked, then both write; the unique constraint lets one through and the other
reads the winner's visit back. SQLite takes the write lock at BEGIN (IMMEDIATE), so two
writers never overlap there: the same interleaving is replayed in sequence (both miss,
one writes, then the other)."""

import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from yiwang.core.models import AuditEntry
from yiwang.outreach.models import ScheduledVisit, Visit
from yiwang.outreach.services import schedule
from yiwang.outreach.services import visits as services

from .test_visits import make_household


def _send(user, household, key):
    try:
        stored, created = services.record_visit(
            actor=user,
            uuid=key,
            household_id=household.pk,
            visited_at=timezone.now(),
            outcome="all_well",
        )
    except BaseException as exc:  # reported below, not lost in the thread
        return ("error", repr(exc))
    return ("created" if created else "replayed", stored.pk)


def _race_in_threads(monkeypatch, senders, household, key):
    both_looked = threading.Barrier(len(senders), timeout=20)
    real = services._stored
    first_looks = []
    lock = threading.Lock()

    def look_then_wait(k):
        found = real(k)
        with lock:
            first_look = len(first_looks) < len(senders)
            first_looks.append(k)
        if first_look:
            both_looked.wait()
        return found

    monkeypatch.setattr(services, "_stored", look_then_wait)
    results = [None] * len(senders)

    def run(i, user):
        try:
            results[i] = _send(user, household, key)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _race_in_sequence(monkeypatch, senders, household, key):
    real = services._stored
    looks = []

    def missed_by_both(k):
        looks.append(k)
        # The first look of each send: neither has stored it yet.
        return None if len(looks) in (1, 2) else real(k)

    monkeypatch.setattr(services, "_stored", missed_by_both)
    return [_send(user, household, key) for user in senders]


@pytest.mark.django_db(transaction=True)
def test_the_same_visit_sent_twice_at_once_is_stored_once(worker, monkeypatch):
    household = make_household(tags=["elderly_alone"])
    schedule.schedule_rules()
    key = uuid.uuid4()
    # Fresh user objects: each thread caches the posts it reads on its own.
    senders = [type(worker).objects.get(pk=worker.pk) for _i in range(2)]

    if connection.vendor == "postgresql":
        results = _race_in_threads(monkeypatch, senders, household, key)
    else:
        results = _race_in_sequence(monkeypatch, senders, household, key)

    assert sorted(r[0] for r in results) == ["created", "replayed"], results
    [stored] = Visit.objects.all()
    assert {r[1] for r in results} == {stored.pk}
    assert AuditEntry.objects.filter(action="visit.create").count() == 1
    # The schedule moved on once: each rule's row done by the one visit, one next row each.
    assert ScheduledVisit.objects.filter(status="done", visit=stored).count() == 2
    assert ScheduledVisit.objects.filter(status="scheduled", household=household).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_different_visits_at_once_close_each_row_once(worker, chief, monkeypatch):
    """Two people visit the same household at once: both visits are stored; each open row
    is done by one of them, and each rule has one next row."""
    household = make_household(tags=["elderly_alone"])
    schedule.schedule_rules()
    users = [type(worker).objects.get(pk=worker.pk), type(chief).objects.get(pk=chief.pk)]
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2, timeout=20)
        real = services._stored

        def wait(k):
            found = real(k)
            barrier.wait()
            return found

        monkeypatch.setattr(services, "_stored", wait)
        results = [None, None]

        def run(i):
            try:
                results[i] = _send(users[i], household, uuid.uuid4())
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        results = [_send(u, household, uuid.uuid4()) for u in users]

    assert [r[0] for r in results] == ["created", "created"], results
    assert Visit.objects.count() == 2
    assert ScheduledVisit.objects.filter(status="done").count() == 2
    assert ScheduledVisit.objects.filter(status="scheduled").count() == 2
