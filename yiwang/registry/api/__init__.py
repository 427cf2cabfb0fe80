"""API v1 for the ledger, a module a topic: households (and the ledger roll-up), residents
(search, life events, reveal, export), tags, migrants, likely duplicates.

ID and phone numbers are masked in every response; `POST /residents/{id}/reveal/` is the one
way to a full value, and it is logged.
"""

from yiwang.registry.api.downloads import CsvRenderer, XlsxRenderer
from yiwang.registry.api.duplicates import (
    DuplicateMatchSerializer,
    LikelyDuplicateSerializer,
    LikelyDuplicateViewSet,
)
from yiwang.registry.api.households import (
    HouseholdCreateSerializer,
    HouseholdSerializer,
    HouseholdViewSet,
    LedgerRollupSerializer,
    MemberSerializer,
)
from yiwang.registry.api.migrants import (
    MigrantCreateSerializer,
    MigrantSerializer,
    MigrantViewSet,
)
from yiwang.registry.api.residents import (
    LeaveSerializer,
    LifeEventSerializer,
    ResidentCreateSerializer,
    ResidentDetailSerializer,
    ResidentSerializer,
    ResidentViewSet,
    RevealLogSerializer,
    RevealRequestSerializer,
    RevealResponseSerializer,
    SetTagsSerializer,
    TransferSerializer,
)
from yiwang.registry.api.tags import (
    CurrentTagSerializer,
    TagCreateSerializer,
    TagSerializer,
    TagUpdateSerializer,
    TagViewSet,
)

__all__ = [
    "CsvRenderer",
    "CurrentTagSerializer",
    "DuplicateMatchSerializer",
    "HouseholdCreateSerializer",
    "HouseholdSerializer",
    "HouseholdViewSet",
    "LeaveSerializer",
    "LedgerRollupSerializer",
    "LifeEventSerializer",
    "LikelyDuplicateSerializer",
    "LikelyDuplicateViewSet",
    "MemberSerializer",
    "MigrantCreateSerializer",
    "MigrantSerializer",
    "MigrantViewSet",
    "ResidentCreateSerializer",
    "ResidentDetailSerializer",
    "ResidentSerializer",
    "ResidentViewSet",
    "RevealLogSerializer",
    "RevealRequestSerializer",
    "RevealResponseSerializer",
    "SetTagsSerializer",
    "TagCreateSerializer",
    "TagSerializer",
    "TagUpdateSerializer",
    "TagViewSet",
    "TransferSerializer",
    "XlsxRenderer",
]
