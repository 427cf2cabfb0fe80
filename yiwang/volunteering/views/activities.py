"""Pages of activities: the activities the user sees (coming or past, filtered by target
group, area and team), making one (the area's organisers or a team's leaders), and an
activity's page: its details, signing up (the signed-in volunteer), and for those who run
it (`access.can_run`) the check-in code shown large with its QR code (the check-in page's
address with the code: scanning it opens the page with the code filled), a new code, the
attendance, the hours to approve or decline, honour hours and cancelling it. Also this
topic's audit action labels and notification kinds.
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core import menus
from yiwang.core.forms import add_service_error
from yiwang.core.masking import mask_name
from yiwang.core.scoping import get_or_404
from yiwang.volunteering import access
from yiwang.volunteering.filters.activities import ActivityFilterSet
from yiwang.volunteering.forms.activities import ActivityForm, DeclineForm, HonourForm
from yiwang.volunteering.models import (
    Activity,
    ActivityStatus,
    Attendance,
    HoursRecord,
    SignUp,
)
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.services import activities as services
from yiwang.volunteering.services import hours as hours_services
from yiwang.volunteering.views.volunteers import choose_team_by_name

PAGE_SIZE = 30


def may_make_activities(user) -> bool:
    return access.organises_somewhere(user) or bool(selectors.led_team_ids(user))


def _signed_up():
    return (
        SignUp.objects.filter(activity_id=models.OuterRef("pk"), cancelled_at__isnull=True)
        .order_by()
        .values("activity_id")
        .annotate(n=models.Count("id"))
        .values("n")
    )


def with_counts(queryset):
    return queryset.select_related("team").annotate(signed_up=models.Subquery(_signed_up()))


@login_required
def activity_list(request):
    past = request.GET.get("when") == "past"
    now = timezone.now()
    rows = selectors.activities_visible_to(request.user)
    if past:
        rows = rows.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    else:
        rows = rows.filter(ends_at__gte=now).order_by("starts_at", "id")
    filterset = ActivityFilterSet(request.GET, queryset=with_counts(rows), request=request)
    choose_team_by_name(filterset, request.user)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteering/activities_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "rows": list(page.object_list),
            "past": past,
            "may_create": may_make_activities(request.user),
        },
    )


def teams_to_organise(user):
    led = selectors.led_team_ids(user)
    return [
        team
        for team in selectors.teams_visible_to(user).filter(is_active=True).order_by("name", "id")
        if team.pk in led or access.can_organise(user, team.area_code)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request):
    if not may_make_activities(request.user):
        raise PermissionDenied(
            _("Only a grid chief, a cadre, an admin or a team's leader may make an activity.")
        )
    teams = teams_to_organise(request.user)
    form = ActivityForm(request.POST or None, teams=teams)
    if request.method == "POST":
        # The team is checked by the service (in the user's scope), not by the choices.
        form.fields["team"].choices = [(request.POST.get("team", ""), "")]
        if form.is_valid():
            try:
                activity = services.create_activity(request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The activity was made."))
                return redirect("volunteering:activity", activity.pk)
        form.fields["team"].choices = ActivityForm(teams=teams).fields["team"].choices
    status = 400 if request.method == "POST" else 200
    return render(request, "volunteering/activities_form.html", {"form": form}, status=status)


def _activity(request, activity_id: int) -> Activity:
    return get_or_404(with_counts(selectors.activities_visible_to(request.user)), pk=activity_id)


def checkin_url(request, activity: Activity, code: str = "") -> str:
    """The absolute address of the activity's check-in page, with the code when given."""
    url = reverse("volunteering:checkin", args=[activity.pk])
    if code:
        url += "?" + urlencode({"code": code})
    return request.build_absolute_uri(url)


