"""Pages of the monthly reports: the list of the reports in one's scope with the form that
asks for one (月报), and the download of a report's PDF (scoped: 404 outside the scope).
Their URL patterns (`urlpatterns`, added to yiwang.cockpit.urls) and their menu item
(`register`, from CockpitConfig.ready)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.areas import selectors as areas
from yiwang.areas.models import Area
from yiwang.areas.picker import AreaPicker, limit_to
from yiwang.cockpit import report_pdf, reports
from yiwang.cockpit.models import Report
from yiwang.core import reporting, storage
from yiwang.core.scoping import get_in_scope, is_area_code, subtree_q

PAGE_SIZE = 30
LEVELS = tuple(str(level) for level in reports.LEVELS)


def _month_widget():
    return forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"})


def _clean_month(text: str):
    try:
        return reporting.parse_month(text.strip())
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from None


class ReportFilterForm(forms.Form):
    area = forms.CharField(
        label=gettext_lazy("area"),
        required=False,
        max_length=18,
        widget=AreaPicker(levels=LEVELS),
        help_text=gettext_lazy("The area and the areas under it."),
    )
    month = forms.CharField(
        label=gettext_lazy("month"), required=False, max_length=10, widget=_month_widget()
    )

    def clean_area(self):
        code = self.cleaned_data["area"].strip()
        if code and not is_area_code(code):
            raise forms.ValidationError(_("Choose an area from the list."))
        return code

    def clean_month(self):
        text = self.cleaned_data["month"]
        return _clean_month(text) if text.strip() else None


class ReportRequestForm(forms.Form):
    area = forms.CharField(
        label=gettext_lazy("area"), max_length=18, widget=AreaPicker(levels=LEVELS)
    )
    month = forms.CharField(label=gettext_lazy("month"), max_length=10, widget=_month_widget())
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_area(self):
        code = self.cleaned_data["area"].strip()
        if not is_area_code(code):
            raise forms.ValidationError(_("Choose an area from the list."))
        return code

    def clean_month(self):
        return _clean_month(self.cleaned_data["month"])


def _require_reports(user) -> None:
    if not reports.may_use_reports(user):
        raise PermissionDenied(_("Your posts do not allow reading monthly reports."))


def _ask(request, form: ReportRequestForm):
    """Asks for the report the valid form names: the confirmation first when one is there
    already; a redirect to the list once queued; None to show the form again."""
    area = areas.area_in_scope(request.user, form.cleaned_data["area"])
    month = form.cleaned_data["month"]
    existing = reports.visible_reports(request.user).filter(area_code=area.code, month=month)
    if existing.exists() and not form.cleaned_data["confirm"]:
        return {"replacing": existing.first(), "replacing_area": area}
    try:
        reports.request_report(request.user, area, month)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    except PermissionDenied as exc:
        form.add_error("area", str(exc))
        return None
    messages.success(
        request,
        _("The report of %(area)s for %(month)s is being made; it is listed here when ready.")
        % {"area": area.name, "month": report_pdf.month_label(month)},
    )
    return redirect("cockpit:reports")


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request):
    """The reports of the areas in the user's scope, newest month first, filtered by area
    (and those under it) and month; the form that asks for one."""
    _require_reports(request.user)
    filters = ReportFilterForm(request.GET or None)
    limit_to(filters, request.user)
    rows = reports.visible_reports(request.user).select_related("requested_by")
    if filters.is_valid():
        if filters.cleaned_data["area"]:
            rows = rows.filter(subtree_q("area_code", filters.cleaned_data["area"]))
        if filters.cleaned_data["month"]:
            rows = rows.filter(month=filters.cleaned_data["month"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    initial = {"month": f"{reports.latest_month():%Y-%m}"}
    default = areas.default_area(request.user)
    if default is not None and default.level in LEVELS:
        initial["area"] = default.code
    form = ReportRequestForm(request.POST if request.method == "POST" else None, initial=initial)
    limit_to(form, request.user)
    confirm = {}
    if request.method == "POST" and form.is_valid():
        answer = _ask(request, form)
        if isinstance(answer, dict):
            confirm = answer
        elif answer is not None:
            return answer
    names = dict(
        Area.objects.filter(code__in={r.area_code for r in page.object_list}).values_list(
            "code", "name"
        )
    )
    for report in page.object_list:
        report.area_name = names.get(report.area_code, report.area_code)
        report.month_label = report_pdf.month_label(report.month)
    return render(
        request,
        "cockpit/report_list.html",
        {"page_obj": page, "filters": filters, "form": form, **confirm},
    )


def download_name(report: Report) -> str:
    """The PDF's name as saved: 南门社区网格化治理月报2026年11月.pdf (in Chinese)."""
    area = Area.objects.filter(code=report.area_code).values_list("name", flat=True).first()
    with translation.override(report_pdf.LANGUAGE):
        title = _("%(area)s monthly grid governance report %(month)s") % {
            "area": area or report.area_code,
            "month": report_pdf.month_label(report.month),
        }
    return title.replace(" ", "").replace("/", "-") + ".pdf"


@login_required
@require_GET
def report_download(request, report_id: int):
    """The report's PDF; 404 outside the user's scope, as for one that does not exist,
    and for one not made yet."""
    report = get_in_scope(Report.objects, request.user, pk=report_id)
    if not report.file:
        raise Http404(_("This report has not been made yet."))
    with storage.guarded():  # the store down: a 503 page, not a 500
        response = FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=download_name(report),
            content_type="application/pdf",
        )
    # Made again, a report keeps its address: never served from a stale copy.
    response["Cache-Control"] = "private, no-cache"
    return response


urlpatterns = [
    path("cockpit/reports/", report_list, name="reports"),
    path("cockpit/reports/<int:report_id>/download/", report_download, name="report-download"),
]


def _report_links(user, ids) -> dict:
    """{report id: (download URL, title)} of the reports among `ids` the user may open."""
    found = list(reports.visible_reports(user).filter(pk__in=ids, status="ready"))
    names = dict(
        Area.objects.filter(code__in={r.area_code for r in found}).values_list("code", "name")
    )
    return {
        report.pk: (
            reverse("cockpit:report-download", args=[report.pk]),
            f"{names.get(report.area_code, '')} {report_pdf.month_label(report.month)}",
        )
        for report in found
    }


def register() -> None:
    """The menu item of the reports (for the admins of a county or a town and the grid
    chiefs), the audit's labels of their actions, and the tasks that make them."""
    from yiwang.cockpit import tasks  # noqa: F401  (sets the reports' queue)
    from yiwang.core import audit, menus
    from yiwang.notices import kinds as notice_kinds

    menus.register(
        menus.MenuItem(
            key="cockpit.reports",
            label=gettext_lazy("Monthly reports"),
            url_name="cockpit:reports",
            section="work",
            order=30,
            visible=reports.may_use_reports,
        )
    )
    notice_kinds.register(
        notice_kinds.Kind(
            reports.NOTICE_KIND,
            gettext_lazy("Monthly report ready"),
            "cockpit",
            object_type="cockpit.report",
            links=_report_links,
        )
    )
    audit.register_actions(
        {
            "report.request": gettext_lazy("Ask for a monthly report"),
            "report.generate": gettext_lazy("Make a monthly report"),
            "report.fail": gettext_lazy("A monthly report failed"),
        }
    )
