"""Benefit passes (权益卡): issuing them to the winners of a month, verifying a token,
revoking a pass, recording the uses the verifiers send, the benefits and the verifier
devices.

The token is a compact JWS (RFC 7515) signed with EdDSA (services.keys). Its header is
{"alg": "EdDSA", "kid": <key id>, "typ": "JWT"}; its payload (JSON, UTF-8):

    jti  the pass id (a UUID, unguessable: the address of its public page too)
    ben  the benefit's code
    grd  the grid's code
    hn   the holder's name, masked (张*三)
    nbf  valid from: 00:00 of its first day in TIME_ZONE, in seconds since the epoch
    exp  valid to: 00:00 of the day after its last day, likewise (valid while now < exp)

so that a verifier compares the phone's clock with two numbers and needs no time zone.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import secrets
import uuid as uuid_module
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Post, Role
from yiwang.areas.models import Area
from yiwang.core import audit
from yiwang.core.masking import mask_name
from yiwang.core.reporting import add_months, local_midnight, month_end
from yiwang.notices.models import Notification
from yiwang.points import access
from yiwang.points.models import (
    AwardKind,
    Benefit,
    Evaluation,
    EvaluationStatus,
    Pass,
    PassUse,
    Selection,
    SelectionStatus,
)
from yiwang.points.models.passes import Verifier
from yiwang.points.services import keys
from yiwang.registry.models import Household, HouseholdStatus, Relation, Resident, ResidentStatus

NOTICE_KIND = "pass.double_use"
# Two uses of one pass at two places within so many minutes flag both.
DOUBLE_USE_MINUTES = 30
# Longer than any token this system signs: anything longer is refused unread.
MAX_TOKEN = 2048
# The most uses a verifier sends at a time; published in the verifier bundle (max_uses),
# by which its page (static/points/verifier.js) cuts its queue into batches.
MAX_USES_A_BATCH = 500
# A device's code: 16 characters of an alphabet without look-alikes (80 bits), shown as
# four groups of four.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BATCH = 1000


def double_use_minutes() -> int:
    return int(getattr(settings, "PASS_DOUBLE_USE_MINUTES", DOUBLE_USE_MINUTES))


# --- verifying ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """What a verification found: `valid`, the `reason` in the reader's language, the
    token's `claims` once its signature checked (None before)."""

    valid: bool
    reason: str
    claims: dict | None = field(default=None)
    code: str = ""


def _refused(code: str, reason: str, claims: dict | None = None) -> Result:
    return Result(False, reason, claims, code)


def malformed() -> Result:
    return _refused("malformed", _("The pass cannot be read: the code is damaged or incomplete."))


def _day(seconds) -> str:
    return timezone.localtime(datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)).strftime(
        "%Y-%m-%d"
    )


def _json_object(part: str) -> dict | None:
    """The JSON object a token's part (base64url) holds; None for anything else: not
    base64url, not UTF-8 JSON, nested too deep to read (RecursionError), not an object."""
    try:
        found = json.loads(keys.b64url_decode(part))
    except (ValueError, TypeError, RecursionError):
        return None
    return found if isinstance(found, dict) else None


def verify_token(token, at: datetime.datetime | None = None, *, check_revoked: bool = True):
    """Checks a pass's token: readable, signed by a key of this system, not altered, valid
    at `at` (now), not revoked. One indexed query for the revocation; the public keys are
    cached in the process."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        return malformed()
    parts = token.strip().split(".")
    if len(parts) != 3:
        return malformed()
    header = _json_object(parts[0])
    if header is None:
        return malformed()
    try:
        signature = keys.b64url_decode(parts[2])
    except (ValueError, TypeError):
        return malformed()
    kid = header.get("kid")
    if header.get("alg") != keys.ALGORITHM.alg or not isinstance(kid, str):
        return malformed()
    verifier = keys.verifier_for(kid)
    if verifier is None:
        return _refused(
            "unknown_key", _("The pass is signed with a key this system does not know.")
        )
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    if not keys.verify_signature(verifier, signature, signing_input):
        return _refused(
            "bad_signature", _("The signature does not match: the pass was altered or forged.")
        )
    claims = _json_object(parts[1])
    if claims is None:
        return malformed()
    try:
        pass_id = uuid_module.UUID(claims["jti"])
        nbf, exp = int(claims["nbf"]), int(claims["exp"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return malformed()
    now = (at or timezone.now()).timestamp()
    if now < nbf:
        return _refused(
            "not_yet_valid",
            _("The pass is not valid yet: it is valid from %(day)s.") % {"day": _day(nbf)},
            claims,
        )
    if now >= exp:
        return _refused(
            "expired",
            _("The pass has expired: it was valid until %(day)s.") % {"day": _day(exp - 1)},
            claims,
        )
    if check_revoked:
        found = Pass.objects.filter(pass_id=pass_id).values_list("revoked_at", flat=True)[:1]
        found = list(found)
        if not found:
            return _refused("unknown_pass", _("No such pass was issued."), claims)
        if found[0] is not None:
            return _refused("revoked", _("The pass was revoked."), claims)
    return Result(True, _("The pass is valid."), claims, "valid")


# --- issuing -----------------------------------------------------------------------------


def validity(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The passes for the winners of `month` are valid the whole next month."""
    first = add_months(month, 1)
    return first, month_end(first)


