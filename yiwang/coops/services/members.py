"""Members, their contributions, the share register and their trading.

Shares: money and the collective's assets at `shares_per_yuan` a yuan, land at
`shares_per_mu` a mu (rounded down to a whole share: 2.5 mu × 8,000 = 20,000), labour
at `shares_per_labour_day` a day. Each change writes a ShareChange (the register's line,
dated, with the balance after it) and the member's `shares` in the same transaction.

The holding cap (the charter's `holding_cap`, a share of all shares): after a
contribution no member may hold more than cap × all shares. Decided here:
- the village collective is not capped: its funds, assets and resources (三资) are the
  village's own and the party branch's lead rests on them; its shares count in all
  shares. Every other member (households and others) is capped, as the 烟台 rule says.
- A contribution only lowers the others' share of all shares, so only the contributor
  can come to exceed the cap: that is what is checked, with the cooperative's row and
  its members locked (select_for_update) so two contributions at once cannot both pass.
  So the register is built from the collective's contribution first (a household alone
  would hold all shares).
- A withdrawal raises the others' share of all shares but is not refused for it: a
  member may always leave (Farmers' Professional Cooperatives Law, Art. 25); the charter
  is then to be put right by the board. The balance never goes below zero.

The register keeps each line's balance in the order the lines are recorded, and its page
lists them by date: so a change is never dated before the member's latest line, before
the member joined, or after today (the local date). A member leaving (`leave_member`)
hands back all their shares on that day; the village collective does not leave.

Bounds: a contribution of at most 999,999,999,999.99 yuan, 1,000,000 mu or 36,500 days
of labour, worth at most 2^63 - 1 shares with the member's balance (a BigIntegerField).
"""

from __future__ import annotations

import uuid as uuid_module
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.coops.models import (
    Contribution,
    ContributionKind,
    Cooperative,
    Member,
    MemberKind,
    ShareChange,
    Trading,
)
from yiwang.coops.services.common import get_cooperative, read_day, read_decimal, require_keeper
from yiwang.core import audit

# The largest value of a BigIntegerField (shares, balances).
MAX_SHARES = 2**63 - 1
MAX_AMOUNT = Decimal("999999999999.99")
MAX_AREA_MU = Decimal(10**6)
MAX_DAYS = 36500
_MONEY = (
    "amount",
    "shares_per_yuan",
    MAX_AMOUNT,
    gettext_noop("At most 999,999,999,999.99 yuan."),
    gettext_noop("Give the amount in yuan to the fen."),
)
# The kinds measured in a decimal to two places: (the field, the charter's shares a unit of
# it, at most, what is said above that and what is said of a finer figure).
MEASURED = {
    ContributionKind.MONEY: _MONEY,
    ContributionKind.ASSETS: _MONEY,
    ContributionKind.LAND: (
        "area_mu",
        "shares_per_mu",
        MAX_AREA_MU,
        gettext_noop("At most 1,000,000 mu."),
        gettext_noop("Give the land in mu to two decimals."),
    ),
}


