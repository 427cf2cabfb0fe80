"""API v1 of the duty app: one module a topic; `register` adds their viewsets."""

from yiwang.duty.api import supplies


def register(router) -> None:
    for part in (supplies,):
        part.register(router)
