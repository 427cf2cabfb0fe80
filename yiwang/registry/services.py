"""Every write to the ledger: atomic, checked against the actor's posts, audited."""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Role
from yiwang.areas.models import Area, Level
from yiwang.core import audit, validators
from yiwang.core.masking import mask_id_number, mask_phone
from yiwang.registry.models import (
    Household,
    HouseholdCategory,
    HouseholdStatus,
    LifeEvent,
    LifeEventKind,
    Migrant,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
    Reveal,
    Tag,
    TagCategory,
)
from yiwang.registry.search import initials


def _check_actor(actor, area_code: str) -> None:
    """The actor's posts, re-read in this transaction, must cover `area_code`.
    `actor=None` is the operator at the command line."""
    if actor is None:
        return
    scope.recheck(actor)
    scope.require_in_scope(actor, area_code)


def _open_unit(actor, unit_code: str) -> Area:
    _check_actor(actor, unit_code)
    unit = Area.objects.open().filter(code=unit_code).first()
    if unit is None:
        raise Http404(_("Not found."))
    if unit.level != Level.UNIT:
        raise ValidationError(
            {
                "unit": _("Households belong to a unit (单元网格), not to a %(level)s.")
                % {"level": unit.get_level_display()}
            }
        )
    return unit


def _household(actor, household_id: int, lock: bool = True) -> Household:
    queryset = Household.objects.select_for_update() if lock else Household.objects.all()
    household = queryset.filter(pk=household_id).first()
    if household is None:
        raise Http404(_("Not found."))
    _check_actor(actor, household.area_code)
    return household


def _resident(actor, resident_id: int) -> Resident:
    resident = Resident.objects.select_for_update().filter(pk=resident_id).first()
    if resident is None:
        raise Http404(_("Not found."))
    _check_actor(actor, resident.area_code)
    return resident


@transaction.atomic
def create_household(
    *, actor, unit_code: str, number: str, address: str = "", door_number: str = ""
) -> Household:
    unit = _open_unit(actor, unit_code)
    number = validators.normalize_text(number)
    if not number:
        raise ValidationError({"number": _("The household number cannot be empty.")})
    if Household.objects.filter(unit=unit, number=number).exists():
        raise ValidationError(
            {"number": _("The unit already has a household %(n)s.") % {"n": number}}
        )
    household = Household.objects.create(
        unit=unit,
        area_code=unit.code,
        number=number,
        address=validators.normalize_text(address),
        door_number=validators.normalize_text(door_number),
    )
    audit.record(
        actor=actor, action="household.create", obj=household, after=audit.snapshot(household)
    )
    return household


@transaction.atomic
def update_household(
    *, actor, household_id: int, address: str | None = None, door_number: str | None = None
) -> Household:
    """Corrects a household's address and door number; a value left None stays as it is.
    Nothing is written (or logged) when nothing changes."""
    household = _household(actor, household_id)
    values = {}
    errors: dict[str, str] = {}
    for field, value, limit in (("address", address, 200), ("door_number", door_number, 30)):
        if value is None:
            continue
        value = validators.normalize_text(value)
        if len(value) > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
        values[field] = value
    if errors:
        raise ValidationError(errors)
    changed = [f for f, v in values.items() if getattr(household, f) != v]
    if not changed:
        return household
    before = audit.snapshot(household)
    for field in changed:
        setattr(household, field, values[field])
    household.save(update_fields=[*changed, "updated_at"])
    audit.record(
        actor=actor,
        action="household.update",
        obj=household,
        before=before,
        after=audit.snapshot(household),
    )
    return household