def add_member(
    *, actor, cooperative_id, kind: str, household_id=None, name: str = "", joined_on
) -> Member:
    if kind not in MemberKind.values:
        raise ValidationError({"kind": _("Unknown kind of member.")})
    day = read_day(joined_on, "joined_on")
    if day > timezone.localdate():
        raise ValidationError({"joined_on": _("The date cannot be in the future.")})
    name = (name or "").strip()
    if len(name) > 100:
        raise ValidationError({"name": _("The name is too long.")})
    with transaction.atomic():
        coop = _kept_cooperative(actor, cooperative_id, lock=True)
        household = None
        if kind == MemberKind.HOUSEHOLD:
            from yiwang.registry.models import Household, HouseholdStatus

            household = (
                Household.objects.filter(pk=household_id).first()
                if household_id is not None
                else None
            )
            if household is None or not household.area_code.startswith(coop.area_code):
                raise ValidationError({"household_id": _("Not a household of this village.")})
            if household.status != HouseholdStatus.ACTIVE:
                raise ValidationError(
                    {
                        "household_id": _(
                            "This household has moved out or been dissolved: it cannot join."
                        )
                    }
                )
            if coop.members.filter(household=household).exists():
                raise ValidationError({"household_id": _("This household is already a member.")})
            if not name:
                head = household.head
                name = head.name if head is not None else household.number
        elif household_id is not None:
            raise ValidationError({"household_id": _("Only a household member names a household.")})
        if kind == MemberKind.COLLECTIVE:
            if coop.members.filter(kind=MemberKind.COLLECTIVE).exists():
                raise ValidationError({"kind": _("The village collective is already a member.")})
            if not name:
                from yiwang.areas.models import Area

                area = Area.objects.filter(code=coop.area_code).first()
                name = _("%(village)s collective") % {
                    "village": area.name if area else coop.area_code
                }
        if not name:
            raise ValidationError({"name": _("Enter the member's name.")})
        member = Member.objects.create(
            cooperative=coop,
            kind=kind,
            household=household,
            name=name,
            joined_on=day,
            area_code=coop.area_code,
        )
        audit.record(
            actor=actor,
            action="coops.member_add",
            obj=member,
            area_code=coop.area_code,
            after={"kind": kind, "household": household_id, "joined_on": day.isoformat()},
        )
    return member


def _kept_cooperative(actor, cooperative_id, *, lock: bool = False) -> Cooperative:
    """The cooperative `actor` reads (404) and keeps (403), its row locked when `lock`."""
    coop = get_cooperative(actor, cooperative_id, lock=lock)
    require_keeper(actor, coop)
    return coop


def _shares_of(coop: Cooperative, kind: str, amount, area_mu, days) -> tuple[int, dict]:
    measured = MEASURED.get(kind) if isinstance(kind, str) else None
    if measured is not None:
        field, per_unit, most, too_much, too_fine = measured
        value = read_decimal({"amount": amount, "area_mu": area_mu}[field], field, positive=True)
        if value > most:
            raise ValidationError({field: _(too_much)})
        if value != value.quantize(Decimal("0.01")):
            raise ValidationError({field: _(too_fine)})
        shares = int((value * getattr(coop, per_unit)).to_integral_value(ROUND_FLOOR))
        measure = {field: value}
    elif kind == ContributionKind.LABOUR:
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise ValidationError({"days": _("Enter a whole number of days above zero.")})
        if days > MAX_DAYS:
            raise ValidationError({"days": _("At most 36,500 days of labour.")})
        shares = days * coop.shares_per_labour_day
        measure = {"days": days}
    else:
        raise ValidationError({"kind": _("Unknown kind of contribution.")})
    field = next(iter(measure))
    if shares <= 0:
        raise ValidationError({field: _("This contribution is worth less than one share.")})
    if shares > MAX_SHARES:
        raise ValidationError({field: _("This contribution is worth too many shares.")})
    return shares, measure


def _found_member(member: Member | None) -> Member:
    """`member`, found among the cooperative's members, or the error of the field."""
    if member is None:
        raise ValidationError({"member_id": _("Not a member of this cooperative.")})
    return member


def _locked_members(coop: Cooperative) -> dict[int, Member]:
    return {
        m.pk: m for m in Member.objects.select_for_update().filter(cooperative=coop).order_by("pk")
    }


def _check_cap(
    coop: Cooperative, members: dict[int, Member], member: Member, new_shares: int
) -> None:
    if coop.holding_cap is None or member.kind == MemberKind.COLLECTIVE:
        return
    total = sum(m.shares for m in members.values()) - member.shares + new_shares
    if total and Decimal(new_shares) > coop.holding_cap * total:
        raise ValidationError(
            {
                "shares": _(
                    "No member may hold more than %(cap)s%% of all shares (the charter's cap): "
                    "after this, %(name)s would hold %(shares)d of %(total)d shares, at most "
                    "%(most)d allowed."
                )
                % {
                    "cap": f"{(coop.holding_cap * 100).normalize():f}",
                    "name": member.name,
                    "shares": new_shares,
                    "total": total,
                    "most": int(coop.holding_cap * total),
                }
            }
        )


