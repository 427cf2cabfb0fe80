"""The volunteering API under /api/v1/, a module a topic; each registers its viewsets."""

from yiwang.volunteering.api import certificates


def register(router) -> None:
    for part in (certificates,):
        part.register(router)
