"""Funds and donations: money given adds to the balance, pay-outs take from it and never
below zero (two racing, or one larger than it), each record idempotent on its uuid, and
the monthly statement whose ends equal the fund's balance."""

import datetime
import threading
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone, translation

from conftest import COUNTY, OTHER_VILLAGE, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.volunteering import services
from yiwang.volunteering.models import Donation, Fund, Payout
from yiwang.volunteering.selectors.donations import monthly_statement

from .test_wishes import make_wish

pytestmark = pytest.mark.django_db


def make_fund(actor=None, name="爱心妈妈基金", code=VILLAGE):
    return services.create_fund(actor, name=name, area_code=code)


def give(actor, fund, value, *, kind="money", on=None, key=None, wish=None):
    return services.record_donation(
        actor,
        uuid=key or uuid.uuid4(),
        fund=fund.pk if fund else None,
        wish=wish.pk if wish else None,
        donor="汶上爱心企业",
        kind=kind,
        description="捐款" if kind == "money" else "书包二十个",
        value=value,
        received_on=on or timezone.localdate(),
    )


def pay(actor, fund, amount, *, on=None, key=None):
    return services.pay_out(
        actor,
        uuid=key or uuid.uuid4(),
        fund=fund.pk,
        recipient="王小明家",
        purpose="书桌一张",
        amount=amount,
        paid_on=on or timezone.localdate(),
    )


def balance(fund):
    return Fund.objects.get(pk=fund.pk).balance


def test_money_adds_to_the_balance_goods_do_not(chief):
    fund = make_fund(chief)
    give(chief, fund, "1000")
    give(chief, fund, "300", kind="goods")
    assert balance(fund) == Decimal("1000")
    assert Donation.objects.count() == 2
    assert AuditEntry.objects.filter(action="volunteering_donation.create").count() == 2


def test_the_same_donation_sent_again_is_recorded_once(chief):
    fund = make_fund(chief)
    key = uuid.uuid4()
    first, created = give(chief, fund, "500", key=key)
    again, created_again = give(chief, fund, "500", key=key)
    assert created and not created_again and again.pk == first.pk
    assert balance(fund) == Decimal("500")
    with pytest.raises(ValidationError) as caught:
        give(chief, fund, "900", key=key)
    assert "uuid" in caught.value.message_dict


@pytest.mark.parametrize("value", ["-100", "0", "abc", "1.234", ""])
def test_a_donation_that_is_not_a_positive_amount_is_refused(chief, value):
    fund = make_fund(chief)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        give(chief, fund, value)
    assert "value" in caught.value.message_dict
    assert "yuan" in caught.value.message_dict["value"][0]
    assert not Donation.objects.exists() and balance(fund) == 0


def test_a_donation_in_the_future_or_to_nothing_is_refused(chief):
    fund = make_fund(chief)
    with pytest.raises(ValidationError) as caught:
        give(chief, fund, "10", on=timezone.localdate() + datetime.timedelta(days=2))
    assert "received_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        give(chief, None, "10")
    assert "fund" in caught.value.message_dict


def test_goods_given_to_a_wish_are_recorded_by_the_worker(worker):
    wish = make_wish(worker)
    donation, _ = give(worker, None, "180", kind="goods", wish=wish)
    assert donation.wish == wish and donation.area_code == wish.area_code


def test_a_confirmation_is_recorded_once(chief):
    fund = make_fund(chief)
    donation, _ = give(chief, fund, "100")
    services.confirm_donation(chief, donation.pk)
    services.confirm_donation(chief, donation.pk)
    assert Donation.objects.get(pk=donation.pk).confirmed_by == chief
    assert AuditEntry.objects.filter(action="volunteering_donation.confirm").count() == 1


def test_a_pay_out_larger_than_the_balance_is_refused_and_nothing_changes(chief):
    fund = make_fund(chief)
    give(chief, fund, "300")
    pay(chief, fund, "120")
    with translation.override("en"), pytest.raises(services.Short) as caught:
        pay(chief, fund, "200.50")
    assert caught.value.message_dict["amount"] == [
        "The fund holds 180.00 yuan and 200.50 were asked: 20.50 yuan short. Nothing was paid."
    ]
    assert balance(fund) == Decimal("180")
    assert Payout.objects.count() == 1
    assert AuditEntry.objects.filter(action="volunteering_payout.create").count() == 1


@pytest.mark.parametrize("amount", ["-5", "0"])
def test_a_pay_out_must_be_above_zero(chief, amount):
    fund = make_fund(chief)
    give(chief, fund, "100")
    with pytest.raises(ValidationError) as caught:
        pay(chief, fund, amount)
    assert "amount" in caught.value.message_dict and balance(fund) == Decimal("100")