def _date_problem(member: Member, day) -> str | None:
    """Why a register line of `member` cannot be dated `day` (None: it can). The
    member's row is locked by the caller."""
    if day > timezone.localdate():
        return _("The date cannot be in the future.")
    if day < member.joined_on:
        return _("The date cannot be before the member joined (%(day)s).") % {
            "day": member.joined_on.isoformat()
        }
    latest = member.share_changes.aggregate(latest=Max("on"))["latest"]
    if latest is not None and day < latest:
        return _(
            "The date cannot be before the member's latest line in the share register (%(day)s)."
        ) % {"day": latest.isoformat()}
    return None


def _change(coop, member, *, on, delta, reason, contribution=None, actor=None) -> ShareChange:
    member.shares += delta
    member.save(update_fields=["shares"])
    return ShareChange.objects.create(
        cooperative=coop,
        member=member,
        on=on,
        delta=delta,
        balance=member.shares,
        reason=reason,
        contribution=contribution,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def contribute(
    *,
    actor,
    cooperative_id,
    member_id,
    kind: str,
    amount=None,
    area_mu=None,
    days=None,
    on,
    note: str = "",
    uuid=None,
) -> tuple[Contribution, bool]:
    """A contribution turned into shares; (the contribution, created). The same `uuid`
    twice returns the first one, unchanged."""
    day = read_day(on, "on")
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("The note is too long.")})
    if uuid is not None:
        try:
            uuid = uuid if isinstance(uuid, uuid_module.UUID) else uuid_module.UUID(str(uuid))
        except ValueError:
            raise ValidationError({"uuid": _("Not a valid UUID.")}) from None
    with transaction.atomic():
        coop = _kept_cooperative(actor, cooperative_id, lock=True)
        if uuid is not None:
            existing = Contribution.objects.filter(uuid=uuid).first()
            if existing is not None:
                if existing.cooperative_id != coop.pk or existing.member_id != _int(member_id):
                    raise ValidationError(
                        {"uuid": _("This UUID was used for another contribution.")}
                    )
                return existing, False
        shares, measure = _shares_of(coop, kind, amount, area_mu, days)
        members = _locked_members(coop)
        member = _found_member(members.get(_int(member_id)))
        if member.left_on is not None:
            raise ValidationError({"member_id": _("This member has left the cooperative.")})
        if kind == ContributionKind.ASSETS and member.kind != MemberKind.COLLECTIVE:
            raise ValidationError(
                {
                    "kind": _(
                        "Only the village collective contributes its funds, assets and resources."
                    )
                }
            )
        if member.shares + shares > MAX_SHARES:
            raise ValidationError(
                {
                    next(iter(measure)): _(
                        "The member's shares would come to more than the register can hold."
                    )
                }
            )
        _raise_date_problem(member, day)
        _check_cap(coop, members, member, member.shares + shares)
        contribution = Contribution.objects.create(
            cooperative=coop,
            member=member,
            kind=kind,
            shares=shares,
            on=day,
            note=note,
            uuid=uuid or uuid_module.uuid4(),
            area_code=coop.area_code,
            recorded_by=actor if getattr(actor, "pk", None) else None,
            **measure,
        )
        _change(
            coop,
            member,
            on=day,
            delta=shares,
            reason=_("Contribution: %(kind)s") % {"kind": contribution.get_kind_display()},
            contribution=contribution,
            actor=actor,
        )
        audit.record(
            actor=actor,
            action="coops.contribute",
            obj=contribution,
            area_code=coop.area_code,
            after={
                "member": member.pk,
                "kind": kind,
                "shares": shares,
                "balance": member.shares,
                "on": day.isoformat(),
                **{k: str(v) for k, v in measure.items()},
            },
        )
    return contribution, True


