"""Every write of the catalogue of government services: an item (its mode, the deciding
department or office, the time limit in working days, the fee, where it is done) and the
list of its materials. The county admins keep it (access.can_keep_catalogue); `actor=None`
is the command line."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.core import audit, validators
from yiwang.services import access
from yiwang.services.models import HelpMaterial, ServiceItem, ServiceMaterial, ServiceMode

NAME_MAX = 100
LINE_MAX = 200
TEXT_MAX = 2000
TIME_LIMIT_MAX = 365
FEE_MAX = Decimal("9999999.99")
COPIES_MAX = 99
MATERIALS_MAX = 50

# The item's fields `data` may carry, with the department as an id.
ITEM_FIELDS = (
    "code",
    "name",
    "mode",
    "is_cross_province",
    "department",
    "authority",
    "time_limit_days",
    "fee",
    "fee_note",
    "where",
    "basis",
    "notes",
    "is_active",
)


def _require_keeper(actor) -> None:
    if actor is None:
        return
    scope.recheck(actor)
    if not access.can_keep_catalogue(actor):
        raise PermissionDenied(_("Only a county admin changes the catalogue of services."))


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _whole(value, field: str, low: int, high: int, errors: dict) -> int | None:
    text = str(value if value is not None else "").strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        errors.setdefault(field, []).append(
            _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        )
        return None
    number = int(text)
    if not low <= number <= high:
        errors.setdefault(field, []).append(
            _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        )
        return None
    return number


def _fee(value, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if (
        amount is None
        or not amount.is_finite()
        or amount < 0
        or amount > FEE_MAX
        or amount != amount.quantize(Decimal("0.01"))
    ):
        errors.setdefault("fee", []).append(
            _("Give the fee in yuan: 0 or more, at most two decimals, e.g. 20 or 7.50.")
        )
        return None
    return amount.quantize(Decimal("0.01"))


def _department(value, errors: dict):
    from yiwang.cases.models import Department

    if value in (None, ""):
        return None
    pk = validators.read_id(getattr(value, "pk", value))
    found = Department.objects.filter(pk=pk, is_active=True).first() if pk else None
    if found is None:
        errors.setdefault("department", []).append(_("Choose the department from the list."))
    return found


def _clean_item(data: dict, current: ServiceItem | None) -> dict:
    """The item's values as sent, cleaned: those given (all that an item needs when new)."""
    unknown = set(data) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    errors: dict = {}
    values: dict = {}
    new = current is None

    def given(name: str) -> bool:
        return name in data or new

    if given("code"):
        code = validators.normalize_code(data.get("code", "")).lower()
        if not code or slugify(code) != code or len(code) > 40:
            errors.setdefault("code", []).append(
                _("A code is 1 to 40 small letters, digits and dashes, e.g. id-card-reissue.")
            )
        elif (
            ServiceItem.objects.filter(code=code).exclude(pk=getattr(current, "pk", None)).exists()
        ):
            errors.setdefault("code", []).append(_("An item with that code exists already."))
        values["code"] = code
    for name, limit, required, clean in (
        ("name", NAME_MAX, True, validators.clean_line),
        ("authority", NAME_MAX, False, validators.clean_line),
        ("fee_note", LINE_MAX, False, validators.clean_line),
        ("basis", LINE_MAX, False, validators.clean_line),
        ("where", TEXT_MAX, True, validators.clean_text),
        ("notes", TEXT_MAX, False, validators.clean_text),
    ):
        if given(name):
            values[name] = clean(
                data.get(name, "") or "", field=name, limit=limit, required=required, errors=errors
            )
    if given("name") and values.get("name"):
        clash = ServiceItem.objects.filter(name=values["name"]).exclude(
            pk=getattr(current, "pk", None)
        )
        if clash.exists():
            errors.setdefault("name", []).append(_("An item of that name exists already."))
    if given("mode"):
        if data.get("mode") not in ServiceMode.values:
            errors.setdefault("mode", []).append(_("Choose the mode from the list."))
        values["mode"] = data.get("mode")
    for name in ("is_cross_province", "is_active"):
        if name in data:
            values[name] = _flag(data[name])
    if given("time_limit_days"):
        values["time_limit_days"] = _whole(
            data.get("time_limit_days"), "time_limit_days", 1, TIME_LIMIT_MAX, errors
        )
    if given("fee"):
        values["fee"] = _fee(data.get("fee"), errors)
    if given("department"):
        values["department"] = _department(data.get("department"), errors)
    department = values.get("department", getattr(current, "department", None))
    authority = values.get("authority", getattr(current, "authority", ""))
    if department is None and not authority and "department" not in errors:
        errors.setdefault("department", []).append(
            _("Name the deciding department, or the office outside the county that decides.")
        )
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def save_item(*, actor, item_id=None, data: dict) -> ServiceItem:
    """Adds an item to the catalogue (`item_id` None: every field an item needs), or
    changes the fields given of one: only what changed is saved and audited."""
    _require_keeper(actor)
    current = None
    if item_id is not None:
        pk = validators.read_id(getattr(item_id, "pk", item_id))
        current = ServiceItem.objects.select_for_update().filter(pk=pk).first() if pk else None
        if current is None:
            raise Http404(_("Not found."))
    values = _clean_item(dict(data or {}), current)
    if current is None:
        item = ServiceItem.objects.create(**values)
        audit.record(
            actor=actor, action="services_item.create", obj=item, after=audit.snapshot(item)
        )
        return item
    audit.save_changes(actor=actor, obj=current, values=values, action="services_item.update")
    return current


