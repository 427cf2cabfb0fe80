"""The volunteering API under /api/v1/, a module a topic; each registers its viewsets."""

from yiwang.volunteering.api import activities, hours, volunteers


def register(router) -> None:
    for part in (volunteers, activities, hours):
        part.register(router)