def _clean_person(*, name: str, id_number: str, sex: str, birth_date, phone: str) -> dict:
    """Validated personal fields; sex and birth date follow from the ID number."""
    errors: dict[str, list[str]] = {}
    values: dict = {}

    def attempt(field, function, *args):
        try:
            return function(*args)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            return None

    values["name"] = validators.normalize_text(name)
    if not values["name"]:
        errors["name"] = [_("The name cannot be empty.")]
    values["id_number"] = attempt("id_number", validators.clean_id_number, id_number) or ""
    values["phone"] = attempt("phone", validators.clean_phone, phone) or ""
    given_sex = attempt("sex", validators.clean_sex, sex) if sex else ""
    given_birth = attempt("birth_date", validators.clean_date, birth_date) if birth_date else None
    if values["id_number"]:
        id_sex, id_birth = validators.id_number_facts(values["id_number"])
        if given_sex and given_sex != id_sex:
            errors.setdefault("sex", []).append(_("The sex does not match the ID number."))
        if given_birth and given_birth != id_birth:
            errors.setdefault("birth_date", []).append(
                _("The birth date does not match the ID number.")
            )
        values["sex"], values["birth_date"] = id_sex, id_birth
    else:
        values["sex"], values["birth_date"] = given_sex or "", given_birth
    if errors:
        raise ValidationError(errors)
    values["name_initials"] = initials(values["name"])
    return values


def recompute_category(household: Household) -> None:
    """Key when a living member carries a current tag that makes a key household, unless
    the category was set by hand."""
    if household.category_override:
        category = household.category_override
    else:
        key = (
            ResidentTag.objects.current()
            .filter(
                resident__household=household,
                resident__status=ResidentStatus.LIVING,
                tag__makes_key_household=True,
            )
            .exists()
        )
        category = HouseholdCategory.KEY if key else HouseholdCategory.ORDINARY
    if category != household.category:
        Household.objects.filter(pk=household.pk).update(
            category=category, updated_at=timezone.now()
        )
        household.category = category


def _tags(codes: Iterable[str]) -> list[Tag]:
    codes = list(dict.fromkeys(codes))
    tags = {t.code: t for t in Tag.objects.filter(code__in=codes, is_active=True)}
    unknown = [c for c in codes if c not in tags]
    if unknown:
        raise ValidationError({"tags": _("Unknown tags: %(tags)s.") % {"tags": "、".join(unknown)}})
    return [tags[c] for c in codes]


@transaction.atomic
def add_resident(
    *,
    actor,
    household_id: int,
    name: str,
    relation: str,
    id_number: str = "",
    sex: str = "",
    birth_date=None,
    phone: str = "",
    ethnicity: str = "",
    is_party_member: bool = False,
    tags: Iterable[str] = (),
    event: str = LifeEventKind.MOVE_IN,
    on: datetime.date | None = None,
) -> Resident:
    """A person joins a household (moves in, or is born); the household's category follows."""
    household = _household(actor, household_id)
    if household.status != HouseholdStatus.ACTIVE:
        raise ValidationError({"household": _("The household is no longer active.")})
    if relation not in Relation.values:
        raise ValidationError({"relation": _("Unknown relation to the head.")})
    person = _clean_person(
        name=name, id_number=id_number, sex=sex, birth_date=birth_date, phone=phone
    )
    # The unique index holds non-empty numbers only: the exclude lets SQLite use it.
    if (
        person["id_number"]
        and Resident.objects.filter(id_number=person["id_number"]).exclude(id_number="").exists()
    ):
        raise ValidationError(
            {
                "id_number": _(
                    "A resident with this ID number is already in the ledger: transfer them instead."
                )
            }
        )
    living = household.residents.filter(status=ResidentStatus.LIVING)
    if relation == Relation.HEAD and living.filter(relation=Relation.HEAD).exists():
        raise ValidationError(
            {"relation": _("The household already has a head: change the head instead.")}
        )
    if relation != Relation.HEAD and not living.filter(relation=Relation.HEAD).exists():
        raise ValidationError({"relation": _("A household's first member must be its head.")})
    tag_objects = _tags(tags)
    on = on or timezone.localdate()
    resident = Resident.objects.create(
        household=household,
        area_code=household.area_code,
        relation=relation,
        ethnicity=validators.normalize_text(ethnicity),
        is_party_member=is_party_member,
        **person,
    )
    ResidentTag.objects.bulk_create(
        [ResidentTag(resident=resident, tag=t, starts_on=on) for t in tag_objects]
    )
    LifeEvent.objects.create(
        resident=resident,
        kind=event,
        on=on,
        to_household=household,
        area_code=household.area_code,
        recorded_by=actor,
    )
    recompute_category(household)
    audit.record(
        actor=actor,
        action="resident.create",
        obj=resident,
        after={**audit.snapshot(resident), "tags": [t.code for t in tag_objects]},
    )
    return resident


