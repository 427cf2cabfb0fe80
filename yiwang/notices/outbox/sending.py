"""Sending the outbox: claims, the calls, retries with backoff, digests, and the sweep.

A delivery is sent only by whoever claims it: one conditional UPDATE sets it from queued
to sending with the claimer's own token (`claim`), so however many consumers run the same
task or the same sweep, each delivery is claimed once. The claim is committed before the
call. After the call, the delivery is sent (and the others of a digest digested), or back
in the queue with `not_before` moved by the backoff, or failed after NOTICE_MAX_ATTEMPTS
with the last reason. Every call is a DeliveryAttempt with the answer.

An SMS (SendSms is not idempotent) is never sent twice: a delivery found in "sending" by a
repeated task, or left in it by a consumer that died, is marked UNCERTAIN when a call was
started for its claim, and is never sent again on its own; a claim that never reached the
gateway (no attempt since it) goes back to the queue.
"""

from __future__ import annotations

import datetime
import logging
import uuid

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.notices import links
from yiwang.notices.models.outbox import (
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Robot,
)
from yiwang.notices.outbox import channels, quiet, ratelimit, schedule, sms
from yiwang.notices.outbox.channels import Answer, Item

logger = logging.getLogger(__name__)

Status = DeliveryStatus
# A claim this old whose consumer never finished is taken to be cut off: beyond any call's
# timeout.
MAX_BACKOFF = datetime.timedelta(hours=1)


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=2 * settings.NOTICE_HTTP_TIMEOUT + 60)


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failure: NOTICE_RETRY_SECONDS doubled each time."""
    seconds = settings.NOTICE_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return min(datetime.timedelta(seconds=seconds), MAX_BACKOFF)


def due_q(now: datetime.datetime) -> Q:
    """The queued deliveries that may go now: their time has come, and outside the quiet
    hours (emergencies at any time)."""
    q = Q(status=Status.QUEUED, not_before__lte=now)
    if quiet.is_quiet(now):
        q &= Q(emergency=True)
    return q


def _claim(q: Q, now: datetime.datetime) -> uuid.UUID | None:
    """Claims the deliveries of `q` with a fresh token in one conditional UPDATE; the
    token, or None when none was left to claim."""
    token = uuid.uuid4()
    claimed = Delivery.objects.filter(q).update(status=Status.SENDING, claim=token, claimed_at=now)
    return token if claimed else None


def _finish_attempt(attempt: DeliveryAttempt, answer: Answer) -> None:
    attempt.finished_at = timezone.now()
    attempt.ok = answer.ok
    attempt.status_code = answer.status_code
    attempt.answer = answer.body[:1000]
    attempt.error = answer.error[:500]
    attempt.save(update_fields=["finished_at", "ok", "status_code", "answer", "error"])


def _failed(delivery: Delivery, token, reason: str, now, *, retry: bool = True) -> str:
    """After a failed call: back in the queue with the backoff, or failed for good."""
    attempts = delivery.attempts + 1
    reason = reason[:500]
    if retry and attempts < settings.NOTICE_MAX_ATTEMPTS:
        not_before = quiet.release_time(now + backoff(attempts), delivery.emergency)
        Delivery.objects.filter(pk=delivery.pk, claim=token).update(
            status=Status.QUEUED,
            attempts=attempts,
            not_before=not_before,
            last_error=reason,
            claim=None,
        )
        return Status.QUEUED
    Delivery.objects.filter(pk=delivery.pk, claim=token).update(
        status=Status.FAILED, attempts=attempts, last_error=reason
    )
    logger.warning("Delivery %s failed after %d attempts: %s", delivery.pk, attempts, reason)
    return Status.FAILED


def _schedule_robot(robot_id: int, at: datetime.datetime) -> None:
    schedule.robot(robot_id, at)


def _schedule_sms(delivery_id: int, at: datetime.datetime) -> None:
    schedule.sms(delivery_id, at)


# --- group robots -------------------------------------------------------------------------


def send_robot(robot_id: int, claim: str | uuid.UUID | None = None) -> dict:
    """Sends the deliveries of one robot that are due (and those of `claim`, claimed for it
    by the sweep): one message, a digest when there are several. Waits (`not_before`
    moved) when the robot's rate limit is reached."""
    now = timezone.now()
    q = Q(robot_id=robot_id) & due_q(now)
    if claim:
        q |= Q(robot_id=robot_id, status=Status.SENDING, claim=claim)
    token = _claim(q, now)
    if token is None:
        return {"sent": 0}
    deliveries = list(
        Delivery.objects.filter(claim=token, status=Status.SENDING).order_by("created_at", "id")
    )
    robot = Robot.objects.get(pk=robot_id)
    if not robot.is_active or not robot.url:
        reason = _("The group robot is switched off or has no address.")
        for delivery in deliveries:
            _failed(delivery, token, reason, now, retry=False)
        return {"failed": len(deliveries)}
    primary, others = deliveries[0], deliveries[1:]
    try:
        attempt, wait = ratelimit.reserve(robot, primary)
    except Exception:
        # The store of the limits cannot be read (Redis down): nothing is sent unchecked;
        # the deliveries wait for the next try rather than for the stale claims' sweep.
        logger.exception("Group robot %s: its rate limit cannot be checked.", robot.pk)
        attempt, wait = None, float(settings.NOTICE_RETRY_SECONDS)
    if attempt is None:
        later = now + datetime.timedelta(seconds=wait)
        Delivery.objects.filter(claim=token, status=Status.SENDING).update(
            status=Status.QUEUED, not_before=later, claim=None
        )
        _schedule_robot(robot_id, later)
        return {"waiting": len(deliveries)}
    items = [Item(d.title, d.text, d.link) for d in deliveries]
    emergency = any(d.emergency for d in deliveries)
    answer = channels.for_channel(robot.channel).send(robot.url, robot.secret, items, emergency)
    done = timezone.now()
    with transaction.atomic():
        _finish_attempt(attempt, answer)
        if answer.ok:
            Delivery.objects.filter(pk=primary.pk, claim=token).update(
                status=Status.SENT, sent_at=done, attempts=F("attempts") + 1, last_error=""
            )
            Delivery.objects.filter(pk__in=[d.pk for d in others], claim=token).update(
                status=Status.DIGESTED, digest=primary, sent_at=done, last_error=""
            )
            return {"sent": 1, "digested": len(others)}
        statuses = [_failed(d, token, answer.error, done) for d in deliveries]
    logger.warning(
        "Group robot %s (%s) did not take a message: %s", robot.pk, robot.channel, answer.error
    )
    retry_at = (
        Delivery.objects.filter(pk=primary.pk, status=Status.QUEUED)
        .values_list("not_before", flat=True)
        .first()
    )
    if retry_at is not None:
        _schedule_robot(robot_id, retry_at)
    return {"failed": statuses.count(Status.FAILED), "retrying": statuses.count(Status.QUEUED)}


