"""The URL map of the `notices` benchmark while the notices app has no URLs of its own: the
app's URLs, and the two names the inbox's items link to (notices:announcement, and
notices:overdue for the grid chiefs' notifications), answered by a stand-in. Only the
benchmark loads it (benchmarks/notices_bench.py), and only when the names are missing."""

from django.http import HttpResponseNotFound
from django.urls import include, path

from yiwang.urls import urlpatterns as app_urlpatterns


def stand_in(request, *args, **kwargs):
    return HttpResponseNotFound()


notices = (
    [
        path("notices/<int:pk>/", stand_in, name="announcement"),
        path("notices/overdue/", stand_in, name="overdue"),
    ],
    "notices",
)
urlpatterns = [path("", include(notices)), *app_urlpatterns]