@transaction.atomic
def update_resident(
    *,
    actor,
    resident_id: int,
    name: str | None = None,
    id_number: str | None = None,
    sex: str | None = None,
    birth_date=None,
    phone: str | None = None,
    ethnicity: str | None = None,
    is_party_member: bool | None = None,
    relation: str | None = None,
) -> Resident:
    """Corrects a resident's own fields; a value left None stays as it is ("" clears a
    phone, a sex, a birth date). Sex and birth date follow from the ID number when there is
    one. The head's relation changes only through `change_head`, and life events through
    their own services. Nothing is written (or logged) when nothing changes."""
    resident = _resident(actor, resident_id)
    new_id = resident.id_number if id_number is None else id_number
    # With an ID number, sex and birth date come from it, unless given to be checked.
    if sex is None:
        sex = "" if validators.normalize_text(new_id) else resident.sex
    if birth_date is None:
        birth_date = None if validators.normalize_text(new_id) else resident.birth_date
    errors: dict[str, list[str]] = {}
    try:
        person = _clean_person(
            name=resident.name if name is None else name,
            id_number=new_id,
            sex=sex,
            birth_date=birth_date,
            phone=resident.phone if phone is None else phone,
        )
    except ValidationError as exc:
        # Reported together with the checks below, so that one try shows every bad field.
        errors.update(exc.message_dict)
        person = {"name": "", "id_number": ""}
    if len(person["name"]) > 50:
        errors["name"] = [_("The name can have at most 50 characters.")]
    if (
        person["id_number"]
        and person["id_number"] != resident.id_number
        and Resident.objects.filter(id_number=person["id_number"])
        .exclude(id_number="")
        .exclude(pk=resident.pk)
        .exists()
    ):
        errors["id_number"] = [
            _(
                "Another resident of the ledger has this ID number: check the number, or "
                "record the move as a transfer of that resident."
            )
        ]
    if ethnicity is not None:
        person["ethnicity"] = validators.normalize_text(ethnicity)
        if len(person["ethnicity"]) > 20:
            errors["ethnicity"] = [_("The ethnicity can have at most 20 characters.")]
    if is_party_member is not None:
        person["is_party_member"] = bool(is_party_member)
    if relation is not None and relation != resident.relation:
        if relation not in Relation.values:
            errors["relation"] = [_("Unknown relation to the head.")]
        elif Relation.HEAD in (relation, resident.relation):
            errors["relation"] = [
                _("The head changes through “make head of household”, not by editing.")
            ]
        else:
            person["relation"] = relation
    if errors:
        raise ValidationError(errors)
    changed = [f for f, v in person.items() if getattr(resident, f) != v]
    if not changed:
        return resident
    before = audit.snapshot(resident)
    for field in changed:
        setattr(resident, field, person[field])
    # save() derives the searchable tails of the ID and phone numbers.
    resident.save(update_fields=[*changed, "id_tail", "phone_tail", "updated_at"])
    audit.record(
        actor=actor,
        action="resident.update",
        obj=resident,
        before=before,
        after=audit.snapshot(resident),
    )
    return resident


