"""API v1 of outreach: enterprises."""


def register(router) -> None:
    """Adds this module's viewsets to the API's router."""
