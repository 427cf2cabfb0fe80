"""Every write of outreach's pairings: atomic, checked against the actor's posts, audited.

The county admin configures the programmes (`save_programme`). Area managers (a county or
town admin, a village's grid chief) pair a sponsor with a household, a resident or an
enterprise of their scope by hand (`assign`), end and transfer pairings, and pair a whole
area at once (`auto_assign`). Whenever pairings start or end, the schedule engine is told
(services/schedule.py: `schedule_pairings`, `cancel_pairing_schedule`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Role, User
from yiwang.areas import codes
from yiwang.areas.models import Area
from yiwang.core import audit, validators
from yiwang.core.scoping import get_in_scope
from yiwang.outreach.models import (
    NAME_MAX,
    REASON_MAX,
    Enterprise,
    Pairing,
    Programme,
    SubjectKind,
)
from yiwang.outreach.selectors import (
    eligible_subjects,
    sponsor_locations,
    subject_matches,
)
from yiwang.outreach.services import schedule, settings
from yiwang.registry.models import Household, HouseholdCategory, Resident, Tag

# --- programmes -------------------------------------------------------------------------


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_programme(
    *,
    actor,
    code: str,
    name: str,
    subject_kind: str,
    visit_every_days,
    sponsor_role: str = "",
    chosen_sponsors=(),
    household_category: str = "",
    tag: str = "",
    is_active: bool = True,
    order: int = 0,
) -> Programme:
    """Adds or changes a pairing programme (the county admin; the operator). Sponsors are
    the holders of a role, or the people chosen, or both; never neither. `tag` is a tag's
    code, `chosen_sponsors` users or their ids."""
    scope.require_configure(actor, message=settings.REFUSED, recheck=True)
    errors: dict[str, list[str]] = {}
    code = validators.normalize_code(code)
    try:
        validate_slug(code)
    except ValidationError:
        errors["code"] = [_("The code has letters, digits, hyphens and underscores only.")]
    name = validators.normalize_text(name)
    if not name:
        errors["name"] = [_("The name cannot be empty.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("At most %(limit)d characters.") % {"limit": NAME_MAX}]
    elif Programme.objects.filter(name=name).exclude(code=code).exists():
        errors["name"] = [_("Another programme has this name.")]
    if subject_kind not in SubjectKind.values:
        errors["subject_kind"] = [_("Choose households, residents or enterprises.")]
    if sponsor_role and sponsor_role not in Role.values:
        errors["sponsor_role"] = [_("Unknown role.")]
    ids = sorted({getattr(u, "pk", u) for u in chosen_sponsors})
    users = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(users) != len(ids):
        errors["chosen_sponsors"] = [_("Some of the chosen people are unknown or inactive.")]
    if not sponsor_role and not ids:
        errors["sponsor_role"] = [
            _("Say who the sponsors are: choose a role, or choose the people, or both.")
        ]
    try:
        every = int(visit_every_days)
    except (TypeError, ValueError):
        every = 0
    if every < 1 or every > 32767:
        errors["visit_every_days"] = [
            _("Give the number of days between two visits: a whole number, 1 or more.")
        ]
    if household_category and household_category not in HouseholdCategory.values:
        errors["household_category"] = [_("Choose key or ordinary households.")]
    found_tag = None
    if tag:
        found_tag = Tag.objects.filter(code=getattr(tag, "code", tag), is_active=True).first()
        if found_tag is None:
            errors["tag"] = [_("Unknown tag.")]
    if subject_kind == SubjectKind.ENTERPRISE and (household_category or tag):
        errors["subject_kind"] = [
            _("Enterprises have no household category or tag: clear those fields.")
        ]
    if subject_kind == SubjectKind.RESIDENT and not tag:
        errors["tag"] = [_("Choose the tag of the residents to pair with.")]
    _raise(errors)
    programme = Programme.objects.select_for_update().filter(code=code).first()
    before = None
    if programme is not None:
        before = {
            **audit.snapshot(programme),
            "chosen_sponsors": sorted(programme.chosen_sponsors.values_list("pk", flat=True)),
        }
        if programme.subject_kind != subject_kind and programme.pairings.exists():
            raise ValidationError(
                {"subject_kind": _("The programme has pairings: what it pairs with stays.")}
            )
    programme = programme or Programme(code=code)
    programme.name, programme.subject_kind = name, subject_kind
    programme.sponsor_role, programme.household_category = sponsor_role, household_category
    programme.tag, programme.visit_every_days = found_tag, every
    programme.is_active, programme.order = is_active, order
    programme.save()
    programme.chosen_sponsors.set(users)
    audit.record(
        actor=actor,
        action="programme.save",
        obj=programme,
        before=before,
        after={**audit.snapshot(programme), "chosen_sponsors": ids},
    )
    return programme


# --- who may pair -----------------------------------------------------------------------


def _check_manager(actor, area_code: str) -> None:
    """Pairings of an area are set by those who manage it: a county or town admin, the
    village's grid chief. Out of scope answers 404, in scope without the role 403."""
    if actor is None:
        return
    scope.recheck(actor)
    scope.require_in_scope(actor, area_code)
    _require_manager(actor, area_code)


