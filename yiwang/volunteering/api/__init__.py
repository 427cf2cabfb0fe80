"""The volunteering API under /api/v1/, a module a topic; each registers its viewsets."""

from yiwang.volunteering.api import (
    activities,
    certificates,
    donations,
    hours,
    rollups,
    volunteers,
    wishes,
)


def register(router) -> None:
    for part in (volunteers, activities, hours, wishes, donations, certificates, rollups):
        part.register(router)
