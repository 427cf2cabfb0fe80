"""Pages of points: the duty lists (三张清单) — the county admin's templates and proposal
rules (settings), the villages' lists in force, a new version adopted, each list's history,
and the party members linked to their user accounts.

Each page reads through the scope (404 outside it) and writes through one service; a
service's ValidationError goes back onto the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts import scope
from yiwang.core import audit, menus
from yiwang.core.forms import add_service_error
from yiwang.outreach.models import Meeting
from yiwang.points import access
from yiwang.points.forms.lists import (
    EXTRA_ROWS,
    AdoptForm,
    MemberForm,
    RulesForm,
    TemplateItemForm,
    read_item_rows,
)
from yiwang.points.models import DutyList, ListKind, ProposalRule, TemplateItem
from yiwang.points.models.entries import MemberAccount
from yiwang.points.selectors import lists as selectors
from yiwang.points.services import entries as entry_services
from yiwang.points.services import lists as services
from yiwang.points.services import proposals
from yiwang.registry.models import Resident

PAGE_SIZE = 50


def _configure(user) -> None:
    scope.require_configure(user, message=services.refused_templates())


# --- settings: the templates -------------------------------------------------------------


@login_required
def template_list(request):
    _configure(request.user)
    groups = [
        (kind, label, TemplateItem.objects.filter(kind=kind)) for kind, label in ListKind.choices
    ]
    return render(request, "points/lists_templates.html", {"groups": groups})


def _template_page(request, item: TemplateItem | None):
    _configure(request.user)
    form = TemplateItemForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_template_item(
                actor=request.user, item_id=item.pk if item else None, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The item %(name)s was saved.") % {"name": f"{saved.article} {saved.text}"},
            )
            return redirect("points:templates")
    return render(request, "points/lists_template_form.html", {"form": form, "item": item})


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request):
    return _template_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, item_id: int):
    _configure(request.user)
    return _template_page(request, get_object_or_404(TemplateItem, pk=item_id))


@login_required
@require_POST
def template_toggle(request, item_id: int):
    _configure(request.user)
    found = get_object_or_404(TemplateItem, pk=item_id)
    item = services.set_template_item_active(
        actor=request.user, item_id=found.pk, is_active=not found.is_active
    )
    message = _("%(name)s is active again.") if item.is_active else _("%(name)s was retired.")
    messages.success(request, message % {"name": f"{item.article} {item.text}"})
    return redirect("points:templates")


# --- settings: the proposal rules ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rule_settings(request):
    _configure(request.user)
    current = {
        rule.source: rule.template_id for rule in ProposalRule.objects.filter(is_active=True)
    }
    form = RulesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            proposals.save_rules(actor=request.user, choices=form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The proposal rules were saved."))
            return redirect("points:proposal-rules")
    return render(request, "points/lists_rules.html", {"form": form})


# --- the villages' lists ---------------------------------------------------------------------


@login_required
def village_list(request):
    """The villages the user works in, each with the versions of its lists in force."""
    villages = services.villages_seen_by(request.user)
    page = Paginator(villages, PAGE_SIZE).get_page(request.GET.get("page"))
    codes = [v.code for v in page.object_list]
    today = timezone.localdate()
    found = {
        (row.area_code, row.kind): row
        for row in DutyList.objects.filter(area_code__in=codes).in_force(today)
    }
    rows = [
        (village, [found.get((village.code, kind)) for kind in ListKind.values])
        for village in page.object_list
    ]
    context = {"page_obj": page, "rows": rows, "kinds": ListKind.choices}
    return render(request, "points/lists_villages.html", context)


@login_required
def village_detail(request, code: str):
    village = services.village_seen_by(request.user, code)
    context = {
        "village": village,
        "lists": selectors.lists_in_force(village.code),
        "can_adopt": access.can_adopt(request.user, village.code),
    }
    return render(request, "points/lists_village.html", context)


def _kind(kind: str) -> str:
    if kind not in ListKind.values:
        raise Http404(_("Not found."))
    return kind


@login_required
@require_http_methods(["GET", "POST"])
def adopt(request, code: str, kind: str):
    village = services.village_seen_by(request.user, code)
    kind = _kind(kind)
    if not access.can_adopt(request.user, village.code):
        raise PermissionDenied(
            _("Only the village's grid chief or cadres, or the town or county, adopt its lists.")
        )
    start = request.GET.get("from", "current")
    rows = services.items_from(start, village.code, kind)
    meetings = Meeting.objects.filter(area_code__startswith=village.code).select_related("routine")[
        :50
    ]
    form = AdoptForm(
        request.POST or None,
        meetings=meetings,
        initial={"adopted_on": timezone.localdate()},
    )
    count = len(rows) + EXTRA_ROWS
    if request.method == "POST":
        sent = str(request.POST.get("rows", ""))
        if sent.isascii() and sent.isdigit():
            count = min(int(sent), services.ITEMS_MAX + EXTRA_ROWS)
        if form.is_valid():
            try:
                services.adopt_list(
                    request.user,
                    village.code,
                    kind,
                    form.cleaned_data["adopted_on"],
                    read_item_rows(request.POST, count),
                    meeting=form.cleaned_data["meeting"] or None,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The village adopted a new version of the list."))
                return redirect("points:village-lists", village.code)
        # Refused: the page shows the items as they were sent.
        rows = read_item_rows(request.POST, count)
    context = {
        "village": village,
        "kind": kind,
        "kind_label": ListKind(kind).label,
        "form": form,
        "rows": rows,
        "extra": range(len(rows), len(rows) + EXTRA_ROWS),
        "count": len(rows) + EXTRA_ROWS,
        "start": start,
    }
    return render(request, "points/lists_adopt.html", context)


@login_required
def history(request, code: str, kind: str):
    village = services.village_seen_by(request.user, code)
    kind = _kind(kind)
    context = {
        "village": village,
        "kind": kind,
        "kind_label": ListKind(kind).label,
        "versions": selectors.history(village.code, kind),
    }
    return render(request, "points/lists_history.html", context)


# --- party members' accounts --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def members(request):
    """The party members of the scope linked to a user account, and the form to link one
    (the village's grid chief or cadres, the town or county)."""
    accounts = (
        MemberAccount.objects.visible_to(request.user)
        .select_related("user", "resident")
        .order_by("area_code", "id")
    )
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    candidates = [
        r
        for r in Resident.objects.visible_to(request.user)
        .filter(is_party_member=True, points_member__isnull=True)
        .order_by("area_code", "name")[:500]
        if access.can_adopt(request.user, services.village_of(r.area_code))
    ]
    form = MemberForm(request.POST or None, members=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            entry_services.link_member(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The party member was linked to the account."))
            return redirect("points:members")
    context = {
        "page_obj": page,
        "rows": page.object_list,
        "form": form,
        "can_link": bool(candidates),
    }
    return render(request, "points/lists_members.html", context)


@login_required
@require_POST
def member_unlink(request, account_id: int):
    entry_services.unlink_member(actor=request.user, account_id=account_id)
    messages.success(request, _("The party member was unlinked from the account."))
    return redirect("points:members")


KIND = "<str:kind>"
urlpatterns = [
    path("points/settings/templates/", template_list, name="templates"),
    path("points/settings/templates/new/", template_create, name="template-create"),
    path("points/settings/templates/<int:item_id>/edit/", template_edit, name="template-edit"),
    path(
        "points/settings/templates/<int:item_id>/toggle/", template_toggle, name="template-toggle"
    ),
    path("points/settings/proposal-rules/", rule_settings, name="proposal-rules"),
    path("points/lists/", village_list, name="lists"),
    path("points/lists/<str:code>/", village_detail, name="village-lists"),
    path("points/lists/<str:code>/<str:kind>/adopt/", adopt, name="adopt"),
    path("points/lists/<str:code>/<str:kind>/history/", history, name="history"),
    path("points/members/", members, name="members"),
    path("points/members/<int:account_id>/unlink/", member_unlink, name="member-unlink"),
]


def register() -> None:
    """This topic's menu items and audit action labels."""
    menus.register(
        menus.MenuItem(
            key="points.lists",
            label=gettext_lazy("Duty lists"),
            url_name="points:lists",
            section="points",
            order=40,
        ),
        menus.MenuItem(
            key="points.templates",
            label=gettext_lazy("Duty list templates"),
            url_name="points:templates",
            section="settings",
            order=80,
            visible=scope.can_configure,
        ),
        menus.MenuItem(
            key="points.proposal-rules",
            label=gettext_lazy("Proposal rules"),
            url_name="points:proposal-rules",
            section="settings",
            order=81,
            visible=scope.can_configure,
        ),
    )
    audit.register_actions(
        {
            "points_template.create": gettext_lazy("Add a duty list template item"),
            "points_template.update": gettext_lazy("Change a duty list template item"),
            "points_rule.update": gettext_lazy("Change a proposal rule"),
            "duty_list.adopt": gettext_lazy("Adopt a duty list"),
            "points_member.link": gettext_lazy("Link a party member to an account"),
            "points_member.unlink": gettext_lazy("Unlink a party member from an account"),
        }
    )