def qr_svg(url: str) -> SafeString:
    """The QR code of `url`, as inline SVG (segno: paths and attributes, no style)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=6, border=2))  # noqa: S308


def _activity_page(request, activity, *, status=200, **forms):
    user = request.user
    runs = access.can_run(user, activity)
    own = selectors.own_volunteer(user)
    signup = None
    if own is not None:
        signup = SignUp.objects.filter(
            activity=activity, volunteer=own, cancelled_at__isnull=True
        ).first()
    now = timezone.now()
    context = {
        "activity": activity,
        "runs": runs,
        "own": own,
        "signup": signup,
        "open": activity.status == ActivityStatus.OPEN,
        "ended": activity.ends_at <= now,
        "may_sign_up": own is not None
        and own.is_active
        and signup is None
        and activity.status == ActivityStatus.OPEN
        and activity.ends_at > now,
    }
    if runs:
        url = checkin_url(request, activity, activity.checkin_code)
        signups = list(
            SignUp.objects.filter(activity=activity, cancelled_at__isnull=True).select_related(
                "volunteer"
            )
        )
        attendances = list(Attendance.objects.filter(activity=activity).select_related("volunteer"))
        records = list(HoursRecord.objects.filter(activity=activity).select_related("volunteer"))
        for row in [*signups, *attendances, *records]:
            row.name = mask_name(row.volunteer.name)
        people = {s.volunteer_id: s.volunteer for s in signups}
        people.update({a.volunteer_id: a.volunteer for a in attendances})
        choices = sorted(people.values(), key=lambda v: (v.name, v.pk))
        for volunteer in choices:
            volunteer.label = mask_name(volunteer.name)
        honour_form = forms.get("honour_form") or HonourForm(volunteers=choices)
        honour_form.fields["volunteer"].choices = (
            HonourForm(volunteers=choices).fields["volunteer"].choices
        )
        context.update(
            {
                "checkin_url": url,
                "qr": qr_svg(url),
                "signups": signups,
                "attendances": attendances,
                "records": records,
                "honour_form": honour_form,
                "decline_form": forms.get("decline_form") or DeclineForm(),
                "declining": forms.get("declining"),
            }
        )
    return render(request, "volunteering/activities_detail.html", context, status=status)


@login_required
def activity_detail(request, activity_id: int):
    return _activity_page(request, _activity(request, activity_id))


def _act(request, activity_id, call, done: str):
    """A POST that calls one service on the activity; its message, back to the page."""
    activity = _activity(request, activity_id)
    try:
        call(request.user, activity.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("volunteering:activity", activity.pk)


@login_required
@require_POST
def activity_sign_up(request, activity_id: int):
    return _act(request, activity_id, services.sign_up, _("You are signed up."))


@login_required
@require_POST
def activity_cancel_sign_up(request, activity_id: int):
    return _act(request, activity_id, services.cancel_sign_up, _("Your sign-up was cancelled."))


@login_required
@require_POST
def activity_new_code(request, activity_id: int):
    return _act(
        request,
        activity_id,
        services.new_checkin_code,
        _("The activity has a new check-in code: the old one no longer works."),
    )


@login_required
@require_POST
def activity_cancel(request, activity_id: int):
    return _act(request, activity_id, services.cancel_activity, _("The activity was cancelled."))


@login_required
@require_POST
def activity_honour(request, activity_id: int):
    activity = _activity(request, activity_id)
    if not access.can_run(request.user, activity):
        raise PermissionDenied(_("Only the activity's organisers may add honour hours."))
    form = HonourForm(request.POST)
    form.fields["volunteer"].choices = [(request.POST.get("volunteer", ""), "")]
    if form.is_valid():
        try:
            hours_services.add_honour_hours(request.user, activity=activity.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The honour hours were added."))
            return redirect("volunteering:activity", activity.pk)
    return _activity_page(request, activity, status=400, honour_form=form)


def _record(request, activity, record_id: int) -> HoursRecord:
    return get_or_404(
        selectors.hours_visible_to(request.user).filter(activity=activity), pk=record_id
    )


@login_required
@require_POST
def hours_approve(request, activity_id: int, record_id: int):
    activity = _activity(request, activity_id)
    record = _record(request, activity, record_id)
    try:
        hours_services.approve_hours(request.user, record.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The hours were approved."))
    return redirect("volunteering:activity", activity.pk)


@login_required
@require_POST
def hours_decline(request, activity_id: int, record_id: int):
    activity = _activity(request, activity_id)
    record = _record(request, activity, record_id)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            hours_services.decline_hours(request.user, record.pk, form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The hours were declined."))
            return redirect("volunteering:activity", activity.pk)
    return _activity_page(request, activity, status=400, decline_form=form, declining=record.pk)


def activity_links(user, ids) -> dict:
    """{activity id: (URL, title)} for the activities among `ids` the user may open (the
    inbox's links of "volunteers not checked out")."""
    rows = selectors.activities_visible_to(user).filter(pk__in=list(ids)).values_list("pk", "title")
    return {pk: (reverse("volunteering:activity", args=[pk]), title) for pk, title in rows}


urlpatterns = [
    path("volunteering/activities/", activity_list, name="activities"),
    path("volunteering/activities/new/", activity_create, name="activity-create"),
    path("volunteering/activities/<int:activity_id>/", activity_detail, name="activity"),
    path(
        "volunteering/activities/<int:activity_id>/signup/",
        activity_sign_up,
        name="activity-signup",
    ),
    path(
        "volunteering/activities/<int:activity_id>/signup/cancel/",
        activity_cancel_sign_up,
        name="activity-signup-cancel",
    ),
    path(
        "volunteering/activities/<int:activity_id>/code/",
        activity_new_code,
        name="activity-new-code",
    ),
    path(
        "volunteering/activities/<int:activity_id>/cancel/",
        activity_cancel,
        name="activity-cancel",
    ),
    path(
        "volunteering/activities/<int:activity_id>/honour/",
        activity_honour,
        name="activity-honour",
    ),
    path(
        "volunteering/activities/<int:activity_id>/hours/<int:record_id>/approve/",
        hours_approve,
        name="activity-hours-approve",
    ),
    path(
        "volunteering/activities/<int:activity_id>/hours/<int:record_id>/decline/",
        hours_decline,
        name="activity-hours-decline",
    ),
]


def register() -> None:
    """This topic's audit action labels and notification kinds; its periodic task."""
    from yiwang.core import audit
    from yiwang.notices import kinds as notice_kinds
    from yiwang.volunteering import tasks  # noqa: F401  (the hourly close)
    from yiwang.volunteering.services.hours import NOTICE_KIND

    menus.register(
        menus.MenuItem(
            key="volunteering.activities",
            label=gettext_lazy("Volunteer activities"),
            url_name="volunteering:activities",
            section="volunteering",
            order=20,
        )
    )
    notice_kinds.register(
        notice_kinds.Kind(
            NOTICE_KIND,
            gettext_lazy("Volunteers not checked out"),
            "volunteering",
            object_type="volunteering.activity",
            links=activity_links,
        )
    )
    audit.register_actions(
        {
            "volunteering_volunteer.register": gettext_lazy("Register a volunteer"),
            "volunteering_volunteer.update": gettext_lazy("Change a volunteer"),
            "volunteering_volunteer.deactivate": gettext_lazy("Take a volunteer out of service"),
            "volunteering_team.create": gettext_lazy("Create a volunteer team"),
            "volunteering_team.add_member": gettext_lazy("Add a member to a volunteer team"),
            "volunteering_team.end_membership": gettext_lazy(
                "End a membership of a volunteer team"
            ),
            "volunteering_activity.create": gettext_lazy("Create a volunteer activity"),
            "volunteering_activity.sign_up": gettext_lazy("Sign up for a volunteer activity"),
            "volunteering_activity.cancel_sign_up": gettext_lazy(
                "Cancel a sign-up for a volunteer activity"
            ),
            "volunteering_activity.new_code": gettext_lazy(
                "Give a volunteer activity a new check-in code"
            ),
            "volunteering_activity.cancel": gettext_lazy("Cancel a volunteer activity"),
            "volunteering_attendance.check_in": gettext_lazy("Check in to a volunteer activity"),
            "volunteering_attendance.check_out": gettext_lazy("Check out of a volunteer activity"),
            "volunteering_attendance.close": gettext_lazy(
                "Close a check-in left open (not checked out)"
            ),
            "volunteering_hours.add_honour": gettext_lazy("Add honour hours"),
            "volunteering_hours.approve": gettext_lazy("Approve volunteer hours"),
            "volunteering_hours.decline": gettext_lazy("Decline volunteer hours"),
        }
    )
