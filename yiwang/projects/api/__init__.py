"""API v1 of the battle map: one module a topic; `register` adds their viewsets."""

from yiwang.projects.api import support


def register(router) -> None:
    support.register(router)