def _require_manager(actor, area_code: str) -> None:
    """`_check_manager` once the actor's posts are read again and `area_code` is known to
    lie in them: 403 without a managing role there."""
    if actor is not None and not scope.can_manage_area(actor, area_code):
        raise PermissionDenied(_("Only a county or town admin or a grid chief sets pairings."))


def can_pair(user, area_code: str) -> bool:
    """For pages: whether to offer the pairing buttons on `area_code`."""
    return scope.in_scope(user, area_code) and scope.can_manage_area(user, area_code)


def _programme(programme_id, lock: bool = True) -> Programme:
    queryset = Programme.objects.select_for_update() if lock else Programme.objects.all()
    programme = queryset.filter(pk=programme_id).first()
    if programme is None:
        raise Http404(_("Not found."))
    return programme


def is_eligible_sponsor(programme: Programme, user_id: int) -> bool:
    return user_id in sponsor_locations(programme, user_ids=[user_id])


def _require_sponsor(programme: Programme, sponsor_id, field: str = "sponsor") -> User:
    sponsor = User.objects.filter(pk=sponsor_id, is_active=True).first()
    if sponsor is None or not is_eligible_sponsor(programme, sponsor.pk):
        raise ValidationError(
            {
                field: _(
                    "This person is not a sponsor of this programme: they hold no current "
                    "post as %(role)s and are not among its chosen sponsors."
                )
                % {"role": programme.get_sponsor_role_display() or "—"}
            }
        )
    return sponsor


def _subject(actor, programme: Programme, household_id, resident_id, enterprise_id) -> dict:
    """The subject's fields of a pairing: checked against the programme and the actor."""
    given = [x is not None for x in (household_id, resident_id, enterprise_id)]
    if sum(given) != 1:
        raise ValidationError(
            {"subject": _("Name one household, one resident or one enterprise to pair with.")}
        )
    kind = {0: SubjectKind.HOUSEHOLD, 1: SubjectKind.RESIDENT, 2: SubjectKind.ENTERPRISE}[
        given.index(True)
    ]
    model = {
        SubjectKind.HOUSEHOLD: Household,
        SubjectKind.RESIDENT: Resident,
        SubjectKind.ENTERPRISE: Enterprise,
    }[kind]
    subject_id = (household_id, resident_id, enterprise_id)[given.index(True)]
    subject = get_in_scope(model.objects, actor, recheck=True, pk=subject_id)
    _require_manager(actor, subject.area_code)
    if kind != programme.subject_kind:
        raise ValidationError(
            {
                "subject": _("This programme pairs with %(kind)s only.")
                % {"kind": programme.get_subject_kind_display()}
            }
        )
    if not subject_matches(programme, subject):
        raise ValidationError({"subject": _(_NOT_MATCHING) % _describe(programme)})
    fields = {"area_code": subject.area_code}
    if kind == SubjectKind.HOUSEHOLD:
        fields["household"] = subject
    elif kind == SubjectKind.RESIDENT:
        fields.update(resident=subject, household_id=subject.household_id)
    else:
        fields["enterprise"] = subject
    return fields


_NOT_MATCHING = (
    "This one is not among the programme's subjects (%(what)s): it is inactive, or not of "
    "the category, or does not carry the tag."
)


def _describe(programme: Programme) -> dict:
    parts = [str(programme.get_subject_kind_display())]
    if programme.household_category:
        parts.append(str(programme.get_household_category_display()))
    if programme.tag_id:
        parts.append(programme.tag.name)
    return {"what": "、".join(parts)}


def _open_pairing(programme: Programme, fields: dict) -> Pairing | None:
    lookup = {"programme": programme, "ends_on__isnull": True}
    if "resident" in fields:
        lookup["resident"] = fields["resident"]
    elif "enterprise" in fields:
        lookup["enterprise"] = fields["enterprise"]
    else:
        lookup.update(household=fields["household"], resident__isnull=True)
    return Pairing.objects.filter(**lookup).select_related("sponsor").first()


def _start_date(starts_on) -> datetime.date:
    if starts_on is None:
        return timezone.localdate()
    if not isinstance(starts_on, datetime.date):
        starts_on = validators.clean_date(starts_on)
    return starts_on


