"""Two people acting on one case at once: exactly one succeeds, the other gets a Conflict
carrying the state the winner left, and nothing of the loser is written.

On PostgreSQL two threads really race: each reads the case, both wait until both have
read, then both write; the conditional UPDATE lets one through and finds no row for the
other. SQLite takes the write lock at BEGIN (IMMEDIATE), so two writers never overlap
there: the same interleaving is replayed in sequence (read, the other acts, write)."""

import threading

import pytest
from django.db import connection, transaction

from yiwang.cases import services
from yiwang.cases.models import Case, CaseEvent
from yiwang.cases.services import transitions
from yiwang.core.models import AuditEntry

from .conftest import new_case

RACES = {
    "the same action twice": (("accept", {}), ("accept", {})),
    "two different actions": (("accept", {}), ("reject", {"reason": "不属于网格事项"})),
}


def _attempt(action, values, user, case_id):
    try:
        services.ACTIONS[action](actor=user, case_id=case_id, **values)
    except services.Conflict as exc:
        return ("conflict", exc.status)
    return ("done", None)


def _race_in_threads(monkeypatch, moves, case_id):
    both_read = threading.Barrier(len(moves), timeout=20)
    load = transitions._load

    def load_then_wait(actor, case_id):
        case = load(actor, case_id)
        both_read.wait()
        return case

    monkeypatch.setattr(transitions, "_load", load_then_wait)
    results = [None] * len(moves)

    def run(i, action, values, user):
        try:
            results[i] = _attempt(action, values, user, case_id)
        except BaseException as exc:  # reported below, not lost in the thread
            results[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, action, values, user))
        for i, (action, values, user) in enumerate(moves)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _race_in_sequence(monkeypatch, moves, case_id):
    """The second reads first, the first acts, then the second writes on what it read."""
    (first_action, first_values, first_user), (second_action, second_values, second_user) = moves
    with transaction.atomic():
        stale = transitions._load(second_user, case_id)
    first = _attempt(first_action, first_values, first_user, case_id)
    monkeypatch.setattr(transitions, "_load", lambda actor, case_id: stale)
    second = _attempt(second_action, second_values, second_user, case_id)
    return [first, second]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("race", sorted(RACES))
def test_two_people_acting_at_once_never_both_succeed(race, chief, town_admin, monkeypatch):
    case = new_case()
    (a, a_values), (b, b_values) = RACES[race]
    # Fresh user objects: each thread caches the posts it reads on its own.
    moves = [
        (a, a_values, type(chief).objects.get(pk=chief.pk)),
        (b, b_values, type(town_admin).objects.get(pk=town_admin.pk)),
    ]

    if connection.vendor == "postgresql":
        results = _race_in_threads(monkeypatch, moves, case.pk)
    else:
        results = _race_in_sequence(monkeypatch, moves, case.pk)

    assert sorted(r[0] for r in results) == ["conflict", "done"], results
    case.refresh_from_db()
    [conflict] = [r for r in results if r[0] == "conflict"]
    assert conflict[1] == case.status != "reported"
    assert case.version == 2
    assert CaseEvent.objects.filter(case=case).count() == 2
    assert (
        AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .exclude(action="case.create")
        .count()
        == 1
    )


def test_a_stale_read_cannot_act_on_a_case_that_moved_on(worker, tree, monkeypatch):
    """Load, change the status behind its back, act: the write finds no row to change."""
    case = new_case(stage="dispatched")
    stale = transitions._load(worker, case.pk)
    services.return_case(actor=None, case_id=case.pk, reason="改派")
    monkeypatch.setattr(transitions, "_load", lambda actor, case_id: stale)

    with pytest.raises(services.Conflict) as raised:
        services.start(actor=worker, case_id=case.pk)

    assert raised.value.status == "accepted"
    assert Case.objects.get(pk=case.pk).status == "accepted"
    assert not CaseEvent.objects.filter(case=case, kind="started").exists()
