"""The volunteer's check-in on the phone, also with no signal: "my activities" (today's
activities the volunteer signed up for, to check in, and the coming ones), and an
activity's check-in page with the six-digit code field and the check-in and check-out
buttons. The page carries `data-offline` (the service worker keeps it, js/offline.js) and
its forms `data-offline-api`: typed with no signal, a check-in waits on the phone with
its UUID and the phone's time (`at`) and is sent to the API when the signal returns.
Online the forms post here, through the same services.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yiwang.core import menus
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404
from yiwang.volunteering.forms.activities import CheckForm
from yiwang.volunteering.models import Activity, ActivityStatus, Attendance, SignUp
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.services import hours as services

COMING = 20


@login_required
def checkin_list(request):
    """Today's activities the volunteer signed up for (to check in), and the coming ones."""
    own = selectors.own_volunteer(request.user)
    today, coming = [], []
    if own is not None:
        now = timezone.localtime()
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        signed = SignUp.objects.filter(volunteer=own, cancelled_at__isnull=True).values(
            "activity_id"
        )
        rows = (
            Activity.objects.filter(pk__in=signed, status=ActivityStatus.OPEN, ends_at__gte=start)
            .select_related("team")
            .order_by("starts_at", "id")[:COMING]
        )
        tomorrow = start + datetime.timedelta(days=1)
        for activity in rows:
            (today if activity.starts_at < tomorrow else coming).append(activity)
    return render(
        request,
        "volunteering/checkin_list.html",
        {"own": own, "today": today, "coming": coming},
    )


def _activity(request, activity_id: int) -> Activity:
    return get_or_404(
        selectors.activities_visible_to(request.user).select_related("team"), pk=activity_id
    )


def _page(request, activity, *, checkin_form=None, checkout_form=None, status=200):
    own = selectors.own_volunteer(request.user)
    attendance = None
    if own is not None:
        attendance = Attendance.objects.filter(activity=activity, volunteer=own).first()
    code = (request.GET.get("code") or "").strip()[:6]
    initial = {"code": code} if code.isdigit() else {}
    return render(
        request,
        "volunteering/checkin.html",
        {
            "activity": activity,
            "own": own,
            "attendance": attendance,
            "checkin_form": checkin_form or CheckForm(initial=initial, auto_id="in_%s"),
            "checkout_form": checkout_form or CheckForm(initial=initial, auto_id="out_%s"),
            "checkin_api": reverse("api:activity-checkin", args=[activity.pk]),
            "checkout_api": reverse("api:activity-checkout", args=[activity.pk]),
        },
        status=status,
    )


@login_required
def checkin_page(request, activity_id: int):
    return _page(request, _activity(request, activity_id))


def _check(request, activity_id: int, call, prefix: str, done: str):
    activity = _activity(request, activity_id)
    form = CheckForm(request.POST, auto_id=f"{prefix}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            call(
                request.user,
                uuid=data["uuid"],
                activity=activity.pk,
                code=data["code"],
                at=data["at"] or None,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("volunteering:checkin", activity.pk)
    forms = {"checkin_form" if prefix == "in" else "checkout_form": form}
    return _page(request, activity, status=400, **forms)


@login_required
@require_POST
def check_in(request, activity_id: int):
    return _check(request, activity_id, services.check_in, "in", _("You are checked in."))


@login_required
@require_POST
def check_out(request, activity_id: int):
    return _check(
        request,
        activity_id,
        services.check_out,
        "out",
        _("You are checked out: your hours wait for the organiser's approval."),
    )


urlpatterns = [
    path("volunteering/checkin/", checkin_list, name="checkin-list"),
    path("volunteering/checkin/<int:activity_id>/", checkin_page, name="checkin"),
    path("volunteering/checkin/<int:activity_id>/in/", check_in, name="checkin-in"),
    path("volunteering/checkin/<int:activity_id>/out/", check_out, name="checkin-out"),
]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="volunteering.mine",
            label=gettext_lazy("My activities"),
            url_name="volunteering:checkin-list",
            section="volunteering",
            order=5,
            # Anyone signed in: asking whether the user is a volunteer would cost every
            # page a query; the page tells someone who is not how to become one.
            visible=menus.anyone,
        )
    )
