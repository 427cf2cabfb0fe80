"""Every write of funds and donations: a programme's fund (the caring mothers' fund), the
money and goods given to it or to a wish, their confirmation, and what the fund paid out.

Who may do what (yiwang.volunteering.access): a fund is opened, and its donations and
pay-outs recorded and confirmed, by an organiser of the fund's area (`can_organise`); a
donation to a wish alone is recorded by anyone who records in the wish's area.

A fund's balance moves by conditional UPDATEs only: money given adds with F(), a pay-out
takes `balance - amount WHERE balance >= amount`, so that two pay-outs racing never take
it below zero; the one short rolls back whole and `Short` (the API answers 409) says the
balance. A pay-out may be dated back (up to a year): with the fund's row locked, the
running balance from its date on (the money given less the money paid out, at each day's
end) must hold its amount at every later date too, so that no month of the public
statement ends below zero; else `Short` names the day it would. The client's `uuid` makes a donation or a pay-out idempotent: the same one sent
again answers the stored row; the same uuid with other content is refused.

`actor=None` is the operator at the command line, who may open a fund; a gift and a
pay-out are recorded by someone (their `received_by`, `paid_by`).
"""

from __future__ import annotations

import datetime
import uuid as uuid_module
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.core import audit, validators
from yiwang.core.scoping import get_in_scope
from yiwang.volunteering import access
from yiwang.volunteering.models import Donation, DonationKind, Fund, Payout, Wish
from yiwang.volunteering.services.errors import Short
from yiwang.volunteering.services.inputs import read_pk, read_uuid
from yiwang.volunteering.services.wishes import read_value

NAME_MAX = 100
DONOR_MAX = 100
DESCRIPTION_MAX = 200
RECIPIENT_MAX = 100
PURPOSE_MAX = 200
# A gift or a pay-out may be recorded up to a year after it happened.
BACKDATE_DAYS = 366


def money(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def _uuid(value) -> uuid_module.UUID:
    return read_uuid(
        value, _("Not a UUID: the app makes one for each record, e.g. with crypto.randomUUID().")
    )


def _day(value, field: str, errors: dict) -> datetime.date | None:
    day = value if isinstance(value, datetime.date) else None
    if day is None and isinstance(value, str) and value.strip():
        day = validators.read_date(value.strip())
    today = timezone.localdate()
    if day is None:
        errors.setdefault(field, []).append(_("Give the date, e.g. 2026-03-01."))
    elif day > today:
        errors.setdefault(field, []).append(_("The date cannot be in the future."))
        day = None
    elif day < today - datetime.timedelta(days=BACKDATE_DAYS):
        errors.setdefault(field, []).append(_("The date lies more than a year back: check it."))
        day = None
    return day


def _fund(actor, fund, *, lock: bool = False) -> Fund:
    return get_in_scope(Fund.objects.all(), actor, recheck=True, lock=lock, pk=read_pk(fund))


def _require_organiser(actor, code: str) -> None:
    if not access.can_organise(actor, code):
        raise PermissionDenied(
            _(
                "Only the grid chief or a cadre of the fund's area, or a town or county admin "
                "above it, may keep its money."
            )
        )


# --- funds ---------------------------------------------------------------------------------


def _name_taken(name: str) -> bool:
    return Fund.objects.filter(name=name).exists()


def _name_refused() -> ValidationError:
    """A name is unique across the county: it may be taken by a fund the actor does not
    see, which the message neither names nor places."""
    return ValidationError(
        {
            "name": [
                _(
                    "A fund of the county already has this name (names are unique across "
                    "the county, and that fund may be kept by an area you do not see): "
                    "choose another, e.g. with your area's name in it."
                )
            ]
        }
    )


@transaction.atomic
def create_fund(actor, *, name, area_code) -> Fund:
    """Opens a programme's fund kept by an area (a village, a town, the county)."""
    if actor is not None:
        scope.recheck(actor)
    errors: dict = {}
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    code = str(area_code or "").strip()
    if not Area.objects.filter(code=code).exists():
        errors["area_code"] = [_("Choose the area that keeps the fund.")]
    elif actor is not None and not scope.in_scope(actor, code):
        raise Http404(_("Not found."))
    if errors:
        raise ValidationError(errors)
    _require_organiser(actor, code)  # before the name: no one else learns what is taken
    if _name_taken(name):
        raise _name_refused()
    try:
        with transaction.atomic():
            fund = Fund.objects.create(name=name, area_code=code)
    except IntegrityError:
        if not _name_taken(name):
            raise
        raise _name_refused() from None  # opened by someone else at this moment
    audit.record(
        actor=actor, action="volunteering_fund.create", obj=fund, after=audit.snapshot(fund)
    )
    return fund


# --- donations -------------------------------------------------------------------------------


def _same(found, values: dict) -> bool:
    return all(getattr(found, field) == value for field, value in values.items())


def _replayed(actor, model, found, values: dict):
    if actor is not None and not model.objects.visible_to(actor).filter(pk=found.pk).exists():
        raise Http404(_("Not found."))
    if not _same(found, values):
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "This UUID was sent before with other content: make a new UUID for a "
                        "new record."
                    )
                ]
            }
        )
    return found


