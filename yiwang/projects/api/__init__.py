"""API v1 of the battle map: one module a topic; `register` adds their viewsets."""


def register(router) -> None:
    pass
