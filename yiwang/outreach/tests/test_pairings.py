"""Pairing programmes and pairings: configuring, assigning by hand, ending, transferring,
and pairing a whole area at once with the load balanced."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from conftest import OTHER_UNIT, UNIT, VILLAGE
from yiwang.accounts.services import create_user, grant_post
from yiwang.core.models import AuditEntry
from yiwang.outreach.models import Pairing, Programme
from yiwang.outreach.services import pairings as services
from yiwang.outreach.services.enterprises import create_enterprise
from yiwang.registry.services import add_resident, create_household

pytestmark = pytest.mark.usefixtures("english")  # the tests read the messages

GRID = "370830001001001"
UNIT2 = "370830001001001002"
GRID2 = "370830001001002"
GRID2_UNIT = "370830001001002001"
CREDIT_CODE = "91110000600037341L"


def make_households(unit: str, n: int, start: int = 1) -> list:
    return [
        create_household(actor=None, unit_code=unit, number=f"{unit[-3:]}-{i:03d}")
        for i in range(start, start + n)
    ]


def make_worker(username: str, unit: str, role: str = "grid_worker"):
    user = create_user(actor=None, username=username, password="x-Yiwang-2026", full_name=username)
    grant_post(actor=None, user=user, role=role, area_code=unit)
    return user


def make_key(household):
    add_resident(
        actor=None, household_id=household.pk, name="张三", relation="head", tags=["dibao"]
    )
    household.refresh_from_db()
    assert household.category == "key"
    return household


@pytest.fixture
def members(db):
    """党员联农户: grid workers pair with the ordinary households."""
    return Programme.objects.get(code="member_households")


@pytest.fixture
def cadres(db):
    """干部联重点户: cadres pair with the key households."""
    return Programme.objects.get(code="cadre_key_households")


@pytest.fixture
def household(tree):
    return make_households(UNIT, 1)[0]


# --- programmes -------------------------------------------------------------------------


def programme_values(**changes):
    values = {
        "code": "test_programme",
        "name": "测试结对",
        "subject_kind": "household",
        "visit_every_days": 30,
        "sponsor_role": "grid_worker",
    }
    values.update(changes)
    return values


def test_it_saves_a_programme_and_audits_it(county_admin):
    programme = services.save_programme(actor=county_admin, **programme_values())
    assert programme.visit_every_days == 30
    assert AuditEntry.objects.filter(action="programme.save", object_id=str(programme.pk)).exists()


def test_it_requires_a_sponsor_rule(county_admin):
    with pytest.raises(ValidationError) as exc:
        services.save_programme(actor=county_admin, **programme_values(sponsor_role=""))
    assert "Say who the sponsors are" in exc.value.message_dict["sponsor_role"][0]


def test_it_accepts_chosen_sponsors_without_a_role(county_admin, worker):
    programme = services.save_programme(
        actor=county_admin, **programme_values(sponsor_role="", chosen_sponsors=[worker.pk])
    )
    assert list(programme.chosen_sponsors.all()) == [worker]


@pytest.mark.parametrize("every", [0, -3, "", "weekly", None])
def test_it_rejects_a_bad_rhythm(county_admin, every):
    with pytest.raises(ValidationError) as exc:
        services.save_programme(actor=county_admin, **programme_values(visit_every_days=every))
    assert set(exc.value.message_dict) == {"visit_every_days"}


def test_it_requires_a_tag_for_residents(county_admin):
    with pytest.raises(ValidationError) as exc:
        services.save_programme(actor=county_admin, **programme_values(subject_kind="resident"))
    assert set(exc.value.message_dict) == {"tag"}


def test_it_lets_only_a_county_admin_configure(town_admin):
    with pytest.raises(PermissionDenied):
        services.save_programme(actor=town_admin, **programme_values())


# --- assigning by hand ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["county_admin", "town_admin", "chief"])
def test_it_lets_area_managers_assign(request, persona, members, household, worker):
    actor = request.getfixturevalue(persona)
    pairing = services.assign(
        actor=actor, programme_id=members.pk, sponsor_id=worker.pk, household_id=household.pk
    )
    assert pairing.area_code == UNIT
    assert pairing.is_current
    assert AuditEntry.objects.filter(action="pairing.create", object_id=str(pairing.pk)).exists()


def test_it_refuses_a_grid_worker(members, household, worker):
    with pytest.raises(PermissionDenied):
        services.assign(
            actor=worker, programme_id=members.pk, sponsor_id=worker.pk, household_id=household.pk
        )


def test_it_answers_404_outside_the_scope(members, household, worker, outsider):
    with pytest.raises(Http404):
        services.assign(
            actor=outsider, programme_id=members.pk, sponsor_id=worker.pk, household_id=household.pk
        )
    other = make_households(OTHER_UNIT, 1)[0]
    chief = make_worker("chief-b", VILLAGE, role="grid_chief")
    with pytest.raises(Http404):
        services.assign(
            actor=chief, programme_id=members.pk, sponsor_id=worker.pk, household_id=other.pk
        )


def test_it_refuses_a_sponsor_without_the_role(members, household, chief, town_admin):
    with pytest.raises(ValidationError) as exc:
        services.assign(
            actor=chief,
            programme_id=members.pk,
            sponsor_id=town_admin.pk,
            household_id=household.pk,
        )
    assert "not a sponsor of this programme" in exc.value.message_dict["sponsor"][0]
    assert not Pairing.objects.exists()


def test_it_refuses_a_sponsor_whose_post_ended(members, household, chief, worker):
    worker.posts.update(starts_on=datetime.date(2020, 1, 1), ends_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        services.assign(
            actor=chief, programme_id=members.pk, sponsor_id=worker.pk, household_id=household.pk
        )
    assert "sponsor" in exc.value.message_dict


def test_it_accepts_a_chosen_sponsor(county_admin, chief, household, town_admin):
    programme = services.save_programme(
        actor=county_admin, **programme_values(sponsor_role="", chosen_sponsors=[town_admin])
    )
    pairing = services.assign(
        actor=chief, programme_id=programme.pk, sponsor_id=town_admin.pk, household_id=household.pk
    )
    assert pairing.sponsor == town_admin


def test_it_refuses_a_subject_not_of_the_programme(members, cadres, chief, worker, household):
    key = make_key(make_households(UNIT, 1, start=50)[0])
    with pytest.raises(ValidationError) as exc:
        services.assign(
            actor=chief, programme_id=members.pk, sponsor_id=worker.pk, household_id=key.pk
        )
    assert "not among the programme's subjects" in exc.value.message_dict["subject"][0]
    enterprise = create_enterprise(
        actor=None, name="汶上纺织", credit_code=CREDIT_CODE, area_code=VILLAGE
    )
    with pytest.raises(ValidationError) as exc:
        services.assign(
            actor=chief, programme_id=members.pk, sponsor_id=worker.pk, enterprise_id=enterprise.pk
        )
    assert "pairs with" in exc.value.message_dict["subject"][0]


def test_it_pairs_a_resident_and_names_the_household(county_admin, chief, worker, household):
    programme = services.save_programme(
        actor=county_admin,
        **programme_values(subject_kind="resident", tag="left_behind_child"),
    )
    child = add_resident(
        actor=None,
        household_id=household.pk,
        name="李四",
        relation="head",
        tags=["left_behind_child"],
    )
    pairing = services.assign(
        actor=chief, programme_id=programme.pk, sponsor_id=worker.pk, resident_id=child.pk
    )
    assert (pairing.resident, pairing.household) == (child, household)
    with pytest.raises(ValidationError):
        services.assign(
            actor=chief, programme_id=programme.pk, sponsor_id=worker.pk, resident_id=child.pk
        )


def test_it_refuses_a_second_open_pairing(members, chief, worker, household):
    other = make_worker("worker-2", UNIT)
    services.assign(
        actor=chief, programme_id=members.pk, sponsor_id=worker.pk, household_id=household.pk
    )
    with pytest.raises(ValidationError) as exc:
        services.assign(
            actor=chief, programme_id=members.pk, sponsor_id=other.pk, household_id=household.pk
        )
    assert "already paired with worker" in exc.value.message_dict["subject"][0]
    assert Pairing.objects.count() == 1


# --- ending and transferring ------------------------------------------------------------


def test_it_ends_a_pairing_with_a_reason(members, chief, worker, household):
    pairing = services.assign(
        actor=chief, programme_id=members.pk, sponsor_id=worker.pk, household_id=household.pk
    )
    with pytest.raises(ValidationError) as exc:
        services.end(actor=chief, pairing_id=pairing.pk, reason="  ")
    assert set(exc.value.message_dict) == {"reason"}
    ended = services.end(actor=chief, pairing_id=pairing.pk, reason="户已迁出")
    assert (ended.ends_on, ended.end_reason, ended.is_current) == (
        timezone.localdate(),
        "户已迁出",
        False,
    )
    with pytest.raises(ValidationError):
        services.end(actor=chief, pairing_id=pairing.pk, reason="again")
    # The subject may be paired again.
    services.assign(
        actor=chief, programme_id=members.pk, sponsor_id=worker.pk, household_id=household.pk
    )


def test_it_refuses_a_worker_ending_a_pairing(members, chief, worker, household, outsider):
    pairing = services.assign(
        actor=chief, programme_id=members.pk, sponsor_id=worker.pk, household_id=household.pk
    )
    with pytest.raises(PermissionDenied):
        services.end(actor=worker, pairing_id=pairing.pk, reason="x")
    with pytest.raises(Http404):
        services.end(actor=outsider, pairing_id=pairing.pk, reason="x")


def test_it_transfers_and_keeps_the_history(members, chief, worker, household):
    other = make_worker("worker-2", UNIT)
    old = services.assign(
        actor=chief, programme_id=members.pk, sponsor_id=worker.pk, household_id=household.pk
    )
    new = services.transfer(actor=chief, pairing_id=old.pk, sponsor_id=other.pk, reason="调岗")
    old.refresh_from_db()
    assert (old.ends_on, old.end_reason) == (timezone.localdate(), "调岗")
    assert (new.sponsor, new.household, new.transferred_from, new.is_current) == (
        other,
        household,
        old,
        True,
    )
    assert list(Pairing.objects.current().values_list("pk", flat=True)) == [new.pk]
    assert AuditEntry.objects.filter(action="pairing.transfer", object_id=str(new.pk)).exists()


def test_it_refuses_a_transfer_to_an_ineligible_sponsor(members, chief, worker, household):
    old = services.assign(
        actor=chief, programme_id=members.pk, sponsor_id=worker.pk, household_id=household.pk
    )
    with pytest.raises(ValidationError) as exc:
        services.transfer(actor=chief, pairing_id=old.pk, sponsor_id=chief.pk)
    assert "sponsor" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.transfer(actor=chief, pairing_id=old.pk, sponsor_id=worker.pk)
    assert Pairing.objects.get().ends_on is None


# --- pairing a whole area ---------------------------------------------------------------


def loads(programme) -> dict[str, int]:
    result: dict[str, int] = {}
    for username in Pairing.objects.filter(programme=programme, ends_on__isnull=True).values_list(
        "sponsor__username", flat=True
    ):
        result[username] = result.get(username, 0) + 1
    return result


def test_it_spreads_a_units_households_evenly(members, chief, worker):
    make_households(UNIT, 7)
    make_worker("worker-2", UNIT)
    counts = services.auto_assign(actor=chief, programme_id=members.pk, area_code=UNIT)
    assert counts == {"unpaired": 7, "paired": 7, "left": 0}
    assert loads(members) == {"worker": 4, "worker-2": 3}
    entries = AuditEntry.objects.filter(action="pairing.auto_assign")
    assert entries.count() == 1
    assert entries.get().after["paired"] == 7
    # Again: nothing left to pair.
    again = services.auto_assign(actor=chief, programme_id=members.pk, area_code=UNIT)
    assert again == {"unpaired": 0, "paired": 0, "left": 0}


def test_it_falls_back_to_the_grid_then_the_village(members, chief, worker):
    make_households(UNIT, 7)
    make_households(UNIT2, 3)  # no worker in this unit: the grid's workers
    make_households(GRID2_UNIT, 2)  # no worker in this grid: the village's workers
    make_key(make_households(UNIT, 1, start=90)[0])  # not ordinary: not paired
    make_worker("worker-2", UNIT)
    counts = services.auto_assign(actor=chief, programme_id=members.pk, area_code=VILLAGE)
    assert counts == {"unpaired": 12, "paired": 12, "left": 0}
    # The unit: 4/3; then its neighbour's 3 to the least loaded: 4/4, 5/4, 5/5; then the
    # other grid's 2: 6/5, 6/6.
    assert loads(members) == {"worker": 6, "worker-2": 6}
    unit2 = [p.sponsor.username for p in Pairing.objects.filter(area_code=UNIT2)]
    assert sorted(unit2) == ["worker", "worker-2", "worker-2"]


def test_it_leaves_subjects_without_any_sponsor(members, chief):
    make_households(GRID2_UNIT, 2)
    counts = services.auto_assign(actor=chief, programme_id=members.pk, area_code=VILLAGE)
    assert counts == {"unpaired": 2, "paired": 0, "left": 2}


def test_it_takes_existing_load_into_account(members, chief, worker):
    make_households(UNIT, 4)
    other = make_worker("worker-2", UNIT)
    first = make_households(UNIT2, 2)
    for h in first:
        services.assign(
            actor=chief, programme_id=members.pk, sponsor_id=worker.pk, household_id=h.pk
        )
    services.auto_assign(actor=chief, programme_id=members.pk, area_code=UNIT)
    assert loads(members) == {"worker": 3, "worker-2": 3}
    assert other.pk


def test_it_refuses_auto_assign_to_a_worker_and_an_outsider(members, worker, outsider):
    with pytest.raises(PermissionDenied):
        services.auto_assign(actor=worker, programme_id=members.pk, area_code=UNIT)
    with pytest.raises(Http404):
        services.auto_assign(actor=outsider, programme_id=members.pk, area_code=UNIT)


def test_it_pairs_key_households_with_the_villages_cadres(cadres, chief):
    make_key(make_households(UNIT, 1)[0])
    make_key(make_households(GRID2_UNIT, 1)[0])
    make_worker("cadre-1", VILLAGE, role="cadre")
    make_worker("cadre-2", "370830001", role="cadre")  # the town's
    counts = services.auto_assign(actor=chief, programme_id=cadres.pk, area_code=VILLAGE)
    assert counts["paired"] == 2
    assert loads(cadres) == {"cadre-1": 2}


def test_it_auto_assigns_a_village_in_few_queries(
    members, chief, worker, django_assert_max_num_queries
):
    make_households(UNIT, 30)
    make_households(UNIT2, 30)
    make_worker("worker-2", UNIT)
    with django_assert_max_num_queries(20):
        counts = services.auto_assign(actor=chief, programme_id=members.pk, area_code=VILLAGE)
    assert counts["paired"] == 60