@transaction.atomic
def assign(
    *,
    actor,
    programme_id: int,
    sponsor_id: int,
    household_id: int | None = None,
    resident_id: int | None = None,
    enterprise_id: int | None = None,
    starts_on: datetime.date | None = None,
) -> Pairing:
    """Pairs a sponsor with one subject of the programme, by hand."""
    programme = _programme(programme_id)
    if not programme.is_active:
        raise ValidationError({"programme": _("The programme is no longer active.")})
    fields = _subject(actor, programme, household_id, resident_id, enterprise_id)
    sponsor = _require_sponsor(programme, sponsor_id)
    existing = _open_pairing(programme, fields)
    if existing is not None:
        raise ValidationError(
            {
                "subject": _(
                    "This one is already paired with %(sponsor)s in this programme: end that "
                    "pairing or transfer it instead."
                )
                % {"sponsor": existing.sponsor}
            }
        )
    pairing = Pairing.objects.create(
        programme=programme, sponsor=sponsor, starts_on=_start_date(starts_on), **fields
    )
    audit.record(actor=actor, action="pairing.create", obj=pairing, after=audit.snapshot(pairing))
    schedule.schedule_pairings([pairing.pk])
    return pairing


def _pairing(actor, pairing_id: int) -> Pairing:
    pairing = get_in_scope(
        Pairing.objects.select_related("programme", "sponsor"),
        actor,
        lock=True,
        recheck=True,
        pk=pairing_id,
    )
    _require_manager(actor, pairing.area_code)
    return pairing


def _end_date(pairing: Pairing, on) -> datetime.date:
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"on": _("A pairing ends today or on a day past, not later.")})
    if on < pairing.starts_on:
        raise ValidationError(
            {
                "on": _("The pairing started on %(date)s: it cannot end before that.")
                % {"date": pairing.starts_on.isoformat()}
            }
        )
    return on


def _clean_reason(reason: str) -> str:
    reason = validators.normalize_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the pairing ends.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("At most %(limit)d characters.") % {"limit": REASON_MAX}}
        )
    return reason


@transaction.atomic
def end(*, actor, pairing_id: int, reason: str, on: datetime.date | None = None) -> Pairing:
    """Ends an open pairing (from `on`, today by default) for a reason."""
    pairing = _pairing(actor, pairing_id)
    if pairing.ends_on is not None:
        raise ValidationError({"pairing": _("This pairing has already ended.")})
    reason = _clean_reason(reason)
    before = audit.snapshot(pairing)
    pairing.ends_on, pairing.end_reason = _end_date(pairing, on), reason
    pairing.save(update_fields=["ends_on", "end_reason", "updated_at"])
    audit.record(
        actor=actor, action="pairing.end", obj=pairing, before=before, after=audit.snapshot(pairing)
    )
    schedule.cancel_pairing_schedule([pairing.pk])
    return pairing


@transaction.atomic
def transfer(
    *,
    actor,
    pairing_id: int,
    sponsor_id: int,
    reason: str = "",
    on: datetime.date | None = None,
) -> Pairing:
    """Hands an open pairing to another eligible sponsor: the old one ends, a new one
    starts the same day naming it in `transferred_from`, so the history stays."""
    old = _pairing(actor, pairing_id)
    if old.ends_on is not None:
        raise ValidationError({"pairing": _("This pairing has already ended.")})
    sponsor = _require_sponsor(old.programme, sponsor_id)
    if sponsor.pk == old.sponsor_id:
        raise ValidationError({"sponsor": _("Choose another sponsor than the present one.")})
    reason = validators.normalize_text(reason) or _("Transferred to %(sponsor)s") % {
        "sponsor": sponsor
    }
    reason = _clean_reason(reason[:REASON_MAX])
    on = _end_date(old, on)
    before = audit.snapshot(old)
    old.ends_on, old.end_reason = on, reason
    old.save(update_fields=["ends_on", "end_reason", "updated_at"])
    new = Pairing.objects.create(
        programme=old.programme,
        sponsor=sponsor,
        household_id=old.household_id,
        resident_id=old.resident_id,
        enterprise_id=old.enterprise_id,
        area_code=old.area_code,
        starts_on=on,
        transferred_from=old,
    )
    audit.record(
        actor=actor,
        action="pairing.transfer",
        obj=new,
        before=before,
        after={**audit.snapshot(new), "ended": audit.snapshot(old)},
    )
    schedule.cancel_pairing_schedule([old.pk])
    schedule.schedule_pairings([new.pk])
    return new


# --- pairing a whole area ---------------------------------------------------------------


