"""Pages of enterprise support: the enterprise requests (企业诉求) the user sees, filtered
by status, kind, overdue and department; a request's page with its clock (the four due
days, the late stages, the level it was raised to, the enterprise's satisfaction) and
the forms of the steps the user may take; the form to record a request; the
finance-counsellor page (金融辅导): the teams with their bank, members, enterprises and
each enterprise's last visit, and the enterprises no one counsels; the command post's
team forms."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core import audit, menus
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404
from yiwang.notices import kinds as notice_kinds
from yiwang.projects import access
from yiwang.projects.filters.support import EnterpriseRequestFilterSet
from yiwang.projects.forms.support import (
    ExtendForm,
    RateForm,
    ReplyForm,
    RequestForm,
    ResolveForm,
    TeamForm,
)
from yiwang.projects.models import CounsellorTeam, RequestStatus
from yiwang.projects.selectors import support as selectors
from yiwang.projects.selectors.projects import departments
from yiwang.projects.services import support as services
from yiwang.projects.services.inputs import require_command_post
from yiwang.projects.services.progress import overdue_problem_links
from yiwang.projects.workdays import calendar

PAGE_SIZE = 50
PEOPLE_SHOWN = 500

# The steps of a request's page: its form, and the service called with the form's data.
STEPS = {
    "verify": (None, services.begin_verifying),
    "reply": (ReplyForm, services.reply_request),
    "extend": (ExtendForm, services.extend_request),
    "resolve": (ResolveForm, services.resolve_request),
    "rate": (RateForm, services.rate_request),
}


@login_required
def request_list(request):
    today = timezone.localdate()
    filterset = EnterpriseRequestFilterSet(
        request.GET,
        queryset=selectors.visible_requests(request.user)
        .select_related("enterprise", "department")
        .order_by("-received_on", "-id"),
        request=request,
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for row in rows:
        due = row.current_due
        row.overdue = due is not None and today > due
    return render(
        request,
        "projects/support/requests_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "rows": rows,
            "may_create": selectors.receivable_enterprises(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    # The enterprise is typed (its name or credit code; a county has thousands): the first
    # PEOPLE_SHOWN are suggested, the service finds the one typed among all of them.
    enterprises = list(
        selectors.receivable_enterprises(request.user)
        .order_by("area_code", "name")
        .only("pk", "name", "credit_code")[:PEOPLE_SHOWN]
    )
    if not enterprises:
        raise PermissionDenied(
            _("Only a manager of an area or a finance counsellor records enterprise requests.")
        )
    data = request.POST if request.method == "POST" else None
    form = RequestForm(
        data,
        enterprises=enterprises,
        departments=list(departments()),
        initial={"uuid": str(uuid.uuid4()), "received_on": timezone.localdate().isoformat()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            row, _created = services.receive_request(request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The request %(number)s was recorded.") % {"number": row.number}
            )
            return redirect("projects:support-request", row.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/support/requests_form.html", {"form": form}, status=status)


def _request(request, enterprise_request_id: int):
    return get_or_404(
        selectors.visible_requests(request.user).select_related(
            "enterprise", "department", "recorded_by"
        ),
        pk=enterprise_request_id,
    )


def _detail(request, row, *, forms=None, status=200):
    user = request.user
    today = timezone.localdate()
    handles = access.can_answer(user, row)
    open_ = row.status != RequestStatus.RESOLVED
    may_rate = (
        row.status == RequestStatus.RESOLVED
        and not row.satisfaction
        and (row.recorded_by_id == user.pk or access.can_manage(user, row.area_code))
    )
    shown = dict(forms or {})
    if handles and row.status == RequestStatus.RECEIVED:
        shown.setdefault("verify", None)
    if handles and row.status == RequestStatus.VERIFYING:
        shown.setdefault("reply", ReplyForm())
    if handles and open_ and not row.extension_reason:
        shown.setdefault("extend", ExtendForm())
    if handles and row.status == RequestStatus.REPLIED:
        shown.setdefault("resolve", ResolveForm())
    if may_rate:
        shown.setdefault("rate", RateForm())
    due = row.current_due
    stages = [
        (_("Verifying begun"), row.verify_due, row.verified_on, row.verify_late),
        (_("Replied"), row.reply_due, row.replied_on, row.reply_late),
        (_("Resolved"), row.resolve_due, row.resolved_on, row.resolve_late),
    ]
    # A due day counted by the weekly rule in a year whose holidays are not entered yet.
    known = calendar().knows if row.clock_provisional else None
    stages = [(*stage, known is not None and not known(stage[1].year)) for stage in stages]
    return render(
        request,
        "projects/support/requests_detail.html",
        {
            "row": row,
            "stages": stages,
            "overdue": due is not None and today > due,
            "forms": shown,
            "steps": list(STEPS),
        },
        status=status,
    )


@login_required
def request_detail(request, enterprise_request_id: int):
    return _detail(request, _request(request, enterprise_request_id))


@login_required
@require_POST
def request_step(request, enterprise_request_id: int, step: str):
    row = _request(request, enterprise_request_id)
    if step not in STEPS:
        raise Http404(_("Not found."))
    form_class, service = STEPS[step]
    form = form_class(request.POST) if form_class else None
    if form is None or form.is_valid():
        try:
            service(request.user, row.pk, **(form.cleaned_data if form else {}))
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return redirect("projects:support-request", row.pk)
            add_service_error(form, exc)
        else:
            messages.success(request, _("The request was updated."))
            return redirect("projects:support-request", row.pk)
    return _detail(request, row, forms={step: form}, status=400)


# --- finance counsellors --------------------------------------------------------------------


@login_required
def counsellors(request):
    overview = selectors.counsellor_overview(request.user)
    return render(
        request,
        "projects/support/counsellors.html",
        {**overview, "may_edit": access.is_command_post(request.user)},
    )


def _people(user, team=None):
    """The team form's choices: the sponsors of the finance-counsellor programme first,
    then the other active users the user sees, at most PEOPLE_SHOWN of them, and always
    the team's current members and leader (saving never drops one for not being shown)."""
    from django.db.models import Case, IntegerField, Value, When

    from yiwang.accounts.models import User

    sponsors = selectors.counsellor_pairings().values("sponsor")
    shown = list(
        User.objects.visible_to(user)
        .filter(is_active=True)
        .annotate(
            sponsor=Case(
                When(pk__in=sponsors, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("sponsor", "full_name", "username", "pk")[:PEOPLE_SHOWN]
    )
    if team is not None:
        ids = {p.pk for p in shown}
        current = (
            User.objects.filter(Q(pk__in=team.members.values("pk")) | Q(pk=team.leader_id or 0))
            .exclude(pk__in=ids)
            .filter(is_active=True)
        )
        shown += list(current.order_by("full_name", "username", "pk"))
    return shown


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request):
    require_command_post(request.user)
    form = TeamForm(request.POST or None, people=_people(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = services.create_team(
                request.user,
                name=data["name"],
                bank=data["bank"],
                leader=data["leader"] or None,
                members=data["members"],
                is_active=data["is_active"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The team %(name)s was made.") % {"name": team.name})
            return redirect("projects:support-counsellors")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "projects/support/team_form.html", {"form": form, "team": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request, counsellor_team_id: int):
    require_command_post(request.user)
    team = get_or_404(CounsellorTeam.objects.all(), pk=counsellor_team_id)
    people = _people(request.user, team)
    initial = {
        "name": team.name,
        "bank": team.bank,
        "leader": str(team.leader_id or ""),
        "members": [str(pk) for pk in team.members.values_list("pk", flat=True)],
        "is_active": team.is_active,
    }
    form = TeamForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the team and its members, or neither
                services.update_team(
                    request.user,
                    team.pk,
                    name=data["name"],
                    bank=data["bank"],
                    leader=data["leader"] or None,
                    is_active=data["is_active"],
                )
                services.set_team_members(request.user, team.pk, members=data["members"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The team %(name)s was saved.") % {"name": team.name})
            return redirect("projects:support-counsellors")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "projects/support/team_form.html", {"form": form, "team": team}, status=status
    )


urlpatterns = [
    path("projects/support/requests/", request_list, name="support-requests"),
    path("projects/support/requests/new/", request_create, name="support-request-create"),
    path(
        "projects/support/requests/<int:enterprise_request_id>/",
        request_detail,
        name="support-request",
    ),
    path(
        "projects/support/requests/<int:enterprise_request_id>/<slug:step>/",
        request_step,
        name="support-request-step",
    ),
    path("projects/support/counsellors/", counsellors, name="support-counsellors"),
    path("projects/support/teams/new/", team_create, name="support-team-create"),
    path(
        "projects/support/teams/<int:counsellor_team_id>/",
        team_edit,
        name="support-team-edit",
    ),
]


def register() -> None:
    # The battle map's menu section is declared in views/__init__.py.
    menus.register(
        menus.MenuItem(
            key="projects.requests",
            label=gettext_lazy("Enterprise requests"),
            url_name="projects:support-requests",
            section="projects",
            order=60,
        ),
        menus.MenuItem(
            key="projects.counsellors",
            label=gettext_lazy("Finance counsellors"),
            url_name="projects:support-counsellors",
            section="projects",
            order=70,
        ),
    )
    notice_kinds.register(
        notice_kinds.Kind(
            services.NOTICE_DUE,
            gettext_lazy("Enterprise request due today"),
            "projects",
            object_type="projects.enterpriserequest",
            links=services.request_links,
        ),
        notice_kinds.Kind(
            services.NOTICE_ESCALATED,
            gettext_lazy("Enterprise request overdue"),
            "projects",
            object_type="projects.enterpriserequest",
            links=services.request_links,
        ),
        notice_kinds.Kind(
            services.NOTICE_PROBLEM_DUE,
            gettext_lazy("Project problem overdue"),
            "projects",
            object_type="projects.problem",
            links=overdue_problem_links,
        ),
    )
    audit.register_actions(
        {
            "projects_team.create": gettext_lazy("Make a finance-counsellor team"),
            "projects_team.update": gettext_lazy("Change a finance-counsellor team"),
            "projects_team.members": gettext_lazy("Set a finance-counsellor team's members"),
            "projects_request.receive": gettext_lazy("Record an enterprise request"),
            "projects_request.verify": gettext_lazy("Begin verifying an enterprise request"),
            "projects_request.reply": gettext_lazy("Reply to an enterprise request"),
            "projects_request.extend": gettext_lazy("Extend an enterprise request"),
            "projects_request.resolve": gettext_lazy("Resolve an enterprise request"),
            "projects_request.rate": gettext_lazy("Record an enterprise's satisfaction"),
            "projects_request.remind": gettext_lazy("Remind of an enterprise request due"),
            "projects_request.escalate": gettext_lazy("Raise an overdue enterprise request"),
            "projects_request.late": gettext_lazy("Mark an enterprise request's stage late"),
            "projects_problem.remind": gettext_lazy("Remind of an overdue project problem"),
            "projects_request.recount": gettext_lazy(
                "Count an enterprise request's due days again on the calendar entered"
            ),
        }
    )
