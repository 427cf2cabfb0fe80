"""Pages of the key projects: the list with its filters, "my projects" (the special team's
and the leader's, each with its button to record the day's progress), a project made or
changed by a manager, and the project's page: its fields in words, the stages reached,
the special team, the permits, the milestones with their lag in working days and colour,
the monthly targets, the latest progress from the site with its photos and the open
problems; with the actions the user's part allows (yiwang.projects.views.actions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.accounts.models import Role
from yiwang.areas.codes import LENGTH_BY_LEVEL
from yiwang.core import menus
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404
from yiwang.projects import access, services
from yiwang.projects.forms.progress import ProblemForm, ResolveForm
from yiwang.projects.forms.projects import (
    CompleteForm,
    DelayForm,
    MembersForm,
    MilestoneForm,
    PermitForm,
    ProjectFilterForm,
    ProjectForm,
    StageForm,
    TargetForm,
    members_text,
)
from yiwang.projects.models import (
    Colour,
    Milestone,
    MilestoneType,
    Problem,
    ProblemStatus,
    ProgressEntry,
    Project,
    ProjectMember,
)
from yiwang.projects.selectors.lag import milestone_colour, milestone_lag
from yiwang.projects.selectors.projects import departments, visible_projects
from yiwang.projects.workdays import UnknownCalendarYear, calendar

PAGE_SIZE = 30
LATEST_PROGRESS = 10
SECTION = "projects"  # declared in yiwang.projects.views (the package)


def towns_of(user):
    """The towns the user may put a project in (their areas they manage)."""
    from yiwang.areas.models import Area

    towns = Area.objects.filter(level="town", closed_on__isnull=True).order_by("code")
    return [town for town in towns if access.can_manage(user, town.code)]


def towns_seen(user):
    """The towns of the list's filter: those the user's projects lie in."""
    from yiwang.areas.models import Area

    length = LENGTH_BY_LEVEL["town"]
    codes = {code[:length] for code in visible_projects(user).values_list("area_code", flat=True)}
    return list(Area.objects.filter(code__in=codes).order_by("code"))


def enterprises_of(user):
    from yiwang.outreach.models import Enterprise

    return Enterprise.objects.visible_to(user).filter(is_active=True).order_by("name", "id")


def people_of(user):
    from yiwang.accounts.models import User

    return User.objects.visible_to(user).filter(is_active=True).order_by("full_name", "id")


@login_required
def project_list(request):
    rows = visible_projects(request.user).select_related("leader", "enterprise")
    form = ProjectFilterForm(request.GET or None, towns=towns_seen(request.user))
    if form.is_valid():
        data = form.cleaned_data
        if data["town"]:
            rows = rows.filter(area_code__startswith=data["town"])
        for name in ("stage", "kind", "batch"):
            if data[name]:
                rows = rows.filter(**{name: data[name]})
    page = Paginator(rows.order_by("area_code", "number"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "projects/project_list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": list(page.object_list),
            "may_create": access.manages_somewhere(request.user),
        },
    )


@login_required
def my_projects(request):
    user = request.user
    rows = (
        Project.objects.filter(
            Q(leader=user) | Q(pk__in=ProjectMember.objects.filter(user=user).values("project"))
        )
        .filter(is_active=True)
        .select_related("leader")
        .order_by("area_code", "number")
    )
    today = timezone.localdate()
    done_today = set(
        ProgressEntry.objects.filter(project__in=rows, day=today).values_list(
            "project_id", flat=True
        )
    )
    rows = list(rows)
    for row in rows:
        row.done_today = row.pk in done_today
    return render(request, "projects/project_mine.html", {"rows": rows, "today": today})


def _form_choices(user):
    return {
        "towns": towns_of(user),
        "enterprises": enterprises_of(user),
        "leaders": people_of(user),
    }


def _project_values(data: dict) -> dict:
    values = dict(data)
    for name in ("enterprise", "leader"):
        values[name] = values.get(name) or None
    return values


@login_required
def project_create(request):
    if not access.manages_somewhere(request.user):
        raise PermissionDenied(_("Only the county's and the towns' admins make key projects."))
    form = ProjectForm(request.POST or None, **_form_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(request.user, **_project_values(form.cleaned_data))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The project was made."))
            return redirect("projects:project", project.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/project_form.html", {"form": form}, status=status)


def _project(request, pk: int) -> Project:
    return get_or_404(visible_projects(request.user).select_related("leader", "enterprise"), pk=pk)


@login_required
def project_edit(request, pk: int):
    project = _project(request, pk)
    if not access.can_manage(request.user, project.area_code):
        raise PermissionDenied(_("Only the project's managers may change it."))
    initial = {
        name: getattr(project, name)
        for name in ProjectForm.base_fields
        if name not in ("enterprise", "leader")
    }
    initial.update({"enterprise": project.enterprise_id or "", "leader": project.leader_id or ""})
    choices = _form_choices(request.user)
    if project.area_code not in {t.code for t in choices["towns"]}:
        from yiwang.areas.models import Area

        choices["towns"] = [*choices["towns"], *Area.objects.filter(code=project.area_code)]
    # The project's leader and enterprise stay choosable though the manager may not see
    # them (a county-level leader for a town's admin): else the form would drop them.
    for name in ("leaders", "enterprises"):
        current = project.leader if name == "leaders" else project.enterprise
        if current is not None and current.pk not in {row.pk for row in choices[name]}:
            choices[name] = [current, *choices[name]]
    form = ProjectForm(request.POST or None, initial=initial, **choices)
    del form.fields["area_code"]  # a project stays in its town
    if request.method == "POST" and form.is_valid():
        changes = {
            name: value
            for name, value in _project_values(form.cleaned_data).items()
            if name in form.changed_data
        }
        try:
            services.update_project(request.user, project.pk, **changes)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The project was saved."))
            return redirect("projects:project", project.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "projects/project_form.html", {"form": form, "project": project}, status=status
    )


def _milestones(project):
    """The project's milestones with their lag and colour; the calendar's message when a
    day lies in a year it does not know (those milestones show no lag)."""
    rows = list(
        Milestone.objects.filter(project=project)
        .select_related("milestone_type", "owner")
        .order_by("due_on", "id")
    )
    cal = calendar()
    today = timezone.localdate()
    unknown = None
    for row in rows:
        try:
            row.lag = milestone_lag(row, today=today, cal=cal)
        except UnknownCalendarYear as exc:
            row.lag, row.colour, row.colour_label = None, "", ""
            unknown = unknown or str(exc)
        else:
            row.colour = milestone_colour(row, row.lag)
            row.colour_label = Colour(row.colour).label
    return rows, unknown


def milestone_owners(project, members=None) -> list:
    """Whom a milestone may be given to: the project's leader and its special team."""
    if members is None:
        members = ProjectMember.objects.filter(project=project).select_related("user")
    owners = [m.user for m in members]
    if project.leader and project.leader not in owners:
        owners.insert(0, project.leader)
    return owners


