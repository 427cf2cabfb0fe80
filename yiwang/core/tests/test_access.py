"""The scope rule that core and areas ask through core.access is the one accounts registers."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from yiwang.core import access


def test_the_registered_rule_is_the_one_that_answers(monkeypatch):
    class Everything:
        def scope_codes(self, user):
            return None

    monkeypatch.setattr(access, "_rule", Everything())

    assert access.scope_codes(object()) is None


def test_without_a_registered_rule_it_fails_loudly(monkeypatch):
    monkeypatch.setattr(access, "_rule", None)

    with pytest.raises(ImproperlyConfigured, match="scope rule"):
        access.scope_codes(object())
    with pytest.raises(ImproperlyConfigured):
        access.require_in_scope(object(), "370830")
