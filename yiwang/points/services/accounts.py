"""The households' points accounts (`PointsAccount`): credited when an entry is approved,
debited by a redemption. Both are single conditional UPDATEs, so concurrent writers never
lose an update and a debit never takes the balance below zero."""

from decimal import Decimal

from django.db.models import F

from yiwang.points.models import PointsAccount


def credit(household, points: Decimal) -> None:
    """Adds approved points (negative for a deduction) to the household's account,
    creating it on its first entry. Call inside the approving transaction."""
    updated = PointsAccount.objects.filter(household_id=household.pk).update(
        earned=F("earned") + points
    )
    if not updated:
        PointsAccount.objects.get_or_create(
            household_id=household.pk, defaults={"area_code": household.area_code}
        )
        PointsAccount.objects.filter(household_id=household.pk).update(earned=F("earned") + points)


def debit(household, points: Decimal) -> bool:
    """Takes `points` from the household's balance if it holds that many; False (and
    nothing changed) when it does not. Call inside the redeeming transaction."""
    return bool(
        PointsAccount.objects.filter(
            household_id=household.pk, earned__gte=F("spent") + points
        ).update(spent=F("spent") + points)
    )


def split(earned, spent) -> tuple[Decimal, Decimal]:
    """(balance, owed) of an account: approved points less redeemed, 0 at least; and what
    deductions approved after a redemption took below what was spent (0 at least). The
    balance never shows a debt: the household redeems nothing until it has earned the
    owed points back."""
    if earned is None:
        return Decimal("0"), Decimal("0")
    left = earned - spent
    return max(left, Decimal("0")), max(-left, Decimal("0"))


def balance(household_id: int) -> Decimal:
    """The household's balance: approved points less redeemed, 0 at least."""
    return balance_and_owed(household_id)[0]


def balance_and_owed(household_id: int) -> tuple[Decimal, Decimal]:
    """(balance, owed) of the household (see split)."""
    found = (
        PointsAccount.objects.filter(household_id=household_id)
        .values_list("earned", "spent")
        .first()
    )
    if found is None:
        return Decimal("0"), Decimal("0")
    return split(*found)
