"""Rules the browser tests keep, checked on their source."""

from pathlib import Path

BROWSER_TESTS = Path(__file__).parent / "browser"


def test_no_browser_test_waits_with_wait_for_function():
    """Its polling evals the expression in the page, which the pages' CSP refuses
    ("'unsafe-eval' is not an allowed source of script") whenever the first try is
    false; ``wait_until`` asks the page with ``evaluate`` instead."""
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(BROWSER_TESTS.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if ".wait_for_function(" in line
    ]
    assert offenders == []
