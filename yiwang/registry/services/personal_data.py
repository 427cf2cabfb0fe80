"""Personal data taken out of the ledger: a full ID or phone number revealed, and an export
of residents, each kept in the audit log."""

from __future__ import annotations

import os
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.core import audit, validators
from yiwang.core.masking import mask_id_number, mask_phone
from yiwang.registry.models import Resident, Reveal
from yiwang.registry.services.lookups import _resident

REVEALABLE = {"id_number", "phone"}


def may_reveal(actor, field: str) -> bool:
    """Whether `actor` may reveal `field` of a resident of their scope: the ID number with
    the permission; the phone also without it, so that the grid worker who answers for a
    household can call its people (the look recorded all the same)."""
    return actor.has_perm("registry.reveal_personal_data") or field == "phone"


@transaction.atomic
def reveal(*, actor, resident_id: int, field: str, reason: str) -> str:
    """A resident's full ID or phone number, for someone of their scope who may see it
    (`may_reveal`) and gives a reason; the look is kept on the resident's card and in the
    audit log."""
    resident = _resident(actor, resident_id)
    if field not in REVEALABLE:
        raise ValidationError({"field": _("Only the ID number and the phone can be revealed.")})
    if not may_reveal(actor, field):
        raise PermissionDenied(_("Your account may not reveal personal data."))
    reason = validators.normalize_text(reason)
    if len(reason) < 4:
        raise ValidationError({"reason": _("Say why you need to see it (at least 4 characters).")})
    Reveal.objects.create(
        resident=resident, user=actor, field=field, reason=reason, area_code=resident.area_code
    )
    audit.record(
        actor=actor,
        action="resident.reveal",
        obj=resident,
        after={"field": field, "reason": reason},
    )
    return getattr(resident, field)


def _export_area_code(actor, filters: dict) -> str:
    """Where an export's audit entry belongs: the `under` filter when it lies in the actor's
    scope, else the deepest area that holds all of the actor's scope."""
    under = str(filters.get("under") or "")
    if under and scope.in_scope(actor, under):
        return under
    roots = scope.scope_codes(actor) or ()
    common = os.path.commonprefix(list(roots)) if roots else ""
    # Codes grow by three digits a level from the six-digit county.
    length = max((n for n in (6, 9, 12, 15, 18) if n <= len(common)), default=0)
    return common[:length]


def _masked_filters(filters: dict) -> dict:
    """A search for (part of) an ID or phone number goes into the log masked, as numbers do;
    area codes and the other filters stay as given."""
    masked = dict(filters)
    search = str(masked.get("search", ""))
    if len(re.sub(r"\D", "", search)) >= 7:
        masked["search"] = mask_id_number(search) if len(search) > 11 else mask_phone(search)
    return masked


@transaction.atomic
def record_export(*, actor, count: int, filters: dict, full: bool = False) -> None:
    """An export of `count` residents (the filters as given) goes into the audit log; one
    with ID and phone numbers in full only for those with the permission."""
    if full and actor is not None and not actor.has_perm("registry.export_personal_data"):
        raise PermissionDenied(_("Your account may not export ID and phone numbers in full."))
    audit.record(
        actor=actor,
        action="resident.export",
        object_type=Resident._meta.label_lower,
        object_repr=_("%(count)d residents") % {"count": count},
        area_code=_export_area_code(actor, filters) if actor is not None else "",
        after={"count": count, "filters": _masked_filters(filters), "full": full},
    )
