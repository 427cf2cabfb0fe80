"""Fixtures of the ledger tests: ID numbers, and a household in each persona's unit."""

import pytest
from django.db import connection
from stdnum.cn import ric

from conftest import OTHER_UNIT, UNIT


def make_id(birth: str = "19800101", seq: str = "123", region: str = "370829") -> str:
    """A valid 18-character ID number (GB 11643 check digit computed, not typed in)."""
    body = f"{region}{birth}{seq}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


@pytest.fixture
def household(worker):
    from yiwang.registry.services import add_resident, create_household

    home = create_household(actor=worker, unit_code=UNIT, number="001", address="南门街 1 号")
    add_resident(
        actor=worker,
        household_id=home.pk,
        name="张三",
        relation="head",
        id_number=make_id("19600302", "011"),
    )
    add_resident(
        actor=worker,
        household_id=home.pk,
        name="李四",
        relation="spouse",
        id_number=make_id("19621105", "022"),
    )
    return home


@pytest.fixture
def other_household(outsider):
    from yiwang.registry.services import add_resident, create_household

    home = create_household(actor=outsider, unit_code=OTHER_UNIT, number="101")
    add_resident(
        actor=outsider,
        household_id=home.pk,
        name="王五",
        relation="head",
        id_number=make_id("19750101", "031"),
    )
    return home


def trigger_names() -> set[str]:
    """The names of the triggers in the test database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall()}