@transaction.atomic
def set_tags(
    *, actor, resident_id: int, tags: Iterable[str], on: datetime.date | None = None
) -> Resident:
    """The resident's current tags become `tags`: missing ones end today, new ones start."""
    resident = _resident(actor, resident_id)
    wanted = {t.code: t for t in _tags(tags)}
    on = on or timezone.localdate()
    current = {rt.tag.code: rt for rt in resident.tags.current(on).select_related("tag")}
    before = sorted(current)
    ended = [rt.pk for code, rt in current.items() if code not in wanted]
    ResidentTag.objects.filter(pk__in=ended).update(ends_on=on)
    ResidentTag.objects.bulk_create(
        [
            ResidentTag(resident=resident, tag=t, starts_on=on)
            for c, t in wanted.items()
            if c not in current
        ]
    )
    recompute_category(resident.household)
    audit.record(
        actor=actor,
        action="resident.set_tags",
        obj=resident,
        before={"tags": before},
        after={"tags": sorted(wanted)},
    )
    return resident


def _promote_new_head(household: Household, leaving: Resident, on: datetime.date, actor) -> None:
    """When the head leaves, the eldest remaining member becomes head; a household whose
    last member leaves is closed."""
    remaining = household.residents.filter(status=ResidentStatus.LIVING).exclude(pk=leaving.pk)
    successor = remaining.order_by(F("birth_date").asc(nulls_last=True), "id").first()
    if successor is None:
        household.status = HouseholdStatus.MOVED_OUT
        household.save(update_fields=["status", "updated_at"])
        return
    if leaving.relation == Relation.HEAD:
        Resident.objects.filter(pk=successor.pk).update(
            relation=Relation.HEAD, updated_at=timezone.now()
        )
        LifeEvent.objects.create(
            resident=successor,
            kind=LifeEventKind.HEAD_CHANGE,
            on=on,
            to_household=household,
            area_code=household.area_code,
            recorded_by=actor,
            note=_("The head left; the eldest member became head."),
        )


def _leave(actor, resident_id: int, *, status: str, kind: str, action: str, on, note: str):
    """A living resident leaves (moves out, dies): the household keeps a head or closes,
    the event is kept, the category follows."""
    resident = _resident(actor, resident_id)
    if resident.status != ResidentStatus.LIVING:
        raise ValidationError({"status": _("The resident no longer lives here.")})
    before = audit.snapshot(resident)
    household = resident.household
    on = on or timezone.localdate()
    # The leaver's status changes first, so that a successor can take the one head's place.
    resident.status = status
    resident.save(update_fields=["status", "updated_at"])
    _promote_new_head(household, resident, on, actor)
    LifeEvent.objects.create(
        resident=resident,
        kind=kind,
        on=on,
        from_household=household,
        area_code=household.area_code,
        note=note,
        recorded_by=actor,
    )
    recompute_category(household)
    audit.record(
        actor=actor, action=action, obj=resident, before=before, after=audit.snapshot(resident)
    )
    return resident


@transaction.atomic
def move_out(
    *, actor, resident_id: int, on: datetime.date | None = None, note: str = ""
) -> Resident:
    return _leave(
        actor,
        resident_id,
        status=ResidentStatus.MOVED_OUT,
        kind=LifeEventKind.MOVE_OUT,
        action="resident.move_out",
        on=on,
        note=note,
    )


@transaction.atomic
def record_death(
    *, actor, resident_id: int, on: datetime.date | None = None, note: str = ""
) -> Resident:
    return _leave(
        actor,
        resident_id,
        status=ResidentStatus.DECEASED,
        kind=LifeEventKind.DEATH,
        action="resident.death",
        on=on,
        note=note,
    )


