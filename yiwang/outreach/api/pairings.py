"""API v1 of outreach: pairings."""


def register(router) -> None:
    """Adds this module's viewsets to the API's router."""