# --- SMS ----------------------------------------------------------------------------------


def mobile_number(phone: str) -> str | None:
    """The number as 11 digits when it is a mainland mobile, else None."""
    try:
        parsed = phonenumbers.parse(phone or "", "CN")
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        return None
    if phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    return str(parsed.national_number)


def _called_since_claim(delivery: Delivery) -> bool:
    return DeliveryAttempt.objects.filter(
        delivery=delivery, started_at__gte=delivery.claimed_at
    ).exists()


def _settle_found_sending(delivery: Delivery, now) -> str:
    """A delivery in "sending" that this caller did not claim: the gateway may have been
    called for it (a repeated or crashed task) → UNCERTAIN, never sent again; a claim that
    never reached the gateway is left to its claimer, or queued again once stale."""
    if delivery.claimed_at is not None and _called_since_claim(delivery):
        Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING, claim=delivery.claim).update(
            status=Status.UNCERTAIN,
            last_error=_("The call was cut off before the gateway answered: it is not sent again."),
        )
        logger.warning("SMS delivery %s found in sending: marked uncertain.", delivery.pk)
        return Status.UNCERTAIN
    if delivery.claimed_at is None or delivery.claimed_at < now - stale_after():
        Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING, claim=delivery.claim).update(
            status=Status.QUEUED, claim=None
        )
        return Status.QUEUED
    return Status.SENDING


