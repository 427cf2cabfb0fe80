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
"""

from __future__ import annotations

import uuid as uuid_module
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

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


def add_member(
    *, actor, cooperative_id, kind: str, household_id=None, name: str = "", joined_on
) -> Member:
    if kind not in MemberKind.values:
        raise ValidationError({"kind": _("Unknown kind of member.")})
    day = read_day(joined_on, "joined_on")
    name = (name or "").strip()
    if len(name) > 100:
        raise ValidationError({"name": _("The name is too long.")})
    with transaction.atomic():
        coop = get_cooperative(actor, cooperative_id, lock=True)
        require_keeper(actor, coop)
        household = None
        if kind == MemberKind.HOUSEHOLD:
            from yiwang.registry.models import Household

            household = (
                Household.objects.filter(pk=household_id).first()
                if household_id is not None
                else None
            )
            if household is None or not household.area_code.startswith(coop.area_code):
                raise ValidationError({"household_id": _("Not a household of this village.")})
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


def _shares_of(coop: Cooperative, kind: str, amount, area_mu, days) -> tuple[int, dict]:
    if kind in (ContributionKind.MONEY, ContributionKind.ASSETS):
        amount = read_decimal(amount, "amount", positive=True)
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError({"amount": _("Give the amount in yuan to the fen.")})
        shares = int((amount * coop.shares_per_yuan).to_integral_value(ROUND_FLOOR))
        measure = {"amount": amount}
    elif kind == ContributionKind.LAND:
        area_mu = read_decimal(area_mu, "area_mu", positive=True)
        if area_mu != area_mu.quantize(Decimal("0.01")):
            raise ValidationError({"area_mu": _("Give the land in mu to two decimals.")})
        shares = int((area_mu * coop.shares_per_mu).to_integral_value(ROUND_FLOOR))
        measure = {"area_mu": area_mu}
    elif kind == ContributionKind.LABOUR:
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise ValidationError({"days": _("Enter a whole number of days above zero.")})
        shares = days * coop.shares_per_labour_day
        measure = {"days": days}
    else:
        raise ValidationError({"kind": _("Unknown kind of contribution.")})
    if shares <= 0:
        field = next(iter(measure))
        raise ValidationError({field: _("This contribution is worth less than one share.")})
    return shares, measure


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
        coop = get_cooperative(actor, cooperative_id, lock=True)
        require_keeper(actor, coop)
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
        member = members.get(_int(member_id))
        if member is None:
            raise ValidationError({"member_id": _("Not a member of this cooperative.")})
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
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def withdraw(*, actor, member_id, shares, on, reason: str) -> ShareChange:
    """Shares handed back (a member leaving, a correction); never below zero."""
    day = read_day(on, "on")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the shares are withdrawn.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("The reason is too long.")})
    if isinstance(shares, bool) or not isinstance(shares, int) or shares <= 0:
        raise ValidationError({"shares": _("Enter a whole number of shares above zero.")})
    member = Member.objects.filter(pk=_int(member_id)).first()
    if member is None:
        raise Http404(_("No such member."))
    with transaction.atomic():
        coop = get_cooperative(actor, member.cooperative_id, lock=True)
        require_keeper(actor, coop)
        member = _locked_members(coop)[member.pk]
        if shares > member.shares:
            raise ValidationError(
                {"shares": _("The member holds only %(n)d shares.") % {"n": member.shares}}
            )
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
        coop = get_cooperative(actor, cooperative_id)
        require_keeper(actor, coop)
        member = coop.members.filter(pk=_int(member_id)).first()
        if member is None:
            raise ValidationError({"member_id": _("Not a member of this cooperative.")})
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


def import_trading(*, actor, cooperative_id, rows) -> int:
    """Rows read from an XLSX (dicts: `household_number` or `name`, `year`,
    `produce_sold`, `services_bought`), all or nothing: every bad row is reported with its
    row number (the sheet's, the header being row 1). Returns the rows written."""
    with transaction.atomic():
        coop = get_cooperative(actor, cooperative_id)
        require_keeper(actor, coop)
        members = list(coop.members.select_related("household"))
        by_number = {m.household.number: m for m in members if m.household_id}
        by_name: dict[str, list[Member]] = {}
        for m in members:
            by_name.setdefault(m.name, []).append(m)
        errors: list[str] = []
        good = []
        seen: set[tuple[int, int]] = set()
        for index, row in enumerate(rows, start=2):
            number = str(row.get("household_number") or "").strip()
            name = str(row.get("name") or "").strip()
            member = None
            if number:
                member = by_number.get(number)
                problem = (
                    None if member else _("no member of household number %(n)s") % {"n": number}
                )
            elif name:
                found = by_name.get(name, [])
                member = found[0] if len(found) == 1 else None
                problem = (
                    None
                    if member
                    else (
                        _("two members are called %(name)s: give the household number")
                        if found
                        else _("no member called %(name)s")
                    )
                    % {"name": name}
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
