"""API v1 of the services app: one module a topic; `register` adds their viewsets."""

from yiwang.services.api import catalogue, help


def register(router) -> None:
    for part in (catalogue, help):
        part.register(router)
