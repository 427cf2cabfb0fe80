"""Hours certificates (志愿服务证明, 民政部令第67号): issued by a village committee or
above for a volunteer of its area, stating the volunteer's identity (the ID number
masked), the approved hours and the service of a period, the issuer and the handler, a
number and a date; kept as issued, and checked by anyone through the secret code in
the QR code's address (views.certificates' public page).
"""

from __future__ import annotations

import datetime
import secrets
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.areas.codes import LENGTH_BY_LEVEL
from yiwang.areas.models import Area
from yiwang.core import audit
from yiwang.core.masking import mask_id_number
from yiwang.core.scoping import get_in_scope
from yiwang.core.validators import clean_line, read_date, read_id
from yiwang.volunteering import access
from yiwang.volunteering.models import (
    Certificate,
    HoursRecord,
    HoursStatus,
    TargetGroup,
    Volunteer,
)
from yiwang.volunteering.selectors.hours import volunteer_hours
from yiwang.volunteering.services.inputs import next_number

# The words of the certificate, whatever the language of the page that issues it: the
# paper is the volunteer's, in Chinese.
LANGUAGE = "zh-hans"
NUMBER_PREFIX = "ZY"
# The service content names at most this many activities of a target group, then counts.
CONTENT_TITLES = 3
HANDLER_MAX = 50
# The check code: 20 characters of an alphabet without look-alikes (0/O, 1/I/L) and
# without signs, about 99 bits of randomness, so that someone can type it from the paper
# and a line break never splits it at a hyphen.
CHECK_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECK_CODE_LENGTH = 20
# A number taken by a certificate issued at the same moment is taken again this often.
NUMBER_ATTEMPTS = 5
# The five "为" as the certificate and the national export say them.
TARGET_TEXT = {
    TargetGroup.ELDERLY: "为老服务",
    TargetGroup.CHILDREN: "为儿童服务",
    TargetGroup.HARDSHIP: "为困难家庭服务",
    TargetGroup.COMFORT: "为需要慰藉的人服务",
    TargetGroup.PUBLIC: "为公共需要服务",
}


def refused_message() -> str:
    return _(
        "Only a village committee or above (the grid chief, a cadre, a town or county "
        "admin over the volunteer's area) may issue hours certificates."
    )


def _date(value, field: str, errors: dict) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    found = read_date(str(value or "").strip())
    if found is None:
        errors.setdefault(field, []).append(
            _("Give a date as YYYY-MM-DD, e.g. 2026-01-31.")
            if value not in (None, "")
            else _("This field cannot be empty.")
        )
    return found


def read_period(first_day, last_day, today: datetime.date | None = None):
    """(first day, last day) of a certificate's or an export's period, each a date that
    is not in the future, the last not before the first; ValidationError otherwise."""
    today = today or timezone.localdate()
    errors: dict[str, list] = {}
    first = _date(first_day, "first_day", errors)
    last = _date(last_day, "last_day", errors)
    if first is not None and first > today:
        errors.setdefault("first_day", []).append(
            _("The period starts in the future: choose a first day no later than today.")
        )
    if last is not None and last > today:
        errors.setdefault("last_day", []).append(
            _("The period ends in the future: choose a last day no later than today.")
        )
    if first is not None and last is not None and last < first:
        errors.setdefault("last_day", []).append(
            _("The last day is before the first day: swap them or correct one.")
        )
    if errors:
        raise ValidationError(errors)
    return first, last


def issuing_area(actor, code: str) -> Area:
    """The area whose committee issues for a volunteer of `code`: the nearest area above
    it (or it) where the actor holds an issuing post, a village at the lowest; the
    volunteer's village for the operator or a platform superuser."""
    from yiwang.accounts.scope import current_posts

    roots = [
        root
        for role, root in (current_posts(actor) if actor is not None else [])
        if role in access.ISSUERS and code.startswith(root)
    ]
    # Issuers hold posts on villages and above: the nearest is the longest code.
    root = max(roots, key=len) if roots else code[: LENGTH_BY_LEVEL["village"]]
    return Area.objects.get(code=root)


def issuer_name(area: Area) -> str:
    """The issuer as printed: a village's committee (某某村民委员会, 某某社区居民委员会),
    else the town's or the county's name."""
    name = area.name.strip()
    if len(area.code) != LENGTH_BY_LEVEL["village"] or name.endswith(("委员会", "委会")):
        return name
    if name.endswith("社区"):
        return f"{name}居民委员会"
    if name.endswith("村"):
        return f"{name}民委员会"
    return f"{name}村民委员会"


