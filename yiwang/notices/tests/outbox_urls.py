"""The project's URLs with the outbox's pages and API mounted as the notices URLconf and
the API router mount them (`robot_urlpatterns` under the namespace "notices",
`api.robots.register(router)` in the namespace "api"), for the outbox's page and API
tests, whether or not they are mounted yet where these tests run."""

from django.urls import URLResolver, include, path
from rest_framework.routers import SimpleRouter

from yiwang import api_urls
from yiwang import urls as project
from yiwang.notices.api import robots as robots_api
from yiwang.notices.views.robots import robot_urlpatterns


def _mounted(patterns, namespace: str) -> bool:
    return any(isinstance(p, URLResolver) and p.namespace == namespace for p in patterns)


router = SimpleRouter()
robots_api.register(router)
urlpatterns = [
    p for p in project.urlpatterns if not (isinstance(p, URLResolver) and p.namespace == "api")
]
urlpatterns.insert(0, path("api/v1/", include((router.urls + api_urls.urlpatterns, "api"))))
if not _mounted(urlpatterns, "notices"):
    urlpatterns.append(path("notices/", include((robot_urlpatterns, "notices"))))
