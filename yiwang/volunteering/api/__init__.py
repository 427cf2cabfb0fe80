"""The volunteering API under /api/v1/, a module a topic; each registers its viewsets."""


def register(router) -> None:
    for part in ():
        part.register(router)
