"""The project page's forms for its managers (the county's command post and the town's
admins): the stage reached (a reason when it goes back), a permit's state, a milestone
added or done (a cause when late), a month's target and the special team. Each calls its
service; a refusal shows on the project's page with what was typed, nothing changed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404
from yiwang.projects import access, services
from yiwang.projects.forms.projects import (
    CompleteForm,
    DelayForm,
    MembersForm,
    MilestoneForm,
    PermitForm,
    StageForm,
    TargetForm,
)
from yiwang.projects.models import Milestone, MilestoneType
from yiwang.projects.views.projects import _project, milestone_owners, people_of, project_page


def _managed(request, pk: int):
    project = _project(request, pk)
    if not access.can_manage(request.user, project.area_code):
        raise PermissionDenied(_("Only the project's managers may change it."))
    return project


def _submit(request, project, name: str, form, call, done: str, anchor: str, **more):
    """Validates `form`, calls `call(cleaned_data)`; back to the project page with `done`,
    or the page again with the form and its errors (400)."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(reverse("projects:project", args=[project.pk]) + f"#{anchor}")
    return project_page(request, project, status=400, **{name: form}, **more)


@login_required
@require_POST
def change_stage(request, pk: int):
    project = _managed(request, pk)
    return _submit(
        request,
        project,
        "stage_form",
        StageForm(request.POST),
        lambda data: services.change_stage(request.user, project.pk, **data),
        _("The stage was recorded."),
        "stages",
    )


@login_required
@require_POST
def set_permit(request, pk: int):
    project = _managed(request, pk)
    return _submit(
        request,
        project,
        "permit_form",
        PermitForm(request.POST),
        lambda data: services.set_permit(request.user, project.pk, **data),
        _("The permit was saved."),
        "permits",
    )


@login_required
@require_POST
def add_milestone(request, pk: int):
    project = _managed(request, pk)
    form = MilestoneForm(
        request.POST, types=MilestoneType.objects.all(), owners=milestone_owners(project)
    )

    def call(data):
        services.add_milestone(
            request.user,
            project.pk,
            milestone_type=data["milestone_type"],
            name=data["name"],
            due_on=data["due_on"],
            owner=data["owner"] or None,
        )

    return _submit(
        request, project, "milestone_form", form, call, _("The milestone was added."), "milestones"
    )


@login_required
@require_POST
def complete_milestone(request, pk: int, milestone_id: int):
    project = _managed(request, pk)
    milestone = get_or_404(Milestone.objects.filter(project=project), pk=milestone_id)
    return _submit(
        request,
        project,
        "complete_form",
        CompleteForm(request.POST, auto_id=f"done{milestone.pk}_%s"),
        lambda data: services.complete_milestone(request.user, milestone.pk, **data),
        _("The milestone was marked done."),
        "milestones",
        completing=milestone.pk,
    )


@login_required
@require_POST
def tag_delay(request, pk: int, milestone_id: int):
    project = _managed(request, pk)
    milestone = get_or_404(Milestone.objects.filter(project=project), pk=milestone_id)
    return _submit(
        request,
        project,
        "delay_form",
        DelayForm(request.POST, auto_id=f"delay{milestone.pk}_%s"),
        lambda data: services.tag_delay(
            request.user, milestone.pk, cause=data["delay_cause"], note=data["delay_note"]
        ),
        _("The cause of the delay was saved."),
        f"milestone-{milestone.pk}",
        tagging=milestone.pk,
    )


@login_required
@require_POST
def set_target(request, pk: int):
    project = _managed(request, pk)
    return _submit(
        request,
        project,
        "target_form",
        TargetForm(request.POST),
        lambda data: services.set_target(request.user, project.pk, **data),
        _("The month's target was saved."),
        "targets",
    )


@login_required
@require_POST
def set_members(request, pk: int):
    project = _managed(request, pk)

    def people(usernames):
        rows = people_of(request.user).filter(username__in=usernames)
        found = {u.username: u for u in rows}
        # Those already in the team stay choosable, wherever their accounts lie.
        for member in project.members.select_related("user"):
            found.setdefault(member.user.username, member.user)
        return found

    return _submit(
        request,
        project,
        "members_form",
        MembersForm(request.POST, people=people),
        lambda data: services.set_members(request.user, project.pk, members=data["members"]),
        _("The special team was saved."),
        "team",
    )


urlpatterns = [
    path("projects/<int:pk>/stage/", change_stage, name="project-stage"),
    path("projects/<int:pk>/permit/", set_permit, name="project-permit"),
    path("projects/<int:pk>/milestones/", add_milestone, name="milestone-add"),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/done/",
        complete_milestone,
        name="milestone-complete",
    ),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/delay/",
        tag_delay,
        name="milestone-delay",
    ),
    path("projects/<int:pk>/target/", set_target, name="project-target"),
    path("projects/<int:pk>/members/", set_members, name="project-members"),
]


def register() -> None:
    """Nothing to register: the services' audit actions are labelled with the services."""
