"""Reads of the members' pages: the cooperative and the member a user reads (404
otherwise), the members with their share of all shares, the register, the trading of a
year with its totals, a member's final payouts, and the households of the village to
pick a new member from."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.coops import access
from yiwang.coops.models import (
    DistributionLine,
    DistributionStatus,
    Member,
    ShareChange,
    Trading,
)
from yiwang.core import validators

HOUSEHOLD_HITS = 20
# No row: a name search where the reader reads no name in full.
NOBODY = Q(pk__in=[])


def member_for(user, pk) -> Member:
    """The member `pk` of a cooperative `user` reads, else 404."""
    found = (
        Member.objects.filter(cooperative__in=access.visible_cooperatives(user).values("pk"))
        .select_related("cooperative", "household")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("No such member."))
    return found


def total_shares(cooperative) -> int:
    return cooperative.members.aggregate(total=Sum("shares"))["total"] or 0


def percent(part, total) -> Decimal | None:
    """`part` as a percentage of `total`, to two decimals (None when there is no total)."""
    if not total:
        return None
    return (Decimal(part) * 100 / Decimal(total)).quantize(Decimal("0.01"))


def member_text_q(text: str, *, named: Q | None, prefix: str = "") -> Q | None:
    """The members `text` finds: their household's number; their number, unless a member
    of their cooperative has that household number (as the import, a household number is
    never taken for a member's); or part of their name, only among the members `named` (a
    condition on the row: the cooperatives whose names the reader reads in full; None:
    all). `prefix` leads from the row to its member. None: no text, no condition."""
    text = validators.normalize_text(text or "").strip()
    if not text:
        return None
    q = Q(**{f"{prefix}household__number": text})
    if text.isascii() and text.isdigit() and len(text) <= 18:  # not ² nor ①
        taken = Member.objects.filter(
            cooperative=OuterRef(f"{prefix}cooperative"), household__number=text
        )
        q |= Q(**{f"{prefix}pk": int(text)}) & ~Exists(taken)
    name = Q(**{f"{prefix}name__contains": text})
    return q | (name if named is None else name & named)


def register_of(
    cooperative, *, member: str = "", since=None, until=None, by_name: bool = True
) -> QuerySet[ShareChange]:
    """The register's lines in the order they happened (date, then as recorded); `member`
    a member's number, their household's number or (`by_name`) part of their name."""
    rows = cooperative.register.select_related("member", "actor")
    q = member_text_q(str(member or ""), named=None if by_name else NOBODY, prefix="member__")
    if q is not None:
        rows = rows.filter(q)
    if since:
        rows = rows.filter(on__gte=since)
    if until:
        rows = rows.filter(on__lte=until)
    return rows.order_by("on", "pk")


def trading_years(cooperative) -> list[int]:
    return list(cooperative.trading.order_by("-year").values_list("year", flat=True).distinct())


def trading_of(cooperative, year: int) -> QuerySet[Trading]:
    return (
        cooperative.trading.filter(year=year)
        .select_related("member", "member__household")
        .order_by("member__name", "member_id")
    )


def trading_totals(rows: QuerySet[Trading]) -> dict:
    totals = rows.order_by().aggregate(produce=Sum("produce_sold"), services=Sum("services_bought"))
    produce = totals["produce"] or Decimal("0")
    services = totals["services"] or Decimal("0")
    return {"produce": produce, "services": services, "total": produce + services}


def final_payouts(member) -> QuerySet[DistributionLine]:
    """The member's lines of the final (board-approved) distributions, newest year first."""
    return (
        member.payouts.filter(distribution__status=DistributionStatus.FINAL)
        .select_related("distribution")
        .order_by("-distribution__year", "-distribution_id")
    )


def contribution_shares(cooperative, kind: str, amount=None, area_mu=None, days=None) -> int:
    """The shares a contribution would be worth at the charter's rates, as the service
    reckons them (ValidationError naming the field for a bad amount)."""
    from yiwang.coops.services.members import _shares_of

    shares, _measure = _shares_of(cooperative, kind, amount, area_mu, days)
    return shares


def village_households(user, cooperative, text: str) -> list:
    """Active households of the cooperative's village in the user's scope that `text`
    finds (the household number, or part of the head's name), each with `head_name` and
    `is_member` (already a member of this cooperative)."""
    from yiwang.registry.models import (
        Household,
        HouseholdStatus,
        Relation,
        Resident,
        ResidentStatus,
    )

    text = validators.normalize_text(text or "").strip()
    if not text:
        return []
    heads = Resident.objects.filter(
        household=OuterRef("pk"), relation=Relation.HEAD, status=ResidentStatus.LIVING
    )
    rows = (
        Household.objects.visible_to(user)
        .under(cooperative.area_code)
        .filter(status=HouseholdStatus.ACTIVE)
        .select_related("unit")
        .annotate(
            head_name=Subquery(heads.values("name")[:1]),
            is_member=Exists(
                Member.objects.filter(cooperative=cooperative, household=OuterRef("pk"))
            ),
        )
        .filter(Q(number=text) | Exists(heads.filter(name__contains=text)))
    )
    return list(rows.order_by("area_code", "number")[:HOUSEHOLD_HITS])


def household_for(user, cooperative, pk):
    """A household picked for a new member: one the user sees, with its head's name;
    None when there is none (the service then says it is not of the village)."""
    from yiwang.registry.models import Household

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Household.objects.visible_to(user).select_related("unit").filter(pk=pk).first()


def village_numbers(user, cooperative) -> frozenset[str]:
    """The household numbers of the cooperative's village (the import never takes one of
    them for a member's number)."""
    from yiwang.registry.models import Household

    return frozenset(
        Household.objects.visible_to(user)
        .under(cooperative.area_code)
        .values_list("number", flat=True)
    )


def published_notice(cooperative) -> dict:
    """What the public notice (公示) shows: the latest final distribution (`run`, None
    before the first), its lines' sums, and a row per member, the name masked: a member
    with a line shows the shares that distribution used (DistributionLine.shares, not
    today's) and its amounts; one without shows their current shares only."""
    from yiwang.core.masking import mask_name

    run = (
        cooperative.distributions.filter(status=DistributionStatus.FINAL)
        .order_by("-year", "-pk")
        .first()
    )
    lines = {line.member_id: line for line in run.lines.all()} if run is not None else {}
    used = sum(line.shares for line in lines.values())
    members = list(cooperative.members.order_by("pk"))
    current = sum(member.shares for member in members)
    rows = []
    for member in members:
        line = lines.get(member.pk)
        shares = line.shares if line is not None else member.shares
        rows.append(
            {
                "member_id": member.pk,
                "name": mask_name(member.name),
                "kind": member.kind,
                "shares": shares,
                "current": line is None,
                "percent": percent(shares, used if line is not None else current),
                "by_trading": line.by_trading if line is not None else None,
                "by_shares": line.by_shares if line is not None else None,
                "total": line.total if line is not None else None,
            }
        )
    return {
        "run": run,
        "rows": rows,
        "total": used if run is not None else current,
        "paid": sum((line.total for line in lines.values()), Decimal("0")),
    }
