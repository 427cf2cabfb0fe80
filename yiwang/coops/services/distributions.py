"""The year's distribution: run by the cooperative's accountant as a draft, for a year
that is over, on each member's balance in the share register at its 31 December and the
year's trading (yiwang.coops.distribution works it out to the fen); approved by the chair
on the board's behalf. A final distribution is unchangeable and a year has at most one; a
newer draft replaces the older drafts of its year. The published register (公示) is
selectors.members.published_notice."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.coops import access
from yiwang.coops import distribution as engine
from yiwang.coops.models import (
    Distribution,
    DistributionLine,
    DistributionStatus,
    Member,
    ShareChange,
    Trading,
)
from yiwang.coops.services.common import get_cooperative, read_decimal
from yiwang.coops.services.members import _read_year
from yiwang.core import audit
from yiwang.core.bulk import insert_rows
from yiwang.notices.models import Notification

MONEY_FIELDS = ("reserve", "distributable", "trading_pool", "shares_pool")
FEN = Decimal("0.01")
ZERO = Decimal("0.00")

# The inbox's kinds of notification (registered in views/registry_core.py).
NOTICE_AWAITING = "coops.awaiting_approval"
NOTICE_APPROVED = "coops.approved"


def _notify(kind: str, run: Distribution, text: str, recipient_ids) -> None:
    Notification.objects.bulk_create(
        Notification(
            kind=kind,
            object_type=run._meta.label_lower,
            object_id=run.pk,
            recipient_id=user_id,
            text=text,
        )
        for user_id in sorted(set(recipient_ids))
    )


def _holdings(coop, year: int) -> list[tuple[int, int]]:
    """(member id, shares held on 31 December of `year`) of the members of the cooperative
    then, in one query: the sum of the register's changes dated on or before that day (the
    same as the balance of its latest line by (on, id) when the register was kept in date
    order, and right even when a change was recorded late)."""
    year_end = datetime.date(year, 12, 31)
    held = (
        ShareChange.objects.filter(member=OuterRef("pk"), on__lte=year_end)
        .order_by()
        .values("member")
        .annotate(total=Sum("delta"))
        .values("total")
    )
    rows = (
        Member.objects.filter(cooperative=coop, joined_on__lte=year_end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=year_end))
        .annotate(held=Coalesce(Subquery(held), 0))
        .order_by("pk")
        .values_list("pk", "held")
    )
    return [(pk, max(int(held), 0)) for pk, held in rows]


def run_distribution(*, actor, cooperative_id, year, surplus) -> Distribution:
    year = _read_year(year)
    if year >= timezone.localdate().year:
        raise ValidationError(
            {
                "year": _("Only a year that is over can be distributed (%(year)d is not).")
                % {"year": year}
            }
        )
    if isinstance(surplus, float):
        raise ValidationError({"surplus": _("Give the surplus in yuan as text, to the fen.")})
    surplus = read_decimal(surplus, "surplus", maximum=engine.MAX_SURPLUS)
    with transaction.atomic():
        coop = get_cooperative(actor, cooperative_id, lock=True)
        if not access.can_run_distribution(actor, coop):
            raise PermissionDenied(_("Only the cooperative's accountant runs the distribution."))
        if coop.distributions.filter(year=year, status=DistributionStatus.FINAL).exists():
            raise ValidationError(
                {
                    "year": _("The distribution of %(year)d is final and cannot be changed.")
                    % {"year": year}
                }
            )
        # The year's trading by member, to the fen (SQLite sums decimals as floats).
        trading = {
            row["member_id"]: Decimal(str(row["total"] or 0)).quantize(FEN)
            for row in Trading.objects.filter(cooperative=coop, year=year)
            .values("member_id")
            .annotate(total=Sum(F("produce_sold") + F("services_bought")))
        }
        # Paid on the shares held at the year's end; a member who then held none and did
        # not trade in the year has no line.
        shares = {
            pk: held for pk, held in _holdings(coop, year) if held > 0 or trading.get(pk, ZERO) > 0
        }
        if coop.mode == engine.Mode.STATUTORY and not any(trading.values()):
            raise ValidationError({"members": engine.no_trading_message()})
        if not shares:
            raise ValidationError(
                {
                    "members": _(
                        "No member held shares at the end of %(year)d or traded with the "
                        "cooperative in it."
                    )
                    % {"year": year}
                }
            )
        try:
            result = engine.distribute(
                surplus=surplus,
                reserve_rate=coop.reserve_rate,
                mode=engine.Mode(coop.mode),
                members=[
                    engine.Member(key=pk, shares=held, trading=trading.get(pk, ZERO))
                    for pk, held in shares.items()
                ],
                trading_share=coop.trading_share,
            )
        except engine.DistributionError as error:
            raise ValidationError({error.field: str(error.message)}) from None
        replaced = list(
            coop.distributions.filter(year=year, status=DistributionStatus.DRAFT).values_list(
                "pk", flat=True
            )
        )
        if replaced:
            DistributionLine.objects.filter(distribution__in=replaced).delete()
            Distribution.objects.filter(pk__in=replaced).delete()
        run = Distribution.objects.create(
            cooperative=coop,
            year=year,
            surplus=result.surplus,
            reserve_rate=coop.reserve_rate,
            mode=coop.mode,
            trading_share=coop.trading_share,
            reserve=result.reserve,
            distributable=result.distributable,
            trading_pool=result.trading_pool,
            shares_pool=result.shares_pool,
            steps=list(result.steps),
            area_code=coop.area_code,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        # One prepared INSERT (COPY on PostgreSQL) for the lines: a cooperative of 5,000
        # members is run in well under a second.
        insert_rows(
            DistributionLine,
            ("distribution", "member", "shares", "trading", "by_trading", "by_shares", "total"),
            (
                (
                    run.pk,
                    line.key,
                    shares[line.key],
                    trading.get(line.key, ZERO),
                    line.by_trading,
                    line.by_shares,
                    line.total,
                )
                for line in result.lines
            ),
        )
        audit.record(
            actor=actor,
            action="coops.distribution_run",
            obj=run,
            area_code=coop.area_code,
            after={
                "year": year,
                "surplus": str(result.surplus),
                "replaced": replaced,
                **{k: str(getattr(result, k)) for k in MONEY_FIELDS},
            },
        )
        chairs = coop.board.filter(
            role="chair", left_on__isnull=True, user__isnull=False, user__is_active=True
        ).values_list("user_id", flat=True)
        _notify(
            NOTICE_AWAITING,
            run,
            _("The distribution of %(year)d of %(coop)s awaits the board's approval.")
            % {"year": year, "coop": coop.name},
            [uid for uid in chairs if uid != getattr(actor, "pk", None)],
        )
    return run


def approve_distribution(*, actor, distribution_id) -> Distribution:
    try:
        distribution_id = int(distribution_id)
    except (TypeError, ValueError):
        raise Http404(_("No such distribution.")) from None
    with transaction.atomic():
        # The cooperative first, then the run: the order run_distribution locks in (it
        # locks the cooperative, then deletes the older drafts).
        coop_id = (
            Distribution.objects.filter(pk=distribution_id)
            .order_by()
            .values_list("cooperative_id", flat=True)
            .first()
        )
        if coop_id is None:
            raise Http404(_("No such distribution."))
        coop = get_cooperative(actor, coop_id, lock=True)
        run = Distribution.objects.select_for_update().filter(pk=distribution_id).first()
        if run is None:
            raise ValidationError(
                {
                    "status": _(
                        "This draft was replaced by a newer draft of the year; approve the newer one."
                    )
                }
            )
        if not access.can_approve_distribution(actor, coop):
            raise PermissionDenied(_("Only the cooperative's chair approves the distribution."))
        if run.status == DistributionStatus.FINAL:
            raise ValidationError({"status": _("This distribution is already approved.")})
        if coop.distributions.filter(year=run.year, status=DistributionStatus.FINAL).exists():
            raise ValidationError(
                {"year": _("The distribution of %(year)d is already final.") % {"year": run.year}}
            )
        run.status = DistributionStatus.FINAL
        run.approved_by = actor if getattr(actor, "pk", None) else None
        run.approved_at = timezone.now()
        try:
            with transaction.atomic():
                run.save(update_fields=["status", "approved_by", "approved_at"])
        except IntegrityError:
            raise ValidationError(
                {"year": _("The distribution of %(year)d is already final.") % {"year": run.year}}
            ) from None
        audit.record(
            actor=actor,
            action="coops.distribution_approve",
            obj=run,
            area_code=coop.area_code,
            after={"year": run.year, "status": run.status, "surplus": str(run.surplus)},
        )
        if run.created_by_id and run.created_by_id != getattr(actor, "pk", None):
            _notify(
                NOTICE_APPROVED,
                run,
                _("The board approved the distribution of %(year)d of %(coop)s.")
                % {"year": run.year, "coop": coop.name},
                [run.created_by_id],
            )
    return run


def distribution_links(user, ids) -> dict:
    """{distribution id: (URL, title)} of the distributions among `ids` the user sees
    (the inbox; one query)."""
    from django.urls import reverse

    q = access.cooperative_q(user)
    rows = Distribution.objects.filter(pk__in=list(ids))
    if q is not None:
        rows = rows.filter(cooperative__in=access.visible_cooperatives(user).values("pk"))
    return {
        pk: (reverse("coops:distribution", args=[pk]), f"{name} {year}")
        for pk, name, year in rows.values_list("pk", "cooperative__name", "year")
    }