def claims_of(row: Pass) -> dict:
    return {
        "jti": str(row.pass_id),
        "ben": row.benefit.code,
        "grd": row.grid_code,
        "hn": row.holder_masked,
        "nbf": int(local_midnight(row.valid_from).timestamp()),
        "exp": int(local_midnight(row.valid_to + datetime.timedelta(days=1)).timestamp()),
    }


def _heads(household_ids) -> dict[int, str]:
    """{household id: its head's name} (the first living member where no head is set)."""
    names: dict[int, str] = {}
    heads: set[int] = set()
    rows = (
        Resident.objects.filter(household_id__in=household_ids, status=ResidentStatus.LIVING)
        .order_by("household_id", "id")
        .values_list("household_id", "relation", "name")
    )
    for household_id, relation, name in rows:
        if household_id in heads:
            continue
        if relation == Relation.HEAD:
            heads.add(household_id)
            names[household_id] = name
        else:
            names.setdefault(household_id, name)
    return names


def _winners(selections) -> list[tuple[Selection, int, str, str]]:
    """(selection, household id, household's unit, grid code) for each household a
    selection brings passes to: every active household of a red-flag grid, the household
    of a red pioneer or a model villager."""
    out = []
    grids = [s for s in selections if s.kind == AwardKind.RED_FLAG_GRID and s.grid_code]
    for selection in grids:
        rows = Household.objects.filter(
            area_code__startswith=selection.grid_code, status=HouseholdStatus.ACTIVE
        ).values_list("id", "area_code")
        out.extend((selection, pk, unit, selection.grid_code) for pk, unit in rows)
    people = [s for s in selections if s not in grids]
    by_resident = dict(
        Resident.objects.filter(
            pk__in=[s.resident_id for s in people if s.resident_id]
        ).values_list("pk", "household_id")
    )
    ids = {s.household_id for s in people if s.household_id} | set(by_resident.values())
    homes = dict(
        Household.objects.filter(pk__in=ids, status=HouseholdStatus.ACTIVE).values_list(
            "pk", "area_code"
        )
    )
    units = dict(
        Area.objects.filter(code__in=set(homes.values())).values_list("code", "parent__code")
    )
    for selection in people:
        pk = selection.household_id or by_resident.get(selection.resident_id)
        if pk in homes:
            unit = homes[pk]
            out.append((selection, pk, unit, units.get(unit) or unit[:15]))
    return out


