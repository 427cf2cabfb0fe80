"""The project's URLs with the outbox's pages and API mounted as the notices URLconf and
the API router mount them, for the outbox's page and API tests (in case they are not
mounted yet where these tests run)."""

from django.urls import URLResolver, include, path
from rest_framework.routers import DefaultRouter

from yiwang import urls as project
from yiwang.notices.api import robots as robots_api
from yiwang.notices.views.robots import robot_urlpatterns


def _mounted(patterns, namespace: str) -> bool:
    return any(isinstance(p, URLResolver) and p.namespace == namespace for p in patterns)


urlpatterns = list(project.urlpatterns)
if not _mounted(urlpatterns, "notices"):
    urlpatterns.append(path("notices/", include((robot_urlpatterns, "notices"))))
router = DefaultRouter()
robots_api.register(router)
urlpatterns.insert(0, path("api/v1/", include((router.urls, "outbox-api"))))
