"""Volunteer hours as deeds that other modules may reward (yiwang.core.deeds): each
approved credit-hours record of a volunteer who is a resident of the ledger, once."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from yiwang.core.deeds import Deed
from yiwang.core.scoping import subtree_q
from yiwang.volunteering.models import HoursKind, HoursRecord, HoursStatus

SOURCE = "volunteer_hours"


def volunteer_hours(first: datetime.date, last: datetime.date, area_code: str = ""):
    """Approved credit hours served from `first` to `last` by residents (under the
    volunteer's area when `area_code` is given), oldest first."""
    records = (
        HoursRecord.objects.filter(
            kind=HoursKind.CREDIT,
            status=HoursStatus.APPROVED,
            served_on__gte=first,
            served_on__lte=last,
            volunteer__resident__isnull=False,
        )
        .select_related("volunteer", "activity")
        .order_by("served_on", "id")
    )
    if area_code:
        records = records.filter(subtree_q("volunteer__area_code", area_code))
    for record in records:
        yield Deed(
            key=f"hours:{record.pk}",
            resident_id=record.volunteer.resident_id,
            area_code=record.volunteer.area_code,
            on=record.served_on,
            text=_("Volunteer service: %(activity)s, %(hours)s hours")
            % {"activity": record.activity.title, "hours": record.hours},
        )