@transaction.atomic
def transfer(
    *, actor, resident_id: int, to_household_id: int, relation: str, on: datetime.date | None = None
) -> Resident:
    """The resident moves to a household of another unit or village; the receiving side
    records it, and both sides keep it in their history."""
    resident = _resident(actor, resident_id)  # the side the resident leaves is checked too
    if resident.status == ResidentStatus.DECEASED:
        raise ValidationError({"status": _("The resident is recorded as deceased.")})
    target = _household(actor, to_household_id)
    if target.status != HouseholdStatus.ACTIVE:
        raise ValidationError({"household": _("The household is no longer active.")})
    if target.pk == resident.household_id:
        raise ValidationError({"household": _("The resident already belongs to this household.")})
    if relation not in Relation.values:
        raise ValidationError({"relation": _("Unknown relation to the head.")})
    living = target.residents.filter(status=ResidentStatus.LIVING)
    if relation == Relation.HEAD and living.filter(relation=Relation.HEAD).exists():
        raise ValidationError(
            {"relation": _("The household already has a head: change the head instead.")}
        )
    if relation != Relation.HEAD and not living.filter(relation=Relation.HEAD).exists():
        raise ValidationError({"relation": _("A household's first member must be its head.")})
    on = on or timezone.localdate()
    before = audit.snapshot(resident)
    source = resident.household
    if resident.status == ResidentStatus.LIVING:
        # Leave the old household first: a new head there, or it closes.
        Resident.objects.filter(pk=resident.pk).update(status=ResidentStatus.MOVED_OUT)
        _promote_new_head(source, resident, on, actor)
    resident.household = target
    resident.area_code = target.area_code
    resident.relation = relation
    resident.status = ResidentStatus.LIVING
    resident.save()
    LifeEvent.objects.create(
        resident=resident,
        kind=LifeEventKind.TRANSFER,
        on=on,
        from_household=source,
        to_household=target,
        from_area_code=source.area_code,
        area_code=target.area_code,
        recorded_by=actor,
    )
    recompute_category(source)
    recompute_category(target)
    audit.record(
        actor=actor,
        action="resident.transfer",
        obj=resident,
        before=before,
        after=audit.snapshot(resident),
    )
    return resident


@transaction.atomic
def change_head(
    *, actor, household_id: int, new_head_id: int, former_head_relation: str
) -> Household:
    household = _household(actor, household_id)
    if former_head_relation not in Relation.values or former_head_relation == Relation.HEAD:
        raise ValidationError(
            {"former_head_relation": _("Give the former head's new relation to the head.")}
        )
    new_head = household.residents.filter(pk=new_head_id, status=ResidentStatus.LIVING).first()
    if new_head is None:
        raise ValidationError(
            {"new_head": _("The new head must be a living member of the household.")}
        )
    old = household.residents.filter(relation=Relation.HEAD, status=ResidentStatus.LIVING).first()
    if old is not None and old.pk == new_head.pk:
        raise ValidationError({"new_head": _("This member is already the head.")})
    now = timezone.now()
    if old is not None:
        Resident.objects.filter(pk=old.pk).update(relation=former_head_relation, updated_at=now)
    Resident.objects.filter(pk=new_head.pk).update(relation=Relation.HEAD, updated_at=now)
    LifeEvent.objects.create(
        resident=new_head,
        kind=LifeEventKind.HEAD_CHANGE,
        to_household=household,
        area_code=household.area_code,
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="household.change_head",
        obj=household,
        before={"head": old.pk if old else None},
        after={"head": new_head.pk},
    )
    return household


@transaction.atomic
def set_household_category(
    *, actor, household_id: int, category: str, reason: str = ""
) -> Household:
    """Sets the category by hand (with a reason), or back to derived with category=""."""
    household = _household(actor, household_id)
    reason = validators.normalize_text(reason)
    if category and category not in HouseholdCategory.values:
        raise ValidationError({"category": _("Unknown household category.")})
    if category and not reason:
        raise ValidationError(
            {"category_reason": _("Give a reason for setting the category by hand.")}
        )
    before = audit.snapshot(household)
    household.category_override = category
    household.category_reason = reason if category else ""
    household.save(update_fields=["category_override", "category_reason", "updated_at"])
    recompute_category(household)
    audit.record(
        actor=actor,
        action="household.set_category",
        obj=household,
        before=before,
        after=audit.snapshot(household),
    )
    return household


