"""The dependencies: every one pinned in requirements.lock, and `make audit` (bin/audit),
which audits them with pip-audit and never passes when it could not ask the advisory
database. bin/audit is run here with a stand-in for pip-audit that answers as pip-audit
does, so that each outcome is checked without the network."""

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)$")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: not pinned to one version: {line!r}"
        pins[_name(match[1])] = match[2]
    return pins


def test_every_dependency_is_pinned_in_the_lock():
    pins = _pins(ROOT / "requirements.lock")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    names = {_name(re.split(r"[\[<>=!~ ;]", spec, maxsplit=1)[0]) for spec in wanted}

    assert names <= set(pins), f"not in requirements.lock: {sorted(names - set(pins))}"


def test_the_audit_tools_are_pinned_apart_from_the_app():
    pins = _pins(ROOT / "requirements-audit.txt")

    assert pins["pip-audit"] == "2.10.1"
    assert "pip-audit" not in _pins(ROOT / "requirements.lock")


def test_make_audit_runs_bin_audit():
    makefile = (ROOT / "Makefile").read_text()

    assert re.search(r"^audit: .*\n\t\./bin/audit$", makefile, re.MULTILINE)


def _audit(tmp_path, output: str, status: int, service: str = "pypi"):
    stand_in = tmp_path / "pip-audit"
    (tmp_path / "output.txt").write_text(output)
    stand_in.write_text(f'#!/usr/bin/env bash\ncat "{tmp_path / "output.txt"}"\nexit {status}\n')
    stand_in.chmod(0o755)
    return subprocess.run(
        [str(ROOT / "bin" / "audit")],
        env={"PATH": "/usr/bin:/bin", "PIP_AUDIT": str(stand_in), "AUDIT_SERVICE": service},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_passes_when_every_dependency_was_audited_clean(tmp_path):
    result = _audit(tmp_path, "No known vulnerabilities found\n", 0)

    assert result.returncode == 0
    assert "no known vulnerabilities" in result.stdout
    assert "audited" in result.stdout


def test_it_fails_on_a_known_vulnerability(tmp_path):
    output = (
        "Found 1 known vulnerability in 1 package\n"
        "Name   Version ID             Fix Versions\n"
        "django 5.2.19  PYSEC-2026-001 5.2.20\n"
    )

    result = _audit(tmp_path, output, 1)

    assert result.returncode == 1
    assert "KNOWN VULNERABILITIES" in result.stderr
    assert "PYSEC-2026-001" in result.stdout


def test_it_fails_clearly_when_the_database_does_not_know_the_packages(tmp_path):
    """PyPI's JSON API behind a mirror answers 404 for every package: pip-audit alone
    says "No known vulnerabilities found" and skips them all; --strict makes it an error,
    and bin/audit says that nothing was audited."""
    output = (
        "ERROR:pip_audit._cli:argon2-cffi: Dependency not found on PyPI and could not be "
        "audited: argon2-cffi (25.1.0)\n"
    )

    result = _audit(tmp_path, output, 1)

    assert result.returncode == 2
    assert "NOT AUDITED" in result.stderr
    assert "could not be audited: argon2-cffi (25.1.0)" in result.stderr


def test_it_fails_clearly_when_the_database_cannot_be_reached(tmp_path):
    output = (
        "Traceback (most recent call last):\n"
        '  File "pip_audit/_service/osv.py", line 1, in query\n'
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', "
        "port=443): Failed to resolve 'api.osv.dev'\n"
    )

    result = _audit(tmp_path, output, 1, service="osv")

    assert result.returncode == 2
    assert "NOT AUDITED" in result.stderr
    assert "Failed to resolve 'api.osv.dev'" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("path", ["bin/audit", "bin/run"])
def test_the_scripts_are_executable(path):
    assert (ROOT / path).stat().st_mode & 0o111
