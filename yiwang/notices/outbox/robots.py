"""The group robots of villages and grids: who may register them, and the services that
register and change them (and send a failed delivery again). The address and the secret are stored encrypted and never
audited: an entry says only that they were configured or changed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import AREA_MANAGER_ROLES
from yiwang.areas.models import Area, Level
from yiwang.core import access, audit, validators
from yiwang.core.scoping import any_subtree_q
from yiwang.notices.models.outbox import ROBOT_CHANNELS, Delivery, DeliveryStatus, Robot
from yiwang.notices.outbox.addresses import clean_robot_url
from yiwang.notices.outbox.queueing import send_on_commit

# The areas that have a chat group with a robot.
ROBOT_LEVELS = (Level.VILLAGE, Level.GRID)
# What the audit log keeps of a robot: never the address (its key) or the secret.
_SECRET_FIELDS = ("url", "secret")
CONFIGURED = "configured"
CHANGED = "changed"


def may_manage_robots(user) -> bool:
    """Grid chiefs (their village and its grids), town and county admins (below them)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(role in AREA_MANAGER_ROLES for role, _code in scope.current_posts(user))


def manageable_areas(user):
    """The open villages and grids whose robots `user` may register."""
    areas = Area.objects.visible_to(user).open().filter(level__in=ROBOT_LEVELS)
    if getattr(user, "is_superuser", False) and user.is_active:
        return areas.order_by("code")
    roots = [code for role, code in scope.current_posts(user) if role in AREA_MANAGER_ROLES]
    if not roots:
        return areas.none()
    return areas.filter(any_subtree_q("code", roots)).order_by("code")


def _snapshot(robot: Robot) -> dict:
    data = audit.snapshot(robot, exclude=_SECRET_FIELDS)
    data["url"] = CONFIGURED if robot.url else ""
    data["secret"] = CONFIGURED if robot.secret else ""
    return data


def _clean(values: dict, channel: str) -> dict:
    errors: dict[str, list] = {}
    cleaned = {}
    if "name" in values:
        cleaned["name"] = validators.clean_line(
            values["name"], field="name", limit=60, required=True, errors=errors
        )
    if "url" in values:
        try:
            cleaned["url"] = clean_robot_url(channel, values["url"])
        except ValidationError as exc:
            errors.setdefault("url", []).extend(exc.messages)
    if "secret" in values:
        secret = (values["secret"] or "").strip()
        if len(secret) > 200 or any(c.isspace() for c in secret):
            errors.setdefault("secret", []).append(
                _(
                    "The signing secret is one word of at most 200 characters, as the robot's settings show it."
                )
            )
        cleaned["secret"] = secret
    if errors:
        raise ValidationError(errors)
    return cleaned


def _robot_area(actor, area_code: str) -> Area:
    if actor is not None:
        access.recheck(actor)
        access.require_area_manager(actor, area_code)
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise Http404(_("Not found."))
    if area.level not in ROBOT_LEVELS or not area.is_open:
        raise ValidationError(
            {"area_code": [_("A group robot belongs to an open village or grid.")]}
        )
    return area


@transaction.atomic
def register_robot(
    *,
    actor,
    area_code: str,
    channel: str,
    name: str,
    url: str,
    secret: str = "",
    is_active: bool = True,
) -> Robot:
    """Registers the robot of a village's or a grid's chat group. The actor must manage the
    area (a grid chief of the village, a town or county admin above it); the address must
    be the channel's robot service (`addresses.clean_robot_url`)."""
    if channel not in ROBOT_CHANNELS:
        raise ValidationError({"channel": [_("Choose WeCom, DingTalk or Feishu.")]})
    area = _robot_area(actor, area_code)
    values = _clean({"name": name, "url": url, "secret": secret}, channel)
    robot = Robot.objects.create(
        area_code=area.code,
        channel=channel,
        is_active=bool(is_active),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **values,
    )
    audit.record(actor=actor, action="robot.create", obj=robot, after=_snapshot(robot))
    return robot


@transaction.atomic
def update_robot(
    *,
    actor,
    robot_id: int,
    name: str | None = None,
    url: str | None = None,
    secret: str | None = None,
    clear_secret: bool = False,
    is_active: bool | None = None,
) -> Robot:
    """Changes a robot. An address or secret left empty (None or "") is kept as it is, since
    the pages never show them back; `clear_secret` removes the secret. The audit entry
    names the fields changed, the address and secret only as "changed"."""
    if actor is not None:
        access.recheck(actor)
    robot = Robot.objects.select_for_update().filter(pk=robot_id).first()
    if robot is None:
        raise Http404(_("Not found."))
    if actor is not None:
        access.require_area_manager(actor, robot.area_code)
    given = {}
    if name is not None:
        given["name"] = name
    if url:
        given["url"] = url
    if secret:
        given["secret"] = secret
    values = _clean(given, robot.channel)
    if clear_secret and "secret" not in values:
        values["secret"] = ""
    if is_active is not None:
        values["is_active"] = bool(is_active)
    changed = [f for f, v in values.items() if getattr(robot, f) != v]
    if not changed:
        return robot
    before = audit.snapshot(robot, exclude=_SECRET_FIELDS)
    for field in changed:
        setattr(robot, field, values[field])
    robot.save(update_fields=[*changed, "updated_at"])
    after = audit.snapshot(robot, exclude=_SECRET_FIELDS)
    before = {k: v for k, v in before.items() if k in changed}
    after = {k: v for k, v in after.items() if k in changed}
    for field in _SECRET_FIELDS:
        if field in changed:
            after[field] = CHANGED
    audit.record(actor=actor, action="robot.update", obj=robot, before=before, after=after)
    return robot


@transaction.atomic
def retry_delivery(*, actor, delivery_id: int):
    """Puts a failed delivery (or an SMS whose sending is uncertain, which a person decides
    to risk sending twice) back in the queue, due now, with its attempts counted afresh;
    sent once this commits. Audited."""
    if actor is not None:
        access.recheck(actor)
    delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404(_("Not found."))
    if actor is not None:
        access.require_area_manager(actor, delivery.area_code)
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN):
        raise ValidationError(
            _("Only a failed delivery, or one whose sending is unknown, can be sent again.")
        )
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = DeliveryStatus.QUEUED
    delivery.attempts = 0
    delivery.claim = None
    delivery.not_before = timezone.now()
    delivery.save(update_fields=["status", "attempts", "claim", "not_before"])
    audit.record(
        actor=actor,
        action="delivery.retry",
        obj=delivery,
        before=before,
        after={"status": delivery.status, "attempts": 0},
    )
    if delivery.robot_id:
        send_on_commit(robot_ids=[delivery.robot_id])
    else:
        send_on_commit(sms_ids=[delivery.pk])
    return delivery
