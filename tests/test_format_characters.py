"""Names and text typed with bidirectional controls (a right-to-left override that shows
one name and stores another) are kept without them, whichever module stores them: each
goes through the one cleaning place, core.validators."""

from conftest import GRID, UNIT
from yiwang.accounts.services import create_user
from yiwang.areas.models import Area
from yiwang.areas.services import update_area
from yiwang.registry.services import add_resident, create_household, update_household

OVERRIDE = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
ISOLATE = "\u2067"  # RIGHT-TO-LEFT ISOLATE
POP = "\u2069"  # POP DIRECTIONAL ISOLATE


def test_a_residents_name_and_the_households_address_are_stored_without_them(worker):
    home = create_household(
        actor=worker, unit_code=UNIT, number="077", address=f"南门街{OVERRIDE}1号"
    )
    resident = add_resident(
        actor=worker, household_id=home.pk, name=f"{ISOLATE}张{OVERRIDE}三{POP}", relation="head"
    )
    update_household(actor=worker, household_id=home.pk, address="北门街\u200f2号\u202c")

    home.refresh_from_db()
    assert resident.name == "张三"
    assert home.address == "北门街2号"


def test_an_areas_name_is_stored_without_them(county_admin):
    update_area(actor=county_admin, code=GRID, name=f"第一{OVERRIDE}网格\u2066")

    assert Area.objects.get(code=GRID).name == "第一网格"


def test_an_accounts_full_name_is_stored_without_them(county_admin):
    user = create_user(
        actor=None, username="bidi", password="Yiwang-test-2026", full_name=f"李{OVERRIDE}四"
    )

    assert user.full_name == "李四"
