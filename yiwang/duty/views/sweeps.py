"""Pages of door-to-door sweeps (敲门行动): the sweeps a user follows, the form that starts
one over a target group of the ledger, a sweep's page with its progress by area (names;
each figure opens its households) and the households not reached yet, the list of a
sweep's households by area and state, and on the phone the worker's own households with
the form that records a visit (once: a UUID made with the page)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.areas import picker
from yiwang.areas.picker import AreaPicker
from yiwang.core import audit, display, menus
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404
from yiwang.duty import access
from yiwang.duty.models import SweepResult, SweepStatus
from yiwang.duty.selectors import sweeps as selectors
from yiwang.duty.services import sweeps as services
from yiwang.notices import kinds as notice_kinds

PAGE_SIZE = 50
UNREACHED_SHOWN = 200
DATE = {"type": "date"}


def follows_sweeps(user) -> bool:
    """Holds a post that sees an area (from the posts, no query)."""
    from yiwang.accounts.models import SCOPING_ROLES
    from yiwang.accounts.scope import current_posts

    if access.is_active_superuser(user):
        return True
    return any(role in SCOPING_ROLES for role, _code in current_posts(user))


class SweepForm(forms.Form):
    area_code = forms.CharField(
        label=gettext_lazy("area"),
        max_length=18,
        widget=AreaPicker(levels=("county", "town", "village", "grid")),
    )
    tag_id = forms.ChoiceField(label=gettext_lazy("target group"))
    name = forms.CharField(label=gettext_lazy("name"), max_length=services.NAME_MAX)
    starts_on = forms.DateField(
        label=gettext_lazy("from"), widget=forms.DateInput(DATE, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=gettext_lazy("to"), widget=forms.DateInput(DATE, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=gettext_lazy("reason"), max_length=services.REASON_MAX, required=False
    )
    assign = forms.BooleanField(
        label=gettext_lazy("Assign each household to a grid worker of its unit"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        from yiwang.registry.models import Tag

        super().__init__(*args, **kwargs)
        self.fields["tag_id"].choices = [("", "—")] + [
            (str(tag.pk), tag.name) for tag in Tag.objects.filter(is_active=True)
        ]


class VisitForm(forms.Form):
    uuid = forms.UUIDField(widget=forms.HiddenInput)
    result = forms.ChoiceField(
        label=gettext_lazy("result"), choices=SweepResult.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("note"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _sweep(request, sweep_id: int):
    return get_or_404(selectors.visible_sweeps(request.user).select_related("tag"), pk=sweep_id)


@login_required
def sweep_list(request):
    rows = (
        selectors.visible_sweeps(request.user).select_related("tag").order_by("-starts_on", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "duty/sweep_list.html",
        {
            "page_obj": page,
            "rows": list(page.object_list),
            "may_start": access.keeps_somewhere(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sweep_create(request):
    if not access.keeps_somewhere(request.user):
        raise PermissionDenied(
            _("The admins of the area (county, town or village) start and assign its sweeps.")
        )
    today = timezone.localdate()
    form = SweepForm(request.POST or None, initial={"starts_on": today, "ends_on": today})
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        assign = data.pop("assign")
        try:
            sweep = services.start_sweep(actor=request.user, **data)
            if assign:
                services.assign_to_unit_workers(actor=request.user, sweep_id=sweep.pk)
        except ValidationError as exc:
            add_service_error(form, exc, {"tag": "tag_id"})
        else:
            messages.success(request, _("The sweep %(name)s was started.") % {"name": sweep.name})
            return redirect("duty:sweep", sweep.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "duty/sweep_form.html", {"form": form}, status=status)


def _households_url(sweep, code: str, state: str = "") -> str:
    query = {"sweep": sweep.pk, "under": code}
    if state:
        query["state"] = state
    return f"{reverse('duty:sweep-households')}?{urlencode(query)}"


@login_required
def sweep_detail(request, sweep_id: int):
    sweep = _sweep(request, sweep_id)
    area = request.GET.get("area") or None
    rows = selectors.sweep_progress(request.user, sweep, area)
    code = area or selectors._start(request.user, sweep, None)
    total = selectors.progress_total(rows, code)
    names = display.area_names([code, *(row.code for row in rows)])
    total.name = names[code].name if code in names else code
    for row in [*rows, total]:
        row.links = {
            (state or "total"): _households_url(sweep, row.code, state)
            for state in ("", "reached", "not_home", "pending")
        }
        row.drill = len(row.code) < 18 and row.code != code
    left = list(selectors.unreached(request.user, sweep, code)[:UNREACHED_SHOWN])
    keeps = access.can_keep(request.user, code) and sweep.status == SweepStatus.OPEN
    return render(
        request,
        "duty/sweep_detail.html",
        {
            "sweep": sweep,
            "area": code,
            "up": code[:-3] if len(code) > len(sweep.area_code) else None,
            "rows": rows,
            "total": total,
            "unreached": left,
            "unreached_more": total.unreached > len(left),
            "may_keep": keeps,
        },
    )


@login_required
@require_POST
def sweep_step(request, sweep_id: int, step: str):
    sweep = _sweep(request, sweep_id)
    try:
        if step == "assign-workers":
            n = services.assign_to_unit_workers(actor=request.user, sweep_id=sweep.pk)
            messages.success(request, _("%(n)d households were assigned.") % {"n": n})
        elif step == "close":
            services.close_sweep(actor=request.user, sweep_id=sweep.pk)
            messages.success(request, _("The sweep was closed."))
        else:
            raise Http404(_("Not found."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("duty:sweep", sweep.pk)


@login_required
def household_list(request):
    filterset = selectors.SweepHouseholdFilterSet(
        request.GET,
        queryset=selectors.sweep_households(request.user)
        .select_related("household", "assignee", "sweep")
        .order_by("sweep_id", "area_code", "household__number"),
        request=request,
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "duty/sweep_households.html",
        {"filterset": filterset, "page_obj": page, "rows": list(page.object_list)},
    )


@login_required
def my_households(request):
    rows = list(selectors.my_households(request.user))
    left = sum(1 for row in rows if row.result in selectors.UNREACHED)
    return render(request, "duty/sweep_mine.html", {"rows": rows, "left": left})


@login_required
@require_http_methods(["GET", "POST"])
def visit(request, sweep_household_id: int):
    row = get_or_404(
        selectors.sweep_households(request.user).select_related("household", "sweep"),
        pk=sweep_household_id,
    )
    form = VisitForm(request.POST or None, initial={"uuid": str(uuid.uuid4())})
    if request.method == "POST" and form.is_valid():
        try:
            _stored, created = services.record_sweep_visit(
                actor=request.user,
                sweep_id=row.sweep_id,
                household_id=row.household_id,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if created:
                messages.success(request, _("The visit was recorded."))
            else:
                messages.info(request, _("This visit was already recorded; it was kept once."))
            return redirect("duty:sweep-mine")
    status = 400 if request.method == "POST" else 200
    return render(request, "duty/sweep_visit.html", {"row": row, "form": form}, status=status)


urlpatterns = [
    path("duty/sweeps/", sweep_list, name="sweeps"),
    path("duty/sweeps/new/", sweep_create, name="sweep-create"),
    path("duty/sweeps/mine/", my_households, name="sweep-mine"),
    path("duty/sweeps/households/", household_list, name="sweep-households"),
    path(
        "duty/sweeps/households/<int:sweep_household_id>/visit/",
        visit,
        name="sweep-visit",
    ),
    path("duty/sweeps/<int:sweep_id>/", sweep_detail, name="sweep"),
    path("duty/sweeps/<int:sweep_id>/<slug:step>/", sweep_step, name="sweep-step"),
]


def register() -> None:
    # The duty menu section is declared in views/__init__.py.
    menus.register(
        menus.MenuItem(
            key="duty.sweeps",
            label=gettext_lazy("Door-to-door sweeps"),
            url_name="duty:sweeps",
            section="duty",
            order=50,
            visible=follows_sweeps,
        ),
        menus.MenuItem(
            key="duty.sweep_mine",
            label=gettext_lazy("My sweep households"),
            url_name="duty:sweep-mine",
            section="duty",
            order=51,
            visible=follows_sweeps,
        ),
    )
    notice_kinds.register(
        notice_kinds.Kind(
            services.NOTICE_ASSIGNED,
            gettext_lazy("Sweep households assigned to you"),
            "duty",
            object_type="duty.sweep",
            links=services.sweep_links,
        ),
    )
    audit.register_actions(
        {
            "duty_sweep.start": gettext_lazy("Start a door-to-door sweep"),
            "duty_sweep.assign": gettext_lazy("Assign a sweep's households"),
            "duty_sweep.visit": gettext_lazy("Record a sweep's visit"),
            "duty_sweep.close": gettext_lazy("Close a door-to-door sweep"),
        }
    )
    from yiwang.duty.indicators import register_sweep_indicators

    register_sweep_indicators()