def _material_snapshot(item: ServiceItem) -> list[dict]:
    return [
        {
            "name": m.name,
            "is_original": m.is_original,
            "copies": m.copies,
            "is_required": m.is_required,
            "note": m.note,
        }
        for m in item.materials.order_by("order", "id")
    ]


def _clean_materials(materials) -> list[dict]:
    entries = list(materials or ())
    errors: dict = {}
    if len(entries) > MATERIALS_MAX:
        raise ValidationError(
            {"materials": [_("At most %(max)d materials an item.") % {"max": MATERIALS_MAX}]}
        )
    rows: list[dict] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            errors.setdefault("materials", []).append(_("Each material is a name and its terms."))
            continue
        name = validators.clean_line(
            entry.get("name", ""), field="materials", limit=NAME_MAX, required=True, errors=errors
        )
        note = validators.clean_line(
            entry.get("note", "") or "",
            field="materials",
            limit=LINE_MAX,
            required=False,
            errors=errors,
        )
        copies = _whole(entry.get("copies", 1), "materials", 1, COPIES_MAX, errors)
        if name and name in seen:
            errors.setdefault("materials", []).append(
                _("The material “%(name)s” is listed twice.") % {"name": name}
            )
        seen.add(name)
        rows.append(
            {
                "name": name,
                "is_original": _flag(entry.get("is_original", True)),
                "copies": copies,
                "is_required": _flag(entry.get("is_required", True)),
                "note": note,
            }
        )
    if errors:
        raise ValidationError(errors)
    return rows


@transaction.atomic
def save_materials(*, actor, item_id, materials: list[dict]) -> list[ServiceMaterial]:
    """The item's list of materials becomes the one given, in its order ({name,
    is_original, copies, is_required, note}): a material of the same name is kept (and
    changed), the others added; a material no longer listed is removed, unless a help
    request received it (then the change is refused, naming it)."""
    _require_keeper(actor)
    pk = validators.read_id(getattr(item_id, "pk", item_id))
    item = ServiceItem.objects.select_for_update().filter(pk=pk).first() if pk else None
    if item is None:
        raise Http404(_("Not found."))
    rows = _clean_materials(materials)
    before = _material_snapshot(item)
    existing = {m.name: m for m in item.materials.all()}
    wanted = {row["name"] for row in rows}
    dropped = [m for name, m in existing.items() if name not in wanted]
    used = set(
        HelpMaterial.objects.filter(material__in=dropped).values_list("material__name", flat=True)
    )
    if used:
        raise ValidationError(
            {
                "materials": [
                    _(
                        "Help requests received %(names)s: keep it in the list (it can be made "
                        "optional)."
                    )
                    % {"names": "、".join(sorted(used))}
                ]
            }
        )
    ServiceMaterial.objects.filter(pk__in=[m.pk for m in dropped]).delete()
    kept: list[ServiceMaterial] = []
    for order, row in enumerate(rows):
        material = existing.get(row["name"])
        if material is None:
            material = ServiceMaterial.objects.create(item=item, order=order, **row)
        else:
            changed = {
                k: v for k, v in {**row, "order": order}.items() if getattr(material, k) != v
            }
            if changed:
                for name, value in changed.items():
                    setattr(material, name, value)
                material.save(update_fields=list(changed))
        kept.append(material)
    after = _material_snapshot(item)
    if after != before:
        audit.record(
            actor=actor,
            action="services_item.materials",
            obj=item,
            before={"materials": before},
            after={"materials": after},
        )
    return kept
