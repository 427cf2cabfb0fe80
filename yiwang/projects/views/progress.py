"""The site's pages: the day's progress typed on a phone (its day, text, problems and
photos; a UUID made with the page, so that a form sent twice records one entry), a
problem raised to a department from the project's page, and the departments' list of the
problems sent to them, open first, with the form that answers and resolves one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core import menus
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import any_subtree_q, get_or_404
from yiwang.projects import access, services
from yiwang.projects.forms.progress import ProblemForm, ProgressForm, ResolveForm
from yiwang.projects.models import Milestone, Problem
from yiwang.projects.selectors.projects import departments, visible_projects
from yiwang.projects.views.projects import _project, project_page

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "POST"])
def progress_form(request, pk: int):
    project = _project(request, pk)
    if not access.can_report(request.user, project):
        raise PermissionDenied(
            _("Only the project's special team, its leader and its managers record its progress.")
        )
    form = ProgressForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _entry, created = services.record_progress(
                request.user,
                project.pk,
                day=data["day"],
                text=data["text"],
                problems=data["problems"],
                photos=data["photos"],
                uuid=data["uuid"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if created:
                messages.success(request, _("The day's progress was recorded."))
            else:
                messages.info(request, _("This progress was already recorded; it was kept once."))
            return redirect(reverse("projects:project", args=[project.pk]) + "#progress")
    bound = request.method == "POST"
    return render(
        request,
        "projects/progress_form.html",
        {
            "project": project,
            "form": form,
            "photos_dropped": bound and bool(request.FILES.getlist("photos")),
        },
        status=400 if bound else 200,
    )


@login_required
@require_POST
def raise_problem(request, pk: int):
    project = _project(request, pk)
    if not access.can_report(request.user, project):
        raise PermissionDenied(
            _("Only the project's special team, its leader and its managers raise its problems.")
        )
    milestones = Milestone.objects.filter(project=project)
    form = ProblemForm(request.POST, departments=departments(), milestones=milestones)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.raise_problem(
                request.user,
                project.pk,
                department=data["department"],
                cause=data["cause"],
                text=data["text"],
                milestone=data["milestone"] or None,
                due_on=data["due_on"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The problem was sent to the department."))
            return redirect(reverse("projects:project", args=[project.pk]) + "#problems")
    return project_page(request, project, status=400, problem_form=form)


def problems_of(user):
    """The problems sent to the user's departments, and those of the projects the user
    manages."""
    from yiwang.accounts.scope import current_posts

    q = access.department_q(user)
    if access.is_command_post(user):
        return Problem.objects.all()
    managed = [code for role, code in current_posts(user) if role in access.MANAGERS]
    if managed:
        q |= any_subtree_q("area_code", managed)
    return Problem.objects.filter(q)


def answers_problems(user) -> bool:
    """Works in a department or manages projects (from the posts, no query)."""
    from yiwang.accounts.models import Role
    from yiwang.accounts.scope import current_posts

    return access.manages_somewhere(user) or any(
        role == Role.DEPARTMENT_STAFF for role, _code in current_posts(user)
    )


@login_required
def problem_list(request):
    if not answers_problems(request.user):
        raise PermissionDenied(_("The problems are their departments' and managers' pages."))
    return _problem_list(request)


def _problem_list(request, *, status=200, form=None, resolving=None):
    rows = (
        problems_of(request.user)
        .select_related("project", "department", "milestone")
        .order_by("status", "due_on", "id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for row in rows:
        row.answerable = access.can_answer(request.user, row)
    return render(
        request,
        "projects/problems_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "resolve_form": form or ResolveForm(),
            "resolving": resolving,
        },
        status=status,
    )


@login_required
@require_POST
def resolve_problem(request, problem_id: int):
    seen = visible_projects(request.user).values("pk")
    problem = get_or_404(
        Problem.objects.filter(project__in=seen).select_related("project"), pk=problem_id
    )
    form = ResolveForm(request.POST, auto_id=f"answer{problem.pk}_%s")
    from_project = request.POST.get("back") == "project"
    if form.is_valid():
        try:
            services.resolve_problem(request.user, problem.pk, answer=form.cleaned_data["answer"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The problem was answered and resolved."))
            if from_project:
                return redirect(
                    reverse("projects:project", args=[problem.project_id]) + "#problems"
                )
            return redirect("projects:problems")
    if from_project:
        return project_page(
            request, problem.project, status=400, resolve_form=form, resolving=problem.pk
        )
    return _problem_list(request, status=400, form=form, resolving=problem.pk)


urlpatterns = [
    path("projects/<int:pk>/progress/", progress_form, name="progress"),
    path("projects/<int:pk>/problems/", raise_problem, name="problem-raise"),
    path("projects/problems/", problem_list, name="problems"),
    path("projects/problems/<int:problem_id>/resolve/", resolve_problem, name="problem-resolve"),
]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="projects.problems",
            label=gettext_lazy("Project problems"),
            url_name="projects:problems",
            section="projects",
            order=30,
            visible=answers_problems,
        )
    )