def service_content(volunteer_id: int, first_day, last_day) -> str:
    """The service of the period in a short text, by target group: the activities with
    approved hours, at most CONTENT_TITLES named each, their number and hours (Chinese)."""
    rows = (
        HoursRecord.objects.filter(
            volunteer_id=volunteer_id,
            status=HoursStatus.APPROVED,
            served_on__gte=first_day,
            served_on__lte=last_day,
        )
        .order_by()
        .values_list("activity__target_group", "activity__title")
        .annotate(hours=Sum("hours"), first=Min("served_on"))
        .order_by("activity__target_group", "first", "activity__title")
    )
    groups: dict[str, list] = defaultdict(list)
    for group, title, hours, _first in rows:
        groups[group].append((title, hours))
    parts = []
    for group in TargetGroup.values:
        served = groups.get(group)
        if not served:
            continue
        titles = "、".join(title for title, _hours in served[:CONTENT_TITLES])
        more = "等" if len(served) > CONTENT_TITLES else ""
        hours = sum(h for _title, h in served)
        parts.append(f"{TARGET_TEXT[group]}：{titles}{more}{len(served)}项活动，共{hours:.2f}小时")
    return "；".join(parts) + "。" if parts else ""


def _next_number(county: str, year: int) -> str:
    return next_number(Certificate, f"{NUMBER_PREFIX}-{county}-{year}-", 6)


@transaction.atomic
def issue_certificate(actor, volunteer, *, first_day, last_day, handler=None) -> Certificate:
    """Issues the hours certificate of `volunteer` (a Volunteer or its id, in the actor's
    scope: 404 otherwise) for the period from `first_day` to `last_day`: the approved
    credit and honour hours and the service content of the period are kept on it as
    issued. `handler` (经办人) defaults to the actor's name. Refused (PermissionDenied)
    unless the actor may issue over the volunteer's area; ValidationError for a period
    that is not one, lies in the future or holds no approved hours."""
    if actor is None:
        raise ValueError("A certificate is issued by someone: give the actor.")
    volunteer_id = read_id(volunteer)
    if volunteer_id is None:
        raise ValidationError({"volunteer": [_("Give the volunteer's id.")]})
    found = get_in_scope(
        Volunteer.objects.select_related("resident"),
        actor,
        recheck=True,
        lock=True,
        pk=volunteer_id,
    )
    if not access.can_issue(actor, found.area_code):
        raise PermissionDenied(refused_message())
    first, last = read_period(first_day, last_day)
    errors: dict[str, list] = {}
    default_handler = ""
    if actor is not None:
        default_handler = getattr(actor, "full_name", "") or actor.get_username()
    handler_text = clean_line(
        handler if handler not in (None, "") else default_handler,
        field="handler",
        limit=HANDLER_MAX,
        required=True,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    hours = volunteer_hours(found, first, last)
    if hours.approved <= 0:
        raise ValidationError(
            {
                "last_day": [
                    _(
                        "%(name)s has no approved hours from %(first)s to %(last)s: choose "
                        "a period with approved hours, or have the pending hours decided "
                        "first."
                    )
                    % {"name": found.name, "first": first, "last": last}
                ]
            }
        )
    area = issuing_area(actor, found.area_code)
    resident = found.resident
    today = timezone.localdate()
    with translation.override(LANGUAGE):
        content = service_content(found.pk, first, last)
    certificate = Certificate(
        area_code=area.code,
        check_code=new_check_code(),
        volunteer=found,
        volunteer_name=found.name,
        masked_id_number=mask_id_number(resident.id_number)
        if resident is not None and resident.id_number
        else "",
        first_day=first,
        last_day=last,
        credit_hours=hours.credit,
        honour_hours=hours.honour,
        content=content,
        issuer=issuer_name(area),
        handler=handler_text,
        issued_on=today,
        issued_by=actor,
    )
    # Two issued at once may read the same last number: the unique number decides, and
    # the one refused takes the next.
    for attempt in range(NUMBER_ATTEMPTS):
        certificate.number = _next_number(found.area_code[:6], today.year)
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError:
            certificate.pk = None
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
            continue
        break
    audit.record(
        actor=actor,
        action="volunteering_certificate.issue",
        obj=certificate,
        after=audit.snapshot(certificate, exclude=("check_code",)),
    )
    return certificate


def certificates_visible_to(user):
    return Certificate.objects.visible_to(user)


def new_check_code() -> str:
    return "".join(secrets.choice(CHECK_CODE_ALPHABET) for _i in range(CHECK_CODE_LENGTH))


def find_by_check(number: str, check_code: str) -> Certificate | None:
    """The certificate of this number and check code, as typed on the public form; None
    unless both match one (a number alone checks nothing)."""
    number = (number or "").strip().upper()
    check_code = (check_code or "").strip().upper()
    if not number or not check_code:
        return None
    found = Certificate.objects.filter(check_code=check_code).first()
    if found is None or not secrets.compare_digest(found.number, number):
        return None
    return found
