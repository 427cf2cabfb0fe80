"""Cooperatives: their charters and boards, members and shares, trading, distributions."""

from yiwang.coops.models.coops import (
    Alliance,
    BoardRole,
    BoardSeat,
    Cooperative,
    DistributionMode,
)
from yiwang.coops.models.distributions import Distribution, DistributionLine, DistributionStatus
from yiwang.coops.models.members import (
    Contribution,
    ContributionKind,
    Member,
    MemberKind,
    ShareChange,
    Trading,
)

__all__ = [
    "Alliance",
    "BoardRole",
    "BoardSeat",
    "Contribution",
    "ContributionKind",
    "Cooperative",
    "Distribution",
    "DistributionLine",
    "DistributionMode",
    "DistributionStatus",
    "Member",
    "MemberKind",
    "ShareChange",
    "Trading",
]
