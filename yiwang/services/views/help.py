"""Pages of the help requests (帮办代办): the list the user sees (filtered by step, item,
overdue, number); taking a request on the phone (the item first, then the resident,
picked from the ledger or typed, and the materials ticked); a request's page with its
steps (who and when), the next step behind a confirmation, the materials received, the
personal data masked and revealed with a reason; the receipt for the resident with the
tracking code and the QR code of the public tracking page."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts.models import Role
from yiwang.accounts.scope import current_posts
from yiwang.cases.views.public import grouped_code
from yiwang.core import menus
from yiwang.core.forms import add_service_error
from yiwang.core.masking import mask_name
from yiwang.core.scoping import get_in_scope, get_or_404
from yiwang.registry.models import Resident, ResidentStatus
from yiwang.registry.selectors.search import search_residents
from yiwang.services import access
from yiwang.services.forms.help import (
    FollowUpForm,
    HelpFilterForm,
    MaterialReceiveForm,
    RevealForm,
    StepForm,
    TakeForm,
)
from yiwang.services.models import STEP_ORDER, HelpRequest, HelpReveal, ServiceItem, Step
from yiwang.services.selectors.help import visible_help_requests
from yiwang.services.services import help as services

PAGE_SIZE = 50
RESIDENTS_SHOWN = 10


def sees_help_requests(user) -> bool:
    """The menu's rule (no query: the posts are cached): a taker, or a department's staff."""
    if access.takes_somewhere(user):
        return True
    return access.is_authenticated(user) and any(
        role == Role.DEPARTMENT_STAFF for role, _code in current_posts(user)
    )


# --- the list -------------------------------------------------------------------------------


@login_required
def request_list(request):
    today = timezone.localdate()
    rows = visible_help_requests(request.user).select_related("item")
    items = ServiceItem.objects.filter(is_active=True).order_by("code")
    form = HelpFilterForm(request.GET or None, items=items)
    if form.is_valid():
        data = form.cleaned_data
        if data["step"]:
            rows = rows.filter(step=data["step"])
        if data["item"]:
            rows = rows.filter(item_id=data["item"])
        if data["overdue"]:
            rows = rows.filter(
                due_on__lt=today, step__in=STEP_ORDER[: STEP_ORDER.index(Step.DELIVERED)]
            )
        if data["q"]:
            rows = rows.filter(number__icontains=data["q"].strip())
    page = Paginator(rows.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    shown = list(page.object_list)
    for row in shown:
        row.overdue = row.is_open and row.due_on is not None and today > row.due_on
        row.masked_name = mask_name(row.applicant_name)
    return render(
        request,
        "services/help_list.html",
        {
            "form": form,
            "filterset": form,
            "page_obj": page,
            "rows": shown,
            "may_take": access.takes_somewhere(request.user),
        },
    )


# --- taking a request -----------------------------------------------------------------------


def _residents(user, text: str) -> list:
    residents = Resident.objects.visible_to(user).filter(status=ResidentStatus.LIVING)
    found = search_residents(residents, text).order_by("area_code", "name", "pk")
    return list(found[:RESIDENTS_SHOWN])


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    user = request.user
    if not access.takes_somewhere(user):
        raise PermissionDenied(
            _("Only whoever holds a post over an area takes help requests there.")
        )
    items = ServiceItem.objects.filter(is_active=True).order_by("-is_cross_province", "code")
    chosen = request.POST.get("item") or request.GET.get("item")
    item = None
    if chosen:
        item = get_or_404(items.prefetch_related("materials"), pk=_int(chosen))
    if item is None:
        return render(request, "services/help_take.html", {"items": list(items), "item": None})
    resident_id = request.POST.get("resident") or request.GET.get("resident")
    resident = (
        get_in_scope(Resident.objects.all(), user, pk=_int(resident_id)) if resident_id else None
    )
    data = request.POST if request.method == "POST" else None
    initial = {"resident": resident.pk} if resident else {}
    form = TakeForm(data, item=item, user=user, resident=resident, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            row, _created = services.take_request(
                actor=user,
                item_id=item.pk,
                area_code=resident.area_code if resident else values["area_code"],
                applicant_name=resident.name if resident else values["applicant_name"],
                id_number=values["id_number"],
                phone=values["phone"],
                resident_id=resident.pk if resident else None,
                matter=values["matter"],
                channel=values["channel"],
                materials=[
                    {"material": int(pk), "name": "", "document_number": ""}
                    for pk in values["materials"]
                ],
                uuid=values["uuid"],
            )
        except ValidationError as exc:
            add_service_error(
                form,
                exc,
                {"resident_id": "applicant_name", "resident": "applicant_name", "item": None},
            )
        else:
            messages.success(
                request, _("The help request %(number)s was taken.") % {"number": row.number}
            )
            return redirect("services:help-request-receipt", row.pk)
    query = request.GET.get("q", "").strip()
    context = {
        "items": None,
        "item": item,
        "form": form,
        "resident": resident,
        "query": query,
        "hits": _residents(user, query) if query and resident is None else [],
    }
    return render(
        request,
        "services/help_take.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- a request ------------------------------------------------------------------------------


def _request(request, help_request_id: int) -> HelpRequest:
    return get_or_404(
        visible_help_requests(request.user).select_related(
            "item", "item__department", "taken_by", "handler", "resident"
        ),
        pk=help_request_id,
    )


def next_step(row: HelpRequest) -> str | None:
    """The step that comes next, done on this page (回访 has a form of its own); None at
    the end."""
    index = STEP_ORDER.index(row.step)
    if index + 1 >= len(STEP_ORDER):
        return None
    following = STEP_ORDER[index + 1]
    return None if following == Step.FOLLOWED_UP else following


def _reveal_choices(row: HelpRequest, received) -> list[tuple[str, str]]:
    choices = []
    if row.id_number:
        choices.append(("id_number", _("ID number")))
    if row.phone:
        choices.append(("phone", _("Phone")))
    for material in received:
        if material.document_number:
            choices.append(
                (f"document:{material.pk}", _("Number of %(name)s") % {"name": material.name})
            )
    return choices


def _detail(request, row, *, forms=None, revealed=None, status=200):
    user = request.user
    today = timezone.localdate()
    received = list(row.materials.select_related("material", "received_by"))
    received_ids = {m.material_id for m in received if m.material_id}
    revealed = revealed or {}
    for material in received:
        material.shown_number = revealed.get(
            f"document:{material.pk}", material.masked_document_number
        )
    required = list(row.item.materials.all())
    missing = [m for m in required if m.pk not in received_ids]
    done = {s.step: s for s in row.steps.select_related("actor")}
    timeline = [
        {
            "step": value,
            "label": label,
            "done": done.get(value),
            "current": value == row.step,
        }
        for value, label in Step.choices
    ]
    acts = access.can_handle(user, row)
    takes = access.can_take(user, row.area_code)
    forms = dict(forms or {})
    # Each step's form only to whom the service lets do it: the deciding department's
    # staff handle and deliver (办理, 送达); accepting, archiving and the follow-up call
    # are the takers'.
    following = next_step(row)
    if following is not None and not (takes or (acts and following in services.DEPARTMENT_STEPS)):
        following = None
    if following:
        forms.setdefault("step", StepForm(initial={"step": following}))
    if takes and row.step == Step.ARCHIVED:
        forms.setdefault("follow_up", FollowUpForm())
    if acts and missing:
        forms.setdefault("material", MaterialReceiveForm(missing=missing))
    choices = _reveal_choices(row, received)
    if acts and choices:
        forms.setdefault("reveal", RevealForm(choices=choices))
    missing_required = [m for m in missing if m.is_required]
    return render(
        request,
        "services/help_detail.html",
        {
            "row": row,
            "timeline": timeline,
            "next_step": following,
            "next_label": Step(following).label if following else "",
            "blocked": following == Step.ACCEPTED and bool(missing_required),
            "missing_required": missing_required,
            "required": required,
            "received": received,
            "received_ids": received_ids,
            "overdue": row.is_open and row.due_on is not None and today > row.due_on,
            "forms": forms,
            "revealed": revealed,
            "reveals": HelpReveal.objects.filter(request=row).select_related("user")[:20],
            "masked_name": mask_name(row.applicant_name),
        },
        status=status,
    )


@login_required
def request_detail(request, help_request_id: int):
    return _detail(request, _request(request, help_request_id))


def _refuse_without_rights(request, row) -> None:
    if not access.can_handle(request.user, row):
        raise PermissionDenied(_("You may not move this help request."))


def _refused(request, row, exc: PermissionDenied):
    """An action the service refuses: the request's page with the reason, not a bare 403."""
    messages.error(request, str(exc) or _("You may not move this help request."))
    return _detail(request, row, status=403)