def project_page(request, project, *, status=200, **forms):
    """The project's page, with the forms given (bound, with their errors) in place of
    empty ones."""
    user = request.user
    manages = access.can_manage(user, project.area_code)
    reports = manages or access.in_team(user, project)
    milestones, unknown_year = _milestones(project)
    members = list(ProjectMember.objects.filter(project=project).select_related("user"))
    problems = list(
        Problem.objects.filter(project=project, status=ProblemStatus.OPEN)
        .select_related("department", "milestone")
        .order_by("due_on", "id")
    )
    for problem in problems:
        problem.answerable = access.can_answer(user, problem)
        if forms.get("resolving") == problem.pk:
            problem.resolve_form = forms["resolve_form"]
        else:
            problem.resolve_form = ResolveForm(auto_id=f"answer{problem.pk}_%s")
    context = {
        "project": project,
        "manages": manages,
        "reports": reports,
        "today": timezone.localdate(),
        "stages": list(project.stage_changes.order_by("reached_on", "id")),
        "members": members,
        "permits": list(project.permits.order_by("kind")),
        "milestones": milestones,
        "unknown_year": unknown_year,
        "targets": list(project.targets.order_by("-month")[:12]),
        "progress": list(
            ProgressEntry.objects.filter(project=project)
            .select_related("recorded_by")
            .prefetch_related("photos")
            .order_by("-day")[:LATEST_PROGRESS]
        ),
        "problems": problems,
        "resolving": forms.get("resolving"),
    }
    if reports:
        context["problem_form"] = forms.get("problem_form") or ProblemForm(
            departments=departments(), milestones=milestones
        )
    if manages:
        for row in milestones:
            if forms.get("completing") == row.pk:
                row.complete_form = forms["complete_form"]
            else:
                row.complete_form = CompleteForm(auto_id=f"done{row.pk}_%s")
            if forms.get("tagging") == row.pk:
                row.delay_form = forms["delay_form"]
            elif row.lag and not row.done_on:
                row.delay_form = DelayForm(
                    auto_id=f"delay{row.pk}_%s",
                    initial={"delay_cause": row.delay_cause, "delay_note": row.delay_note},
                )
        owners = milestone_owners(project, members)
        context.update(
            {
                "stage_form": forms.get("stage_form") or StageForm(),
                "permit_form": forms.get("permit_form") or PermitForm(),
                "milestone_form": forms.get("milestone_form")
                or MilestoneForm(types=MilestoneType.objects.all(), owners=owners),
                "completing": forms.get("completing"),
                "tagging": forms.get("tagging"),
                "target_form": forms.get("target_form") or TargetForm(),
                "members_form": forms.get("members_form")
                or MembersForm(initial={"members": members_text(members)}),
            }
        )
    context["open_form"] = next(
        (name for name in forms if name.endswith("_form") and forms[name].errors), ""
    )
    return render(request, "projects/project_detail.html", context, status=status)


