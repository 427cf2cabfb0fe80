"""Reads of supplies: the stores a user sees with their stock, grouped by area; a
store's moves (its own and the goods sent to it); where each kind of goods went."""

from __future__ import annotations

from django.db.models import Count, Max, Q, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.core.scoping import is_area_code, subtree_q
from yiwang.duty import access
from yiwang.duty.models import Good, MoveKind, Stock, StockMove, Store

OUT_KINDS = (MoveKind.HANDED_OUT, MoveKind.TRANSFERRED)


def visible_stores(user):
    """The stores `user` reads: in their scope, or kept by them."""
    q = access.store_q(user)
    return Store.objects.filter(q) if q is not None else Store.objects.all()


def visible_stock(user):
    """The stock rows of the stores `user` reads."""
    q = access.store_q(user, "store__")
    return Stock.objects.filter(q) if q is not None else Stock.objects.all()


def visible_moves(user):
    """The moves of the stores `user` reads, and the goods sent to them from elsewhere."""
    q = access.store_q(user, "store__")
    if q is None:
        return StockMove.objects.all()
    return StockMove.objects.filter(q | access.store_q(user, "to_store__"))


def _under(rows, area_code, field: str = "area_code"):
    if area_code in (None, ""):
        return rows
    if not is_area_code(str(area_code)):
        raise Http404(_("Not found."))
    return rows.filter(subtree_q(field, str(area_code)))


def stock_by_store(user, area_code=None) -> list[dict]:
    """The stores `user` reads (under `area_code` when given), each with its stock (every
    good it holds or held), grouped by the store's area: [{"area_code", "stores":
    [store with `.stock_rows`]}] in area code order."""
    stores = list(
        _under(visible_stores(user), area_code)
        .select_related("keeper")
        .order_by("area_code", "name", "pk")
    )
    rows: dict[int, list] = {}
    stock = Stock.objects.filter(store__in=[s.pk for s in stores]).select_related("good")
    for row in stock.order_by("good__category", "good__name", "pk"):
        rows.setdefault(row.store_id, []).append(row)
    groups: dict[str, dict] = {}
    for store in stores:
        store.stock_rows = rows.get(store.pk, [])
        groups.setdefault(store.area_code, {"area_code": store.area_code, "stores": []})[
            "stores"
        ].append(store)
    return list(groups.values())


def store_moves(user, store: Store):
    """The moves of `store` (the user reads it) and the goods sent to it, newest first."""
    return (
        visible_moves(user)
        .filter(Q(store=store) | Q(to_store=store))
        .select_related("store", "good", "to_store", "to_household", "actor")
        .order_by("-at", "-id")
    )


def where_it_went(user, good_id, area_code=None) -> list[dict]:
    """Where the good went: its hand-outs and transfers out of the stores `user` reads
    (under `area_code` when given), summed by recipient (a household, another store, a
    place), the most first. Each row: kind ("household" | "store" | "place"), household,
    to_store, to_place, quantity, moves, last_at."""
    good = Good.objects.filter(pk=good_id).first()
    if good is None:
        raise Http404(_("Not found."))
    q = access.store_q(user, "store__")
    moves = StockMove.objects.filter(good=good, kind__in=OUT_KINDS)
    if q is not None:
        moves = moves.filter(q)
    moves = _under(moves, area_code)
    summed = (
        moves.values("to_household", "to_store", "to_place")
        .annotate(quantity=Sum("quantity"), moves=Count("id"), last_at=Max("at"))
        .order_by("-quantity", "to_household", "to_store", "to_place")
    )
    summed = list(summed)
    from yiwang.registry.models import Household

    households = Household.objects.in_bulk([r["to_household"] for r in summed if r["to_household"]])
    stores = Store.objects.in_bulk([r["to_store"] for r in summed if r["to_store"]])
    rows = []
    for row in summed:
        household = households.get(row["to_household"])
        other = stores.get(row["to_store"])
        rows.append(
            {
                "kind": "household" if household else "store" if other else "place",
                "household": household,
                "to_store": other,
                "to_place": row["to_place"],
                "area_code": household.area_code if household else other.area_code if other else "",
                "quantity": row["quantity"],
                "moves": row["moves"],
                "last_at": row["last_at"],
            }
        )
    return rows
