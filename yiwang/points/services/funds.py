"""The reward funds: a budget added by a county or town admin, a reward paid for a final
selection. A fund's balance moves by conditional UPDATEs only (`balance >= amount`), so
two payments racing never take it below zero (the CheckConstraint backs this up).

`actor=None` is the operator at the command line, or a periodic task.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from yiwang.accounts.models import Role
from yiwang.accounts.scope import recheck, roles_over
from yiwang.areas.codes import ancestor_codes
from yiwang.areas.models import Area, Level
from yiwang.core import audit
from yiwang.core.scoping import get_in_scope, is_area_code
from yiwang.points.models import AwardSetting, Fund, FundMovement, MovementKind, Selection

ADMINS = {Role.COUNTY_ADMIN, Role.TOWN_ADMIN}
# A budget added at once: at most this many yuan (a typing slip of a few more digits).
BUDGET_MAX = Decimal("10000000")
NAME_MAX = 100
NOTE_MAX = 300


def may_keep_fund(user, code: str) -> bool:
    """The county admin keeps the county's funds and the towns'; a town admin its town's."""
    if user is None or (getattr(user, "is_superuser", False) and user.is_active):
        return True
    return bool(roles_over(user, code) & ADMINS)


def _amount(value, errors: dict, field: str = "amount") -> Decimal | None:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        errors.setdefault(field, []).append(_("Give an amount in yuan, such as 5000 or 200.50."))
        return None
    if amount <= 0 or amount > BUDGET_MAX or amount != amount.quantize(Decimal("0.01")):
        errors.setdefault(field, []).append(
            _("The amount must be more than 0 and at most %(max)s yuan, to the fen.")
            % {"max": BUDGET_MAX}
        )
        return None
    return amount


@transaction.atomic
def create_fund(*, actor, area_code: str, name: str) -> Fund:
    """A new reward fund held by the county or a town, with a balance of 0."""
    if actor is not None:
        recheck(actor)
    code = str(area_code or "").strip()
    if not is_area_code(code):
        raise ValidationError({"area_code": [_("Choose the county or a town.")]})
    area = get_in_scope(Area.objects.all(), actor, code=code)
    errors: dict = {}
    if area.level not in (Level.COUNTY, Level.TOWN):
        errors.setdefault("area_code", []).append(
            _("A reward fund is held by the county or a town: choose one of them.")
        )
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        errors.setdefault("name", []).append(
            _("Give the fund a name of at most %(n)d characters.") % {"n": NAME_MAX}
        )
    if errors:
        raise ValidationError(errors)
    if not may_keep_fund(actor, area.code):
        raise PermissionDenied(_("Only the county admin or the town's admin keeps its funds."))
    fund = Fund.objects.create(area_code=area.code, name=name)
    audit.record(actor=actor, action="points.fund.create", obj=fund, after={"name": name})
    return fund


@transaction.atomic
def add_budget(*, actor, fund_id: int, amount, note: str = "") -> FundMovement:
    """Adds `amount` yuan to the fund's balance, with a line in its ledger."""
    fund = get_in_scope(Fund.objects.all(), actor, recheck=actor is not None, pk=fund_id)
    if not may_keep_fund(actor, fund.area_code):
        raise PermissionDenied(_("Only the county admin or the town's admin keeps its funds."))
    errors: dict = {}
    value = _amount(amount, errors)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors.setdefault("note", []).append(
            _("The note can have at most %(n)d characters.") % {"n": NOTE_MAX}
        )
    if errors:
        raise ValidationError(errors)
    Fund.objects.filter(pk=fund.pk).update(balance=F("balance") + value)
    movement = FundMovement.objects.create(
        fund=fund,
        area_code=fund.area_code,
        kind=MovementKind.BUDGET,
        amount=value,
        note=note,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="points.fund.budget",
        obj=fund,
        after={"amount": value, "note": note},
    )
    return movement


def reward_amount(kind: str) -> Decimal:
    found = AwardSetting.objects.filter(kind=kind).values_list("amount", flat=True).first()
    return found or Decimal("0")


def funds_up_the_tree(code: str) -> list[Fund]:
    """The funds that may pay for a selection at `code`: its town's, then its county's."""
    codes = [c for c in ancestor_codes(code) if len(c) in (6, 9)]
    return list(Fund.objects.filter(area_code__in=codes).order_by(Length("area_code").desc(), "id"))


def pay_selection(selection: Selection, *, actor=None, amounts: dict | None = None) -> str:
    """Pays the selection's reward from the nearest fund up the tree whose balance
    suffices: "paid", "none" (no reward set for the award, nothing to pay), "already"
    (paid before) or "short" (no fund holds enough: it stays unpaid). Call inside the
    finalising transaction."""
    if FundMovement.objects.filter(selection_id=selection.pk).exists():
        return "already"
    amount = (amounts or {}).get(selection.kind)
    if amount is None:
        amount = reward_amount(selection.kind)
    if amount <= 0:
        return "none"
    for fund in funds_up_the_tree(selection.area_code):
        # The one write that decides: the balance only goes down while it covers the sum.
        taken = Fund.objects.filter(pk=fund.pk, balance__gte=amount).update(
            balance=F("balance") - amount
        )
        if not taken:
            continue
        movement = FundMovement.objects.create(
            fund=fund,
            area_code=selection.area_code,
            kind=MovementKind.PAYMENT,
            amount=amount,
            selection=selection,
            note=selection.public_name,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            actor=actor,
            action="points.fund.pay",
            obj=movement,
            object_repr=f"{fund.name}: {selection.public_name}",
            after={"fund": fund.name, "amount": amount, "selection": selection.pk},
        )
        return "paid"
    return "short"
