"""Pages of outreach: pairing programmes (the county admin's settings), pairings, and the
coverage of a programme rolled up the tree with the lists behind each figure."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.core import validators
from yiwang.core.forms import add_service_error, service_form_page
from yiwang.core.scoping import get_in_scope, get_or_404
from yiwang.outreach.filters import PairingFilterSet
from yiwang.outreach.forms import (
    AssignForm,
    CoverageForm,
    EndForm,
    ProgrammeForm,
    TransferForm,
)
from yiwang.outreach.models import Enterprise, Pairing, Programme, SubjectKind
from yiwang.outreach.selectors import (
    coverage,
    eligible_subjects,
    sponsor_rows,
)
from yiwang.outreach.services import pairings as services
from yiwang.outreach.services import settings
from yiwang.registry.models import Household, Resident

PAGE_SIZE = 50
# The sponsors shown on the coverage page; the API gives them all.
SPONSORS_SHOWN = 200

# --- programmes (settings) --------------------------------------------------------------


@login_required
def programme_list(request):
    scope.require_configure(request.user, message=settings.REFUSED)
    programmes = Programme.objects.select_related("tag").prefetch_related("chosen_sponsors")
    return render(request, "outreach/programme_list.html", {"programmes": programmes})


def _programme_page(request, programme: Programme | None):
    scope.require_configure(request.user, message=settings.REFUSED)
    return service_form_page(
        request,
        ProgrammeForm(request.POST or None, programme=programme),
        services.save_programme,
        _("The programme %(name)s was saved."),
        "outreach:programmes",
        "outreach/programme_form.html",
        {"programme": programme},
        fixed={"code": programme.code} if programme is not None else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    return _programme_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, code: str):
    scope.require_configure(request.user, message=settings.REFUSED)
    return _programme_page(request, get_object_or_404(Programme, code=code))


# --- pairings ---------------------------------------------------------------------------


def _pairings(user):
    return Pairing.objects.visible_to(user).select_related(
        "programme", "sponsor", "household", "resident", "enterprise"
    )


@login_required
def pairing_list(request):
    filterset = PairingFilterSet(request.GET, queryset=_pairings(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page_obj": page,
        "programmes": Programme.objects.all(),
        "can_configure": scope.can_configure(request.user),
    }
    return render(request, "outreach/pairing_list.html", context)


def _pairing_or_404(request, pairing_id: int) -> Pairing:
    return get_or_404(_pairings(request.user), pk=pairing_id)


def _sponsor_choices(programme: Programme, area_code: str, exclude=None) -> list[tuple[int, str]]:
    """Eligible sponsors near the subject (its village, its town's own posts), by name."""
    reach = area_code[:12]
    seen = {}
    for user_id, _code, name in sponsor_rows(programme, within=reach):
        if user_id != exclude:
            seen[user_id] = name
    return sorted(seen.items(), key=lambda item: (item[1], item[0]))


@login_required
def pairing_detail(request, pairing_id: int):
    pairing = _pairing_or_404(request, pairing_id)
    history = []
    link = pairing
    while link.transferred_from_id and len(history) < 20:
        link = Pairing.objects.select_related("sponsor").get(pk=link.transferred_from_id)
        history.append(link)
    context = {
        "pairing": pairing,
        "history": history,
        "can_pair": pairing.ends_on is None and services.can_pair(request.user, pairing.area_code),
        "end_form": EndForm(),
        "transfer_form": TransferForm(
            sponsors=_sponsor_choices(pairing.programme, pairing.area_code, pairing.sponsor_id)
        ),
    }
    return render(request, "outreach/pairing_detail.html", context)


@login_required
@require_POST
def pairing_end(request, pairing_id: int):
    pairing = _pairing_or_404(request, pairing_id)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.end(actor=request.user, pairing_id=pairing.pk, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The pairing was ended."))
    else:
        messages.error(request, _("Say why the pairing ends."))
    return redirect("outreach:pairing-detail", pairing_id=pairing.pk)


@login_required
@require_POST
def pairing_transfer(request, pairing_id: int):
    pairing = _pairing_or_404(request, pairing_id)
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            new = services.transfer(
                actor=request.user,
                pairing_id=pairing.pk,
                sponsor_id=form.cleaned_data["sponsor"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The pairing was transferred."))
            return redirect("outreach:pairing-detail", pairing_id=new.pk)
    else:
        messages.error(request, _("Choose the new sponsor."))
    return redirect("outreach:pairing-detail", pairing_id=pairing.pk)


_SUBJECT_MODELS = {"household": Household, "resident": Resident, "enterprise": Enterprise}


def _subject_from(request, data) -> tuple[str, object] | tuple[None, None]:
    for field, model in _SUBJECT_MODELS.items():
        value = str(data.get(field) or "")
        if validators.read_id(value) is not None:
            return field, get_in_scope(model.objects, request.user, pk=validators.read_id(value))
    return None, None


@login_required
@require_http_methods(["GET", "POST"])
def pairing_create(request):
    """Pairs a sponsor with the household, resident or enterprise named in the address."""
    data = request.POST if request.method == "POST" else request.GET
    field, subject = _subject_from(request, data)
    if subject is None:
        messages.error(request, _("Open the household, resident or enterprise to pair first."))
        return redirect("outreach:pairings")
    if not services.can_pair(request.user, subject.area_code):
        raise PermissionDenied(_("Only a county or town admin or a grid chief sets pairings."))
    programmes = Programme.objects.filter(is_active=True, subject_kind=field)
    programme = programmes.filter(pk=data.get("programme") or 0).first() or programmes.first()
    sponsors = _sponsor_choices(programme, subject.area_code) if programme else []
    initial = {field: subject.pk, "programme": programme}
    form = AssignForm(request.POST or None, initial=initial, sponsors=sponsors)
    form.fields["programme"].queryset = programmes
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            pairing = services.assign(
                actor=request.user,
                programme_id=values["programme"].pk,
                sponsor_id=values["sponsor"],
                starts_on=values["starts_on"],
                **{f"{field}_id": subject.pk},
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"subject": None})
        else:
            messages.success(request, _("The pairing was made."))
            return redirect("outreach:pairing-detail", pairing_id=pairing.pk)
    context = {"form": form, "subject": subject, "kind": field, "programme": programme}
    return render(request, "outreach/pairing_form.html", context)


# --- coverage ---------------------------------------------------------------------------


def _default_area(user) -> str:
    roots = scope.scope_codes(user)
    if roots is None:
        root = Area.objects.filter(parent__isnull=True).order_by("code").first()
        return root.code if root else ""
    return roots[0] if roots else ""


def _coverage_inputs(request) -> tuple[CoverageForm, Programme | None, Area | None]:
    data = {
        "programme": request.GET.get("programme") or getattr(Programme.objects.first(), "pk", ""),
        "area": request.GET.get("area") or _default_area(request.user),
    }
    form = CoverageForm(data)
    if not form.is_valid():
        return form, None, None
    area = get_in_scope(Area.objects, request.user, code=form.cleaned_data["area"])
    return form, form.cleaned_data["programme"], area


@login_required
def coverage_page(request):
    form, programme, area = _coverage_inputs(request)
    result = coverage(programme, area) if programme else None
    context = {
        "form": form,
        "result": result,
        "sponsors": result.sponsors[:SPONSORS_SHOWN] if result else [],
        "more_sponsors": max(0, len(result.sponsors) - SPONSORS_SHOWN) if result else 0,
        "can_pair": bool(area) and services.can_pair(request.user, area.code),
        "can_configure": scope.can_configure(request.user),
        "ancestors": list(
            Area.objects.filter(code__in=area.ancestor_codes()).visible_to(request.user)
        )
        if area
        else [],
    }
    return render(request, "outreach/coverage.html", context)


@login_required
def coverage_unpaired(request):
    """The subjects of the programme under the area that no one is paired with."""
    form, programme, area = _coverage_inputs(request)
    if programme is None:
        return redirect("outreach:coverage")
    subjects = eligible_subjects(programme, area.code, unpaired=True).order_by("area_code", "pk")
    if programme.subject_kind == SubjectKind.RESIDENT:
        subjects = subjects.select_related("household")
    page = Paginator(subjects, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "programme": programme,
        "area": area,
        "page_obj": page,
        "kind": programme.subject_kind,
        "can_pair": services.can_pair(request.user, area.code),
        "can_configure": scope.can_configure(request.user),
    }
    return render(request, "outreach/coverage_unpaired.html", context)


@login_required
@require_POST
def coverage_auto_assign(request):
    programme = get_object_or_404(Programme, pk=request.POST.get("programme") or 0)
    area = get_in_scope(Area.objects, request.user, code=request.POST.get("area", ""))
    try:
        counts = services.auto_assign(
            actor=request.user, programme_id=programme.pk, area_code=area.code
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _(
                "%(paired)d of the %(unpaired)d unpaired were paired; %(left)d found no "
                "eligible sponsor nearby."
            )
            % counts,
        )
    query = urlencode({"programme": programme.pk, "area": area.code})
    return redirect(f"{reverse('outreach:coverage')}?{query}")


urlpatterns = [
    path("outreach/programmes/", programme_list, name="programmes"),
    path("outreach/programmes/new/", programme_create, name="programme-create"),
    path(
        "outreach/programmes/<slug:code>/edit/",
        programme_edit,
        name="programme-edit",
    ),
    path("outreach/pairings/", pairing_list, name="pairings"),
    path("outreach/pairings/new/", pairing_create, name="pairing-create"),
    path("outreach/pairings/<int:pairing_id>/", pairing_detail, name="pairing-detail"),
    path("outreach/pairings/<int:pairing_id>/end/", pairing_end, name="pairing-end"),
    path(
        "outreach/pairings/<int:pairing_id>/transfer/",
        pairing_transfer,
        name="pairing-transfer",
    ),
    path("outreach/coverage/", coverage_page, name="coverage"),
    path("outreach/coverage/unpaired/", coverage_unpaired, name="coverage-unpaired"),
    path("outreach/coverage/auto-assign/", coverage_auto_assign, name="coverage-auto-assign"),
]
