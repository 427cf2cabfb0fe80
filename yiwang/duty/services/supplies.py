"""Every write of supplies: stores and goods, goods received, handed out (to a household,
a place or another store) and counted again.

The stock is never negative. A hand-out takes its goods with ONE conditional UPDATE
(`quantity = quantity - n WHERE quantity >= n`): of two hand-outs racing for the last
boxes, the second waits for the first's row lock, then finds the condition no longer
holds, touches no row and is refused with `ShortStock`, its whole transaction (its move
row included) rolled back. The table's CHECK (quantity >= 0) holds behind it.

A move sent by a phone carries the client's `uuid`: the same move sent twice is stored
once (the unique uuid decides, also when both arrive at once), the second answered with
the stored one.

Who: a store's keeper and the admins over its area receive, hand out and count; the
admins of an area open stores there; any admin adds a kind of goods. `actor=None` is the
command line or a background task: no checks.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import io
import secrets
import uuid as uuid_module
import warnings

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.core import audit, storage, validators
from yiwang.duty import access
from yiwang.duty.models import Good, MoveKind, Stock, StockMove, Store, StoreKind

NAME_MAX = 100
GOOD_NAME_MAX = 60
UNIT_MAX = 10
CATEGORY_MAX = 30
ADDRESS_MAX = 200
LINE_MAX = 100
RECEIVER_MAX = 50
NOTE_MAX = 200
QUANTITY_MAX = 1_000_000
# A signature drawn on a phone's canvas: a small PNG.
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_PIXELS = 4_000_000
PNG_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# How far ahead of the server's clock a phone's clock may be.
CLOCK_SKEW = datetime.timedelta(minutes=10)
STORE_LEVELS = ("county", "town", "village")


class ShortStock(ValidationError):
    """The store holds less of the good than asked for: nothing was changed. The API
    answers 409 with the message, which names the stock left."""


# --- reading input --------------------------------------------------------------------------


def _pk(value):
    pk = validators.read_id(getattr(value, "pk", value))
    if pk is None:
        raise Http404(_("Not found."))
    return pk


def _uuid(value) -> uuid_module.UUID:
    if value in (None, ""):
        return uuid_module.uuid4()
    if isinstance(value, uuid_module.UUID):
        return value
    try:
        return uuid_module.UUID(str(value).strip())
    except ValueError:
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "Not a UUID: the app makes one for each entry, e.g. with crypto.randomUUID()."
                    )
                ]
            }
        ) from None


def _quantity(value, errors: dict, field: str = "quantity") -> int | None:
    number = None
    if not isinstance(value, bool):
        if isinstance(value, int):
            number = value
        else:
            text = str(value if value is not None else "").strip()
            if text.isascii() and text.isdigit() and len(text) < 10:
                number = int(text)
    if number is None or not 1 <= number <= QUANTITY_MAX:
        errors.setdefault(field, []).append(
            _("Give the quantity: a whole number from 1 to %(max)d.") % {"max": QUANTITY_MAX}
        )
        return None
    return number


def _count(value, errors: dict) -> int | None:
    """A stock counted: a whole number, 0 or more."""
    number = None
    if not isinstance(value, bool):
        if isinstance(value, int):
            number = value
        else:
            text = str(value if value is not None else "").strip()
            if text.isascii() and text.isdigit() and len(text) < 10:
                number = int(text)
    if number is None or not 0 <= number <= QUANTITY_MAX:
        errors.setdefault("counted", []).append(
            _("Give the stock counted: a whole number from 0 to %(max)d.") % {"max": QUANTITY_MAX}
        )
        return None
    return number


def _at(value, errors: dict) -> datetime.datetime:
    now = timezone.now()
    if value in (None, ""):
        return now
    if isinstance(value, str):
        value = validators.read_datetime(value)
    if not isinstance(value, datetime.datetime):
        errors.setdefault("at", []).append(_("Give the time, e.g. 2026-07-05 14:30."))
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        errors.setdefault("at", []).append(
            _("The time %(at)s is in the future: give a time that has come.")
            % {"at": timezone.localtime(value).strftime("%Y-%m-%d %H:%M")}
        )
    return value


def read_signature(value) -> bytes | None:
    """The signature drawn on the phone's canvas, sent as a PNG data URL
    (`data:image/png;base64,…`) or as the PNG's bytes: checked to be a PNG by its bytes
    and its pixels decoded, then the pixels alone encoded again (nothing else of the file
    is kept). None when none was sent; anything that is not a PNG is refused."""
    if value in (None, "", b""):
        return None
    not_png = ValidationError(
        {
            "signature": [
                _(
                    "The signature is not a PNG image: sign on the phone's signature pad "
                    "(a data:image/png;base64 address)."
                )
            ]
        }
    )
    if isinstance(value, bytes | bytearray):
        data = bytes(value)
    else:
        text = str(value).strip()
        if not text.startswith(PNG_PREFIX):
            raise not_png
        encoded = text[len(PNG_PREFIX) :]
        if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
            raise ValidationError(
                {"signature": [_("The signature is larger than 512 KB: sign again.")]}
            )
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise not_png from None
    if len(data) > SIGNATURE_MAX_BYTES:
        raise ValidationError(
            {"signature": [_("The signature is larger than 512 KB: sign again.")]}
        )
    if not data.startswith(PNG_MAGIC):
        raise not_png
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG"]) as probe:
                width, height = probe.size
                if width * height > SIGNATURE_MAX_PIXELS:
                    raise not_png
                probe.verify()
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                image.load()
                if image.mode not in {"1", "L", "LA", "RGB", "RGBA"}:
                    image = image.convert("RGBA")
                clean = Image.frombytes(image.mode, image.size, image.tobytes())
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        MemoryError,
    ) as exc:
        raise not_png from exc
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- loading rows ---------------------------------------------------------------------------


def _recheck(actor) -> None:
    if actor is not None:
        scope.recheck(actor)


def _stores(actor):
    rows = Store.objects.all()
    q = access.store_q(actor) if actor is not None else None
    return rows.filter(q) if q is not None else rows


def _store(actor, store_id, field: str = "store") -> Store:
    """The store as the actor sees it (404 outside their sight)."""
    try:
        return _stores(actor).select_related("keeper").get(pk=_pk(store_id))
    except Store.DoesNotExist:
        raise Http404(_("Not found.")) from None


def _good(good_id) -> Good:
    try:
        return Good.objects.get(pk=_pk(good_id))
    except Good.DoesNotExist:
        raise Http404(_("Not found.")) from None


def _require_handler(actor, store: Store) -> None:
    if not access.can_handle_store(actor, store):
        raise PermissionDenied(
            _("Only the store's keeper or an admin over its area moves its goods.")
        )


def _require_open(store: Store, field: str = "store") -> None:
    if not store.is_active:
        raise ValidationError(
            {field: [_("The store %(name)s is no longer in use.") % {"name": store.name}]}
        )


def stock_left(store_id, good_id) -> int:
    """How much of the good the store holds now (0 when it never held any)."""
    found = (
        Stock.objects.filter(store_id=store_id, good_id=good_id)
        .values_list("quantity", flat=True)
        .first()
    )
    return found or 0


def _add_stock(store: Store, good: Good, quantity: int) -> None:
    """Adds to the store's stock of the good, its row made the first time (of two first
    receipts at once, the second adds to the row the first made)."""
    grown = Stock.objects.filter(store=store, good=good).update(quantity=F("quantity") + quantity)
    if grown:
        return
    try:
        with transaction.atomic():
            Stock.objects.create(
                store=store, good=good, quantity=quantity, area_code=store.area_code
            )
    except IntegrityError:
        Stock.objects.filter(store=store, good=good).update(quantity=F("quantity") + quantity)


def _take_stock(store: Store, good: Good, quantity: int) -> None:
    """Takes from the store's stock with one conditional UPDATE; ShortStock, naming the
    stock left, when it holds less."""
    taken = Stock.objects.filter(store=store, good=good, quantity__gte=quantity).update(
        quantity=F("quantity") - quantity
    )
    if not taken:
        left = stock_left(store.pk, good.pk)
        raise ShortStock(
            {
                "quantity": [
                    _(
                        "Not enough in stock: %(store)s holds %(left)d %(unit)s of %(good)s, "
                        "fewer than the %(quantity)d %(unit)s asked for."
                    )
                    % {
                        "store": store.name,
                        "left": left,
                        "unit": good.unit,
                        "good": good.name,
                        "quantity": quantity,
                    }
                ]
            }
        )


# --- stores and goods -----------------------------------------------------------------------


@transaction.atomic
def create_store(*, actor, area_code, name, kind, address="", keeper_id=None) -> Store:
    """A store (a town's store, an isolation point, a shelter, a checkpoint) in a county,
    town or village, opened by an admin of that area; its keeper one of the active users
    the actor sees."""
    from yiwang.accounts.models import User
    from yiwang.areas.models import Area

    _recheck(actor)
    errors: dict = {}
    code = str(area_code or "").strip()
    area = Area.objects.filter(code=code).first() if code else None
    if area is None or (actor is not None and not scope.in_scope(actor, code)):
        errors.setdefault("area_code", []).append(_("Choose an area of your scope."))
    elif area.level not in STORE_LEVELS or not area.is_open:
        errors.setdefault("area_code", []).append(
            _("A store belongs to the county, a town or a village that is open.")
        )
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    if kind not in StoreKind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of place from the list."))
    address = validators.clean_line(
        address, field="address", limit=ADDRESS_MAX, required=False, errors=errors
    )
    keeper = None
    if keeper_id not in (None, ""):
        users = User.objects.filter(is_active=True)
        if actor is not None:
            users = users.filter(pk__in=User.objects.visible_to(actor).values("pk"))
        pk = validators.read_id(getattr(keeper_id, "pk", keeper_id))
        keeper = users.filter(pk=pk).first() if pk else None
        if keeper is None:
            errors.setdefault("keeper", []).append(_("Choose an active user from the list."))
    if area is not None and name and Store.objects.filter(area_code=code, name=name).exists():
        errors.setdefault("name", []).append(_("A store of that name exists in this area already."))
    if errors:
        raise ValidationError(errors)
    if not access.can_keep(actor, code):
        raise PermissionDenied(_("Only an admin of the area opens a store there."))
    store = Store.objects.create(
        area_code=code, name=name, kind=kind, address=address, keeper=keeper
    )
    audit.record(actor=actor, action="duty_store.create", obj=store, after=audit.snapshot(store))
    return store


@transaction.atomic
def create_good(*, actor, name, unit, category="") -> Good:
    """A kind of goods, counted in whole units (箱, 袋, 剂 …), shared by every store."""
    _recheck(actor)
    if actor is not None and not access.keeps_somewhere(actor):
        raise PermissionDenied(_("Only an admin of an area adds a kind of goods."))
    errors: dict = {}
    name = validators.clean_line(
        name, field="name", limit=GOOD_NAME_MAX, required=True, errors=errors
    )
    unit = validators.clean_line(unit, field="unit", limit=UNIT_MAX, required=True, errors=errors)
    category = validators.clean_line(
        category, field="category", limit=CATEGORY_MAX, required=False, errors=errors
    )
    if name and Good.objects.filter(name=name).exists():
        errors.setdefault("name", []).append(_("Goods of that name exist already."))
    if errors:
        raise ValidationError(errors)
    good = Good.objects.create(name=name, unit=unit, category=category)
    audit.record(actor=actor, action="duty_good.create", obj=good, after=audit.snapshot(good))
    return good


# --- moves ----------------------------------------------------------------------------------


def _snapshot(move: StockMove) -> dict:
    """The move as the log keeps it: its signature by the file's name."""
    return {**audit.snapshot(move, exclude=("signature",)), "signature": move.signature.name or ""}


def _replayed(actor, stored: StockMove, expected: dict) -> StockMove:
    """The move stored under a uuid sent again: the actor's to see, and the same move
    (store, good, kind, quantity, recipient), else a message."""
    if actor is not None:
        q = access.store_q(actor, "store__")
        if q is not None and not StockMove.objects.filter(q, pk=stored.pk).exists():
            raise ValidationError({"uuid": [_("That UUID belongs to another entry.")]})
    same = all(getattr(stored, name) == value for name, value in expected.items())
    if not same:
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "That UUID was sent before with another store, goods, quantity or "
                        "recipient: make a new UUID for a new entry."
                    )
                ]
            }
        )
    return stored