REVEALABLE = {"id_number", "phone"}


@transaction.atomic
def reveal(*, actor, resident_id: int, field: str, reason: str) -> str:
    """A resident's full ID or phone number, for someone with the permission and a reason;
    the look is kept on the resident's card and in the audit log."""
    resident = _resident(actor, resident_id)
    if not actor.has_perm("registry.reveal_personal_data"):
        raise PermissionDenied(_("Your account may not reveal personal data."))
    if field not in REVEALABLE:
        raise ValidationError({"field": _("Only the ID number and the phone can be revealed.")})
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


def _county_admin_code(actor) -> str:
    """The county where the actor holds a county-admin post ("" for the operator at the
    command line and for a superuser); anyone else may not configure the tag taxonomy."""
    if actor is None or getattr(actor, "is_superuser", False):
        return ""
    scope.recheck(actor)
    counties = sorted(
        code for role, code in scope.current_posts(actor) if role == Role.COUNTY_ADMIN
    )
    if not counties:
        raise PermissionDenied(_("Only a county admin may configure the tags."))
    return counties[0]


def _recompute_categories_of(tag: Tag) -> None:
    """After a tag starts or stops making key households: the derived category of every
    household where a living member carries it now, in two UPDATEs, not one per household."""
    carriers = (
        ResidentTag.objects.current()
        .filter(tag=tag, resident__status=ResidentStatus.LIVING)
        .values("resident__household_id")
    )
    key = Exists(
        ResidentTag.objects.current().filter(
            resident__household=OuterRef("pk"),
            resident__status=ResidentStatus.LIVING,
            tag__makes_key_household=True,
            tag__is_active=True,
        )
    )
    derived = Household.objects.filter(pk__in=carriers, category_override="")
    now = timezone.now()
    derived.filter(key).exclude(category=HouseholdCategory.KEY).update(
        category=HouseholdCategory.KEY, updated_at=now
    )
    derived.filter(~key).exclude(category=HouseholdCategory.ORDINARY).update(
        category=HouseholdCategory.ORDINARY, updated_at=now
    )


@transaction.atomic
def save_tag(
    *,
    actor,
    code: str,
    name: str,
    category: str,
    makes_key_household: bool = False,
    is_active: bool = True,
) -> Tag:
    """Creates the tag `code`, or changes it. Only a county admin (or a superuser) configures
    the taxonomy; when a tag starts or stops making key households, the households whose
    members carry it change category with it."""
    county = _county_admin_code(actor)
    code = validators.normalize_text(code)
    name = validators.normalize_text(name)
    errors: dict[str, str] = {}
    try:
        validate_slug(code)
    except ValidationError:
        errors["code"] = _("The code must be letters, digits, hyphens or underscores.")
    if len(code) > 40:
        errors["code"] = _("The code can have at most 40 characters.")
    if not name:
        errors["name"] = _("The name cannot be empty.")
    elif len(name) > 40:
        errors["name"] = _("The name can have at most 40 characters.")
    elif Tag.objects.filter(name=name).exclude(code=code).exists():
        errors["name"] = _("Another tag is already called %(name)s.") % {"name": name}
    if category not in TagCategory.values:
        errors["category"] = _("Unknown tag category.")
    if errors:
        raise ValidationError(errors)
    tag = Tag.objects.select_for_update().filter(code=code).first()
    before = audit.snapshot(tag) if tag is not None else None
    # A tag that starts or stops making key households, or is switched on or off while it
    # does, changes the derived category of the households that carry it.
    key_changed = tag is not None and (
        tag.makes_key_household != makes_key_household
        or (tag.is_active != is_active and (tag.makes_key_household or makes_key_household))
    )
    if tag is None:
        tag = Tag(code=code, order=(Tag.objects.aggregate(m=Max("order"))["m"] or 0) + 1)
    tag.name = name
    tag.category = category
    tag.makes_key_household = makes_key_household
    tag.is_active = is_active
    tag.save()
    if key_changed:
        _recompute_categories_of(tag)
    audit.record(
        actor=actor,
        action="tag.update" if before else "tag.create",
        obj=tag,
        area_code=county,
        before=before,
        after=audit.snapshot(tag),
    )
    return tag


