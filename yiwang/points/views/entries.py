"""Pages of points: the ledger — an entry recorded on a phone, the entries of the scope
with their filters, an entry with its evidence and history, the queue of entries awaiting
the user's approval, and approve, reject and correct.

Each page reads through the scope (404 outside it) and writes through one service; a
service's ValidationError goes back onto the form or into a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.core import audit, menus
from yiwang.core import photos as photo_files
from yiwang.core.forms import add_service_error
from yiwang.core.models import AuditEntry
from yiwang.core.scoping import any_subtree_q, get_in_scope, get_or_404, subtree_q
from yiwang.points import access
from yiwang.points.filters.entries import EntryFilterSet
from yiwang.points.forms.entries import EntryForm, ReasonForm
from yiwang.points.models import Entry, EntryPhoto, EntryStatus
from yiwang.points.selectors.lists import lists_in_force
from yiwang.points.services import entries as services
from yiwang.points.services.lists import village_seen_by, villages_seen_by
from yiwang.registry.models import Household, Resident, ResidentStatus

PAGE_SIZE = 50
SUBJECTS_MAX = 2000


def _area_names(codes) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _entries(user):
    return Entry.objects.visible_to(user).select_related(
        "item", "item__duty_list", "household", "resident", "recorded_by"
    )


def decidable(user):
    """The pending entries the user may approve or reject: in areas where they hold a
    post that approves, not recorded by them."""
    rows = Entry.objects.filter(status=EntryStatus.PENDING)
    if not getattr(user, "is_authenticated", False):
        return rows.none()
    if not (user.is_superuser and user.is_active):
        codes = [code for role, code in scope.current_posts(user) if role in access.APPROVERS]
        if not codes:
            return rows.none()
        rows = rows.filter(any_subtree_q("area_code", codes))
    return rows.exclude(recorded_by=user).exclude(resident__points_member__user=user)


def _queue_badge(request) -> int:
    return decidable(request.user).count()


# --- recording -------------------------------------------------------------------------------


def _choices(user, village_code: str):
    households = (
        Household.objects.visible_to(user)
        .filter(subtree_q_village(village_code))
        .order_by("area_code", "number")[:SUBJECTS_MAX]
    )
    members = (
        Resident.objects.visible_to(user)
        .filter(subtree_q_village(village_code), is_party_member=True, status=ResidentStatus.LIVING)
        .order_by("name")[:SUBJECTS_MAX]
    )
    heads = dict(
        Resident.objects.filter(
            household__in=list(households), relation="head", status=ResidentStatus.LIVING
        ).values_list("household_id", "name")
    )
    subjects = [
        (_("Party members"), [(f"r:{r.pk}", r.name) for r in members]),
        (
            _("Households"),
            [(f"h:{h.pk}", f"{h} {heads.get(h.pk, '')}".strip()) for h in households],
        ),
    ]
    items = []
    for _kind, label, version in lists_in_force(village_code):
        if version is None:
            continue
        rows = []
        for item in version.items.all():
            points = (
                f"{item.min_points}~{item.max_points}" if item.has_range else f"{item.points:+}"
            )
            rows.append((item.pk, f"{item.article} {item.text} ({points})"))
        items.append((label, rows))
    return subjects, items


def subtree_q_village(code: str) -> Q:
    return subtree_q("area_code", code)


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request):
    """Records points for a household or a party member of a village (for villagers
    without a phone too): the village chosen first, then the subject and the item."""
    villages = list(villages_seen_by(request.user)[:500])
    code = request.GET.get("village") or (villages[0].code if villages else "")
    village = village_seen_by(request.user, code) if code else None
    subjects, items = _choices(request.user, village.code) if village else ([], [])
    form = EntryForm(request.POST or None, request.FILES or None, subjects=subjects, items=items)
    if request.method == "POST" and village is not None and form.is_valid():
        try:
            entry, _created = services.record_entry(actor=request.user, **form.service_values())
        except ValidationError as exc:
            add_service_error(form, exc, {"household": "subject", "resident": "subject"})
        else:
            messages.success(request, _("The entry was recorded: it awaits approval."))
            return redirect("points:entry-detail", entry.pk)
    context = {"form": form, "village": village, "villages": villages}
    return render(request, "points/entries_form.html", context)


# --- reading ---------------------------------------------------------------------------------


def _rows(entries):
    names = _area_names(e.area_code for e in entries)
    return [(e, names.get(e.area_code, "")) for e in entries]


@login_required
def entry_list(request):
    filterset = EntryFilterSet(request.GET, queryset=_entries(request.user), request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page_obj": page,
        "rows": _rows(page.object_list),
        "queue": decidable(request.user).exists(),
    }
    return render(request, "points/entries_list.html", context)


@login_required
def entry_queue(request):
    rows = (
        decidable(request.user)
        .visible_to(request.user)
        .select_related("item", "item__duty_list", "household", "resident", "recorded_by")
        .order_by("month", "id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "rows": _rows(page.object_list), "form": ReasonForm()}
    return render(request, "points/entries_queue.html", context)


@login_required
def entry_detail(request, points_entry_id: int):
    entry = get_in_scope(_entries(request.user), request.user, pk=points_entry_id)
    history = AuditEntry.objects.filter(
        object_type=Entry._meta.label_lower, object_id=str(entry.pk)
    ).order_by("at", "id")
    user = request.user
    corrected = Entry.objects.filter(reverses=entry).first()
    can_decide = (
        entry.status == EntryStatus.PENDING and decidable(user).filter(pk=entry.pk).exists()
    )
    context = {
        "entry": entry,
        "area_name": _area_names([entry.area_code]).get(entry.area_code, ""),
        "photos": entry.photos.all(),
        "history": history,
        "corrected": corrected,
        "can_decide": can_decide,
        "can_correct": entry.status == EntryStatus.APPROVED
        and corrected is None
        and entry.reverses_id is None
        and access.can_record(user, entry.area_code),
        "form": ReasonForm(),
    }
    return render(request, "points/entries_detail.html", context)


@login_required
def entry_photo(request, photo_id: int, variant: str):
    if variant not in ("image", "thumbnail"):
        raise Http404(_("Not found."))
    photo = get_or_404(
        EntryPhoto.objects.filter(entry__in=Entry.objects.visible_to(request.user)), pk=photo_id
    )
    return photo_files.file_response(photo, variant)


# --- deciding and correcting ----------------------------------------------------------------


def _back(request, points_entry_id):
    target = request.POST.get("next")
    if target == "queue":
        return redirect("points:queue")
    return redirect("points:entry-detail", points_entry_id)


@login_required
@require_POST
def entry_approve(request, points_entry_id: int):
    try:
        services.approve_entry(request.user, points_entry_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The entry was approved."))
    return _back(request, points_entry_id)


@login_required
@require_POST
def entry_reject(request, points_entry_id: int):
    try:
        services.reject_entry(request.user, points_entry_id, request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The entry was rejected."))
    return _back(request, points_entry_id)


@login_required
@require_POST
def entry_correct(request, points_entry_id: int):
    try:
        correction = services.correct_entry(
            request.user, points_entry_id, request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("points:entry-detail", points_entry_id)
    messages.success(request, _("The correction was recorded: it awaits approval."))
    return redirect("points:entry-detail", correction.pk)


urlpatterns = [
    path("points/entries/", entry_list, name="entries"),
    path("points/entries/new/", entry_create, name="entry-create"),
    path("points/entries/queue/", entry_queue, name="queue"),
    path("points/entries/<int:points_entry_id>/", entry_detail, name="entry-detail"),
    path("points/entries/<int:points_entry_id>/approve/", entry_approve, name="entry-approve"),
    path("points/entries/<int:points_entry_id>/reject/", entry_reject, name="entry-reject"),
    path("points/entries/<int:points_entry_id>/correct/", entry_correct, name="entry-correct"),
    path(
        "points/entry-photos/<int:photo_id>/<str:variant>/",
        entry_photo,
        name="entry-photo",
    ),
]


def _records(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(role in access.RECORDERS for role, _code in scope.current_posts(user))


def _approves(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(role in access.APPROVERS for role, _code in scope.current_posts(user))


def register() -> None:
    """This topic's menu items and audit action labels."""
    menus.register(
        menus.MenuItem(
            key="points.entry-create",
            label=gettext_lazy("Record points"),
            url_name="points:entry-create",
            section="points",
            order=10,
            visible=_records,
        ),
        menus.MenuItem(
            key="points.entries",
            label=gettext_lazy("Points entries"),
            url_name="points:entries",
            section="points",
            order=20,
        ),
        menus.MenuItem(
            key="points.queue",
            label=gettext_lazy("Awaiting approval"),
            url_name="points:queue",
            section="points",
            order=30,
            visible=_approves,
            badge=_queue_badge,
        ),
    )
    audit.register_actions(
        {
            "points_entry.create": gettext_lazy("Record points"),
            "points_entry.propose": gettext_lazy("Propose points from a record"),
            "points_entry.approve": gettext_lazy("Approve points"),
            "points_entry.reject": gettext_lazy("Reject points"),
            "points_entry.correct": gettext_lazy("Correct points"),
        }
    )
