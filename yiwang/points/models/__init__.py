"""Points: duty lists (三张清单), the points ledger (red points and the civility index),
the monthly evaluation with its public notice and awards, benefit passes and the points
shop.

Points come from deeds recorded once and reviewed by a second person, never from using the
app. One module a topic; every model is imported here.
"""

from yiwang.points.models.entries import (
    Entry,
    EntryPhoto,
    EntrySource,
    EntryStatus,
    MemberAccount,
    PointsAccount,
    ProposalRule,
    ProposalSource,
)
from yiwang.points.models.evaluation import (
    AwardKind,
    AwardSetting,
    BoardMember,
    Evaluation,
    EvaluationStatus,
    Fund,
    FundMovement,
    MovementKind,
    Objection,
    Quota,
    Selection,
    SelectionStatus,
)
from yiwang.points.models.lists import (
    POINTS,
    Change,
    DutyList,
    ListItem,
    ListKind,
    TemplateItem,
)
from yiwang.points.models.passes import Benefit, Pass, PassUse, SigningKey
from yiwang.points.models.settings import PointsSettings
from yiwang.points.models.shop import Goods, Redemption, Shop

__all__ = [
    "POINTS",
    "AwardKind",
    "AwardSetting",
    "Benefit",
    "BoardMember",
    "Change",
    "DutyList",
    "Entry",
    "EntryPhoto",
    "EntrySource",
    "EntryStatus",
    "Evaluation",
    "EvaluationStatus",
    "Fund",
    "FundMovement",
    "Goods",
    "ListItem",
    "ListKind",
    "MemberAccount",
    "MovementKind",
    "Objection",
    "Pass",
    "PassUse",
    "PointsAccount",
    "PointsSettings",
    "ProposalRule",
    "ProposalSource",
    "Quota",
    "Redemption",
    "Selection",
    "SelectionStatus",
    "Shop",
    "SigningKey",
    "TemplateItem",
]
