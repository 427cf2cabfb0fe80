"""API v1 of points: shop."""


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
