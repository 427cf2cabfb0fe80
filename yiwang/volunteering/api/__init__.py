"""The volunteering API under /api/v1/, a module a topic; each registers its viewsets."""

from yiwang.volunteering.api import certificates, donations, wishes


def register(router) -> None:
    for part in (wishes, donations, certificates):
        part.register(router)