def _stored_move(key) -> StockMove | None:
    return StockMove.objects.filter(uuid=key).first()


def receive(
    *, actor, store_id, good_id, quantity, source="", note="", uuid=None, at=None
) -> tuple[StockMove, bool]:
    """Goods received into a store (from a county depot, a donation …): its stock grows.
    Returns (move, created): created False when the same uuid was sent before (nothing
    changes again)."""
    key = _uuid(uuid)
    errors: dict = {}
    quantity = _quantity(quantity, errors)
    source = validators.clean_line(
        source, field="source", limit=LINE_MAX, required=False, errors=errors
    )
    note = validators.clean_line(note, field="note", limit=NOTE_MAX, required=False, errors=errors)
    at = _at(at, errors)
    if errors:
        raise ValidationError(errors)
    expected = {
        "store_id": _pk(store_id),
        "good_id": _pk(good_id),
        "kind": MoveKind.RECEIVED,
        "quantity": quantity,
    }
    stored = _stored_move(key)
    if stored is not None:
        return _replayed(actor, stored, expected), False
    try:
        with transaction.atomic():
            _recheck(actor)
            store = _store(actor, store_id)
            good = _good(good_id)
            _require_handler(actor, store)
            _require_open(store)
            move = StockMove(
                uuid=key,
                area_code=store.area_code,
                store=store,
                good=good,
                kind=MoveKind.RECEIVED,
                quantity=quantity,
                source=source,
                note=note,
                at=at,
                actor=_recorder(actor, store),
            )
            move.save(force_insert=True)
            _add_stock(store, good, quantity)
            audit.record(actor=actor, action="duty_stock.receive", obj=move, after=_snapshot(move))
    except IntegrityError:
        found = _stored_move(key)
        if found is None:
            raise
        return _replayed(actor, found, expected), False
    return move, True