@login_required
@require_POST
def request_step(request, help_request_id: int):
    row = _request(request, help_request_id)
    _refuse_without_rights(request, row)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.advance(
                actor=request.user,
                request_id=row.pk,
                step=form.cleaned_data["step"],
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as exc:
            return _refused(request, row, exc)
        except ValidationError as exc:
            add_service_error(form, exc, {"materials": None})
        else:
            messages.success(
                request,
                _("Step done: %(step)s.") % {"step": Step(form.cleaned_data["step"]).label},
            )
            return redirect("services:help-request", row.pk)
    return _detail(request, row, forms={"step": form}, status=400)


@login_required
@require_POST
def request_material(request, help_request_id: int):
    row = _request(request, help_request_id)
    _refuse_without_rights(request, row)
    received = set(row.materials.exclude(material=None).values_list("material_id", flat=True))
    missing = [m for m in row.item.materials.all() if m.pk not in received]
    form = MaterialReceiveForm(request.POST, missing=missing)
    if form.is_valid():
        try:
            services.receive_material(
                actor=request.user,
                request_id=row.pk,
                material_id=form.cleaned_data["material"],
                name=form.cleaned_data["name"],
                document_number=form.cleaned_data["document_number"],
            )
        except PermissionDenied as exc:
            return _refused(request, row, exc)
        except ValidationError as exc:
            add_service_error(form, exc, {"material_id": "material"})
        else:
            messages.success(request, _("The material was recorded."))
            return redirect("services:help-request", row.pk)
    return _detail(request, row, forms={"material": form}, status=400)


@login_required
@require_POST
def request_follow_up(request, help_request_id: int):
    row = _request(request, help_request_id)
    _refuse_without_rights(request, row)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up(
                actor=request.user,
                request_id=row.pk,
                satisfaction=form.cleaned_data["satisfaction"],
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as exc:
            return _refused(request, row, exc)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The follow-up call was recorded."))
            return redirect("services:help-request", row.pk)
    return _detail(request, row, forms={"follow_up": form}, status=400)


@login_required
@require_POST
def request_reveal(request, help_request_id: int):
    """A number shown in full, with the reason: recorded (HelpReveal and the audit log)."""
    row = _request(request, help_request_id)
    _refuse_without_rights(request, row)
    received = list(row.materials.all())
    form = RevealForm(request.POST, choices=_reveal_choices(row, received))
    if form.is_valid():
        field = form.cleaned_data["field"]
        try:
            value = services.reveal(
                actor=request.user,
                request_id=row.pk,
                field=field,
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied as exc:
            return _refused(request, row, exc)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.info(request, _("This look has been recorded on the help request."))
            return _detail(request, row, revealed={field: value})
    return _detail(request, row, forms={"reveal": form}, status=400)


# --- the receipt ----------------------------------------------------------------------------


def tracking_url(request, code: str) -> str:
    """The absolute address of the public tracking page with the code."""
    url = reverse("services-public:track") + "?" + urlencode({"code": code})
    return request.build_absolute_uri(url)


def qr_svg(url: str) -> SafeString:
    """The QR code of `url`, as inline SVG (segno: paths and attributes, no style)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=5, border=2))  # noqa: S308


@login_required
def request_receipt(request, help_request_id: int):
    row = _request(request, help_request_id)
    url = tracking_url(request, row.tracking_code)
    return render(
        request,
        "services/help_receipt.html",
        {
            "row": row,
            "code": grouped_code(row.tracking_code),
            "url": url,
            "qr": qr_svg(url),
            "received": list(row.materials.all()),
            "masked_name": mask_name(row.applicant_name),
        },
    )


urlpatterns = [
    path("services/help/", request_list, name="help-requests"),
    path("services/help/new/", request_create, name="help-request-create"),
    path("services/help/<int:help_request_id>/", request_detail, name="help-request"),
    path("services/help/<int:help_request_id>/step/", request_step, name="help-request-step"),
    path(
        "services/help/<int:help_request_id>/materials/",
        request_material,
        name="help-request-material",
    ),
    path(
        "services/help/<int:help_request_id>/follow-up/",
        request_follow_up,
        name="help-request-follow-up",
    ),
    path(
        "services/help/<int:help_request_id>/reveal/",
        request_reveal,
        name="help-request-reveal",
    ),
    path(
        "services/help/<int:help_request_id>/receipt/",
        request_receipt,
        name="help-request-receipt",
    ),
]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="services.help",
            label=gettext_lazy("Help requests"),
            url_name="services:help-requests",
            section="services",
            order=20,
            visible=sees_help_requests,
        ),
    )
