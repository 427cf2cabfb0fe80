"""Fixtures of the outreach tests."""

import importlib

import pytest


@pytest.fixture(autouse=True)
def default_outreach_settings(django_db_blocker, request):
    """The default programmes, rules, triggers, event types and routines come from a data
    migration; a transactional test's flush removes them for the next one, so they are put
    back (a no-op when present)."""
    if "transactional_db" not in request.fixturenames and not any(
        m.kwargs.get("transaction") for m in request.node.iter_markers("django_db")
    ):
        return
    migration = importlib.import_module("yiwang.outreach.migrations.0002_defaults")
    from django.apps import apps

    with django_db_blocker.unblock():
        migration.add_defaults(apps, None)


@pytest.fixture
def english(settings):
    """Messages in English, for tests that read them: the services' (gettext in this
    thread) and the pages' and API's (LocaleMiddleware falls back to LANGUAGE_CODE)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
