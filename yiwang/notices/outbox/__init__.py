"""The outbox: group robots (WeCom, DingTalk, Feishu) and SMS, one table of deliveries
sent by Huey tasks (yiwang/notices/tasks.py). The public functions are named here."""

from yiwang.notices.outbox.addresses import clean_robot_url
from yiwang.notices.outbox.queueing import queue_sms, queue_to_groups
from yiwang.notices.outbox.robots import (
    manageable_areas,
    may_manage_robots,
    register_robot,
    retry_delivery,
    update_robot,
)
from yiwang.notices.outbox.sending import claim_due, recover_stale, send_robot, send_sms

__all__ = [
    "claim_due",
    "clean_robot_url",
    "manageable_areas",
    "may_manage_robots",
    "queue_sms",
    "queue_to_groups",
    "recover_stale",
    "register_robot",
    "retry_delivery",
    "send_robot",
    "send_sms",
    "update_robot",
]
