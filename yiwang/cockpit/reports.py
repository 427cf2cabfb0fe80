"""The monthly reports (`Report`): who may ask for one, asking for one (queued, made in the
background), making one (its PDF, from yiwang.cockpit.report_pdf) and the month's run on
the 1st (the county's and each town's report of the month just ended).

The report of month M shows M's figures; the monthly task makes it on the 1st of M+1.
Asking again for an area and month makes the report again: its new file replaces the old.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import AREA_MANAGER_ROLES
from yiwang.areas.models import Area, Level
from yiwang.cockpit import report_pdf
from yiwang.cockpit.models import Report, ReportStatus
from yiwang.core import audit, storage
from yiwang.core.reporting import add_months
from yiwang.notices.models import Notification

logger = logging.getLogger(__name__)

# The roles that read and ask for reports: the admins of a county or a town, a village's
# grid chief (their village's).
REPORT_ROLES = frozenset(AREA_MANAGER_ROLES)
# The levels a report is made for.
LEVELS = (Level.COUNTY, Level.TOWN, Level.VILLAGE)

# The on-demand task, set by yiwang.cockpit.tasks (which imports this module); without it
# (a script, a shell) the report is made at once.
_enqueue: Callable[[int], object] | None = None


def set_queue(enqueue: Callable[[int], object]) -> None:
    global _enqueue
    _enqueue = enqueue


def may_use_reports(user) -> bool:
    """Whether the user reads the reports at all: a superuser, or a post of REPORT_ROLES."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(role in REPORT_ROLES for role, _code in scope.current_posts(user))


def may_request(user, code: str) -> bool:
    """Whether the user may ask for the report of the area `code` (in their scope)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return bool(scope.roles_over(user, code) & REPORT_ROLES)


# The inbox's kind of "your report is ready" (registered by report_views.register).
NOTICE_KIND = "cockpit.report_ready"


def visible_reports(user):
    """The reports of the areas in the user's scope, newest month first."""
    return Report.objects.visible_to(user).order_by("-month", "area_code")


def latest_month(today: datetime.date | None = None) -> datetime.date:
    """The month a report is made for by default: the one just ended."""
    return add_months((today or timezone.localdate()).replace(day=1), -1)


def check_month(month: datetime.date, today: datetime.date | None = None) -> datetime.date:
    """The month's first day; ValidationError for a month that has not come yet."""
    month = month.replace(day=1)
    if month > (today or timezone.localdate()).replace(day=1):
        raise ValidationError({"month": _("That month has not come yet.")})
    return month


def _snapshot(report: Report) -> dict:
    return {
        "area_code": report.area_code,
        "month": f"{report.month:%Y-%m}",
        "status": report.status,
        "file": report.file.name or "",
        "pages": report.pages,
        "size": report.size,
        "error": report.error,
    }


def _queued(actor, area: Area, month: datetime.date) -> Report:
    """The report row of the area and month, (again) queued; audited. In a transaction."""
    report = Report.objects.select_for_update().filter(area_code=area.code, month=month).first()
    before = None
    if report is None:
        report = Report(area_code=area.code, month=month)
    else:
        before = _snapshot(report)
    report.status = ReportStatus.QUEUED
    report.requested_by = actor if getattr(actor, "is_authenticated", False) else None
    report.error = ""
    report.save()
    audit.record(
        actor=actor,
        action="report.request",
        obj=report,
        object_repr=f"{area.name} {month:%Y-%m}",
        before=before,
        after=_snapshot(report),
    )
    report_id = report.pk
    transaction.on_commit(lambda: _queue(report_id))
    return report


def _queue(report_id: int) -> None:
    if _enqueue is None:
        generate(report_id)
    else:
        _enqueue(report_id)


