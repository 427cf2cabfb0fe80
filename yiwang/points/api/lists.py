"""API v1 of points: lists."""


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
