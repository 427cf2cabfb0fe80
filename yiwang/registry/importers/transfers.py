"""What an import's moves leave behind: the life events of a resident who comes, returns,
moves between households or becomes head, and the households that members left."""

from __future__ import annotations

import datetime

from yiwang.registry.importers.planning import NEW, _ResidentPlan, _State
from yiwang.registry.models import (
    Household,
    HouseholdStatus,
    LifeEvent,
    LifeEventKind,
    Relation,
    ResidentStatus,
)
from yiwang.registry.services import recompute_category
from yiwang.registry.services.life_events import _close, _eldest, _succeed_head


def _events(r: _ResidentPlan, household: Household, state: _State, actor, today):
    def event(kind, **fields):
        return LifeEvent(
            resident=r.resident,
            kind=kind,
            on=today,
            to_household=household,
            area_code=household.area_code,
            recorded_by=actor,
            **fields,
        )

    if r.kind == NEW or r.returning:
        yield event(LifeEventKind.MOVE_IN)
    if r.source_id is not None:
        source = state.by_pk[r.source_id]
        yield event(LifeEventKind.TRANSFER, from_household=source, from_area_code=source.area_code)
    if r.becomes_head and r.kind != NEW:
        yield event(LifeEventKind.HEAD_CHANGE)


def _settle(household: Household, actor, today: datetime.date) -> None:
    """A household that members left by transfer: the eldest remaining member becomes head
    if the head left, it closes when no one remains, and its category follows."""
    living = household.residents.filter(status=ResidentStatus.LIVING)
    if not living.exists():
        if household.status == HouseholdStatus.MOVED_OUT:
            return
        _close(household)
    elif not living.filter(relation=Relation.HEAD).exists():
        _succeed_head(_eldest(living), household, today, actor)
    recompute_category(household)