def request_report(actor, area: Area, month: datetime.date) -> Report:
    """Asks for the report of `area` for `month` (any day of it): queued, made in the
    background once this commits; again if there is one (its file is replaced when the new
    one is made). 404 outside the actor's scope; PermissionDenied for a role that makes no
    reports; ValidationError for a month to come or an area below a village."""
    month = check_month(month)
    if area.level not in LEVELS:
        raise ValidationError(
            {"area": _("Monthly reports are made for a county, a town or a village.")}
        )
    with transaction.atomic():
        scope.recheck(actor)
        scope.require_in_scope(actor, area.code)
        if not may_request(actor, area.code):
            raise PermissionDenied(_("Your posts do not allow asking for monthly reports."))
        return _queued(actor, area, month)


def _failed(report_id: int, message: str) -> None:
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            return
        before = _snapshot(report)
        report.status = ReportStatus.FAILED
        report.error = message
        report.save(update_fields=["status", "error", "updated_at"])
        audit.record(
            actor=None, action="report.fail", obj=report, before=before, after=_snapshot(report)
        )


def generate(report_id: int, now: datetime.datetime | None = None) -> Report | None:
    """Makes the PDF of a queued report: ready, with its file (the old one removed once
    this commits); failed, with a message in Chinese, when it cannot be made. None when
    the report is gone."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return None
    now = now or timezone.now()
    with translation.override(report_pdf.LANGUAGE):
        area = Area.objects.filter(code=report.area_code).first()
        if area is None:
            _failed(report_id, _("The area of this report no longer exists."))
            return Report.objects.get(pk=report_id)
        try:
            rendered = report_pdf.render(area, report.month, now)
        except Exception:
            logger.exception("Monthly report %s of %s failed", report.month, report.area_code)
            _failed(report_id, _("The report could not be made. Ask for it again later."))
            return Report.objects.filter(pk=report_id).first()
    try:
        # The PDF is removed again when the row that names it is not written.
        with storage.removed_on_failure() as stored:
            report = _store(report_id, rendered, now, stored)
    except storage.StorageUnavailable:
        with translation.override(report_pdf.LANGUAGE):
            _failed(report_id, _("The file storage cannot be reached. Ask for it again later."))
        return Report.objects.filter(pk=report_id).first()
    if report is None:
        return None
    logger.info("Monthly report %s: %d pages, %d bytes", report, report.pages, report.size)
    return report


def _store(report_id: int, rendered, now: datetime.datetime, stored: list[str]) -> Report | None:
    """Stores the report's PDF and marks it ready (the old PDF removed once this commits);
    notes the new file in `stored`. None when the report is gone."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            return None
        before = _snapshot(report)
        old = report.file.name
        name = f"{report.month:%Y-%m}-{secrets.token_hex(6)}.pdf"
        with storage.guarded():  # the store down: StorageUnavailable
            report.file.save(name, ContentFile(rendered.pdf), save=False)
        stored.append(report.file.name)
        report.status = ReportStatus.READY
        report.generated_at = now
        report.pages = rendered.pages
        report.size = len(rendered.pdf)
        report.error = ""
        report.save()
        audit.record(
            actor=None,
            action="report.generate",
            obj=report,
            object_repr=rendered.title,
            before=before,
            after=_snapshot(report),
        )
        if old and old != report.file.name:
            files = report.file.storage
            transaction.on_commit(lambda: storage.delete_quietly(files, [old]))
        if report.requested_by_id:
            # The one who asked finds it in their inbox.
            Notification.objects.create(
                kind=NOTICE_KIND,
                object_type="cockpit.report",
                object_id=report.pk,
                recipient_id=report.requested_by_id,
                text=_("The monthly report is ready: %(title)s") % {"title": rendered.title},
                created_at=now,
            )
    return report


def monthly(today: datetime.date | None = None) -> list[int]:
    """The reports of the month just ended for every county and each town in it, queued
    (each made on its own: one that fails leaves the others). Returns their ids."""
    month = latest_month(today)
    areas = list(
        Area.objects.open(today).filter(level__in=[Level.COUNTY, Level.TOWN]).order_by("code")
    )
    ids = []
    for area in areas:
        with transaction.atomic():
            ids.append(_queued(None, area, month).pk)
    return ids
