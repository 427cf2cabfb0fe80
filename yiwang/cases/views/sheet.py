"""A printable case sheet: one case with its timeline, laid out for paper (cases/print.css),
personal data masked as on the case page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from yiwang.cases.models import CaseEvent
from yiwang.cases.views.cases import _case_or_404


@login_required
@require_GET
def case_sheet(request, case_id: int):
    case = _case_or_404(request, case_id)
    events = CaseEvent.objects.filter(case=case).order_by("at", "id")
    context = {"case": case, "events": events, "printed_at": timezone.now()}
    return render(request, "cases/case_sheet.html", context)