def _recorder(actor, store: Store):
    """Who the move is recorded by: the actor; for the command line, the store's keeper or
    the first superuser."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor
    if store.keeper_id:
        return store.keeper
    from yiwang.accounts.models import User

    found = User.objects.filter(is_superuser=True).order_by("pk").first()
    if found is None:
        raise ValidationError(
            _("A move from the command line needs the store's keeper or a superuser.")
        )
    return found


def _household(actor, store: Store, household_id):
    """The household a hand-out goes to: one the actor sees, or one within the store's
    area (a keeper hands out to the households the store serves); active."""
    from yiwang.registry.models import Household, HouseholdStatus

    rows = Household.objects.all()
    try:
        household = rows.get(pk=_pk(household_id))
    except Household.DoesNotExist:
        raise Http404(_("Not found.")) from None
    if actor is not None and not (
        household.area_code.startswith(store.area_code)
        or Household.objects.visible_to(actor).filter(pk=household.pk).exists()
    ):
        raise Http404(_("Not found."))
    if household.status != HouseholdStatus.ACTIVE:
        raise ValidationError({"household": [_("The household is no longer active.")]})
    return household


def hand_out(
    *,
    actor,
    store_id,
    good_id,
    quantity,
    household_id=None,
    to_store_id=None,
    to_place="",
    receiver_name="",
    signature=None,
    note="",
    uuid=None,
    at=None,
) -> tuple[StockMove, bool]:
    """Goods handed out of a store: to a household, to a place named in `to_place` (an
    isolation point's room, a work team), or sent to another store (`to_store_id`: kind
    TRANSFERRED, that store's stock grows). Exactly one recipient. Taken with one
    conditional UPDATE: `ShortStock` (naming the stock left) when the store holds less,
    nothing changed. `signature`: the receiver's signature, a PNG data URL from the
    phone's canvas, stored as the move's file (anything else refused). Returns (move,
    created): created False when the same uuid was sent before."""
    key = _uuid(uuid)
    errors: dict = {}
    quantity = _quantity(quantity, errors)
    to_place = validators.clean_line(
        to_place, field="to_place", limit=LINE_MAX, required=False, errors=errors
    )
    receiver_name = validators.clean_line(
        receiver_name, field="receiver_name", limit=RECEIVER_MAX, required=False, errors=errors
    )
    note = validators.clean_line(note, field="note", limit=NOTE_MAX, required=False, errors=errors)
    at = _at(at, errors)
    recipients = [r for r in (household_id, to_store_id, to_place) if r not in (None, "")]
    if len(recipients) != 1:
        errors.setdefault("recipient", []).append(
            _("Name one recipient: a household, another store or a place.")
        )
    try:
        png = read_signature(signature)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        png = None
    if errors:
        raise ValidationError(errors)
    kind = MoveKind.TRANSFERRED if to_store_id not in (None, "") else MoveKind.HANDED_OUT
    expected = {
        "store_id": _pk(store_id),
        "good_id": _pk(good_id),
        "kind": kind,
        "quantity": quantity,
        "to_household_id": _pk(household_id) if household_id not in (None, "") else None,
        "to_store_id": _pk(to_store_id) if to_store_id not in (None, "") else None,
        "to_place": to_place,
    }
    stored = _stored_move(key)
    if stored is not None:
        return _replayed(actor, stored, expected), False
    try:
        with storage.removed_on_failure() as written, transaction.atomic():
            _recheck(actor)
            store = _store(actor, store_id)
            good = _good(good_id)
            _require_handler(actor, store)
            _require_open(store)
            household = other = None
            if expected["to_household_id"]:
                household = _household(actor, store, household_id)
            if expected["to_store_id"]:
                other = _store(actor, to_store_id, "to_store")
                if other.pk == store.pk:
                    raise ValidationError(
                        {"to_store": [_("Goods are sent to another store, not to the same one.")]}
                    )
                _require_open(other, "to_store")
            move = StockMove(
                uuid=key,
                area_code=store.area_code,
                store=store,
                good=good,
                kind=kind,
                quantity=quantity,
                to_household=household,
                to_store=other,
                to_place=to_place,
                receiver_name=receiver_name,
                note=note,
                at=at,
                actor=_recorder(actor, store),
            )
            if png is not None:
                with storage.guarded():
                    move.signature.save(
                        f"{secrets.token_hex(16)}.png", ContentFile(png), save=False
                    )
                written.append(move.signature.name)
            # First, so that the same move sent again is answered with the stored one
            # whatever the stock is now (the unique uuid decides, also at the same moment).
            move.save(force_insert=True)
            _take_stock(store, good, quantity)
            if other is not None:
                _add_stock(other, good, quantity)
            audit.record(
                actor=actor,
                action="duty_stock.transfer" if other is not None else "duty_stock.hand_out",
                obj=move,
                after=_snapshot(move),
            )
    except IntegrityError:
        found = _stored_move(key)
        if found is None:
            raise
        return _replayed(actor, found, expected), False
    return move, True


def count_stock(*, actor, store_id, good_id, counted, note, uuid=None) -> tuple[StockMove, bool]:
    """The stock counted again (a stocktake): the store's stock becomes what was counted,
    the difference recorded as a move (ADJUSTED; `counted` holds the count), with the
    reason. A count that matches the stock changes nothing and is said so. Returns
    (move, created): created False when the same uuid was sent before.

    The store's stock row is locked while counting; the first count of a good has no
    row yet: it is made (at 0) in a savepoint, and of two first counts at once the
    second, refused by the unique (store, good), locks the row the first made."""
    key = _uuid(uuid)
    errors: dict = {}
    counted = _count(counted, errors)
    note = validators.clean_line(note, field="note", limit=NOTE_MAX, required=True, errors=errors)
    if errors:
        raise ValidationError(errors)
    expected = {
        "store_id": _pk(store_id),
        "good_id": _pk(good_id),
        "kind": MoveKind.ADJUSTED,
        "counted": counted,
    }
    stored = _stored_move(key)
    if stored is not None:
        return _replayed(actor, stored, expected), False
    try:
        with transaction.atomic():
            move = _count_stock(actor, store_id, good_id, counted, note, key)
    except IntegrityError:
        found = _stored_move(key)
        if found is None:
            raise
        return _replayed(actor, found, expected), False
    return move, True


def _locked_stock(store: Store, good: Good) -> Stock:
    """The store's stock row of the good, locked; made (at 0) the first time."""
    row = Stock.objects.select_for_update().filter(store=store, good=good).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return Stock.objects.create(
                store=store, good=good, quantity=0, area_code=store.area_code
            )
    except IntegrityError:
        return Stock.objects.select_for_update().get(store=store, good=good)


def _count_stock(actor, store_id, good_id, counted: int, note: str, key) -> StockMove:
    _recheck(actor)
    store = _store(actor, store_id)
    good = _good(good_id)
    _require_handler(actor, store)
    row = _locked_stock(store, good)
    before = row.quantity
    if counted == before:
        raise ValidationError(
            {
                "counted": [
                    _("The count matches the stock (%(n)d %(unit)s): nothing to correct.")
                    % {"n": before, "unit": good.unit}
                ]
            }
        )
    Stock.objects.filter(pk=row.pk).update(quantity=counted)
    move = StockMove(
        uuid=key,
        area_code=store.area_code,
        store=store,
        good=good,
        kind=MoveKind.ADJUSTED,
        quantity=abs(counted - before),
        counted=counted,
        note=note,
        at=timezone.now(),
        actor=_recorder(actor, store),
    )
    move.save(force_insert=True)
    audit.record(
        actor=actor,
        action="duty_stock.count",
        obj=move,
        before={"stock": before},
        after={**_snapshot(move), "stock": counted},
    )
    return move
