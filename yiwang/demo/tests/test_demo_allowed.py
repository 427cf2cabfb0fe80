"""The demo county's accounts all have one known password (demo12345): `manage.py demo`
builds it only when asked and never with production settings. `make run` (bin/run) calls
the command with --if-empty, and --ask when DEMO is not set; these tests drive the
command as bin/run does."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.accounts.models import User
from yiwang.areas.models import Area
from yiwang.demo.areas import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[3]


class Terminal(io.StringIO):
    """What a person types at the question."""

    def isatty(self):
        return True


def _demo(*args, **options) -> str:
    out = io.StringIO()
    call_command(
        "demo", "--scale", "town", "--no-ledger", "--no-cockpit", *args, stdout=out, **options
    )
    return out.getvalue()


def test_it_is_refused_with_production_settings_and_writes_nothing(db, settings):
    settings.DEMO_ALLOWED = False

    with pytest.raises(CommandError) as refused:
        _demo()

    assert DEMO_PASSWORD in str(refused.value)
    assert "production" in str(refused.value)
    assert not Area.objects.exists() and not User.objects.exists()


def test_the_question_is_refused_too_before_anything_is_asked(db, settings):
    settings.DEMO_ALLOWED = False

    with pytest.raises(CommandError):
        _demo("--if-empty", "--ask", stdin=Terminal("y\n"))

    assert not Area.objects.exists()


def test_the_build_says_the_accounts_have_the_known_password(db):
    out = _demo("--no-cases")

    assert f"Demo accounts were created, every one with the password {DEMO_PASSWORD}" in out
    assert User.objects.get(username="worker").check_password(DEMO_PASSWORD)


def test_with_no_terminal_to_ask_on_nothing_is_built(db):
    out = _demo("--if-empty", "--ask", stdin=io.StringIO("y\n"))

    assert "no demo county was built" in out
    assert "DEMO=1" in out
    assert not Area.objects.exists() and not User.objects.exists()


@pytest.mark.parametrize("answer", ["\n", "n\n", "no\n", ""])
def test_anything_but_yes_at_the_question_builds_nothing(db, answer):
    out = _demo("--if-empty", "--ask", stdin=Terminal(answer))

    assert DEMO_PASSWORD in out  # the question names the password
    assert "No demo county was built." in out
    assert not Area.objects.exists()


def test_yes_at_the_question_builds_the_demo(db):
    out = _demo("--if-empty", "--ask", "--no-cases", stdin=Terminal("y\n"))

    assert "[y/N]" in out
    assert "Demo logins (password demo12345)" in out
    assert User.objects.filter(username="county").exists()


def test_if_empty_leaves_a_database_with_areas_alone_whatever_the_settings(db, settings, tree):
    settings.DEMO_ALLOWED = False
    areas = Area.objects.count()

    out = _demo("--if-empty")

    assert "already has areas" in out
    assert Area.objects.count() == areas
    assert not User.objects.filter(username="county").exists()


def test_the_logins_are_printed_only_where_the_demo_was_built(db):
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    assert out.getvalue() == ""

    _demo("--no-cases")
    call_command("demo", "--logins", stdout=out)

    assert "Demo logins (password demo12345): county, town, chief, worker, outsider." in (
        out.getvalue()
    )


def _demo_allowed(**env) -> str:
    """DEMO_ALLOWED as the settings read it outside the tests, from `env`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DEMO_ALLOWED", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"}
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'yiwang.settings'; "
        "from django.conf import settings; print(settings.DEMO_ALLOWED)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_settings_do_not_allow_the_demo():
    assert _demo_allowed() == "False"  # DEBUG off, nothing said
    assert _demo_allowed(DEBUG="1") == "True"
    assert _demo_allowed(DEMO_ALLOWED="1") == "True"
    assert _demo_allowed(DEBUG="1", DEMO_ALLOWED="0") == "False"


def test_make_run_asks_for_the_demo_and_bin_run_allows_it_on_sqlite_only():
    """What `make run` passes and what bin/run does with it, read from the files that a
    test cannot run (they start gunicorn)."""
    makefile = (ROOT / "Makefile").read_text()
    run = (ROOT / "bin" / "run").read_text()

    assert "DEMO ?= 1" in makefile and "DEMO=$(DEMO) ./bin/run" in makefile
    assert 'DEMO="${DEMO:-ask}"' in run
    assert "manage.py demo --scale town --if-empty --ask" in run
    assert 'sqlite:*) DEMO_ALLOWED="${DEMO_ALLOWED:-1}"' in run
    assert "manage.py demo --logins" in run