def send_sms(delivery_id: int, claim: str | uuid.UUID | None = None) -> str:
    """Sends one SMS delivery once: claimed (committed) before the gateway is called."""
    now = timezone.now()
    q = Q(pk=delivery_id, channel=Channel.SMS) & due_q(now)
    if claim:
        q |= Q(pk=delivery_id, channel=Channel.SMS, status=Status.SENDING, claim=claim)
    token = _claim(q, now)
    if token is None:
        found = Delivery.objects.filter(pk=delivery_id, channel=Channel.SMS).first()
        if found is None:
            return "missing"
        if found.status == Status.SENDING:
            return _settle_found_sending(found, now)
        return found.status
    delivery = Delivery.objects.select_related("user", "receipt").get(pk=delivery_id)
    link = delivery.link
    if delivery.receipt is not None:
        # A reminder to acknowledge: not sent once the person has acknowledged (quiet hours
        # may have held it back meanwhile); its personal link is made now, never stored.
        if delivery.receipt.acked_at is not None:
            Delivery.objects.filter(pk=delivery.pk, claim=token).update(
                status=Status.SKIPPED, last_error=_("Acknowledged before it was sent.")
            )
            return Status.SKIPPED
        link = links.link_url(delivery.receipt)
    phone = mobile_number(delivery.user.phone if delivery.user else "")
    if phone is None:
        return _failed(delivery, token, _("The person has no mobile number."), now, retry=False)
    # The attempt is written before the call: a claim with an attempt may have been sent.
    attempt = DeliveryAttempt.objects.create(delivery=delivery)
    message = sms.Sms(phone, delivery.title, delivery.text, link, str(delivery.attempt_key))
    answer = sms.backend().send(message)
    done = timezone.now()
    with transaction.atomic():
        _finish_attempt(attempt, answer)
        if answer.ok:
            # Sent, even if a repeated task marked it uncertain meanwhile.
            Delivery.objects.filter(pk=delivery.pk, claim=token).update(
                status=Status.SENT, sent_at=done, attempts=F("attempts") + 1, last_error=""
            )
            return Status.SENT
        if answer.maybe_sent:
            Delivery.objects.filter(pk=delivery.pk, claim=token).update(
                status=Status.UNCERTAIN, attempts=F("attempts") + 1, last_error=answer.error[:500]
            )
            logger.warning("SMS delivery %s: %s (not sent again)", delivery.pk, answer.error)
            return Status.UNCERTAIN
        status = _failed(delivery, token, answer.error, done)
    if status == Status.QUEUED:
        _schedule_sms(delivery.pk, Delivery.objects.get(pk=delivery.pk).not_before)
    return status


# --- the sweep ----------------------------------------------------------------------------


def recover_stale(now: datetime.datetime | None = None) -> dict:
    """Claims cut off (a consumer that died while sending): a robot's deliveries go back to
    the queue (a group may see a message twice, never none); an SMS becomes UNCERTAIN when
    its call was started, else goes back to the queue."""
    now = now or timezone.now()
    counts = {"requeued": 0, "uncertain": 0}
    stale = Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=now - stale_after())
    counts["requeued"] += stale.exclude(channel=Channel.SMS).update(
        status=Status.QUEUED, claim=None
    )
    for delivery in stale.filter(channel=Channel.SMS):
        result = _settle_found_sending(delivery, now)
        counts["uncertain" if result == Status.UNCERTAIN else "requeued"] += 1
    return counts


def claim_due(now: datetime.datetime | None = None, limit: int = 1000) -> dict:
    """Claims the due queued deliveries (one conditional UPDATE, a token of its own) and
    answers what to send: {"robots": {robot id: token}, "sms": [(delivery id, token)]}.
    Two sweeps at once claim each delivery once."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(due_q(now))
        .order_by("not_before")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return {"robots": {}, "sms": []}
    token = _claim(Q(pk__in=ids) & due_q(now), now)
    if token is None:
        return {"robots": {}, "sms": []}
    claimed = Delivery.objects.filter(claim=token, status=Status.SENDING)
    robots = {
        robot_id: token
        for robot_id in claimed.filter(robot__isnull=False).values_list("robot_id", flat=True)
    }
    sms_ids = [
        (pk, token) for pk in claimed.filter(channel=Channel.SMS).values_list("pk", flat=True)
    ]
    return {"robots": robots, "sms": sms_ids}