def _int(value):
    """A row's id given as an int or as ASCII digits ("²" and other Unicode digits are not
    numbers here); None when it is not one or cannot be a row's id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not (text.isascii() and text.isdecimal()):
            return None
        number = int(text)
    return number if 0 < number <= MAX_SHARES else None


def _read_reason(reason, missing: str, most: int) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": missing})
    if len(reason) > most:
        raise ValidationError({"reason": _("The reason is too long.")})
    return reason


def _member_of(member_id) -> Member:
    """The member `member_id` (any cooperative's), else 404."""
    member = Member.objects.filter(pk=_int(member_id)).first()
    if member is None:
        raise Http404(_("No such member."))
    return member


def _kept_member(actor, member: Member) -> tuple[Cooperative, Member]:
    """`member`'s cooperative, which `actor` keeps, and `member` again, both locked with
    the other members (in a transaction)."""
    coop = _kept_cooperative(actor, member.cooperative_id, lock=True)
    return coop, _locked_members(coop)[member.pk]


def _raise_date_problem(member: Member, day) -> None:
    problem = _date_problem(member, day)
    if problem is not None:
        raise ValidationError({"on": problem})


def withdraw(*, actor, member_id, shares, on, reason: str) -> ShareChange:
    """Shares handed back (a member leaving, a correction); never below zero."""
    day = read_day(on, "on")
    reason = _read_reason(reason, _("Say why the shares are withdrawn."), 200)
    if isinstance(shares, bool) or not isinstance(shares, int) or shares <= 0:
        raise ValidationError({"shares": _("Enter a whole number of shares above zero.")})
    member = _member_of(member_id)
    with transaction.atomic():
        coop, member = _kept_member(actor, member)
        errors = {}
        if shares > member.shares:
            errors["shares"] = _("The member holds only %(n)d shares.") % {"n": member.shares}
        problem = _date_problem(member, day)
        if problem is not None:
            errors["on"] = problem
        if errors:
            raise ValidationError(errors)
        change = _change(coop, member, on=day, delta=-shares, reason=reason, actor=actor)
        audit.record(
            actor=actor,
            action="coops.withdraw",
            obj=member,
            area_code=coop.area_code,
            after={
                "shares": -shares,
                "balance": member.shares,
                "on": day.isoformat(),
                "reason": reason,
            },
        )
    return change


def leave_member(*, actor, member_id, on, reason: str) -> Member:
    """A member leaves on `on`: their remaining shares are handed back (a register line,
    when they hold any) and `left_on` is set. The village collective does not leave."""
    day = read_day(on, "on")
    # Kept short enough for the register line that quotes it (200 characters).
    reason = _read_reason(reason, _("Say why the member leaves."), 150)
    member = _member_of(member_id)
    with transaction.atomic():
        coop, member = _kept_member(actor, member)
        if member.kind == MemberKind.COLLECTIVE:
            raise ValidationError(
                {
                    "member_id": _(
                        "The village collective cannot leave its cooperative: the party "
                        "branch's lead rests on its funds, assets and resources."
                    )
                }
            )
        if member.left_on is not None:
            raise ValidationError({"member_id": _("This member has already left the cooperative.")})
        _raise_date_problem(member, day)
        held = member.shares
        if held:
            _change(
                coop,
                member,
                on=day,
                delta=-held,
                reason=_("Left the cooperative: %(reason)s") % {"reason": reason},
                actor=actor,
            )
        member.left_on = day
        member.save(update_fields=["left_on"])
        audit.record(
            actor=actor,
            action="coops.member_leave",
            obj=member,
            area_code=coop.area_code,
            before={"shares": held},
            after={"left_on": day.isoformat(), "shares": 0, "reason": reason},
        )
    return member


def _read_year(year) -> int:
    if isinstance(year, bool):
        raise ValidationError({"year": _("Enter a year.")})
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Enter a year.")}) from None
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year.")})
    return year


def _trading_values(year, produce_sold, services_bought) -> tuple[int, Decimal, Decimal]:
    year = _read_year(year)
    produce = read_decimal(produce_sold if produce_sold not in (None, "") else 0, "produce_sold")
    services = read_decimal(
        services_bought if services_bought not in (None, "") else 0, "services_bought"
    )
    for field, value in (("produce_sold", produce), ("services_bought", services)):
        if value != value.quantize(Decimal("0.01")) or value >= Decimal("1e12"):
            raise ValidationError({field: _("Give the amount in yuan to the fen.")})
    return year, produce, services


def _upsert_trading(coop, member, year, produce, services) -> Trading:
    trading, _created = Trading.objects.update_or_create(
        member=member,
        year=year,
        defaults={
            "cooperative": coop,
            "produce_sold": produce,
            "services_bought": services,
            "area_code": coop.area_code,
        },
    )
    return trading


def record_trading(
    *, actor, cooperative_id, member_id, year, produce_sold, services_bought
) -> Trading:
    """A member's trading of a year (replaces what was recorded for that year)."""
    year, produce, services = _trading_values(year, produce_sold, services_bought)
    with transaction.atomic():
        coop = _kept_cooperative(actor, cooperative_id)
        member = _found_member(coop.members.filter(pk=_int(member_id)).first())
        trading = _upsert_trading(coop, member, year, produce, services)
        audit.record(
            actor=actor,
            action="coops.trading",
            obj=trading,
            area_code=coop.area_code,
            after={
                "member": member.pk,
                "year": year,
                "produce_sold": str(produce),
                "services_bought": str(services),
            },
        )
    return trading


def _the_one(found: list[Member], several: str, none: str, values: dict):
    """(the member, None) when `found` holds exactly one, else (None, why not)."""
    if len(found) == 1:
        return found[0], None
    return None, (several if found else none) % values


def import_trading(*, actor, cooperative_id, rows) -> int:
    """Rows read from an XLSX (dicts: `member_id`, `household_number` or `name`, `year`,
    `produce_sold`, `services_bought`), all or nothing: every bad row is reported with its
    row number (the sheet's, the header being row 1). Returns the rows written."""
    with transaction.atomic():
        coop = _kept_cooperative(actor, cooperative_id)
        members = list(coop.members.select_related("household"))
        by_id = {m.pk: m for m in members}
        # Household numbers are unique within a unit, not a village: a number two of the
        # members' households share asks for the member's number instead.
        by_number: dict[str, list[Member]] = {}
        for m in members:
            if m.household_id:
                by_number.setdefault(m.household.number, []).append(m)
        by_name: dict[str, list[Member]] = {}
        for m in members:
            by_name.setdefault(m.name, []).append(m)
        errors: list[str] = []
        good = []
        seen: set[tuple[int, int]] = set()
        for index, row in enumerate(rows, start=2):
            member_id = str(row.get("member_id") or "").strip()
            number = str(row.get("household_number") or "").strip()
            name = str(row.get("name") or "").strip()
            member = None
            if member_id:
                member = by_id.get(_int(member_id))
                problem = (
                    None
                    if member
                    else _("no member numbered %(n)s in this cooperative") % {"n": member_id}
                )
            elif number:
                member, problem = _the_one(
                    by_number.get(number, []),
                    _("several members' households are numbered %(n)s: give the member's number"),
                    _("no member of household number %(n)s"),
                    {"n": number},
                )
            elif name:
                member, problem = _the_one(
                    by_name.get(name, []),
                    _("two members are called %(name)s: give the household number"),
                    _("no member called %(name)s"),
                    {"name": name},
                )
            else:
                problem = _("give the household number or the member's name")
            if problem is None:
                try:
                    year, produce, services = _trading_values(
                        row.get("year"), row.get("produce_sold"), row.get("services_bought")
                    )
                except ValidationError as error:
                    problem = "; ".join(
                        f"{field}: {' '.join(messages)}"
                        for field, messages in error.message_dict.items()
                    )
            if problem is None and (member.pk, year) in seen:
                problem = _("this member's year is already on an earlier row")
            if problem is not None:
                errors.append(_("Row %(row)d: %(problem)s") % {"row": index, "problem": problem})
                continue
            seen.add((member.pk, year))
            good.append((member, year, produce, services))
        if errors:
            raise ValidationError({"rows": errors})
        for member, year, produce, services in good:
            _upsert_trading(coop, member, year, produce, services)
        audit.record(
            actor=actor,
            action="coops.trading_import",
            obj=coop,
            area_code=coop.area_code,
            after={"rows": len(good)},
        )
    return len(good)
