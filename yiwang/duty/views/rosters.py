"""Pages of duty rosters (值班): the rosters one sees; a new roster; a roster's page, a
grid of its days × its people with the rotation's generate button (confirmed) and the
hand changes; my shifts on the phone with a swap request and the calendar's subscribe
address; the swaps to decide; who is on duty now in an area; the token calendar feed that
a calendar app reads without signing in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.accounts.scope import current_posts
from yiwang.core import audit, menus
from yiwang.core.forms import add_service_error
from yiwang.core.masking import mask_phone
from yiwang.core.scoping import get_or_404
from yiwang.duty import access, ics
from yiwang.duty.forms.rosters import AssignForm, DecideForm, MemberForm, RosterForm, SwapForm
from yiwang.duty.models import Assignment, DutyFeed, RosterMember, SwapStatus
from yiwang.duty.selectors import rosters as selectors
from yiwang.duty.services import rosters as services
from yiwang.notices import kinds as notice_kinds

PAGE_SIZE = 50
PEOPLE_SHOWN = 50  # the picker lists the first matches of the search
SEARCH_MAX = 50
AREAS_SHOWN = 1000


def _keeper_areas(user):
    """The areas (county, town, village) whose rosters the user keeps."""
    from yiwang.areas.models import Area

    rows = (
        Area.objects.visible_to(user)
        .filter(level__in=("county", "town", "village"))
        .order_by("code")
        .only("code", "name")[:AREAS_SHOWN]
    )
    return [area for area in rows if access.can_keep(user, area.code)]


@login_required
def roster_list(request):
    rows = selectors.visible_rosters(request.user).order_by("-starts_on", "area_code", "name", "id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "duty/roster_list.html",
        {
            "page_obj": page,
            "rows": list(page.object_list),
            "may_create": access.keeps_somewhere(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def roster_create(request):
    areas = _keeper_areas(request.user)
    if not areas:
        raise PermissionDenied(_("Only the admins of an area keep its duty rosters."))
    today = timezone.localdate()
    form = RosterForm(
        request.POST or None,
        areas=areas,
        initial={
            "starts_on": today,
            "ends_on": today.replace(day=28),
            "shift_start": "08:00",
            "shift_hours": 24,
            "min_gap_hours": 24,
            "night_rest_hours": 24,
            "role_officer": 1,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            roster = services.create_roster(actor=request.user, **form.service_data())
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The roster %(name)s was made: add its people.") % {"name": roster.name}
            )
            return redirect("duty:roster", roster.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "duty/roster_form.html", {"form": form}, status=status)


def _roster(request, roster_id):
    return get_or_404(selectors.visible_rosters(request.user), pk=roster_id)


def _people(user, roster, query=""):
    """The people a keeper may add: the active users they see whose name or username holds
    `query` (the first PEOPLE_SHOWN of them); any of them is found by a search."""
    from yiwang.accounts.models import User

    rows = User.objects.visible_to(user).filter(is_active=True)
    query = (query or "").strip()[:SEARCH_MAX]
    if query:
        rows = rows.filter(Q(full_name__icontains=query) | Q(username__icontains=query))
    return list(rows.order_by("full_name", "username", "pk")[:PEOPLE_SHOWN])


def _chosen(user, user_id) -> list:
    """The person chosen in the picker, when the user sees them (else nobody)."""
    from yiwang.accounts.models import User
    from yiwang.core.validators import read_id

    pk = read_id(user_id)
    if pk is None:
        return []
    return list(User.objects.visible_to(user).filter(is_active=True, pk=pk)[:1])


def _detail(request, roster, *, member_form=None, assign_form=None, status=200):
    user = request.user
    keeps = access.can_keep(user, roster.area_code)
    grid = selectors.roster_grid(roster)
    members = list(
        RosterMember.objects.filter(roster=roster)
        .select_related("user")
        .order_by("-is_active", "role", "id")
    )
    for member in members:  # duty phones masked on the roster's page
        member.masked_phone = mask_phone(member.phone) if member.phone else ""
    active = [m for m in members if m.is_active]
    columns, seen = [], set()
    for member in active:
        if member.user_id not in seen:
            seen.add(member.user_id)
            columns.append(member.user)
    for row in grid["rows"]:
        held = {a.user_id: a for cell in row["cells"] for a in cell["people"]}
        row["by_person"] = [held.get(person.pk) for person in columns]
        for assignment in held.values():
            if assignment.user_id not in seen:
                row.setdefault("others", []).append(assignment)
    query = (request.GET.get("q") or "").strip()[:SEARCH_MAX]
    if keeps:
        member_form = member_form or MemberForm(people=_people(user, roster, query))
        assign_form = assign_form or AssignForm(
            shifts=[(r["shift"].pk, f"{r['starts']:%Y-%m-%d %H:%M}") for r in grid["rows"]],
            people=columns,
        )
    return render(
        request,
        "duty/roster_detail.html",
        {
            "roster": roster,
            "grid": grid,
            "columns": columns,
            "counts": [(person, grid["counts"].get(person.pk, 0)) for person in columns],
            "members": members,
            "keeps": keeps,
            "breaks": services.rule_breaks(roster) if keeps else [],
            "member_form": member_form,
            "assign_form": assign_form,
            "query": query,
            "people_shown": PEOPLE_SHOWN,
        },
        status=status,
    )


@login_required
def roster_detail(request, roster_id: int):
    return _detail(request, _roster(request, roster_id))


def _members_of(roster) -> list[dict]:
    return [
        {"user": m.user_id, "role": m.role, "phone": m.phone}
        for m in RosterMember.objects.filter(roster=roster, is_active=True)
    ]


def _done(request, roster, message):
    messages.success(request, message)
    return redirect("duty:roster", roster.pk)


@login_required
@require_POST
def roster_member_add(request, roster_id: int):
    roster = _roster(request, roster_id)
    # Any active person the keeper sees may be chosen, found by the search or not.
    form = MemberForm(request.POST, people=_chosen(request.user, request.POST.get("user")))
    if form.is_valid():
        data = form.cleaned_data
        members = [
            m
            for m in _members_of(roster)
            if (m["user"], m["role"]) != (int(data["user"]), data["role"])
        ]
        members.append({"user": int(data["user"]), "role": data["role"], "phone": data["phone"]})
        try:
            services.set_members(actor=request.user, roster_id=roster.pk, members=members)
        except ValidationError as exc:
            add_service_error(form, exc, {"members": "user"})
        else:
            return _done(request, roster, _("The roster's people were saved."))
    return _detail(request, roster, member_form=form, status=400)


@login_required
@require_POST
def roster_member_remove(request, roster_id: int, member_id: int):
    roster = _roster(request, roster_id)
    gone = get_or_404(RosterMember.objects.filter(roster=roster), pk=member_id)
    members = [
        m for m in _members_of(roster) if (m["user"], m["role"]) != (gone.user_id, gone.role)
    ]
    try:
        services.set_members(actor=request.user, roster_id=roster.pk, members=members)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("duty:roster", roster.pk)
    return _done(request, roster, _("%(person)s left the rotation.") % {"person": gone.user})


@login_required
@require_POST
def roster_generate(request, roster_id: int):
    roster = _roster(request, roster_id)
    try:
        placed = services.generate(
            actor=request.user,
            roster_id=roster.pk,
            replace_hand_made=request.POST.get("replace_hand_made") == "1",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("duty:roster", roster.pk)
    return _done(request, roster, _("The rotation placed %(n)d people.") % {"n": placed})


@login_required
@require_POST
def roster_assign(request, roster_id: int):
    roster = _roster(request, roster_id)
    columns = [
        m.user
        for m in RosterMember.objects.filter(roster=roster, is_active=True).select_related("user")
    ]
    shifts = list(roster.shifts.values_list("pk", "starts_at"))
    form = AssignForm(request.POST, shifts=[(pk, str(at)) for pk, at in shifts], people=columns)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assign(
                actor=request.user, shift_id=data["shift"], user_id=data["user"], role=data["role"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return _done(request, roster, _("The shift was changed."))
    return _detail(request, roster, assign_form=form, status=400)


@login_required
@require_POST
def roster_unassign(request, roster_id: int, assignment_id: int):
    roster = _roster(request, roster_id)
    row = get_or_404(Assignment.objects.filter(shift__roster=roster), pk=assignment_id)
    services.unassign(actor=request.user, assignment_id=row.pk)
    return _done(request, roster, _("%(person)s was taken off the shift.") % {"person": row.user})


# --- my shifts ----------------------------------------------------------------------------


def _my_shifts(request, *, forms=None, status=200):
    user = request.user
    rows = list(selectors.my_assignments(user)[:60])
    roster_ids = {row.shift.roster_id for row in rows}
    # A shift is swapped with a member of the roster in the same role.
    mates: dict[tuple[int, str], list] = {}
    for member in (
        RosterMember.objects.filter(roster_id__in=roster_ids, is_active=True, user__is_active=True)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    ):
        mates.setdefault((member.roster_id, member.role), []).append(member.user)
    asked = set(
        selectors.visible_swaps(user)
        .filter(status=SwapStatus.REQUESTED, assignment__in=[r.pk for r in rows])
        .values_list("assignment_id", flat=True)
    )
    now = timezone.now()
    for row in rows:
        row.swap_form = (forms or {}).get(row.pk) or SwapForm(
            people=mates.get((row.shift.roster_id, row.role), [])
        )
        row.swap_asked = row.pk in asked
        row.started = row.starts_at <= now
        row.local_start = timezone.localtime(row.starts_at)
        row.local_end = timezone.localtime(row.ends_at)
    feed = DutyFeed.objects.filter(user=user).first()
    feed_url = request.build_absolute_uri(reverse("duty:feed", args=[feed.token])) if feed else ""
    return render(
        request,
        "duty/my_shifts.html",
        {
            "rows": rows,
            "feed_url": feed_url,
            "api_url": reverse("api:duty-ics-list"),
            "my_swaps": list(
                selectors.visible_swaps(user)
                .filter(from_user=user)
                .select_related("to_user", "assignment__shift__roster")[:20]
            ),
        },
        status=status,
    )


@login_required
def my_shifts(request):
    return _my_shifts(request)


@login_required
@require_POST
def my_swap(request, assignment_id: int):
    row = get_or_404(Assignment.objects.filter(user=request.user), pk=assignment_id)
    people = [
        m.user
        for m in RosterMember.objects.filter(
            roster_id=row.shift.roster_id, role=row.role, is_active=True
        )
        .exclude(user=request.user)
        .select_related("user")
    ]
    form = SwapForm(request.POST, people=people)
    if form.is_valid():
        try:
            services.request_swap(
                actor=request.user,
                assignment_id=row.pk,
                to_user_id=form.cleaned_data["to_user"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"assignment": None})
        else:
            messages.success(request, _("The swap was asked: the roster's keeper decides."))
            return redirect("duty:my-shifts")
    return _my_shifts(request, forms={row.pk: form}, status=400)


@login_required
@require_POST
def my_feed(request):
    if request.POST.get("renew") == "1":
        services.renew_feed(actor=request.user)
        messages.success(
            request, _("A new calendar address was made: the old one stopped working.")
        )
    else:
        services.ensure_feed(actor=request.user)
    return redirect("duty:my-shifts")


@require_GET
def feed(request, feed_token: str):
    """The calendar of the feed's owner, for a calendar app (no login: the token is the
    key)."""
    row = DutyFeed.objects.select_related("user").filter(token=feed_token).first()
    if row is None or not row.user.is_active:
        raise Http404(_("Not found."))
    response = HttpResponse(ics.feed(row.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="duty.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- swaps --------------------------------------------------------------------------------


@login_required
def swaps(request, *, forms=None, status=200):
    user = request.user
    pending = list(
        selectors.swaps_to_decide(user)
        .filter(pk__in=selectors.visible_swaps(user).values("pk"))
        .select_related("from_user", "to_user", "assignment__shift__roster", "counterpart")
        .order_by("created_at", "id")[:PAGE_SIZE]
    )
    for swap in pending:
        swap.form = (forms or {}).get(swap.pk) or DecideForm()
        swap.local_start = timezone.localtime(swap.assignment.starts_at)
    mine = list(
        selectors.visible_swaps(user)
        .filter(Q(from_user=user) | Q(to_user=user))
        .select_related("from_user", "to_user", "assignment__shift__roster")
        .order_by("-created_at", "-id")[:PAGE_SIZE]
    )
    return render(
        request, "duty/roster_swaps.html", {"pending": pending, "mine": mine}, status=status
    )


@login_required
@require_POST
def swap_decide(request, swap_id: int, decision: str):
    if decision not in ("approve", "refuse"):
        raise Http404(_("Not found."))
    swap = get_or_404(selectors.visible_swaps(request.user), pk=swap_id)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.decide_swap(
                actor=request.user,
                swap_id=swap.pk,
                approve=decision == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The swap was decided."))
            return redirect("duty:swaps")
    return redirect("duty:swaps")


# --- on duty now --------------------------------------------------------------------------


def _now_areas(user):
    """The areas to choose from: the roots of the user's scope and the areas just below."""
    from yiwang.areas.models import Area
    from yiwang.core import access as core_access

    codes = core_access.scope_codes(user)
    rows = Area.objects.filter(level__in=("county", "town", "village"))
    if codes is not None:
        rows = rows.visible_to(user)
        tops = [a for a in rows.filter(code__in=codes).order_by("code")]
        below = rows.filter(parent__code__in=codes).order_by("code")[:AREAS_SHOWN]
        return tops + list(below)
    tops = list(rows.filter(level="county").order_by("code"))
    return tops + list(rows.filter(level="town").order_by("code")[:AREAS_SHOWN])


