"""API v1 of outreach: routines."""


def register(router) -> None:
    """Adds this module's viewsets to the API's router."""