@transaction.atomic
def issue_passes(month: datetime.date, actor=None) -> int:
    """The passes of the final evaluations of `month`: for each selection still standing
    and each active benefit of its award, one pass per household, valid the next month.
    Idempotent (one pass per benefit, household and period): run again, it adds only the
    passes missing. The county admin (or the operator, None). Returns how many it made."""
    month = month.replace(day=1)
    if actor is not None:
        scope.require_configure(
            actor, message=_("Only the county admin may issue the passes."), recheck=True
        )
    valid_from, valid_to = validity(month)
    if valid_to < timezone.localdate():
        raise ValidationError(
            {
                "month": _("The passes of %(month)s have expired already: choose a later month.")
                % {"month": f"{month:%Y-%m}"}
            }
        )
    benefits: dict[str, list[Benefit]] = {}
    for benefit in Benefit.objects.filter(is_active=True):
        benefits.setdefault(benefit.award, []).append(benefit)
    evaluations = Evaluation.objects.filter(month=month, status=EvaluationStatus.FINAL)
    selections = list(
        Selection.objects.filter(
            evaluation__in=evaluations,
            status=SelectionStatus.SELECTED,
            kind__in=list(benefits),
        ).order_by("id")
    )
    winners = _winners(selections)
    existing = set(
        Pass.objects.filter(valid_from=valid_from).values_list("benefit_id", "household_id")
    )
    heads = _heads({pk for _s, pk, _u, _g in winners})
    key = keys.current_key()
    rows = []
    for selection, household_id, unit, grid in winners:
        for benefit in benefits.get(selection.kind, ()):
            if (benefit.pk, household_id) in existing:
                continue
            existing.add((benefit.pk, household_id))
            row = Pass(
                pass_id=uuid_module.uuid4(),
                benefit=benefit,
                selection=selection,
                grid_code=grid,
                household_id=household_id,
                holder_masked=mask_name(heads.get(household_id, "")),
                valid_from=valid_from,
                valid_to=valid_to,
                key=key,
                area_code=unit,
            )
            row.token = keys.sign(claims_of(row), key)
            rows.append(row)
    for start in range(0, len(rows), BATCH):
        # A pass made meanwhile by another run is left as it is (the unique constraint).
        Pass.objects.bulk_create(rows[start : start + BATCH], ignore_conflicts=True)
    audit.record(
        actor=actor,
        action="pass.issue",
        object_type="points.pass",
        object_repr=f"{month:%Y-%m}",
        after={"month": f"{month:%Y-%m}", "valid_from": valid_from, "issued": len(rows)},
    )
    return len(rows)


# --- revoking ----------------------------------------------------------------------------


def _pass_snapshot(row: Pass) -> dict:
    return {
        "pass_id": row.pass_id,
        "benefit": row.benefit_id,
        "household": row.household_id,
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "revoked_at": row.revoked_at,
        "revoke_reason": row.revoke_reason,
    }


