"""API v1 of points: evaluation."""


def register(router) -> None:
    """Adds this topic's viewsets to the router."""
