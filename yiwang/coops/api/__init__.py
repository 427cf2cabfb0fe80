"""API v1 of the cooperatives: one module a topic; `register` adds their viewsets."""

from yiwang.coops.api import coops, distributions, members


def register(router) -> None:
    for part in (coops, members, distributions):
        part.register(router)
