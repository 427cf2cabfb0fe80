"""Micro-wishes' services: recorded with a number of the year, claimed once (two claimers
racing: one wins, the other is told who), fulfilled with a photo and a confirmation,
raised to the village once when nobody claims them, and scoped for every persona."""

import datetime
import io
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.utils import timezone, translation
from PIL import Image

from conftest import OTHER_UNIT, UNIT
from yiwang.core.models import AuditEntry
from yiwang.notices.models import Notification
from yiwang.registry.models import Household
from yiwang.registry.services import add_resident, create_household
from yiwang.volunteering import services
from yiwang.volunteering.models import Wish, WishClaim, WishPhoto, WishStatus
from yiwang.volunteering.services import wishes as wish_services

pytestmark = pytest.mark.django_db


# --- helpers, shared by the wishes' other tests ---------------------------------------------


def make_resident(unit=UNIT, number=None, name="王小明"):
    number = number or str(100 + Household.objects.count() + 1)
    household = create_household(actor=None, unit_code=unit, number=number)
    return add_resident(
        actor=None, household_id=household.pk, name=name, relation="head", birth_date="20150101"
    )


def make_wish(actor=None, recipient=None, title="一张书桌"):
    recipient = recipient or make_resident()
    return services.record_wish(actor, recipient=recipient.pk, title=title, value="180")


