"""The page of the export for the national volunteer system (全国志愿服务信息系统): an area
and a period; the POST answers the CSV (services.exports), audited. For the grid chief, a
cadre, a town or county admin."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.areas import picker
from yiwang.areas.selectors import default_area
from yiwang.core.exports import CONTENT_TYPES, CSV
from yiwang.core.forms import add_service_error
from yiwang.volunteering import access
from yiwang.volunteering.forms.certificates import ExportForm
from yiwang.volunteering.services import exports as services


@login_required
@require_http_methods(["GET", "POST"])
def national_export(request):
    if not access.issues_somewhere(request.user):
        raise PermissionDenied(
            _("Only a grid chief, a cadre, a town or county admin may export volunteer hours.")
        )
    area = default_area(request.user)
    form = ExportForm(request.POST or None, initial={"area": area.code if area else ""})
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            content, name, _rows = services.export_national_hours(
                request.user,
                area_code=data["area"],
                first_day=data["first_day"],
                last_day=data["last_day"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            response = HttpResponse(content, content_type=CONTENT_TYPES[CSV])
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "private, no-store"
            return response
    return render(request, "volunteering/national_export.html", {"form": form})


urlpatterns = [
    path("volunteering/hours/export/", national_export, name="hours-export"),
]
