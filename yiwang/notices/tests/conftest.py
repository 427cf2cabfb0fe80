"""Fixtures of the notices tests."""

import pytest


@pytest.fixture
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
