"""API v1 of points: passes."""


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