@login_required
def project_detail(request, pk: int):
    return project_page(request, _project(request, pk))


urlpatterns = [
    path("projects/", project_list, name="projects"),
    path("projects/new/", project_create, name="project-create"),
    path("projects/mine/", my_projects, name="mine"),
    path("projects/<int:pk>/", project_detail, name="project"),
    path("projects/<int:pk>/edit/", project_edit, name="project-edit"),
]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="projects.mine",
            label=gettext_lazy("My projects"),
            url_name="projects:mine",
            section=SECTION,
            order=10,
            visible=may_be_in_a_team,
        ),
        menus.MenuItem(
            key="projects.projects",
            label=gettext_lazy("Key projects"),
            url_name="projects:projects",
            section=SECTION,
            order=20,
            visible=works_somewhere,
        ),
    )


# The grid's own roles: their people serve on a project's special team seldom, and find
# such a project in the list of key projects (a member sees it there too).
GRID_ROLES = {Role.GRID_CHIEF, Role.GROUP_LEADER, Role.GRID_WORKER}


def may_be_in_a_team(user) -> bool:
    """Shown "My projects" without a query: the people of the special teams and the
    leaders in charge are site staff without a post, the town's cadres, department staff
    and the admins; the grid's own roles are left out (their menu is long enough)."""
    from yiwang.accounts.scope import current_posts

    if not getattr(user, "is_authenticated", False):
        return False
    roles = {role for role, _code in current_posts(user)}
    return not roles or bool(roles - GRID_ROLES)


def works_somewhere(user) -> bool:
    """Holds a post (the posts are read once a request): sees the projects of an area."""
    from yiwang.accounts.scope import current_posts

    return access.is_command_post(user) or bool(current_posts(user))
