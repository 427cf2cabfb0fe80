"""API v1 of the duty app: one module a topic; `register` adds their viewsets."""

from yiwang.duty.api import incidents, rosters, supplies, sweeps


def register(router) -> None:
    for part in (rosters, incidents, sweeps, supplies):
        part.register(router)
