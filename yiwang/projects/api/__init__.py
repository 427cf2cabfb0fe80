"""API v1 of the battle map: one module a topic; `register` adds their viewsets."""

from yiwang.projects.api import figures, milestones, permits, progress, projects, support


def register(router) -> None:
    for part in (projects, milestones, progress, permits, support, figures):
        part.register(router)