@login_required
def on_duty_now(request):
    areas = _now_areas(request.user)
    code = request.GET.get("area") or (areas[0].code if areas else "")
    rows = selectors.on_duty_now(request.user, code) if code else []
    return render(
        request,
        "duty/on_duty_now.html",
        {"areas": areas, "code": code, "rows": rows, "now": timezone.localtime()},
    )


urlpatterns = [
    path("duty/rosters/", roster_list, name="rosters"),
    path("duty/rosters/new/", roster_create, name="roster-create"),
    path("duty/rosters/<int:roster_id>/", roster_detail, name="roster"),
    path("duty/rosters/<int:roster_id>/members/", roster_member_add, name="roster-member-add"),
    path(
        "duty/rosters/<int:roster_id>/members/<int:member_id>/remove/",
        roster_member_remove,
        name="roster-member-remove",
    ),
    path("duty/rosters/<int:roster_id>/generate/", roster_generate, name="roster-generate"),
    path("duty/rosters/<int:roster_id>/assign/", roster_assign, name="roster-assign"),
    path(
        "duty/rosters/<int:roster_id>/unassign/<int:assignment_id>/",
        roster_unassign,
        name="roster-unassign",
    ),
    path("duty/my-shifts/", my_shifts, name="my-shifts"),
    path("duty/my-shifts/<int:assignment_id>/swap/", my_swap, name="my-swap"),
    path("duty/my-shifts/feed/", my_feed, name="my-feed"),
    path("duty/feed/<str:feed_token>.ics", feed, name="feed"),
    path("duty/swaps/", swaps, name="swaps"),
    path("duty/swaps/<int:swap_id>/<slug:decision>/", swap_decide, name="swap-decide"),
    path("duty/now/", on_duty_now, name="now"),
]