@transaction.atomic
def register_migrant(
    *,
    actor,
    name: str,
    origin: str,
    arrived_on,
    unit_code: str = "",
    host_household_id: int | None = None,
    address: str = "",
    id_number: str = "",
    phone: str = "",
    expected_until=None,
) -> Migrant:
    """Someone from elsewhere comes to live in a unit, with a host household or at an
    address; the unit is the host household's when one is given."""
    host = None
    if host_household_id is not None:
        host = _household(actor, host_household_id, lock=False)
        if host.status != HouseholdStatus.ACTIVE:
            raise ValidationError({"host_household": _("The household is no longer active.")})
        if unit_code and unit_code != host.area_code:
            raise ValidationError({"unit_code": _("The host household belongs to another unit.")})
        unit_code = host.area_code
    if not unit_code:
        raise ValidationError({"unit_code": _("Give the unit or the host household.")})
    unit = _open_unit(actor, unit_code)
    errors: dict[str, list[str]] = {}
    values: dict = {}

    def attempt(field, function, value):
        try:
            return function(value)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            return None

    for field, value in (("name", name), ("origin", origin), ("address", address)):
        values[field] = validators.normalize_text(value)
    if not values["name"]:
        errors["name"] = [_("The name cannot be empty.")]
    if not values["origin"]:
        errors["origin"] = [_("Say where the migrant comes from.")]
    if host is None and not values["address"]:
        errors["address"] = [_("Give the host household or the address.")]
    values["id_number"] = attempt("id_number", validators.clean_id_number, id_number) or ""
    values["phone"] = attempt("phone", validators.clean_phone, phone) or ""
    values["arrived_on"] = attempt("arrived_on", validators.clean_date, arrived_on)
    if values["arrived_on"] is None and "arrived_on" not in errors:
        errors["arrived_on"] = [_("Give the arrival date.")]
    values["expected_until"] = attempt("expected_until", validators.clean_date, expected_until)
    if (
        values["arrived_on"]
        and values["expected_until"]
        and values["expected_until"] < values["arrived_on"]
    ):
        errors.setdefault("expected_until", []).append(
            _("The expected end of the stay is before the arrival.")
        )
    if errors:
        raise ValidationError(errors)
    migrant = Migrant.objects.create(area_code=unit.code, host_household=host, **values)
    audit.record(actor=actor, action="migrant.create", obj=migrant, after=audit.snapshot(migrant))
    return migrant


@transaction.atomic
def migrant_left(*, actor, migrant_id: int, on=None) -> Migrant:
    """A migrant has left (today, or on `on`); they stay in the register with the date."""
    migrant = Migrant.objects.select_for_update().filter(pk=migrant_id).first()
    if migrant is None:
        raise Http404(_("Not found."))
    _check_actor(actor, migrant.area_code)
    if migrant.left_on is not None:
        raise ValidationError(
            {
                "left_on": _("The migrant is already recorded as left on %(date)s.")
                % {"date": migrant.left_on.isoformat()}
            }
        )
    try:
        on = validators.clean_date(on) or timezone.localdate()
    except ValidationError as exc:
        raise ValidationError({"left_on": exc.messages}) from None
    if on < migrant.arrived_on:
        raise ValidationError({"left_on": _("The migrant cannot leave before arriving.")})
    before = audit.snapshot(migrant)
    migrant.left_on = on
    migrant.save(update_fields=["left_on", "updated_at"])
    audit.record(
        actor=actor,
        action="migrant.left",
        obj=migrant,
        before=before,
        after=audit.snapshot(migrant),
    )
    return migrant


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
