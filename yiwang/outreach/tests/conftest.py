"""Fixtures of the outreach tests."""

import pytest


@pytest.fixture
def english(settings):
    """Messages in English, for tests that read them: the services' (gettext in this
    thread) and the pages' and API's (LocaleMiddleware falls back to LANGUAGE_CODE)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
