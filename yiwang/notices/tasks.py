"""Background work of notices: the outbox's sending, on any consumer.

`send_robot_deliveries` sends one robot's due deliveries (several as one digest),
`send_sms_delivery` one SMS; both are queued when a delivery is committed, and again at
the time a retry or a rate limit moved it to. `dispatch_outbox`, every minute, recovers
claims cut off and claims the due deliveries with one conditional UPDATE, so two consumers
running it at once claim each delivery once, then queues their sending."""

import logging

from django.conf import settings
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_task

from yiwang.core.audit import audit_source
from yiwang.core.models import AuditSource
from yiwang.core.periodic import periodic_task
from yiwang.notices.outbox import schedule, sending

logger = logging.getLogger(__name__)


@db_task()
def send_robot_deliveries(robot_id: int, claim: str | None = None) -> dict:
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        return sending.send_robot(robot_id, claim)


@db_task()
def send_sms_delivery(delivery_id: int, claim: str | None = None) -> str:
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        return str(sending.send_sms(delivery_id, claim))


@periodic_task(crontab(minute="*"))
def dispatch_outbox() -> dict:
    with audit_source(AuditSource.TASK), translation.override(settings.LANGUAGE_CODE):
        recovered = sending.recover_stale()
        claimed = sending.claim_due()
    for robot_id, token in claimed["robots"].items():
        send_robot_deliveries(robot_id, str(token))
    for delivery_id, token in claimed["sms"]:
        send_sms_delivery(delivery_id, str(token))
    counts = {
        "robots": len(claimed["robots"]),
        "sms": len(claimed["sms"]),
        **recovered,
    }
    if any(counts.values()):
        logger.info(
            "Outbox: %(robots)d robots and %(sms)d SMS to send; %(requeued)d claims requeued, "
            "%(uncertain)d uncertain.",
            counts,
        )
    return counts


# The sending code queues these through outbox.schedule, which does not import this module.
schedule.register(robot=send_robot_deliveries, sms=send_sms_delivery)
