"""The audit log shows a resident's birth date as the ledger does beside an ID number, the
year alone, to whoever may not reveal personal data: on its API, on its pages, and in the
entries of an import, which list every member of a new household. The eight hidden digits
of a masked ID number are the birth date."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.test import APIClient

from conftest import UNIT
from yiwang.core.models import AuditEntry
from yiwang.core.services import start_import
from yiwang.registry.models import Household, Resident
from yiwang.registry.services import add_resident, create_household, update_resident

from .conftest import make_id

NUMBER = make_id("19560604", "777", "370830")


@pytest.fixture
def resident(worker):
    home = create_household(actor=worker, unit_code=UNIT, number="001")
    return add_resident(
        actor=worker, household_id=home.pk, name="孙七", relation="head", id_number=NUMBER
    )


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _page(user):
    page = Client()
    page.force_login(user)
    return page


def _entries(api, resident) -> list[dict]:
    answer = api.get(f"/api/v1/audit/?object_type=registry.resident&object_id={resident.pk}")
    assert answer.status_code == 200
    return answer.json()["results"]


def test_it_shows_a_worker_the_birth_year_alone_beside_the_masked_id_number(worker, resident):
    (created,) = _entries(_api(worker), resident)

    assert created["action"] == "resident.create"
    assert created["after"]["id_number"] == "3708**********7777"
    assert created["after"]["birth_date"] == "1956-**-**"
    assert created["after"]["sex"] == "male"  # the 17th digit, which the mask shows


def test_it_shows_the_whole_date_to_whoever_may_reveal_personal_data(chief, resident):
    chief.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    chief = type(chief).objects.get(pk=chief.pk)

    (created,) = _entries(_api(chief), resident)

    assert created["after"]["birth_date"] == "1956-06-04"


def test_an_entry_page_shows_the_year_alone(worker, resident):
    entry = AuditEntry.objects.get(action="resident.create", object_id=str(resident.pk))

    page = _page(worker).get(f"/audit/{entry.pk}/").content.decode()

    assert "3708**********7777" in page and "1956-**-**" in page
    assert "1956-06-04" not in page


def test_a_date_recorded_before_the_id_number_was_added_is_masked_too(worker):
    """The first entry has no ID number beside the date, the next one has: together they
    would give the whole number."""
    home = create_household(actor=worker, unit_code=UNIT, number="002")
    person = add_resident(
        actor=worker,
        household_id=home.pk,
        name="吴九",
        relation="head",
        sex="male",
        birth_date="1956-06-04",
    )
    update_resident(actor=worker, resident_id=person.pk, id_number=NUMBER)

    created, corrected = sorted(_entries(_api(worker), person), key=lambda e: e["id"])

    assert created["after"]["id_number"] == "" and created["after"]["birth_date"] == "1956-**-**"
    assert corrected["before"]["birth_date"] == corrected["after"]["birth_date"] == "1956-**-**"
    for page in (_page(worker).get(f"/audit/{e['id']}/") for e in (created, corrected)):
        assert "1956-06-04" not in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_imports_entry_masks_every_members_birth_date(chief, worker):
    other = make_id("19811123", "456", "370830")
    text = (
        "户编号,单元网格编码,姓名,公民身份号码,与户主关系,联系电话\n"
        f"201,{UNIT},周八,{NUMBER},户主,13912345678\n"
        f"201,{UNIT},郑十,{other},配偶,\n"
    )
    start_import(actor=chief, kind="ledger", filename="l.csv", data=text.encode(), area_code=UNIT)
    household = Household.objects.get(number="201")
    assert Resident.objects.filter(household=household).count() == 2

    answer = _api(worker).get(
        f"/api/v1/audit/?object_type=registry.household&object_id={household.pk}"
    )
    (entry,) = answer.json()["results"]

    assert entry["action"] == "household.create" and entry["source"] == "import"
    members = {m["name"]: m for m in entry["after"]["members"]}
    assert members["周八"]["id_number"] == "3708**********7777"
    assert members["周八"]["phone"] == "139****5678"
    assert members["周八"]["birth_date"] == "1956-**-**"
    assert members["郑十"]["birth_date"] == "1981-**-**"
    page = _page(worker).get(f"/audit/{entry['id']}/").content.decode()
    assert "1956-**-**" in page and "1956-06-04" not in page and "1981-11-23" not in page