@transaction.atomic
def revoke_pass(actor, pass_id, reason: str) -> Pass:
    """Revokes a pass (a household moved away, a pass lent out), with the reason: its
    token is refused from now on, and the verifiers learn it with their revocation list.
    Staff who may approve entries over the pass's area (404 outside the scope)."""
    from yiwang.core.scoping import get_in_scope

    row = get_in_scope(Pass.objects, actor, lock=True, recheck=True, pk=pass_id)
    if actor is not None and not access.can_approve(actor, row.area_code):
        raise PermissionDenied(_("Your posts do not allow revoking passes here."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for revoking the pass.")})
    limit = Pass._meta.get_field("revoke_reason").max_length
    if len(reason) > limit:
        raise ValidationError(
            {"reason": _("Keep the reason to %(n)s characters or fewer.") % {"n": limit}}
        )
    if row.revoked_at is not None:
        raise ValidationError({"reason": _("This pass was revoked already.")})
    before = _pass_snapshot(row)
    row.revoked_at = timezone.now()
    row.revoke_reason = reason
    row.save(update_fields=["revoked_at", "revoke_reason", "updated_at"])
    audit.record(
        actor=actor, action="pass.revoke", obj=row, before=before, after=_pass_snapshot(row)
    )
    return row


def revoked_ids(today=None) -> list[str]:
    """The ids of the revoked passes not expired yet: what a verifier must refuse."""
    today = today or timezone.localdate()
    return [
        str(pk)
        for pk in Pass.objects.filter(revoked_at__isnull=False, valid_to__gte=today)
        .order_by("pass_id")
        .values_list("pass_id", flat=True)
    ]


# --- uses --------------------------------------------------------------------------------


@dataclass
class UsesReport:
    stored: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    flagged: list[str] = field(default_factory=list)


def _use_time(value) -> datetime.datetime | None:
    """The time of a use; None when it is not an ISO 8601 time (also one well formed but
    impossible, such as 2024-02-30T10:00:00, which parse_datetime answers with ValueError)."""
    try:
        if isinstance(value, datetime.datetime):
            moment = value
        else:
            moment = parse_datetime(str(value or "").strip())
        if moment is None:
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # At the ends of the calendar (0001-01-01T00:00+08:00) it has no time in UTC.
        moment.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        return None
    return moment


def _notify_double_use(row: Pass, now) -> None:
    county = row.area_code[:6]
    today = timezone.localdate()
    admins = set(
        Post.objects.filter(role=Role.COUNTY_ADMIN, area_code=county)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values_list("user_id", flat=True)
    )
    Notification.objects.bulk_create(
        Notification(
            kind=NOTICE_KIND,
            object_type="points.pass",
            object_id=row.pk,
            recipient_id=user_id,
            text=_(
                "The pass of %(holder)s (%(benefit)s) was used at two places within %(n)s minutes."
            )
            % {"holder": row.holder_masked, "benefit": row.benefit.name, "n": double_use_minutes()},
            created_at=now,
        )
        for user_id in sorted(admins)
    )


def _record_use(actor, verifier, item: dict, report: UsesReport) -> None:
    key = str(item.get("uuid") or "")
    try:
        use_uuid = uuid_module.UUID(key)
    except ValueError:
        report.refused[key or "?"] = _("uuid: give the use's UUID, made on the device.")
        return
    key = str(use_uuid)
    if PassUse.objects.filter(uuid=use_uuid).exists():
        report.known.append(key)
        return
    used_at = _use_time(item.get("used_at"))
    now = timezone.now()
    if used_at is None:
        report.refused[key] = _(
            "used_at: give a real time of the use as ISO 8601, such as 2026-11-30T08:15:00+08:00."
        )
        return
    if used_at > now + datetime.timedelta(minutes=10):
        report.refused[key] = _(
            "used_at: the time of the use is in the future; check the device's clock."
        )
        return
    place = str(item.get("place") or (verifier.place if verifier else "") or "").strip()
    if not place:
        report.refused[key] = _("place: give the place of the use (set it once on the device).")
        return
    place = place[: PassUse._meta.get_field("place").max_length]
    result = verify_token(item.get("token"), at=used_at, check_revoked=False)
    if not result.valid:
        report.refused[key] = _("token: %(reason)s") % {"reason": result.reason}
        return
    device = str(item.get("device") or "")
    if verifier is not None:
        device = f"{verifier.pk}:{verifier.name}"
    device = device[: PassUse._meta.get_field("device").max_length]
    with transaction.atomic():
        row = (
            Pass.objects.select_for_update()
            .select_related("benefit")
            .filter(pass_id=result.claims["jti"])
            .first()
        )
        if row is None:
            report.refused[key] = _("token: %(reason)s") % {"reason": _("No such pass was issued.")}
            return
        window = datetime.timedelta(minutes=double_use_minutes())
        others = PassUse.objects.filter(
            benefit_pass=row, used_at__gte=used_at - window, used_at__lte=used_at + window
        ).exclude(place__iexact=place)
        clash = list(others.values_list("pk", "flagged"))
        revoked = row.revoked_at is not None and row.revoked_at <= used_at
        try:
            with transaction.atomic():
                use = PassUse.objects.create(
                    uuid=use_uuid,
                    benefit_pass=row,
                    used_at=used_at,
                    place=place,
                    device=device,
                    checked_by=actor if getattr(actor, "is_authenticated", False) else None,
                    flagged=bool(clash) or revoked,
                )
        except IntegrityError:  # the same use, sent at the same moment by another request
            report.known.append(key)
            return
        if clash:
            PassUse.objects.filter(pk__in=[pk for pk, _f in clash]).update(flagged=True)
            report.flagged.append(key)
            _notify_double_use(row, now)
        audit.record(
            actor=actor,
            action="pass.use",
            obj=use,
            area_code=row.area_code,
            after={
                "uuid": use.uuid,
                "pass": row.pk,
                "used_at": used_at,
                "place": place,
                "device": device,
                "flagged": use.flagged,
            },
        )
    report.stored.append(key)


def record_uses(actor, uses, verifier: Verifier | None = None) -> UsesReport:
    """Stores the uses a verifier sends (each: uuid, token, used_at, place, device), each
    once by its uuid: sent again it is `known` and nothing changes. The token is checked
    again (its signature, and its validity at the time of use); a use of a revoked pass is
    kept and flagged. A use at another place within PASS_DOUBLE_USE_MINUTES of another use
    of the same pass flags both, and the county admins are told. A signed-in user or a
    registered device (`verifier`)."""
    if verifier is None and not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in, or register this device as a verifier."))
    if not isinstance(uses, list) or not all(isinstance(u, dict) for u in uses):
        raise ValidationError({"uses": _("Send the uses as a list of objects.")})
    if len(uses) > MAX_USES_A_BATCH:
        raise ValidationError(
            {"uses": _("Send at most %(n)s uses at a time.") % {"n": MAX_USES_A_BATCH}}
        )
    report = UsesReport()
    for item in sorted(uses, key=lambda u: str(u.get("used_at") or "")):
        _record_use(actor, verifier, item, report)
    if verifier is not None:
        Verifier.objects.filter(pk=verifier.pk).update(last_seen_at=timezone.now())
    return report


# --- benefits ----------------------------------------------------------------------------


def _benefit_snapshot(benefit: Benefit) -> dict:
    return audit.snapshot(benefit)


@transaction.atomic
def save_benefit(
    actor,
    *,
    code: str,
    name: str,
    operator: str,
    award: str,
    is_active=True,
    benefit: Benefit | None = None,
) -> Benefit:
    """Creates or changes a benefit (the county admin). The code names it in every token,
    so it cannot change once set."""
    scope.require_configure(
        actor, message=_("Only the county admin may change the benefits."), recheck=True
    )
    code, name, operator = (code or "").strip(), (name or "").strip(), (operator or "").strip()
    errors = {}
    if benefit is None:
        if not code:
            errors["code"] = _("Give the benefit a code (letters, digits, - or _).")
        elif Benefit.objects.filter(code=code).exists():
            errors["code"] = _(
                "A benefit with the code %(code)s exists already: choose another."
            ) % {"code": code}
    if not name:
        errors["name"] = _("Give the benefit's name, e.g. 县城公交免费乘车.")
    if not operator:
        errors["operator"] = _("Give the operator whose staff check the passes, e.g. 县公交公司.")
    if award not in AwardKind.values:
        errors["award"] = _("Choose the award that brings this benefit.")
    if errors:
        raise ValidationError(errors)
    if benefit is None:
        benefit = Benefit.objects.create(
            code=code, name=name, operator=operator, award=award, is_active=bool(is_active)
        )
        audit.record(
            actor=actor, action="benefit.create", obj=benefit, after=_benefit_snapshot(benefit)
        )
        return benefit
    benefit = Benefit.objects.select_for_update().get(pk=benefit.pk)
    audit.save_changes(
        actor=actor,
        obj=benefit,
        values={"name": name, "operator": operator, "award": award, "is_active": bool(is_active)},
        action="benefit.update",
    )
    return benefit


# --- verifier devices --------------------------------------------------------------------


def code_hash(code: str) -> str:
    normal = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def verifier_for_code(code: str) -> Verifier | None:
    """The active device of a code, or None."""
    if not code or len(code) > 64:
        return None
    digest = code_hash(code)
    found = Verifier.objects.filter(code_hash=digest, is_active=True).first()
    if found is not None and hmac.compare_digest(found.code_hash, digest):
        return found
    return None


@transaction.atomic
def register_verifier(actor, *, name: str, operator: str, place: str = "") -> tuple[Verifier, str]:
    """Registers a verifier device (the county admin). Returns it and its code, shown
    once: only the code's hash is kept."""
    scope.require_configure(
        actor, message=_("Only the county admin may register verifier devices."), recheck=True
    )
    name, operator, place = (name or "").strip(), (operator or "").strip(), (place or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the device a name, e.g. 1路公交车1号机.")
    if not operator:
        errors["operator"] = _("Give the operator whose staff use the device, e.g. 县公交公司.")
    if errors:
        raise ValidationError(errors)
    code = new_code()
    device = Verifier.objects.create(
        name=name[:60],
        operator=operator[:100],
        place=place[:100],
        code_hash=code_hash(code),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="verifier.register",
        obj=device,
        after={"name": device.name, "operator": device.operator, "place": device.place},
    )
    return device, code


@transaction.atomic
def deactivate_verifier(actor, verifier_id: int) -> Verifier:
    """Takes a device's code out of use (a phone lost): it can fetch and send nothing more."""
    scope.require_configure(
        actor, message=_("Only the county admin may register verifier devices."), recheck=True
    )
    device = Verifier.objects.select_for_update().filter(pk=verifier_id).first()
    if device is None:
        from django.http import Http404

        raise Http404(_("Not found."))
    if device.is_active:
        device.is_active = False
        device.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            action="verifier.deactivate",
            obj=device,
            before={"is_active": True},
            after={"is_active": False},
        )
    return device