def test_the_same_pay_out_sent_again_is_paid_once(chief):
    fund = make_fund(chief)
    give(chief, fund, "100")
    key = uuid.uuid4()
    pay(chief, fund, "60", key=key)
    payout, created = pay(chief, fund, "60", key=key)
    assert not created and balance(fund) == Decimal("40")


def _race(monkeypatch, users, fund, *, on=None):
    """Two users pay 70 out of the fund at once: on PostgreSQL both have stored their
    pay-out row when both go on to take from the balance; on SQLite, one after the other.
    Answers each one's ("paid" | "short" | "error", message)."""
    users = [type(u).objects.get(pk=u.pk) for u in users]
    racing = connection.vendor == "postgresql"
    serial = threading.Lock()
    if racing:
        both_stored = threading.Barrier(2, timeout=20)
        real_save = Payout.save

        def save_then_wait(self, *args, **kwargs):
            real_save(self, *args, **kwargs)
            both_stored.wait()

        monkeypatch.setattr(Payout, "save", save_then_wait)
    results = [None, None]

    def run(i):
        try:
            with translation.override("en"):
                if racing:
                    results[i] = _pay(users[i], fund, on)
                else:  # SQLite: one writer at a time
                    with serial:
                        results[i] = _pay(users[i], fund, on)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _pay(user, fund, on):
    try:
        pay(user, fund, "70", on=on)
    except services.Short as exc:
        return ("short", " ".join(exc.messages))
    except BaseException as exc:  # reported below, not lost in the thread
        return ("error", repr(exc))
    return ("paid", None)


@pytest.mark.django_db(transaction=True)
def test_two_pay_outs_racing_never_take_the_balance_below_zero(chief, county_admin, monkeypatch):
    fund = make_fund(chief)
    give(chief, fund, "100")

    results = _race(monkeypatch, (chief, county_admin), fund)

    assert sorted(r[0] for r in results) == ["paid", "short"], results
    assert "holds 30.00 yuan" in next(r[1] for r in results if r[0] == "short")
    assert balance(fund) == Decimal("30")
    assert Payout.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_pay_outs_dated_back_racing_never_take_a_past_month_below_zero(
    chief, county_admin, monkeypatch
):
    """Today's balance covers both; the day they are dated held enough for one only: the
    fund's row locked, the second sees the first."""
    back = timezone.localdate() - datetime.timedelta(days=150)
    fund = make_fund(chief)
    give(chief, fund, "100", on=back)
    give(chief, fund, "1000")

    results = _race(monkeypatch, (chief, county_admin), fund, on=back)

    assert sorted(r[0] for r in results) == ["paid", "short"], results
    assert f"below zero on {back.isoformat()}, when it held 30.00 yuan" in next(
        r[1] for r in results if r[0] == "short"
    )
    assert balance(fund) == Decimal("1030") and Payout.objects.count() == 1
    _statements_never_below_zero(fund, back)


def test_the_statement_balances_month_by_month(chief):
    fund = make_fund(chief)
    today = timezone.localdate()
    year = today.year
    last_year = datetime.date(year - 1, 12, 1)
    in_range = last_year >= today - datetime.timedelta(days=366)
    if in_range:
        give(chief, fund, "50", on=last_year)  # opens the year with 50
    give(chief, fund, "1000", on=today)
    give(chief, fund, "400", kind="goods", on=today)
    pay(chief, fund, "250", on=today)
    with pytest.raises(services.Short):
        pay(chief, fund, "5000", on=today)

    statement = monthly_statement(Fund.objects.get(pk=fund.pk), year)

    opening = Decimal("50") if in_range else Decimal("0")
    assert statement.opening == opening
    month = statement.months[today.month - 1]
    assert (month.came_in, month.goods_in, month.went_out) == (
        Decimal("1000"),
        Decimal("400"),
        Decimal("250"),
    )
    assert statement.opening + statement.came_in - statement.went_out == statement.closing
    assert statement.closing == balance(fund) == opening + Decimal("750")
    assert all(m.balance >= 0 for m in statement.months)
    assert len(statement.months) == 12


def test_who_keeps_which_fund(county_admin, town_admin, chief, worker, outsider):
    here = make_fund(chief)
    there = make_fund(county_admin, name="他村基金", code=OTHER_VILLAGE)
    county = make_fund(county_admin, name="县志愿服务基金", code=COUNTY)
    for user, seen in [
        (county_admin, {here.pk, there.pk, county.pk}),
        (town_admin, {here.pk}),
        (chief, {here.pk}),
        (worker, set()),
        (outsider, set()),
    ]:
        assert set(Fund.objects.visible_to(user).values_list("pk", flat=True)) == seen
    with pytest.raises(PermissionDenied):
        make_fund(worker, name="网格基金", code=worker.posts.get().area_code)
    with pytest.raises(Http404):
        give(outsider, here, "10")
    with pytest.raises(Http404):
        make_fund(chief, name="别村基金", code=OTHER_VILLAGE)
    for user in (county_admin, town_admin, chief):
        assert give(user, here, "10")[1]
    assert balance(here) == Decimal("30")