def photo(name="wish.png"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def claim(actor, wish, key=None, name="李爱心", kind="party_member", **more):
    return services.claim_wish(
        actor, wish.pk, uuid=key or uuid.uuid4(), kind=kind, claimer_name=name, **more
    )


# --- recording ----------------------------------------------------------------------------


def test_it_numbers_wishes_within_the_year(worker):
    first = make_wish(worker)
    second = make_wish(worker, recipient=first.recipient, title="一个书包")
    year = timezone.localdate().year
    assert first.number == f"W{year}-00001"
    assert second.number == f"W{year}-00002"
    assert first.area_code == UNIT and first.status == WishStatus.OPEN
    assert AuditEntry.objects.filter(action="volunteering_wish.create").count() == 2


def test_a_wish_number_taken_meanwhile_moves_to_the_next(worker, monkeypatch):
    """Two recorded at once pick the same number: the second takes the next one."""
    first = make_wish(worker)
    real = wish_services._next_number
    calls = []

    def stale(year):
        calls.append(year)
        return first.number if len(calls) == 1 else real(year)

    monkeypatch.setattr(wish_services, "_next_number", stale)
    second = make_wish(worker, recipient=first.recipient)
    assert second.number.endswith("-00002") and len(calls) == 2


def test_a_resident_outside_the_scope_is_not_found(outsider):
    with pytest.raises(Http404):
        make_wish(outsider)


def test_a_wish_without_a_title_names_the_field(worker):
    recipient = make_resident()
    with pytest.raises(ValidationError) as caught:
        services.record_wish(worker, recipient=recipient.pk, title="  ", value="-3")
    assert set(caught.value.message_dict) == {"title", "value"}
    assert not Wish.objects.exists()


# --- claiming -------------------------------------------------------------------------------


def test_a_claim_takes_the_wish_and_the_same_claim_again_answers_it(worker):
    wish = make_wish(worker)
    key = uuid.uuid4()
    first, created = claim(worker, wish, key)
    again, created_again = claim(worker, wish, key)
    assert created and not created_again and again.pk == first.pk
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED
    assert WishClaim.objects.count() == 1
    assert AuditEntry.objects.filter(action="volunteering_wish.claim").count() == 1


def test_a_second_claimer_is_told_who_claimed_it_masked(worker, chief):
    wish = make_wish(worker)
    claim(worker, wish, name="李爱心")
    with translation.override("en"), pytest.raises(services.Conflict) as caught:
        claim(chief, wish, name="张三")
    message = " ".join(caught.value.messages)
    assert "already claimed by 李*心" in message and "李爱心" not in message
    assert WishClaim.objects.get().claimer_name == "李爱心"


def test_a_claim_of_a_fulfilled_wish_is_refused_clearly(worker):
    wish = make_wish(worker)
    claim(worker, wish)
    services.fulfil_wish(worker, wish.pk, photos=[photo()], confirmed_by="王妈妈")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        claim(worker, wish)
    assert not isinstance(caught.value, services.Conflict)
    assert caught.value.message_dict["wish"] == [
        "This wish has already been fulfilled: it can no longer be claimed."
    ]


def test_a_claim_of_a_cancelled_wish_is_refused(worker, chief):
    wish = make_wish(worker)
    services.cancel_wish(chief, wish.pk, reason="已由家人满足")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        claim(worker, wish)
    assert "cancelled" in caught.value.message_dict["wish"][0]
    assert not WishClaim.objects.exists()


def test_a_group_names_its_members_and_a_volunteer_claim_needs_the_volunteer(worker):
    wish = make_wish(worker)
    with pytest.raises(ValidationError) as caught:
        claim(worker, wish, kind="group", name="爱心小组")
    assert "group_members" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        claim(worker, wish, kind="volunteer", name="")
    assert "volunteer" in caught.value.message_dict
    made, _ = claim(worker, wish, kind="group", name="爱心小组", group_members="甲、乙、丙")
    assert made.group_members == "甲、乙、丙"


def _claim_in_thread(user, wish, name):
    try:
        made, _ = claim(user, wish, name=name)
    except services.Conflict as exc:
        return ("conflict", " ".join(exc.messages))
    except BaseException as exc:  # reported below, not lost in the thread
        return ("error", repr(exc))
    return ("claimed", made.pk)


@pytest.mark.django_db(transaction=True)
def test_two_claims_racing_one_wins_the_other_gets_a_conflict(worker, chief, monkeypatch):
    wish = make_wish(worker)
    users = [type(u).objects.get(pk=u.pk) for u in (worker, chief)]
    racing = connection.vendor == "postgresql"
    serial = threading.Lock()
    if racing:
        # Both have loaded the open wish and checked the claimer when both try to take it.
        both_checked = threading.Barrier(2, timeout=20)
        real = wish_services._claimer

        def checked_then_wait(*args):
            found = real(*args)
            both_checked.wait()
            return found

        monkeypatch.setattr(wish_services, "_claimer", checked_then_wait)
    results = [None, None]

    def run(i):
        try:
            with translation.override("en"):
                if racing:
                    results[i] = _claim_in_thread(users[i], wish, ["李爱心", "张热心"][i])
                else:  # SQLite: one writer at a time, the second after the first
                    with serial:
                        results[i] = _claim_in_thread(users[i], wish, ["李爱心", "张热心"][i])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(r[0] for r in results) == ["claimed", "conflict"], results
    winner = WishClaim.objects.get()
    loser_message = next(r[1] for r in results if r[0] == "conflict")
    assert "already claimed" in loser_message
    assert winner.claimer_name[0] in loser_message and winner.claimer_name not in loser_message
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED
    assert AuditEntry.objects.filter(action="volunteering_wish.claim").count() == 1


# --- fulfilment and story -------------------------------------------------------------------


def test_a_fulfilment_stores_the_photo_and_the_confirmation(worker):
    wish = make_wish(worker)
    claim(worker, wish)
    done = services.fulfil_wish(worker, wish.pk, photos=[photo()], confirmed_by="王妈妈")
    assert done.status == WishStatus.FULFILLED and done.confirmed_by_recipient == "王妈妈"
    assert done.fulfilled_by == worker and done.fulfilled_at is not None
    [stored] = WishPhoto.objects.filter(wish=wish)
    assert stored.content_type == "image/png" and stored.width == 40
    services.add_story(worker, wish.pk, "小明在新书桌上写完了作业。")
    assert Wish.objects.get(pk=wish.pk).story.startswith("小明")


def test_a_file_that_is_not_an_image_changes_nothing(worker):
    wish = make_wish(worker)
    claim(worker, wish)
    fake = SimpleUploadedFile("wish.jpg", b"not an image at all", content_type="image/jpeg")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.fulfil_wish(worker, wish.pk, photos=[fake], confirmed_by="王妈妈")
    assert "not a JPEG, PNG or WebP image" in caught.value.message_dict["photos"][0]
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED
    assert not WishPhoto.objects.exists()


def test_a_fulfilment_needs_a_photo_a_confirmation_and_a_claim(worker):
    wish = make_wish(worker)
    with pytest.raises(ValidationError) as caught:
        services.fulfil_wish(worker, wish.pk, photos=[], confirmed_by="")
    assert set(caught.value.message_dict) == {"photos", "confirmed_by"}
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.fulfil_wish(worker, wish.pk, photos=[photo()], confirmed_by="王妈妈")
    assert "record its claim first" in caught.value.message_dict["wish"][0]
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.OPEN


def test_a_story_waits_for_the_fulfilment(worker):
    wish = make_wish(worker)
    with pytest.raises(ValidationError) as caught:
        services.add_story(worker, wish.pk, "故事")
    assert "story" in caught.value.message_dict


def test_a_grid_worker_may_not_cancel_a_wish_someone_else_recorded(worker, chief):
    wish = make_wish(chief)
    with pytest.raises(PermissionDenied):
        services.cancel_wish(worker, wish.pk)
    assert services.cancel_wish(worker, make_wish(worker).pk).status == WishStatus.CANCELLED


# --- raised to the village ---------------------------------------------------------------------


def test_a_wish_unclaimed_for_its_days_is_raised_to_the_village_once(worker, chief, settings):
    settings.VOLUNTEERING_WISH_RAISE_DAYS = 14
    old = make_wish(worker)
    young = make_wish(worker, recipient=old.recipient, title="一个书包")
    claimed = make_wish(worker, recipient=old.recipient, title="一双鞋")
    now = timezone.now()
    Wish.objects.filter(pk__in=[old.pk, claimed.pk]).update(
        created_at=now - datetime.timedelta(days=15)
    )
    Wish.objects.filter(pk=young.pk).update(created_at=now - datetime.timedelta(days=13))
    claim(worker, claimed)

    assert services.raise_unclaimed(now) == 1
    assert services.raise_unclaimed(now) == 0

    assert Wish.objects.get(pk=old.pk).raised_at == now
    assert Wish.objects.get(pk=young.pk).raised_at is None
    assert Wish.objects.get(pk=claimed.pk).raised_at is None
    [notice] = Notification.objects.filter(kind=wish_services.NOTICE_KIND)
    # A day later the younger one has waited its days too; the older is not raised again.
    later = now + datetime.timedelta(days=1)
    assert services.raise_unclaimed(later) == 1
    assert Wish.objects.get(pk=old.pk).raised_at == now
    assert Wish.objects.get(pk=young.pk).raised_at == later
    assert notice.object_id == old.pk and notice.area_code == old.area_code[:12]
    assert Notification.objects.for_user(chief).filter(pk=notice.pk).exists()
    assert not Notification.objects.for_user(worker).filter(pk=notice.pk).exists()


def test_the_daily_task_raises_them(worker, settings):
    from yiwang.volunteering import tasks

    settings.VOLUNTEERING_WISH_RAISE_DAYS = 3
    wish = make_wish(worker)
    Wish.objects.filter(pk=wish.pk).update(created_at=timezone.now() - datetime.timedelta(days=4))
    tasks.raise_unclaimed_wishes.call_local()
    assert Wish.objects.get(pk=wish.pk).raised_at is not None


# --- scope -----------------------------------------------------------------------------------


def test_who_sees_and_records_which_wish(county_admin, town_admin, chief, worker, outsider):
    here = make_wish(worker)
    there = make_wish(outsider, recipient=make_resident(unit=OTHER_UNIT, number="909"))
    for user, seen in [
        (county_admin, {here.pk, there.pk}),
        (town_admin, {here.pk}),
        (chief, {here.pk}),
        (worker, {here.pk}),
        (outsider, {there.pk}),
    ]:
        assert set(Wish.objects.visible_to(user).values_list("pk", flat=True)) == seen
    with pytest.raises(Http404):
        claim(outsider, here)
    for user in (county_admin, town_admin, chief):
        wish = make_wish(user, recipient=here.recipient)
        assert claim(user, wish)[1]


@pytest.mark.parametrize("title", ["王小明的书桌", "给小明一张书桌", "王 小明要书包"])
def test_a_wish_whose_title_names_the_person_is_refused(worker, title):
    recipient = make_resident(name="王小明")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        make_wish(worker, recipient=recipient, title=title)
    assert "leave the person's name out of it" in caught.value.message_dict["title"][0]
    assert not Wish.objects.exists()


def test_a_wish_titled_without_the_name_is_recorded(worker):
    recipient = make_resident(name="王明")  # a given name of one character is not looked for
    assert make_wish(worker, recipient=recipient, title="明亮的台灯").title == "明亮的台灯"
