"""Pages of volunteer teams: the teams the user sees (filtered by area and kind), making
one (the area's organisers), and a team's page: its leaders and members (current and
past), adding a member and ending a membership (the organisers, or a leader for members
who are not leaders), and its coming activities."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.areas import picker
from yiwang.core import menus
from yiwang.core.forms import add_service_error
from yiwang.core.masking import mask_name
from yiwang.core.scoping import get_or_404
from yiwang.volunteering import access
from yiwang.volunteering.filters.volunteers import TeamFilterSet
from yiwang.volunteering.forms.volunteers import MemberForm, TeamForm
from yiwang.volunteering.models import Activity, ActivityStatus, Membership
from yiwang.volunteering.selectors import activities as selectors
from yiwang.volunteering.services import volunteers as services
from yiwang.volunteering.views.volunteers import phone_of

PAGE_SIZE = 50
VOLUNTEER_CHOICES = 300
COMING = 10


@login_required
def team_list(request):
    filterset = TeamFilterSet(
        request.GET,
        queryset=selectors.teams_visible_to(request.user).order_by("area_code", "name", "id"),
        request=request,
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteering/teams_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "rows": list(page.object_list),
            "may_create": access.organises_somewhere(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request):
    if not access.organises_somewhere(request.user):
        raise PermissionDenied(_("Only a grid chief, a cadre or an admin may make a team."))
    form = TeamForm(request.POST or None)
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The team %(name)s was made.") % {"name": team.name})
            return redirect("volunteering:team", team.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "volunteering/teams_form.html", {"form": form}, status=status)


def _team(request, team_id: int):
    return get_or_404(selectors.teams_visible_to(request.user), pk=team_id)


def _candidates(user, team):
    current = Membership.objects.filter(team=team, left_on__isnull=True).values("volunteer_id")
    rows = list(
        selectors.volunteers_visible_to(user)
        .filter(is_active=True)
        .exclude(pk__in=current)
        .select_related("resident", "user")
        .order_by("name", "id")[:VOLUNTEER_CHOICES]
    )
    for row in rows:
        # Masked as every name is by default; the masked phone tells two alike apart.
        row.label = " ".join(filter(None, [mask_name(row.name), phone_of(row)]))
    return rows


def _team_page(request, team, *, member_form=None, status=200):
    user = request.user
    organises = access.can_organise(user, team.area_code)
    leads = access.is_team_leader(user, team)
    memberships = list(
        Membership.objects.filter(team=team)
        .select_related("volunteer")
        .order_by("left_on", "-is_leader", "joined_on", "id")
    )
    today = timezone.localdate()
    current = [m for m in memberships if m.left_on is None or m.left_on >= today]
    for m in memberships:
        m.name = mask_name(m.volunteer.name)
        m.may_end = m.left_on is None and (organises or (leads and not m.is_leader))
    coming = list(
        Activity.objects.filter(
            team=team, status=ActivityStatus.OPEN, ends_at__gte=timezone.now()
        ).order_by("starts_at")[:COMING]
    )
    may_manage = organises or leads
    if may_manage and member_form is None:
        member_form = MemberForm(volunteers=_candidates(user, team))
    return render(
        request,
        "volunteering/teams_detail.html",
        {
            "team": team,
            "leaders": [m for m in current if m.is_leader],
            "members": [m for m in current if not m.is_leader],
            "past": [m for m in memberships if m not in current],
            "coming": coming,
            "may_manage": may_manage,
            "may_name_leaders": organises,
            "member_form": member_form,
        },
        status=status,
    )


@login_required
def team_detail(request, team_id: int):
    return _team_page(request, _team(request, team_id))


@login_required
@require_POST
def team_add_member(request, team_id: int):
    team = _team(request, team_id)
    form = MemberForm(request.POST, volunteers=_candidates(request.user, team))
    # The volunteer is checked by the service (in the user's scope), not by the choices.
    form.fields["volunteer"].choices = [(request.POST.get("volunteer", ""), "")]
    if form.is_valid():
        try:
            services.add_member(request.user, team.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"joined_on": "joined_on"})
        else:
            messages.success(request, _("The member was added."))
            return redirect("volunteering:team", team.pk)
    form.fields["volunteer"].choices = (
        MemberForm(volunteers=_candidates(request.user, team)).fields["volunteer"].choices
    )
    return _team_page(request, team, member_form=form, status=400)


@login_required
@require_POST
def membership_end(request, membership_id: int):
    membership = get_or_404(
        Membership.objects.filter(team__in=selectors.teams_visible_to(request.user)),
        pk=membership_id,
    )
    try:
        services.end_membership(request.user, membership.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The membership was ended."))
    return redirect("volunteering:team", membership.team_id)


urlpatterns = [
    path("volunteering/teams/", team_list, name="teams"),
    path("volunteering/teams/new/", team_create, name="team-create"),
    path("volunteering/teams/<int:team_id>/", team_detail, name="team"),
    path("volunteering/teams/<int:team_id>/members/", team_add_member, name="team-add-member"),
    path(
        "volunteering/memberships/<int:membership_id>/end/",
        membership_end,
        name="membership-end",
    ),
]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="volunteering.teams",
            label=gettext_lazy("Volunteer teams"),
            url_name="volunteering:teams",
            section="volunteering",
            order=15,
        )
    )
