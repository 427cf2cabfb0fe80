"""API v1 of points, a module a topic; `register` adds every topic's viewsets."""

from yiwang.points.api import awards, entries, evaluation, lists, passes, shop


def register(router) -> None:
    for part in (lists, entries, evaluation, awards, passes, shop):
        part.register(router)
