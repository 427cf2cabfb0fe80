"""The alliances (联合社) of a town's cooperatives, and which alliance a cooperative is in.

The county's admins and the town's own create and rename a town's alliance
(`access.can_keep_alliance`); those who keep a cooperative (yiwang.coops.access.can_keep)
put it in its town's alliance or take it out. One alliance a town (the service's rule,
kept under a lock on the town's row); an alliance's name is unique everywhere (the
column's constraint). `actor=None` is the command line.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.areas.models import Area, Level
from yiwang.coops import access
from yiwang.coops.models import Alliance, Cooperative
from yiwang.coops.services.common import get_cooperative, require_keeper
from yiwang.core import access as core_access
from yiwang.core import audit

NAME_MAX = Alliance._meta.get_field("name").max_length


def _clean_name(name) -> str:
    name = (name if isinstance(name, str) else "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the alliance's name.")})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": _("The name is too long: at most %(max)s characters.") % {"max": NAME_MAX}}
        )
    return name


def _name_taken(name: str) -> ValidationError:
    return ValidationError(
        {
            "name": _("An alliance named %(name)s already exists: choose another name.")
            % {"name": name}
        }
    )


def _require_town_keeper(actor, town_code: str) -> None:
    """PermissionDenied for someone who reads the town or works under it but may not keep
    its alliance; a town outside the actor's areas answers like a missing one."""
    if access.can_keep_alliance(actor, town_code):
        return
    codes = core_access.scope_codes(actor)
    related = codes is None or any(
        town_code.startswith(root) or root.startswith(town_code) for root in codes
    )
    if not related:
        raise Http404(_("No such area."))
    raise PermissionDenied(_("Only the county's or the town's admins keep the town's alliance."))


def get_alliance(actor, alliance_id, *, lock: bool = False) -> Alliance:
    """The alliance `actor` reads, else Http404 (the same for missing and not theirs)."""
    qs = access.visible_alliances(actor)
    if lock:
        qs = Alliance.objects.select_for_update().filter(pk__in=qs.values("pk"))
    try:
        return qs.get(pk=alliance_id)
    except (Alliance.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such alliance.")) from None


def _town_has_one(area, existing: Alliance) -> ValidationError:
    return ValidationError(
        {
            "area_code": _(
                "%(town)s already has an alliance (%(name)s): rename it rather than create another."
            )
            % {"town": area.name, "name": existing.name}
        }
    )


def create_alliance(*, actor, area_code, name) -> Alliance:
    """The alliance of the town `area_code`, named `name`."""
    code = (area_code if isinstance(area_code, str) else "").strip()
    area = Area.objects.filter(code=code).first() if code else None
    if area is None or area.level != Level.TOWN:
        raise ValidationError({"area_code": _("An alliance belongs to a town: choose a town.")})
    _require_town_keeper(actor, code)
    name = _clean_name(name)
    with transaction.atomic():
        # Two admins creating the town's alliance at once: the second waits here, then
        # finds the first's.
        Area.objects.select_for_update().filter(pk=area.pk).first()
        existing = Alliance.objects.filter(area_code=code).first()
        if existing is not None:
            raise _town_has_one(area, existing)
        if Alliance.objects.filter(name=name).exists():
            raise _name_taken(name)
        try:
            with transaction.atomic():
                alliance = Alliance.objects.create(area_code=code, name=name)
        except IntegrityError:
            # Another town's new alliance took the name meanwhile (this town's row is locked).
            existing = Alliance.objects.filter(area_code=code).first()
            raise (_town_has_one(area, existing) if existing else _name_taken(name)) from None
        audit.record(
            actor=actor,
            action="coops.alliance_create",
            obj=alliance,
            area_code=code,
            after={"name": name},
        )
    return alliance


def rename_alliance(*, actor, alliance_id, name) -> Alliance:
    """A new name for the alliance (nothing is written when it is the same)."""
    with transaction.atomic():
        alliance = get_alliance(actor, alliance_id, lock=True)
        _require_town_keeper(actor, alliance.area_code)
        name = _clean_name(name)
        if name == alliance.name:
            return alliance
        if Alliance.objects.filter(name=name).exclude(pk=alliance.pk).exists():
            raise _name_taken(name)
        before = alliance.name
        alliance.name = name
        try:
            with transaction.atomic():
                alliance.save(update_fields=["name", "updated_at"])
        except IntegrityError:
            raise _name_taken(name) from None
        audit.record(
            actor=actor,
            action="coops.alliance_rename",
            obj=alliance,
            area_code=alliance.area_code,
            before={"name": before},
            after={"name": name},
        )
    return alliance


def set_alliance(*, actor, cooperative_id, alliance_id) -> Cooperative:
    """Puts the cooperative in its town's alliance (`alliance_id`), or takes it out of any
    (None). Nothing is written when it is already so."""
    with transaction.atomic():
        coop = get_cooperative(actor, cooperative_id, lock=True)
        require_keeper(actor, coop)
        alliance = None
        if alliance_id not in (None, ""):
            try:
                alliance = Alliance.objects.filter(pk=alliance_id).first()
            except (ValueError, TypeError):
                alliance = None
            if alliance is None or not coop.area_code.startswith(alliance.area_code):
                raise ValidationError({"alliance_id": _("Not an alliance of this village's town.")})
        new_id = alliance.pk if alliance is not None else None
        if coop.alliance_id == new_id:
            return coop
        before = Alliance.objects.filter(pk=coop.alliance_id).values_list("name", flat=True).first()
        coop.alliance = alliance
        coop.save(update_fields=["alliance", "updated_at"])
        audit.record(
            actor=actor,
            action="coops.set_alliance",
            obj=coop,
            area_code=coop.area_code,
            before={"alliance": before},
            after={"alliance": alliance.name if alliance is not None else None},
        )
    return coop
