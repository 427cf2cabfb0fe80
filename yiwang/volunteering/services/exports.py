"""The export of approved service hours for the national volunteer system (全国志愿服务
信息系统 / 志愿中国), so that what is recorded here is not typed in again there.

The columns. The national system's own import template could not be found among the
public sources at hand (searches for 志愿服务时长导入模板 and 志愿中国 批量导入 服务时长
found only the existence of province-level "荣誉时数导入模板" files, not their columns),
so the file carries the fields every such template asks for: who (name, the kind and
number of their ID document), what (the activity, its start and end), how long (hours)
and the kind of service. Check them against the template of the county's account and
adjust HEADERS (and `_row`) when it differs.

UTF-8 with a byte-order mark, CRLF lines, cells escaped against formulas and long
digits kept as text (core.exports.write_csv, as the ledger's export). ID numbers in full
only for someone who may reveal personal data; masked otherwise. Every export audited.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.areas.models import Area
from yiwang.core import audit
from yiwang.core.db import stream
from yiwang.core.exports import write_csv
from yiwang.core.masking import mask_id_number, may_reveal
from yiwang.core.scoping import get_in_scope, is_area_code
from yiwang.volunteering import access
from yiwang.volunteering.models import HoursRecord, HoursStatus
from yiwang.volunteering.services.certificates import TARGET_TEXT, read_period

HEADERS = (
    "姓名",
    "证件类型",
    "证件号码",
    "活动名称",
    "服务开始时间",
    "服务结束时间",
    "服务时长(小时)",
    "服务类型",
)
ID_CARD = "居民身份证"
CHUNK = 2000
TIME_FORMAT = "%Y-%m-%d %H:%M"


def _time(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime(TIME_FORMAT) if value else ""


def _row(record: HoursRecord, full: bool) -> list[str]:
    volunteer = record.volunteer
    resident = volunteer.resident
    id_number = resident.id_number if resident is not None else ""
    activity = record.activity
    attendance = record.attendance
    # Credit hours: when the volunteer was there (checked in and out); honour hours:
    # the activity's own time.
    starts = attendance.checked_in_at if attendance is not None else activity.starts_at
    ends = (
        attendance.checked_out_at
        if attendance is not None and attendance.checked_out_at
        else activity.ends_at
    )
    return [
        volunteer.name,
        ID_CARD if id_number else "",
        (id_number if full else mask_id_number(id_number)) if id_number else "",
        activity.title,
        _time(starts),
        _time(ends),
        f"{record.hours:.2f}",
        TARGET_TEXT.get(activity.target_group, activity.target_group),
    ]


def national_rows(queryset, *, full: bool = False) -> Iterator[list[str]]:
    """One row per hours record of `queryset`, in its order, a query per CHUNK records."""
    records = queryset.select_related("volunteer__resident", "activity", "attendance")
    for record in stream(records, CHUNK):
        yield _row(record, full)


def hours_to_export(actor, area_code: str, first_day, last_day):
    """The approved hours served under the area in the period that the actor sees."""
    return (
        HoursRecord.objects.visible_to(actor)
        .under(area_code)
        .filter(status=HoursStatus.APPROVED, served_on__gte=first_day, served_on__lte=last_day)
        .order_by("served_on", "id")
    )


def export_name(area: Area, first_day, last_day) -> str:
    return f"volunteer-hours-{area.code}-{first_day:%Y%m%d}-{last_day:%Y%m%d}.csv"


@transaction.atomic
def export_national_hours(actor, *, area_code, first_day, last_day) -> tuple[bytes, str, int]:
    """(the CSV, its file name, its number of rows) of the approved hours served under
    `area_code` from `first_day` to `last_day`, for an organiser over that area (404 for
    an area outside the scope, PermissionDenied for someone who may not issue there);
    ValidationError for a period that is not one or lies in the future. Audited, with
    whether the ID numbers were given in full."""
    code = str(area_code or "").strip()
    if not is_area_code(code):
        raise ValidationError(
            {"area": [_("Give the code of an area in your scope, e.g. of a village.")]}
        )
    area = get_in_scope(Area.objects, actor, recheck=True, code=code)
    if not access.can_issue(actor, area.code):
        raise PermissionDenied(
            _(
                "Only the grid chief, a cadre, a town or county admin over the area may "
                "export its volunteers' hours."
            )
        )
    first, last = read_period(first_day, last_day)
    full = may_reveal(actor)
    rows = list(national_rows(hours_to_export(actor, area.code, first, last), full=full))
    audit.record(
        actor=actor,
        action="volunteering_hours.export",
        obj=area,
        area_code=area.code,
        after={
            "area": area.code,
            "first_day": first,
            "last_day": last,
            "rows": len(rows),
            "full_id_numbers": full,
        },
    )
    return write_csv(HEADERS, rows), export_name(area, first, last), len(rows)
