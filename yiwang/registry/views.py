"""Pages of the ledger: the resident list with search and filters, household and resident
cards, revealing a number, exports; keeping the ledger by hand (households, residents,
their tags and life events), migrants, likely duplicates and the tag configuration."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.accounts import scope
from yiwang.accounts.models import Role
from yiwang.areas.models import Area, Level
from yiwang.core import validators
from yiwang.core.forms import add_service_error
from yiwang.core.services import MAX_IMPORT_BYTES, start_import
from yiwang.registry import services
from yiwang.registry.filters import MigrantFilterSet, ResidentFilterSet
from yiwang.registry.forms import (
    HouseholdCategoryForm,
    HouseholdCreateForm,
    HouseholdEditForm,
    LeaveForm,
    LedgerImportForm,
    MakeHeadForm,
    MigrantForm,
    MigrantLeftForm,
    ResidentAddForm,
    ResidentEditForm,
    ResidentTagsForm,
    RevealForm,
    TagForm,
    TransferForm,
)
from yiwang.registry.models import (
    Household,
    HouseholdStatus,
    LifeEvent,
    Migrant,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
    Reveal,
    Tag,
)
from yiwang.registry.selectors import (
    duplicate_matches,
    export_residents,
    import_template,
    likely_duplicates,
    with_current_tags,
)

PAGE_SIZE = 50
EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _filterset(request):
    queryset = with_current_tags(
        Resident.objects.visible_to(request.user).select_related("household")
    ).order_by("area_code", "household__number", "id")
    return ResidentFilterSet(request.GET, queryset=queryset)


@login_required
def resident_list(request):
    filterset = _filterset(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page_obj": page,
        "tags": Tag.objects.filter(is_active=True),
        "can_export_full": request.user.has_perm("registry.export_personal_data"),
        "can_configure_tags": can_configure_tags(request.user),
    }
    return render(request, "registry/resident_list.html", context)


@login_required
def resident_export(request):
    """The current filter as XLSX or CSV; full numbers only with the permission."""
    fmt = request.GET.get("fmt", "xlsx")
    if fmt not in EXPORT_TYPES:
        fmt = "xlsx"
    full = request.GET.get("full") == "1"
    if full and not request.user.has_perm("registry.export_personal_data"):
        raise PermissionDenied(_("Your account may not export full ID and phone numbers."))
    filterset = _filterset(request)
    queryset = filterset.qs
    filters = {k: v for k, v in request.GET.items() if k in ResidentFilterSet.base_filters and v}
    services.record_export(actor=request.user, count=queryset.count(), filters=filters, full=full)
    response = HttpResponse(
        export_residents(queryset, fmt, full=full), content_type=EXPORT_TYPES[fmt]
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.{fmt}"'
    return response


@login_required
def household_detail(request, household_id: int):
    household = get_object_or_404(
        Household.objects.visible_to(request.user).select_related("unit"), pk=household_id
    )
    members = with_current_tags(household.residents.order_by("-relation", "birth_date", "id"))
    members = sorted(
        members,
        key=lambda r: (
            r.relation != "head",
            r.status != "living",
            r.birth_date or timezone.localdate(),
        ),
    )
    # The household's own history: who came and who left, wherever they are now.
    events = (
        LifeEvent.objects.filter(Q(from_household=household) | Q(to_household=household))
        .select_related("resident")
        .order_by("-on", "-id")[:50]
    )
    migrants = household.migrants.order_by("-arrived_on", "-id")
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "members": members,
            "events": events,
            "migrants": migrants,
            "is_active": household.status == HouseholdStatus.ACTIVE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_detail(request, resident_id: int):
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("household"), pk=resident_id
    )
    can_reveal = request.user.has_perm("registry.reveal_personal_data")
    form = RevealForm(request.POST or None) if can_reveal else None
    revealed = None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            value = services.reveal(
                actor=request.user,
                resident_id=resident.pk,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            revealed = {"field": form.cleaned_data["field"], "value": value}
            messages.info(request, _("This look has been recorded on the resident's card."))
    context = {
        "resident": resident,
        "tags": ResidentTag.objects.filter(resident=resident)
        .select_related("tag")
        .order_by("-starts_on"),
        "events": resident.events.select_related("from_household", "to_household").order_by(
            "-on", "-id"
        ),
        "reveals": Reveal.objects.filter(resident=resident).select_related("user")[:20],
        "form": form,
        "revealed": revealed,
        "is_living": resident.status == ResidentStatus.LIVING,
        "is_deceased": resident.status == ResidentStatus.DECEASED,
        "is_head": resident.relation == Relation.HEAD,
    }
    return render(request, "registry/resident_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request):
    """Upload of a ledger file into one of the user's areas: a preview first (a dry-run
    job), then the import when the user confirms on the job's page."""
    codes = scope.scope_codes(request.user)
    roots = (
        Area.objects.filter(parent__isnull=True)
        if codes is None
        else Area.objects.filter(code__in=codes)
    )
    roots = list(roots.order_by("code"))
    if not roots:
        raise PermissionDenied(_("Your posts give you no area to import into."))
    form = LedgerImportForm(request.POST or None, request.FILES or None, areas=roots)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", _("The file is larger than 20 MB."))
            return render(request, "registry/ledger_import.html", {"form": form})
        try:
            job = start_import(
                actor=request.user,
                kind="ledger",
                filename=upload.name,
                data=upload.read(),
                area_code=form.cleaned_data["area"],
                dry_run=True,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect("core:import-detail", job_id=job.pk)
    return render(request, "registry/ledger_import.html", {"form": form})


@login_required
def ledger_template(request):
    """The empty workbook to fill in for an import."""
    response = HttpResponse(import_template(), content_type=EXPORT_TYPES["xlsx"])
    response["Content-Disposition"] = 'attachment; filename="ledger-template.xlsx"'
    return response


# --- keeping the ledger by hand ---------------------------------------------------------
# Each page reads through `visible_to` (404 outside the scope) and writes through one
# service; a service's ValidationError goes back onto the form.

UNIT_HINTS = 200  # unit codes offered as suggestions under a unit-code field


def _household_or_404(request, household_id: int) -> Household:
    return get_object_or_404(
        Household.objects.visible_to(request.user).select_related("unit"), pk=household_id
    )


def _resident_or_404(request, resident_id: int) -> Resident:
    return get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("household__unit"),
        pk=resident_id,
    )


