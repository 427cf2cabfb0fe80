"""The year's distribution: run by the cooperative's accountant as a draft from the
members' current shares and the year's trading (yiwang.coops.distribution works it out
to the fen), approved by the chair on the board's behalf. A final distribution is
unchangeable and a year has at most one; a newer draft replaces the older drafts of its
year. The register is published (公示) with the members' names masked."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
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
    Trading,
)
from yiwang.coops.services.common import get_cooperative, read_decimal
from yiwang.coops.services.members import _read_year
from yiwang.core import audit
from yiwang.core.masking import mask_name

MONEY_FIELDS = ("reserve", "distributable", "trading_pool", "shares_pool")


def run_distribution(*, actor, cooperative_id, year, surplus) -> Distribution:
    year = _read_year(year)
    if isinstance(surplus, float):
        raise ValidationError({"surplus": _("Give the surplus in yuan as text, to the fen.")})
    surplus = read_decimal(surplus, "surplus")
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
        members = list(Member.objects.filter(cooperative=coop, left_on__isnull=True).order_by("pk"))
        trading = {
            row["member_id"]: row["total"]
            for row in Trading.objects.filter(cooperative=coop, year=year)
            .values("member_id")
            .annotate(total=Sum(F("produce_sold") + F("services_bought")))
        }
        try:
            result = engine.distribute(
                surplus=surplus,
                reserve_rate=coop.reserve_rate,
                mode=engine.Mode(coop.mode),
                members=[
                    engine.Member(
                        key=m.pk, shares=m.shares, trading=Decimal(trading.get(m.pk) or 0)
                    )
                    for m in members
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
            steps=[str(step) for step in result.steps],
            area_code=coop.area_code,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        by_key = {m.pk: m for m in members}
        DistributionLine.objects.bulk_create(
            DistributionLine(
                distribution=run,
                member=by_key[line.key],
                shares=by_key[line.key].shares,
                trading=Decimal(trading.get(line.key) or 0),
                by_trading=line.by_trading,
                by_shares=line.by_shares,
                total=line.total,
            )
            for line in result.lines
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
    return run


def approve_distribution(*, actor, distribution_id) -> Distribution:
    with transaction.atomic():
        run = Distribution.objects.select_for_update().filter(pk=distribution_id).first()
        if run is None:
            raise Http404(_("No such distribution."))
        coop = get_cooperative(actor, run.cooperative_id, lock=True)
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
    return run


def published_register(cooperative) -> list[dict]:
    """The rows of the 公示: each member (name masked), their shares and the year's
    amounts of the cooperative's latest final distribution, if any."""
    run = (
        cooperative.distributions.filter(status=DistributionStatus.FINAL).order_by("-year").first()
    )
    lines = {}
    if run is not None:
        lines = {line.member_id: line for line in run.lines.all()}
    rows = []
    for member in cooperative.members.order_by("pk"):
        line = lines.get(member.pk)
        rows.append(
            {
                "member_id": member.pk,
                "name": mask_name(member.name),
                "kind": member.kind,
                "shares": member.shares,
                "year": run.year if run else None,
                "trading": line.trading if line else None,
                "by_trading": line.by_trading if line else None,
                "by_shares": line.by_shares if line else None,
                "total": line.total if line else None,
            }
        )
    return rows