def _statements_never_below_zero(fund, since):
    fund = Fund.objects.get(pk=fund.pk)
    for year in range(since.year, timezone.localdate().year + 1):
        ends = [m.balance for m in monthly_statement(fund, year).months]
        assert all(end >= 0 for end in ends), (year, ends)


def test_a_pay_out_dated_back_before_the_money_came_is_refused_naming_the_day(chief):
    fund = make_fund(chief)
    give(chief, fund, "1000")
    back = timezone.localdate() - datetime.timedelta(days=200)

    with translation.override("en"), pytest.raises(services.Short) as caught:
        pay(chief, fund, "800", on=back)

    assert caught.value.message_dict["paid_on"] == [
        f"Dated {back.isoformat()}, this pay-out would take the fund below zero on "
        f"{back.isoformat()}, when it held 0.00 yuan and 800.00 were asked: date it later "
        "or pay less. Nothing was paid."
    ]
    assert balance(fund) == Decimal("1000") and not Payout.objects.exists()
    assert not AuditEntry.objects.filter(action="volunteering_payout.create").exists()
    _statements_never_below_zero(fund, back)
    pay(chief, fund, "800")  # paid today, it is covered
    _statements_never_below_zero(fund, back)


def test_a_pay_out_dated_back_must_be_held_on_every_later_day(chief):
    today = timezone.localdate()
    days = [today - datetime.timedelta(days=n) for n in (200, 150, 100)]
    fund = make_fund(chief)
    give(chief, fund, "1000", on=days[0])
    pay(chief, fund, "800", on=days[2])
    give(chief, fund, "500")  # today's balance, 700, would cover 300

    with translation.override("en"), pytest.raises(services.Short) as caught:
        pay(chief, fund, "300", on=days[1])  # but 100 days ago it held only 200

    [message] = caught.value.message_dict["paid_on"]
    assert f"below zero on {days[2].isoformat()}, when it held 200.00 yuan" in message
    assert balance(fund) == Decimal("700") and Payout.objects.count() == 1
    pay(chief, fund, "200", on=days[1])
    assert balance(fund) == Decimal("500")
    _statements_never_below_zero(fund, days[0])


def test_a_gift_dated_back_needs_no_check_it_only_adds(chief):
    fund = make_fund(chief)
    give(chief, fund, "100")
    pay(chief, fund, "100")
    back = timezone.localdate() - datetime.timedelta(days=300)
    give(chief, fund, "50", on=back)
    assert balance(fund) == Decimal("50")
    _statements_never_below_zero(fund, back)


FUND_NAME_TAKEN = (
    "A fund of the county already has this name (names are unique across the county, and "
    "that fund may be kept by an area you do not see): choose another, e.g. with your "
    "area's name in it."
)


def test_a_fund_name_taken_out_of_sight_is_refused_without_saying_where(county_admin, chief):
    make_fund(county_admin, name="他村爱心基金", code=OTHER_VILLAGE)
    make_fund(chief, name="本村爱心基金")
    for name in ("他村爱心基金", "本村爱心基金"):  # out of the chief's sight, in it: alike
        with translation.override("en"), pytest.raises(ValidationError) as caught:
            make_fund(chief, name=name)
        assert caught.value.message_dict == {"name": [FUND_NAME_TAKEN]}
    assert Fund.objects.count() == 2


def test_a_fund_name_is_not_checked_for_someone_who_may_not_open_one(worker):
    make_fund(None, name="他村爱心基金", code=OTHER_VILLAGE)
    with pytest.raises(PermissionDenied):
        make_fund(worker, name="他村爱心基金", code=worker.posts.get().area_code)


def test_a_fund_name_taken_at_the_same_moment_is_refused_alike(chief, monkeypatch):
    make_fund(None, name="他村爱心基金", code=OTHER_VILLAGE)
    # The other fund is opened between the check and the insert.
    answers = iter([False, True])
    monkeypatch.setattr(services.donations, "_name_taken", lambda name: next(answers))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        make_fund(chief, name="他村爱心基金")
    assert caught.value.message_dict == {"name": [FUND_NAME_TAKEN]}
    assert Fund.objects.count() == 1
