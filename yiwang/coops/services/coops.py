"""Cooperatives, their charter's terms and their board.

County and town admins (and the village's grid chief) create and keep a village's
cooperative (yiwang.coops.access). The board's history is kept: a seat is ended with a
date and a reason, never deleted; there is one chair at a time (the seat of the chair
must be ended before another is appointed). `actor=None` is the command line.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.areas.models import Area, Level
from yiwang.coops import access
from yiwang.coops.models import Alliance, BoardRole, BoardSeat, Cooperative, DistributionMode
from yiwang.coops.services.common import get_cooperative, read_day, read_decimal, require_keeper
from yiwang.core import access as core_access
from yiwang.core import audit

CHARTER_FIELDS = (
    "reserve_rate",
    "holding_cap",
    "mode",
    "trading_share",
    "shares_per_yuan",
    "shares_per_mu",
    "shares_per_labour_day",
)


def _clean_terms(terms: dict) -> dict:
    """The charter's terms checked; ValidationError naming the field at fault."""
    unknown = set(terms) - set(CHARTER_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Not a term of the charter.")})
    out: dict = {}
    if "reserve_rate" in terms:
        rate = read_decimal(terms["reserve_rate"], "reserve_rate")
        if not rate < 1:
            raise ValidationError(
                {
                    "reserve_rate": _(
                        "The reserve rate must be at least 0 and below 1 (for example 0.10 for 10%)."
                    )
                }
            )
        out["reserve_rate"] = rate
    if "holding_cap" in terms:
        cap = read_decimal(terms["holding_cap"], "holding_cap", positive=True, allow_none=True)
        if cap is not None and cap > 1:
            raise ValidationError(
                {
                    "holding_cap": _(
                        "The cap on one member's holding is a share of all shares, above 0 and at most 1 (0.20 for 20%)."
                    )
                }
            )
        out["holding_cap"] = cap
    if "mode" in terms:
        if terms["mode"] not in DistributionMode.values:
            raise ValidationError({"mode": _("Unknown distribution mode.")})
        out["mode"] = terms["mode"]
    if "trading_share" in terms:
        share = read_decimal(terms["trading_share"], "trading_share")
        if not (Decimal("0.6") <= share <= 1):
            raise ValidationError(
                {
                    "trading_share": _(
                        "At least 60% of the distributable surplus is returned by trading (Art. 44): between 0.60 and 1."
                    )
                }
            )
        out["trading_share"] = share
    for field, message in RATE_MESSAGES.items():
        if field in terms:
            value = _whole_number(terms[field])
            if value is None or not 1 <= value <= MAX_RATE:
                raise ValidationError({field: message()})
            out[field] = value
    return out


# The charter's rates are PositiveIntegerFields: from 1 to MAX_RATE shares (well inside
# the column, and 1e8 shares a yuan is already far beyond any charter).
MAX_RATE = 10**8
RATE_MESSAGES = {
    "shares_per_yuan": lambda: _(
        "The shares a yuan is worth: a whole number from 1 to 100,000,000."
    ),
    "shares_per_mu": lambda: _(
        "The shares a mu of land is worth: a whole number from 1 to 100,000,000."
    ),
    "shares_per_labour_day": lambda: _(
        "The shares a day of labour is worth: a whole number from 1 to 100,000,000."
    ),
}


def _whole_number(value) -> int | None:
    """An int, or ASCII digits (optionally signed); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value if value is not None else "").strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdecimal()) or len(digits) > 12:
        return None
    return int(text)


def _clean_credit_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not code:
        return ""
    from yiwang.outreach.services.enterprises import clean_credit_code

    try:
        return clean_credit_code(code)
    except ValidationError as error:
        raise ValidationError({"credit_code": error.messages}) from None


def create_cooperative(
    *,
    actor,
    area_code: str,
    name: str,
    credit_code: str = "",
    reserve_rate=Decimal("0.100"),
    holding_cap=Decimal("0.200"),
    mode: str = DistributionMode.STATUTORY,
    trading_share=Decimal("0.600"),
    shares_per_yuan: int = 1,
    shares_per_mu: int = 8000,
    shares_per_labour_day: int = 100,
    alliance_id=None,
) -> Cooperative:
    area = Area.objects.filter(code=area_code).first()
    if area is None or area.level != Level.VILLAGE:
        raise ValidationError({"area_code": _("A cooperative belongs to a village.")})
    if not access.can_keep(actor, area_code):
        if not core_access.in_scope(actor, area_code):
            raise Http404(_("No such area."))
        raise PermissionDenied(
            _("Only the county, the town or the village keeps this cooperative.")
        )
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the cooperative's name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is too long.")})
    terms = _clean_terms(
        {
            "reserve_rate": reserve_rate,
            "holding_cap": holding_cap,
            "mode": mode,
            "trading_share": trading_share,
            "shares_per_yuan": shares_per_yuan,
            "shares_per_mu": shares_per_mu,
            "shares_per_labour_day": shares_per_labour_day,
        }
    )
    alliance = None
    if alliance_id is not None:
        alliance = Alliance.objects.filter(pk=alliance_id).first()
        if alliance is None or not area_code.startswith(alliance.area_code):
            raise ValidationError({"alliance_id": _("Not an alliance of this village's town.")})
    credit = _clean_credit_code(credit_code)
    with transaction.atomic():
        if Cooperative.objects.filter(area_code=area_code, name=name).exists():
            raise ValidationError(
                {"name": _("This village already has a cooperative of that name.")}
            )
        coop = Cooperative.objects.create(
            area_code=area_code, name=name, credit_code=credit, alliance=alliance, **terms
        )
        audit.record(
            actor=actor,
            action="coops.create",
            obj=coop,
            area_code=area_code,
            after={"name": name, "credit_code": credit, **{k: str(v) for k, v in terms.items()}},
        )
    return coop


def set_charter(*, actor, cooperative_id, **terms) -> Cooperative:
    """Changes the charter's key terms (only those given)."""
    clean = _clean_terms(terms)
    with transaction.atomic():
        coop = get_cooperative(actor, cooperative_id, lock=True)
        require_keeper(actor, coop)
        before = {k: str(getattr(coop, k)) for k in clean}
        for key, value in clean.items():
            setattr(coop, key, value)
        coop.save(update_fields=[*clean, "updated_at"])
        audit.record(
            actor=actor,
            action="coops.charter",
            obj=coop,
            area_code=coop.area_code,
            before=before,
            after={k: str(v) for k, v in clean.items()},
        )
    return coop


def appoint(*, actor, cooperative_id, role: str, name: str, user_id=None, on) -> BoardSeat:
    if role not in BoardRole.values:
        raise ValidationError({"role": _("Unknown role on the board.")})
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError({"name": _("Enter the name (at most 50 characters).")})
    day = read_day(on, "on")
    user = None
    if user_id is not None:
        from yiwang.accounts.models import User

        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise ValidationError({"user_id": _("No such account.")})
    with transaction.atomic():
        coop = get_cooperative(actor, cooperative_id, lock=True)
        require_keeper(actor, coop)
        if (
            role == BoardRole.CHAIR
            and coop.board.filter(role=BoardRole.CHAIR, left_on__isnull=True).exists()
        ):
            raise ValidationError(
                {
                    "role": _(
                        "The cooperative has a chair: end the chair's seat before appointing another."
                    )
                }
            )
        try:
            with transaction.atomic():
                seat = BoardSeat.objects.create(
                    cooperative=coop, role=role, name=name, user=user, appointed_on=day
                )
        except IntegrityError:
            raise ValidationError(
                {
                    "role": _(
                        "The cooperative has a chair: end the chair's seat before appointing another."
                    )
                }
            ) from None
        audit.record(
            actor=actor,
            action="coops.appoint",
            obj=seat,
            area_code=coop.area_code,
            after={"role": role, "name": name, "user": user_id, "appointed_on": day.isoformat()},
        )
    return seat


def end_seat(*, actor, seat_id, on, reason: str) -> BoardSeat:
    day = read_day(on, "on")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the seat ends.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("The reason is too long.")})
    with transaction.atomic():
        seat = BoardSeat.objects.select_for_update().filter(pk=seat_id).first()
        if seat is None:
            raise Http404(_("No such seat."))
        coop = get_cooperative(actor, seat.cooperative_id)
        require_keeper(actor, coop)
        if seat.left_on is not None:
            raise ValidationError({"seat_id": _("This seat has already ended.")})
        if day < seat.appointed_on:
            raise ValidationError({"on": _("A seat cannot end before it began.")})
        seat.left_on = day
        seat.left_reason = reason
        seat.save(update_fields=["left_on", "left_reason", "updated_at"])
        audit.record(
            actor=actor,
            action="coops.end_seat",
            obj=seat,
            area_code=coop.area_code,
            after={"left_on": day.isoformat(), "reason": reason},
        )
    return seat
