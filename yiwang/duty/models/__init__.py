"""Emergency work: duty rosters, incidents and their reporting clock, door-to-door
sweeps, supplies."""

from yiwang.duty.models.incidents import Incident, IncidentKind, IncidentStatus, IncidentUpdate
from yiwang.duty.models.rosters import (
    Assignment,
    DutyFeed,
    DutyRole,
    Roster,
    RosterMember,
    Shift,
    SwapRequest,
    SwapStatus,
)
from yiwang.duty.models.supplies import Good, MoveKind, Stock, StockMove, Store, StoreKind
from yiwang.duty.models.sweeps import (
    REACHED,
    Sweep,
    SweepHousehold,
    SweepResult,
    SweepStatus,
)

__all__ = [
    "REACHED",
    "Assignment",
    "DutyFeed",
    "DutyRole",
    "Good",
    "Incident",
    "IncidentKind",
    "IncidentStatus",
    "IncidentUpdate",
    "MoveKind",
    "Roster",
    "RosterMember",
    "Shift",
    "Stock",
    "StockMove",
    "Store",
    "StoreKind",
    "SwapRequest",
    "SwapStatus",
    "Sweep",
    "SweepHousehold",
    "SweepResult",
    "SweepStatus",
]
