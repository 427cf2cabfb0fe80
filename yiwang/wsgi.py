"""WSGI entry point for gunicorn.

Once the application is loaded, with its URL map (and so every view, serializer and
form) imported now rather than on the first request, the objects made so far (some
hundreds of thousands: modules, classes, the settings, the models) are moved out of the
garbage collector's reach with gc.freeze(): they live as long as the process, and the
collections that requests trigger no longer walk through all of them each time."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
application = get_wsgi_application()


def _freeze() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports the views now
    gc.collect()
    gc.freeze()


_freeze()