def _has_posts(user) -> bool:
    return bool(current_posts(user)) or access.is_active_superuser(user)


def swap_links(user, ids) -> dict:
    """{swap id: (URL, title)} of the swaps among `ids` the user sees (the inbox)."""
    rows = selectors.visible_swaps(user).filter(pk__in=list(ids)).select_related("from_user")
    url_keep = reverse("duty:swaps")
    url_mine = reverse("duty:my-shifts")
    return {
        row.pk: (
            url_keep if access.can_keep(user, row.area_code) else url_mine,
            _("Swap asked by %(person)s") % {"person": row.from_user},
        )
        for row in rows
    }


def register() -> None:
    # The duty menu section is declared in views/__init__.py.
    menus.register(
        menus.MenuItem(
            key="duty.now",
            label=gettext_lazy("On duty now"),
            url_name="duty:now",
            section="duty",
            order=10,
            visible=_has_posts,
        ),
        menus.MenuItem(
            key="duty.my_shifts",
            label=gettext_lazy("My duty shifts"),
            url_name="duty:my-shifts",
            section="duty",
            order=12,
        ),
        menus.MenuItem(
            key="duty.rosters",
            label=gettext_lazy("Duty rosters"),
            url_name="duty:rosters",
            section="duty",
            order=14,
        ),
        menus.MenuItem(
            key="duty.swaps",
            label=gettext_lazy("Shift swaps"),
            url_name="duty:swaps",
            section="duty",
            order=16,
        ),
    )
    notice_kinds.register(
        notice_kinds.Kind(
            services.NOTICE_SWAP_REQUESTED,
            gettext_lazy("A duty shift swap asked"),
            "duty",
            object_type="duty.swaprequest",
            links=swap_links,
        ),
        notice_kinds.Kind(
            services.NOTICE_SWAP_DECIDED,
            gettext_lazy("A duty shift swap decided"),
            "duty",
            object_type="duty.swaprequest",
            links=swap_links,
        ),
    )
    audit.register_actions(
        {
            "duty.roster.create": gettext_lazy("Make a duty roster"),
            "duty.roster.members": gettext_lazy("Set a duty roster's people"),
            "duty.roster.generate": gettext_lazy("Generate a duty rotation"),
            "duty.assignment.assign": gettext_lazy("Put someone on a duty shift"),
            "duty.assignment.unassign": gettext_lazy("Take someone off a duty shift"),
            "duty.swap.request": gettext_lazy("Ask to swap a duty shift"),
            "duty.swap.approve": gettext_lazy("Approve a duty shift swap"),
            "duty.swap.refuse": gettext_lazy("Refuse a duty shift swap"),
            "duty.feed.create": gettext_lazy("Make a duty calendar address"),
            "duty.feed.renew": gettext_lazy("Renew a duty calendar address"),
        },
        {
            "duty.roster.generate": {
                "shifts": gettext_lazy("shifts planned"),
                "placed": gettext_lazy("people placed"),
                "dropped": gettext_lazy("places dropped"),
                "replace_hand_made": gettext_lazy("hand-made places replaced"),
            },
            "duty.roster.members": {"members": gettext_lazy("people")},
        },
    )
