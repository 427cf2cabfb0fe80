"""Every write of outreach's enterprises: atomic, checked against the actor's posts, audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from yiwang.areas.models import Area, Level
from yiwang.core import audit, validators
from yiwang.core.scoping import get_in_scope
from yiwang.outreach.models import NAME_MAX, Enterprise

# Where an enterprise is placed: a village (一级网格), or finer when the village knows.
ENTERPRISE_LEVELS = (Level.VILLAGE, Level.GRID, Level.UNIT)
_LIMITS = {"industry": 50, "address": 200, "contact_name": 50}


def clean_credit_code(value: object) -> str:
    """The unified social credit code (统一社会信用代码) in its one form, 18 upper-case
    characters, or a ValidationError that says what is wrong with it."""
    code = validators.compact(value).upper()
    if not code:
        raise ValidationError(_("Enter the enterprise's unified social credit code."))
    try:
        return uscc.validate(code)
    except InvalidLength:
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters, this one has %(n)d: check "
                "it against the business licence."
            )
            % {"n": len(code)}
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _(
                "The last character of the unified social credit code does not match the "
                "others: a character was mistyped, check it against the business licence."
            )
        ) from None
    except StdnumError:
        raise ValidationError(
            _(
                "This is not a unified social credit code: it has 18 digits and upper-case "
                "letters (no I, O, S, V or Z), as printed on the business licence."
            )
        ) from None


def _open_area(actor, area_code: str) -> Area:
    code = validators.normalize_code(area_code)
    area = get_in_scope(Area.objects.open(), actor, recheck=True, code=code)
    if area.level not in ENTERPRISE_LEVELS:
        raise ValidationError(
            {
                "area": _(
                    "An enterprise belongs to a village, a grid or a unit, not to a %(level)s."
                )
                % {"level": area.get_level_display()}
            }
        )
    return area


def clean_fields(
    *,
    name: str,
    credit_code: str,
    industry: str = "",
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> tuple[dict, dict[str, list[str]]]:
    """The enterprise's own fields cleaned, and the errors by field (no database): shared by
    the services and the importer."""
    errors: dict[str, list[str]] = {}
    values: dict = {"name": validators.normalize_text(name)}
    if not values["name"]:
        errors["name"] = [_("The name cannot be empty.")]
    elif len(values["name"]) > NAME_MAX:
        errors["name"] = [_("At most %(limit)d characters.") % {"limit": NAME_MAX}]
    try:
        values["credit_code"] = clean_credit_code(credit_code)
    except ValidationError as exc:
        errors["credit_code"] = exc.messages
    for field, value in (
        ("industry", industry),
        ("address", address),
        ("contact_name", contact_name),
    ):
        values[field] = validators.normalize_text(value)
        if len(values[field]) > _LIMITS[field]:
            errors[field] = [_("At most %(limit)d characters.") % {"limit": _LIMITS[field]}]
    try:
        values["contact_phone"] = validators.clean_phone(contact_phone)
    except ValidationError as exc:
        errors["contact_phone"] = exc.messages
    return values, errors


def _duplicate_error(credit_code: str) -> dict[str, list[str]]:
    return {
        "credit_code": [
            _(
                "An enterprise with the unified social credit code %(code)s is already "
                "registered: find it in the list and change it there."
            )
            % {"code": credit_code}
        ]
    }


@transaction.atomic
def create_enterprise(
    *,
    actor,
    name: str,
    credit_code: str,
    area_code: str,
    industry: str = "",
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Enterprise:
    """Registers an enterprise in a village, grid or unit of the actor's scope."""
    area = _open_area(actor, area_code)
    values, errors = clean_fields(
        name=name,
        credit_code=credit_code,
        industry=industry,
        address=address,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    if (
        "credit_code" not in errors
        and Enterprise.objects.filter(credit_code=values["credit_code"]).exists()
    ):
        errors.update(_duplicate_error(values["credit_code"]))
    if errors:
        raise ValidationError(errors)
    enterprise = Enterprise.objects.create(area=area, area_code=area.code, **values)
    audit.record(
        actor=actor,
        action="enterprise.create",
        obj=enterprise,
        after=_snapshot(enterprise),
    )
    return enterprise


def _snapshot(enterprise: Enterprise) -> dict:
    data = audit.snapshot(enterprise)
    # The contact's phone is personal data: masked in the log as everywhere else.
    if data.get("contact_phone"):
        data["contact_phone"] = enterprise.masked_contact_phone
    return data


def _enterprise(actor, enterprise_id: int) -> Enterprise:
    return get_in_scope(Enterprise.objects, actor, lock=True, recheck=True, pk=enterprise_id)


@transaction.atomic
def update_enterprise(
    *,
    actor,
    enterprise_id: int,
    name: str | None = None,
    credit_code: str | None = None,
    area_code: str | None = None,
    industry: str | None = None,
    address: str | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
) -> Enterprise:
    """Corrects an enterprise; a value left None stays as it is. Moving it to another area
    needs that area in the actor's scope too. Nothing is written (or logged) when nothing
    changes."""
    enterprise = _enterprise(actor, enterprise_id)
    given = {
        "name": name,
        "credit_code": credit_code,
        "industry": industry,
        "address": address,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
    }
    values, errors = clean_fields(
        **{k: getattr(enterprise, k) if v is None else v for k, v in given.items()}
    )
    area = enterprise.area
    if area_code is not None and validators.normalize_code(area_code) != enterprise.area_code:
        area = _open_area(actor, area_code)
    if (
        "credit_code" not in errors
        and values["credit_code"] != enterprise.credit_code
        and Enterprise.objects.filter(credit_code=values["credit_code"]).exists()
    ):
        errors.update(_duplicate_error(values["credit_code"]))
    if errors:
        raise ValidationError(errors)
    values.update(area=area, area_code=area.code)
    audit.save_changes(
        actor=actor, obj=enterprise, values=values, action="enterprise.update", snap=_snapshot
    )
    return enterprise


@transaction.atomic
def set_enterprise_active(*, actor, enterprise_id: int, is_active: bool) -> Enterprise:
    """Deactivates an enterprise (closed, moved away) or brings it back. An inactive one is
    no longer offered for pairing; its pairings and visits stay as history."""
    enterprise = _enterprise(actor, enterprise_id)
    if enterprise.is_active == is_active:
        return enterprise
    before = _snapshot(enterprise)
    enterprise.is_active = is_active
    enterprise.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="enterprise.activate" if is_active else "enterprise.deactivate",
        obj=enterprise,
        before=before,
        after=_snapshot(enterprise),
    )
    return enterprise


def deactivate_enterprise(*, actor, enterprise_id: int) -> Enterprise:
    return set_enterprise_active(actor=actor, enterprise_id=enterprise_id, is_active=False)
