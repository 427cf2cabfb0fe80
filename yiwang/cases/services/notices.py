"""Notices: the reporters of merged cases told of it, and a user's notices marked read.

The notices are the notifications of the one inbox (notices.Notification), about the case
(`about(case)`), of the cases' kinds (models.NoticeKind)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.cases import states
from yiwang.cases.models import CASE_OBJECT_TYPE, Case, NoticeKind
from yiwang.core import audit
from yiwang.notices.models import Notification


def about(case: Case) -> dict:
    """The fields of a notification that say it is about `case`."""
    return {"object_type": CASE_OBJECT_TYPE, "object_id": case.pk}


# --- notices to the reporters of merged cases -----------------------------------------


def _notify_merge(case: Case, target: Case, now: datetime.datetime) -> None:
    """Both reporters hear of it: the one whose case ends here, and the one whose case
    goes on (a user with an account, or a resident on the tracking page)."""
    values = {"number": case.number, "into": target.number}
    Notification.objects.bulk_create(
        [
            Notification(
                **about(case),
                kind=NoticeKind.MERGED,
                recipient_id=case.reporter_id,
                to_reporter=True,
                text=_(
                    "Your report %(number)s is the same matter as case %(into)s and is "
                    "followed there."
                )
                % values,
                created_at=now,
            ),
            Notification(
                **about(target),
                kind=NoticeKind.MERGED_IN,
                recipient_id=target.reporter_id,
                to_reporter=True,
                text=_(
                    "Case %(number)s, another report of the same matter, was merged into "
                    "your case %(into)s."
                )
                % values,
                created_at=now,
            ),
        ]
    )


# --- the notices of a user ---------------------------------------------------------------


def _notice_ids(values) -> list[int]:
    """The ids as numbers; anything that cannot be an id is passed over."""
    ids = set()
    for value in values:
        if isinstance(value, bool):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < number < 1 << 63:
            ids.add(number)
    return sorted(ids)


def mark_notices_read(*, actor, notice_ids=None) -> int:
    """Marks the actor's unread notices as read: those of `notice_ids`, or all of them when
    it is None. Only notices addressed to the actor count (Notification.objects.for_user,
    against their posts as they are now; of every kind, as the badge counts them): any other
    id is passed over exactly like one that does not exist. One UPDATE, and one audit entry with the count when anything was marked; answers
    the count. A notice to an area or a department is one row for whoever holds a post
    there: read by one of them, it is read for all."""
    ids = None if notice_ids is None else _notice_ids(notice_ids)
    if ids == []:
        return 0
    with transaction.atomic():
        scope.recheck(actor)
        states.forget_departments(actor)
        notices = Notification.objects.for_user(actor).unread()
        if ids is not None:
            notices = notices.filter(pk__in=ids)
        count = notices.update(read_at=timezone.now())
        if count:
            audit.record(
                actor=actor,
                action="case.notices_read",
                object_type=Notification._meta.label_lower,
                object_repr=str(actor),
                area_code=getattr(actor, "area_code", ""),
                after={"count": count, "notice_ids": ids},
            )
    return count
