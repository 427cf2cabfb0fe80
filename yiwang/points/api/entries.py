"""API v1 of points: entries."""


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
