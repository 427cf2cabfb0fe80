"""An ID number that the ledger holds outside the user's posts: adding or correcting a
resident with it is refused in words that say nothing of the person (not that they are in
the ledger, nor where, nor whether they live, moved out or died), on the pages, the API
and in the services alike; one within the user's posts is named, as the user may look
them up anyway."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from conftest import UNIT
from yiwang.registry.models import Resident
from yiwang.registry.services import add_resident, create_household, record_death, update_resident
from yiwang.registry.services.lookups import id_number_out_of_reach


@pytest.fixture
def wang(other_household):
    """王五, who lives in a village of the other town."""
    return Resident.objects.get(name="王五")


@pytest.fixture
def empty_home(worker):
    return create_household(actor=worker, unit_code=UNIT, number="009")


def _refusal(**kwargs) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        add_resident(**kwargs)
    return exc.value.message_dict["id_number"]


def test_it_says_nothing_of_a_resident_of_another_town(worker, empty_home, wang):
    before = Resident.objects.count()

    messages = _refusal(
        actor=worker,
        household_id=empty_home.pk,
        name="王五",
        relation="head",
        id_number=wang.id_number,
    )

    assert messages == [id_number_out_of_reach()]
    assert "ledger" not in messages[0] and "transfer" not in messages[0]
    assert Resident.objects.count() == before


def test_it_gives_the_same_words_for_the_living_and_the_dead(worker, outsider, empty_home, wang):
    living = _refusal(
        actor=worker,
        household_id=empty_home.pk,
        name="甲",
        relation="head",
        id_number=wang.id_number,
    )
    record_death(actor=outsider, resident_id=wang.pk)

    dead = _refusal(
        actor=worker,
        household_id=empty_home.pk,
        name="甲",
        relation="head",
        id_number=wang.id_number,
    )

    assert living == dead == [id_number_out_of_reach()]


def test_a_correction_to_a_number_held_in_another_town_says_nothing_either(worker, household, wang):
    zhang = Resident.objects.get(name="张三")

    with pytest.raises(ValidationError) as exc:
        update_resident(actor=worker, resident_id=zhang.pk, id_number=wang.id_number)

    assert exc.value.message_dict["id_number"] == [id_number_out_of_reach()]
    zhang.refresh_from_db()
    assert zhang.id_number != wang.id_number


def test_a_number_within_the_users_posts_is_named_with_the_way_to_move_them(
    county_admin, worker, household, wang
):
    """The county admin may see 王五: the message tells them to record a transfer."""
    home = create_household(actor=county_admin, unit_code=UNIT, number="010")

    with translation.override("en"):
        messages = _refusal(
            actor=county_admin,
            household_id=home.pk,
            name="王五",
            relation="head",
            id_number=wang.id_number,
        )

    assert "transfer them instead" in messages[0]


def test_the_api_answers_400_with_the_neutral_words(worker, empty_home, wang):
    api = APIClient()
    api.force_authenticate(worker)

    response = api.post(
        "/api/v1/residents/",
        {
            "household": empty_home.pk,
            "name": "王五",
            "relation": "head",
            "id_number": wang.id_number,
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    with translation.override("zh-hans"):
        neutral = id_number_out_of_reach()
    assert response.json() == {"id_number": [neutral]}
    assert "台账" not in response.content.decode()


def test_the_page_shows_the_neutral_words_beside_the_field(worker, empty_home, wang):
    client = Client()
    client.force_login(worker)

    response = client.post(
        f"/ledger/households/{empty_home.pk}/residents/new/",
        {
            "name": "王五",
            "relation": "head",
            "id_number": wang.id_number,
            "event": "move_in",
            "on": "2026-01-05",
        },
    )

    assert response.status_code == 200
    with translation.override("zh-hans"):
        neutral = id_number_out_of_reach()
    assert response.context["form"].errors["id_number"] == [neutral]
    assert not Resident.objects.filter(household=empty_home).exists()
