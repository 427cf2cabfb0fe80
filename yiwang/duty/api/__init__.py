"""API v1 of the duty app: one module a topic; `register` adds their viewsets."""


def register(router) -> None:
    for part in ():
        part.register(router)