def _unit_hints(user):
    """The first units of the user's scope, suggested under a unit-code field."""
    return (
        Area.objects.visible_to(user)
        .open()
        .filter(level=Level.UNIT)
        .order_by("code")
        .only("code", "name")[:UNIT_HINTS]
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request):
    form = HouseholdCreateForm(
        request.user, request.POST or None, initial={"unit_code": request.GET.get("unit", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            household = services.create_household(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"unit": "unit_code"})
        else:
            messages.success(
                request,
                _("Household %(number)s was created: now add its head.")
                % {"number": household.number},
            )
            return redirect("registry:resident-add", household_id=household.pk)
    return render(
        request,
        "registry/household_form.html",
        {"form": form, "units": _unit_hints(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, household_id: int):
    household = _household_or_404(request, household_id)
    form = HouseholdEditForm(
        request.POST or None,
        initial={"address": household.address, "door_number": household.door_number},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_household(
                actor=request.user, household_id=household.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The household's address was saved."))
            return redirect("registry:household", household_id=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "household": household})


@login_required
@require_http_methods(["GET", "POST"])
def household_category(request, household_id: int):
    household = _household_or_404(request, household_id)
    form = HouseholdCategoryForm(
        request.POST or None,
        initial={"category": household.category_override, "reason": household.category_reason},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_household_category(
                actor=request.user,
                household_id=household.pk,
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"category_reason": "reason"})
        else:
            messages.success(request, _("The household's category was saved."))
            return redirect("registry:household", household_id=household.pk)
    return render(
        request, "registry/household_category.html", {"form": form, "household": household}
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_add(request, household_id: int):
    household = _household_or_404(request, household_id)
    has_head = household.residents.filter(
        relation=Relation.HEAD, status=ResidentStatus.LIVING
    ).exists()
    form = ResidentAddForm(
        request.POST or None, initial={"relation": Relation.CHILD if has_head else Relation.HEAD}
    )
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.add_resident(
                actor=request.user, household_id=household.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"household": None})
        else:
            messages.success(
                request,
                _("%(name)s was added to household %(number)s.")
                % {"name": resident.name, "number": household.number},
            )
            return redirect("registry:household", household_id=household.pk)
    return render(
        request,
        "registry/resident_add.html",
        {
            "form": form,
            "household": household,
            "is_active": household.status == HouseholdStatus.ACTIVE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request, resident_id: int):
    resident = _resident_or_404(request, resident_id)
    form = ResidentEditForm(resident, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_resident(
                actor=request.user, resident_id=resident.pk, **form.service_values()
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The resident's details were saved."))
            return redirect("registry:resident", resident_id=resident.pk)
    return render(request, "registry/resident_edit.html", {"form": form, "resident": resident})


@login_required
@require_http_methods(["GET", "POST"])
def resident_tags(request, resident_id: int):
    resident = _resident_or_404(request, resident_id)
    current = ResidentTag.objects.current().filter(resident=resident).select_related("tag")
    form = ResidentTagsForm(request.POST or None, current=[rt.tag.code for rt in current])
    if request.method == "POST" and form.is_valid():
        try:
            services.set_tags(
                actor=request.user,
                resident_id=resident.pk,
                tags=form.cleaned_data["tags"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The resident's tags were saved."))
            return redirect("registry:resident", resident_id=resident.pk)
    context = {
        "form": form,
        "resident": resident,
        "retired": [rt for rt in current if not rt.tag.is_active],
    }
    return render(request, "registry/resident_tags.html", context)


# Both ways of leaving are irreversible, so GET shows what will happen and asks, and POST
# does it.
LEAVE_SERVICES = {"move_out": services.move_out, "death": services.record_death}


def _leave_page(request, resident_id: int, kind: str):
    resident = _resident_or_404(request, resident_id)
    service = LEAVE_SERVICES[kind]
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, resident_id=resident.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"on": "on", "status": None})
        else:
            if kind == "death":
                done = _("The death of %(name)s was recorded.")
            else:
                done = _("%(name)s was recorded as moved out.")
            messages.success(request, done % {"name": resident.name})
            return redirect("registry:resident", resident_id=resident.pk)
    household = resident.household
    is_head = resident.relation == Relation.HEAD
    others = household.residents.filter(status=ResidentStatus.LIVING).exclude(pk=resident.pk)
    context = {
        "form": form,
        "resident": resident,
        "kind": kind,
        "is_living": resident.status == ResidentStatus.LIVING,
        "is_head": is_head,
        "last_member": not others.exists(),
    }
    return render(request, "registry/resident_leave.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def resident_move_out(request, resident_id: int):
    return _leave_page(request, resident_id, "move_out")


@login_required
@require_http_methods(["GET", "POST"])
def resident_death(request, resident_id: int):
    return _leave_page(request, resident_id, "death")


TRANSFER_HITS = 20


def _find_households(user, text: str, exclude: int):
    """Active households of the user's scope that `text` finds: a unit or village code,
    a household number, part of the address, or (part of) the head's name."""
    text = validators.normalize_text(text)
    if not text:
        return []
    heads = Resident.objects.filter(
        household=OuterRef("pk"), relation=Relation.HEAD, status=ResidentStatus.LIVING
    )
    queryset = (
        Household.objects.visible_to(user)
        .filter(status=HouseholdStatus.ACTIVE)
        .exclude(pk=exclude)
        .select_related("unit")
        .annotate(head_name=Subquery(heads.values("name")[:1]))
    )
    if text.isdigit() and len(text) >= 12:
        queryset = queryset.under(text)
    else:
        queryset = queryset.filter(
            Q(number=text) | Q(address__contains=text) | Exists(heads.filter(name__contains=text))
        )
    return list(queryset.order_by("area_code", "number")[:TRANSFER_HITS])


@login_required
@require_http_methods(["GET", "POST"])
def resident_transfer(request, resident_id: int):
    """Two steps, the move is irreversible: the household the resident moves to (found in
    the scope), then a review of what will happen, which the user confirms."""
    resident = _resident_or_404(request, resident_id)
    initial = {"unit_code": request.GET.get("unit", ""), "number": request.GET.get("number", "")}
    form = TransferForm(request.user, resident, request.POST or None, initial=initial)
    review = False
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["confirm"]:
            review = True
        else:
            try:
                services.transfer(
                    actor=request.user,
                    resident_id=resident.pk,
                    to_household_id=form.target.pk,
                    relation=form.cleaned_data["relation"],
                    on=form.cleaned_data["on"],
                )
            except ValidationError as exc:
                add_service_error(form, exc, {"household": "number", "status": None})
            else:
                messages.success(
                    request,
                    _("%(name)s moved to household %(number)s.")
                    % {"name": resident.name, "number": form.target.number},
                )
                return redirect("registry:resident", resident_id=resident.pk)
    query = request.GET.get("q", "")
    context = {
        "form": form,
        "resident": resident,
        "review": review,
        "target": form.target,
        "query": query,
        "hits": _find_households(request.user, query, exclude=resident.household_id),
        "is_deceased": resident.status == ResidentStatus.DECEASED,
    }
    return render(request, "registry/resident_transfer.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def resident_make_head(request, resident_id: int):
    resident = _resident_or_404(request, resident_id)
    household = resident.household
    form = MakeHeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_head(
                actor=request.user,
                household_id=household.pk,
                new_head_id=resident.pk,
                former_head_relation=form.cleaned_data["former_head_relation"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"new_head": None})
        else:
            messages.success(
                request,
                _("%(name)s is now the head of household %(number)s.")
                % {"name": resident.name, "number": household.number},
            )
            return redirect("registry:household", household_id=household.pk)
    context = {
        "form": form,
        "resident": resident,
        "head": household.head,
        "can_become_head": resident.status == ResidentStatus.LIVING
        and resident.relation != Relation.HEAD,
    }
    return render(request, "registry/resident_make_head.html", context)


@login_required
def migrant_list(request):
    queryset = (
        Migrant.objects.visible_to(request.user)
        .select_related("host_household")
        .order_by("-arrived_on", "-id")
    )
    filterset = MigrantFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/migrant_list.html",
        {"filterset": filterset, "page_obj": page, "today": timezone.localdate()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def migrant_create(request):
    initial = {"unit_code": request.GET.get("unit", "")}
    host_id = request.GET.get("household", "")
    if host_id.isdigit():
        host = _household_or_404(request, int(host_id))
        initial.update(unit_code=host.area_code, host_number=host.number)
    form = MigrantForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.register_migrant(
                actor=request.user,
                name=data["name"],
                origin=data["origin"],
                arrived_on=data["arrived_on"],
                unit_code=data["unit_code"],
                host_household_id=form.host.pk if form.host else None,
                address=data["address"],
                id_number=data["id_number"],
                phone=data["phone"],
                expected_until=data["expected_until"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"host_household": "host_number"})
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": data["name"]})
            return redirect("registry:migrants")
    return render(
        request,
        "registry/migrant_form.html",
        {"form": form, "units": _unit_hints(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def migrant_left(request, migrant_id: int):
    migrant = get_object_or_404(
        Migrant.objects.visible_to(request.user).select_related("host_household"), pk=migrant_id
    )
    form = MigrantLeftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.migrant_left(
                actor=request.user, migrant_id=migrant.pk, on=form.cleaned_data["left_on"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s is recorded as left.") % {"name": migrant.name})
            return redirect("registry:migrants")
    return render(request, "registry/migrant_left.html", {"form": form, "migrant": migrant})


@login_required
def duplicate_list(request):
    """Residents without an ID number who look like someone else of their unit: for
    review, each with the residents it may be, never merged."""
    queryset = likely_duplicates(
        Resident.objects.visible_to(request.user).select_related("household")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    matches = duplicate_matches(page.object_list)
    rows = [(resident, matches.get(resident.pk, [])) for resident in page.object_list]
    return render(request, "registry/duplicate_list.html", {"page_obj": page, "rows": rows})


def _require_tag_admin(user) -> None:
    """The tag taxonomy is the county's: a county admin (or a superuser) configures it."""
    if getattr(user, "is_superuser", False):
        return
    if not any(role == Role.COUNTY_ADMIN for role, _code in scope.current_posts(user)):
        raise PermissionDenied(_("Only a county admin may configure the tags."))


def can_configure_tags(user) -> bool:
    try:
        _require_tag_admin(user)
    except PermissionDenied:
        return False
    return True


@login_required
def tag_list(request):
    _require_tag_admin(request.user)
    return render(request, "registry/tag_list.html", {"tags": Tag.objects.all()})


def _tag_page(request, tag: Tag | None):
    _require_tag_admin(request.user)
    form = TagForm(request.POST or None, tag=tag)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_tag(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The tag %(name)s was saved.") % {"name": saved.name})
            return redirect("registry:tags")
    return render(request, "registry/tag_form.html", {"form": form, "tag": tag})


@login_required
@require_http_methods(["GET", "POST"])
def tag_create(request):
    return _tag_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def tag_edit(request, code: str):
    _require_tag_admin(request.user)
    return _tag_page(request, get_object_or_404(Tag, code=code))
