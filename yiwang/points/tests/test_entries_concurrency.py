"""Two approvers decide the same entry at once: one approves, the other is told it was
just decided, and the household's account is credited once.

On PostgreSQL two threads really race: both read the entry pending, wait until both have
read it, then both write (one after the other, by the village's lock); the conditional
UPDATE lets one through. SQLite takes the write
lock at BEGIN, so two writers never overlap there: the two approvals run one after the
other, and the second is still refused."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from yiwang.points.models import Entry, EntryStatus, PointsAccount
from yiwang.points.services import entries as services
from yiwang.points.tests.test_lists import adopt_defaults, make_household


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_approve_once(chief, worker, town_admin, monkeypatch):
    racing = connection.vendor == "postgresql"
    lists = adopt_defaults(chief)
    household, _head = make_household(worker)
    entry, _created = services.record_entry(
        actor=worker,
        household=household.pk,
        item=lists["household"].items.get(article="1").pk,
        month=timezone.localdate().strftime("%Y-%m"),
    )
    both_read = threading.Barrier(2, timeout=20)
    real = services.get_in_scope

    def read_then_wait(*args, **kwargs):
        # Both read the entry pending, then go on: the village's lock (lock_village, taken
        # next) lets one decide first; the other's conditional UPDATE then finds it decided.
        found = real(*args, **kwargs)
        both_read.wait()
        return found

    if racing:
        monkeypatch.setattr(services, "get_in_scope", read_then_wait)
    approvers = [
        type(chief).objects.get(pk=chief.pk),
        type(town_admin).objects.get(pk=town_admin.pk),
    ]
    results = [None, None]

    def run(i):
        try:
            services.approve_entry(approvers[i], entry.pk)
            results[i] = "approved"
        except ValidationError as exc:
            results[i] = ("refused", exc.messages)
        except BaseException as exc:  # reported below, not lost in the thread
            results[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
        if not racing:
            thread.join(timeout=60)
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(str(r[0]) if isinstance(r, tuple) else r for r in results) == [
        "approved",
        "refused",
    ], results
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.APPROVED
    assert PointsAccount.objects.get(household=household).earned == 2