def record_donation(
    actor,
    *,
    uuid,
    fund=None,
    wish=None,
    donor,
    kind,
    description,
    value,
    received_on,
) -> tuple[Donation, bool]:
    """Records money or goods given to a fund or to a wish (or to a wish through a fund).
    Money given to a fund adds to its balance. Returns (donation, created): created
    False when the same uuid was sent before with the same content."""
    if actor is None:
        raise ValueError("A donation is received by someone: record_donation needs an actor.")
    key = _uuid(uuid)
    errors: dict = {}
    donor = validators.clean_line(
        donor, field="donor", limit=DONOR_MAX, required=True, errors=errors
    )
    if kind not in DonationKind.values:
        errors["kind"] = [_("Say what was given: money or goods.")]
    description = validators.clean_line(
        description, field="description", limit=DESCRIPTION_MAX, required=True, errors=errors
    )
    value = read_value(value, "value", errors, required=True)
    received_on = _day(received_on, "received_on", errors)
    if fund in (None, "") and wish in (None, ""):
        errors["fund"] = [_("Say what it was given to: a fund or a wish.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            if actor is not None:
                scope.recheck(actor)
            found_fund = _fund(actor, fund) if fund not in (None, "") else None
            found_wish = None
            if wish not in (None, ""):
                found_wish = get_in_scope(Wish.objects.all(), actor, pk=read_pk(wish))
            if found_fund is not None:
                _require_organiser(actor, found_fund.area_code)
                if not found_fund.is_active:
                    raise ValidationError({"fund": [_("The fund is closed.")]})
            elif not access.can_record(actor, found_wish.area_code):
                raise PermissionDenied(
                    _("Only those who work in the wish's area may record a gift to it.")
                )
            donation = Donation(
                uuid=key,
                fund=found_fund,
                wish=found_wish,
                donor=donor,
                kind=kind,
                description=description,
                value=value,
                received_on=received_on,
                received_by=actor,
                area_code=(found_fund or found_wish).area_code,
            )
            donation.save(force_insert=True)
            if found_fund is not None and kind == DonationKind.MONEY:
                Fund.objects.filter(pk=found_fund.pk).update(
                    balance=F("balance") + value, updated_at=timezone.now()
                )
            audit.record(
                actor=actor,
                action="volunteering_donation.create",
                obj=donation,
                after=audit.snapshot(donation),
            )
    except IntegrityError:
        found = Donation.objects.filter(uuid=key).first()
        if found is None:
            raise
        sent = {"donor": donor, "kind": kind, "value": value, "received_on": received_on}
        return _replayed(actor, Donation, found, sent), False
    return donation, True


@transaction.atomic
def confirm_donation(actor, donation) -> Donation:
    """Confirms a donation as received (by an organiser of its area; once)."""
    found = get_in_scope(
        Donation.objects.all(), actor, recheck=True, lock=True, pk=read_pk(donation)
    )
    _require_organiser(actor, found.area_code)
    if found.confirmed_at is not None:
        return found
    now = timezone.now()
    Donation.objects.filter(pk=found.pk, confirmed_at__isnull=True).update(
        confirmed_by=actor, confirmed_at=now, updated_at=now
    )
    found.refresh_from_db()
    audit.record(
        actor=actor,
        action="volunteering_donation.confirm",
        obj=found,
        before={"confirmed_at": None},
        after={"confirmed_at": now, "confirmed_by": getattr(actor, "pk", None)},
    )
    return found


# --- pay-outs --------------------------------------------------------------------------------


def _short(fund_id: int, amount: Decimal) -> Short:
    balance = Fund.objects.filter(pk=fund_id).values_list("balance", flat=True).first()
    balance = balance if balance is not None else Decimal(0)
    return Short(
        {
            "amount": [
                _(
                    "The fund holds %(balance)s yuan and %(amount)s were asked: %(short)s yuan "
                    "short. Nothing was paid."
                )
                % {
                    "balance": money(balance),
                    "amount": money(amount),
                    "short": money(amount - balance),
                }
            ]
        }
    )


def _total(queryset, field: str) -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or Decimal(0)


def _day_totals(queryset, day_field: str, value_field: str):
    return (
        queryset.order_by()
        .values(day_field)
        .annotate(total=Sum(value_field))
        .values_list(day_field, "total")
    )


def first_day_short(
    fund_id: int, since: datetime.date, amount: Decimal, *, leave_out: int | None = None
) -> tuple[datetime.date, Decimal] | None:
    """The first day from `since` on at whose end the fund holds less than `amount` (the
    money given to it less the money paid out of it up to that day, the pay-out
    `leave_out` left out), with what it holds then; None when it holds `amount` every
    day. Four queries."""
    money = Donation.objects.filter(fund_id=fund_id, kind=DonationKind.MONEY)
    payouts = Payout.objects.filter(fund_id=fund_id)
    if leave_out is not None:
        payouts = payouts.exclude(pk=leave_out)
    held = _total(money.filter(received_on__lt=since), "value") - _total(
        payouts.filter(paid_on__lt=since), "amount"
    )
    moves: dict[datetime.date, Decimal] = defaultdict(Decimal)
    moves[since] += 0
    for day, total in _day_totals(money.filter(received_on__gte=since), "received_on", "value"):
        moves[day] += total
    for day, total in _day_totals(payouts.filter(paid_on__gte=since), "paid_on", "amount"):
        moves[day] -= total
    for day in sorted(moves):
        held += moves[day]
        if held < amount:
            return day, held
    return None


def _short_on(day: datetime.date, held: Decimal, amount: Decimal, paid_on) -> Short:
    return Short(
        {
            "paid_on": [
                _(
                    "Dated %(paid_on)s, this pay-out would take the fund below zero on "
                    "%(day)s, when it held %(held)s yuan and %(amount)s were asked: date it "
                    "later or pay less. Nothing was paid."
                )
                % {
                    "paid_on": paid_on.isoformat(),
                    "day": day.isoformat(),
                    "held": money(held),
                    "amount": money(amount),
                }
            ]
        }
    )


def pay_out(
    actor, *, uuid, fund, recipient, purpose, amount, paid_on, wish=None
) -> tuple[Payout, bool]:
    """Pays `amount` out of a fund to someone, for something (a wish, perhaps). The
    balance never goes below zero, today nor on any day since `paid_on`: a pay-out larger
    than it is refused (`Short`) and nothing changes. Returns (payout, created) like `record_donation`."""
    if actor is None:
        raise ValueError("A pay-out is made by someone: pay_out needs an actor.")
    key = _uuid(uuid)
    errors: dict = {}
    recipient = validators.clean_line(
        recipient, field="recipient", limit=RECIPIENT_MAX, required=True, errors=errors
    )
    purpose = validators.clean_line(
        purpose, field="purpose", limit=PURPOSE_MAX, required=True, errors=errors
    )
    amount = read_value(amount, "amount", errors, required=True)
    paid_on = _day(paid_on, "paid_on", errors)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            found_fund = _fund(actor, fund)
            _require_organiser(actor, found_fund.area_code)
            found_wish = None
            if wish not in (None, ""):
                found_wish = get_in_scope(Wish.objects.all(), actor, pk=read_pk(wish))
            payout = Payout(
                uuid=key,
                fund=found_fund,
                recipient=recipient,
                purpose=purpose,
                amount=amount,
                paid_on=paid_on,
                paid_by=actor,
                wish=found_wish,
                area_code=found_fund.area_code,
            )
            # First, so that the same pay-out sent again answers the stored one.
            payout.save(force_insert=True)
            if not found_fund.is_active:
                raise ValidationError({"fund": [_("The fund is closed.")]})
            # The fund's row locked (FOR NO KEY UPDATE: the pay-out's row, just inserted,
            # holds a key-share lock on it), pay-outs of the fund are checked one at a time.
            locked = (
                Fund.objects.select_for_update(no_key=True)
                .filter(pk=found_fund.pk)
                .values_list("balance", flat=True)
                .get()
            )
            if locked < amount:
                raise _short(found_fund.pk, amount)
            dip = first_day_short(found_fund.pk, paid_on, amount, leave_out=payout.pk)
            if dip is not None:
                raise _short_on(*dip, amount, paid_on)
            taken = Fund.objects.filter(pk=found_fund.pk, balance__gte=amount).update(
                balance=F("balance") - amount, updated_at=timezone.now()
            )
            if not taken:
                raise _short(found_fund.pk, amount)
            audit.record(
                actor=actor,
                action="volunteering_payout.create",
                obj=payout,
                after=audit.snapshot(payout),
            )
    except IntegrityError:
        found = Payout.objects.filter(uuid=key).first()
        if found is None:
            raise
        sent = {
            "fund_id": validators.read_id(getattr(fund, "pk", fund)),
            "amount": amount,
            "paid_on": paid_on,
        }
        return _replayed(actor, Payout, found, sent), False
    return payout, True
