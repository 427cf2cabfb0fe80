"""A person's duty shifts as an iCalendar feed (RFC 5545, `icalendar`): one VEVENT a
shift they hold, its UID stable (the assignment's id), its times in Asia/Shanghai with
the zone's VTIMEZONE, so that a calendar app that subscribes shows the shifts as they
change (a swap moves the event to the other person's feed under the same UID)."""

from __future__ import annotations

import datetime

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import display
from yiwang.duty.models import Assignment, DutyRole

PRODID = "-//Yiwang//Duty rosters//ZH"
UID_DOMAIN = "duty.yiwang"
# The past a feed keeps (a calendar app drops what leaves the feed).
PAST_DAYS = 90


def uid(assignment_id: int) -> str:
    return f"assignment-{assignment_id}@{UID_DOMAIN}"


def feed(user, start=None, end=None) -> bytes:
    """The user's shifts that end after `start` (90 days ago) and start before `end`
    (none: all to come), as an iCalendar document."""
    start = start or timezone.now() - datetime.timedelta(days=PAST_DAYS)
    rows = Assignment.objects.filter(user=user, ends_at__gt=start)
    if end is not None:
        rows = rows.filter(starts_at__lt=end)
    rows = list(rows.select_related("shift__roster").order_by("starts_at", "id"))
    zone = timezone.get_default_timezone()
    names = display.area_names({row.area_code for row in rows})
    labels = dict(DutyRole.choices)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Duty: %(person)s") % {"person": user})
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    for row in rows:
        roster = row.shift.roster
        area = names[row.area_code].name if row.area_code in names else row.area_code
        event = icalendar.Event()
        event.add("uid", uid(row.pk))
        event.add("dtstamp", stamp)
        event.add("dtstart", row.starts_at.astimezone(zone).replace(microsecond=0))
        event.add("dtend", row.ends_at.astimezone(zone).replace(microsecond=0))
        event.add(
            "summary",
            _("Duty: %(roster)s · %(role)s")
            % {"roster": roster.name, "role": labels.get(row.role, row.role)},
        )
        event.add("location", " ".join(part for part in (area, roster.place) if part))
        event.add("categories", [str(labels.get(row.role, row.role))])
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
