"""API v1 of the duty app: one module a topic; `register` adds their viewsets."""

from yiwang.duty.api import incidents, supplies, sweeps


def register(router) -> None:
    for part in (incidents, sweeps, supplies):
        part.register(router)
