"""Government services: the catalogue and the help requests (帮办代办)."""

from yiwang.services.models.catalogue import ServiceItem, ServiceMaterial, ServiceMode
from yiwang.services.models.help import (
    STEP_ORDER,
    Channel,
    EscalationLevel,
    HelpMaterial,
    HelpRequest,
    HelpReveal,
    HelpStep,
    Satisfaction,
    Step,
)

__all__ = [
    "STEP_ORDER",
    "Channel",
    "EscalationLevel",
    "HelpMaterial",
    "HelpRequest",
    "HelpReveal",
    "HelpStep",
    "Satisfaction",
    "ServiceItem",
    "ServiceMaterial",
    "ServiceMode",
    "Step",
]
