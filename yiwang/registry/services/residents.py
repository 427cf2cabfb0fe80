"""Residents: added to a household (moved in, born) and their own fields corrected."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import audit, validators
from yiwang.registry.models import (
    HouseholdStatus,
    LifeEvent,
    LifeEventKind,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
)
from yiwang.registry.selectors import initials
from yiwang.registry.services.households import recompute_category
from yiwang.registry.services.lookups import _household, _id_number_taken, _resident
from yiwang.registry.services.tags import _tags


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
    taken = _id_number_taken(
        actor,
        person["id_number"],
        in_scope_message=_(
            "A resident with this ID number is already in the ledger: transfer them instead."
        ),
    )
    if taken:
        raise ValidationError({"id_number": taken})
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
    if person["id_number"] != resident.id_number:
        taken = _id_number_taken(
            actor,
            person["id_number"],
            in_scope_message=_(
                "Another resident of the ledger has this ID number: check the number, or "
                "record the move as a transfer of that resident."
            ),
            but=resident.pk,
        )
        if taken:
            errors["id_number"] = [taken]
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
    audit.save_changes(
        actor=actor,
        obj=resident,
        values=person,
        action="resident.update",
        # save() derives the searchable tails of the ID and phone numbers.
        also=("id_tail", "phone_tail"),
    )
    return resident
