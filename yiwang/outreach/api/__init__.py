"""API v1 of outreach, a module a part; `register` adds every part's viewsets."""

from yiwang.outreach.api import compliance, enterprises, pairings, routines, visits


def register(router) -> None:
    for part in (enterprises, pairings, visits, routines, compliance):
        part.register(router)