def fallback_chain(area_code: str) -> list[str]:
    """Where a subject at `area_code` looks for sponsors, nearest first: its own area,
    then each enclosing area up to the village (sponsors anywhere in it), then the town
    (sponsors posted on the town itself: its cadres)."""
    chain = [area_code[:n] for n in range(len(area_code), 11, -codes.SUFFIX_DIGITS)]
    if len(area_code) >= codes.LENGTH_BY_LEVEL["town"]:
        chain.append("=" + area_code[: codes.LENGTH_BY_LEVEL["town"]])
    return chain


def _pools(locations: dict[int, set[str]]) -> dict[str, list[int]]:
    """For each key of a fallback chain, the sponsors found there, by id."""
    pools: dict[str, set[int]] = defaultdict(set)
    village = codes.LENGTH_BY_LEVEL["village"]
    for sponsor_id, where in locations.items():
        for code in where:
            for n in range(village, len(code) + 1, codes.SUFFIX_DIGITS):
                pools[code[:n]].add(sponsor_id)
            pools["=" + code].add(sponsor_id)
    return {key: sorted(ids) for key, ids in pools.items()}


def plan(
    subjects: list[tuple[int, str]],
    locations: dict[int, set[str]],
    load: dict[int, int],
) -> tuple[list[tuple[int, int, str]], list[int]]:
    """Who takes which subject: each (subject id, area code), in order, goes to the least
    loaded sponsor of the nearest pool of its fallback chain (ties to the lowest id), so
    that a unit's workers share its households evenly. (subject, sponsor, area code)
    for the planned, and the subjects no sponsor could take. No database."""
    pools = _pools(locations)
    load = defaultdict(int, load)
    planned, left = [], []
    chains: dict[str, list[int] | None] = {}
    for subject_id, area_code in subjects:
        pool = chains.get(area_code, ())
        if pool == ():
            pool = next((pools[k] for k in fallback_chain(area_code) if k in pools), None)
            chains[area_code] = pool
        if not pool:
            left.append(subject_id)
            continue
        sponsor_id = min(pool, key=lambda s: (load[s], s))
        load[sponsor_id] += 1
        planned.append((subject_id, sponsor_id, area_code))
    return planned, left


@transaction.atomic
def auto_assign(*, actor, programme_id: int, area_code: str) -> dict[str, int]:
    """Pairs every unpaired subject of the programme in the area, balancing the load (see
    `plan`). Set-based: a few reads, one bulk insert, one audit entry with the counts.
    Returns the counts: subjects that were unpaired, pairings made, subjects left without
    a sponsor."""
    programme = _programme(programme_id)
    if not programme.is_active:
        raise ValidationError({"programme": _("The programme is no longer active.")})
    code = validators.normalize_code(area_code)
    _check_manager(actor, code)
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise Http404(_("Not found."))
    resident = programme.subject_kind == SubjectKind.RESIDENT
    rows = (
        eligible_subjects(programme, code, unpaired=True)
        .order_by("area_code", "pk")
        .values_list("pk", "area_code", "household_id" if resident else "area_code")
    )
    households = {}
    subjects = []
    for pk, subject_area, household_id in rows:
        subjects.append((pk, subject_area))
        if resident:
            households[pk] = household_id
    # Sponsors may come from the enclosing village, or be posted on the town.
    reach = code[: codes.LENGTH_BY_LEVEL["village"]]
    locations = sponsor_locations(programme, within=reach)
    load = programme_load(programme)
    planned, left = plan(subjects, locations, load)
    today = timezone.localdate()
    field = {
        SubjectKind.HOUSEHOLD: "household_id",
        SubjectKind.RESIDENT: "resident_id",
        SubjectKind.ENTERPRISE: "enterprise_id",
    }[programme.subject_kind]
    rows = []
    for subject_id, sponsor_id, subject_area in planned:
        row = Pairing(
            programme_id=programme.pk,
            sponsor_id=sponsor_id,
            area_code=subject_area,
            starts_on=today,
            **{field: subject_id},
        )
        if resident:
            row.household_id = households[subject_id]
        rows.append(row)
    created = Pairing.objects.bulk_create(rows, batch_size=1000)
    counts = {"unpaired": len(subjects), "paired": len(created), "left": len(left)}
    audit.record(
        actor=actor,
        action="pairing.auto_assign",
        object_type="outreach.programme",
        object_id=str(programme.pk),
        object_repr=f"{programme.name} · {area.name}",
        area_code=code,
        after={**counts, "programme": programme.code, "area": code},
    )
    schedule.schedule_pairings([p.pk for p in created])
    return counts


def programme_load(programme: Programme) -> dict[int, int]:
    """Each sponsor's open pairings in the programme."""
    return dict(
        Pairing.objects.filter(programme=programme, ends_on__isnull=True)
        .values("sponsor_id")
        .annotate(n=Count("id"))
        .values_list("sponsor_id", "n")
    )
