"""Pages of the catalogue: the items (filtered by mode), an item with its materials, fee,
time limit and where it is done, its printable one-time checklist (一次告知单, also as a PDF), and the
county admin's form of an item and its materials (services.catalogue.save_item and
save_materials, both or neither)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from yiwang.cases.models import Department
from yiwang.core import menus
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404
from yiwang.services import access
from yiwang.services.forms.catalogue import (
    ITEM_FIELDS,
    CatalogueFilterForm,
    ItemForm,
    MaterialFormSet,
    materials_of,
)
from yiwang.services.models import ServiceItem
from yiwang.services.services import catalogue as services


def _items(user):
    """The catalogue: every signed-in user reads the items offered; the county admins
    also those no longer offered."""
    items = ServiceItem.objects.select_related("department")
    if not access.can_keep_catalogue(user):
        items = items.filter(is_active=True)
    return items


@login_required
def item_list(request):
    form = CatalogueFilterForm(request.GET or None)
    items = _items(request.user).order_by("-is_cross_province", "code")
    if form.is_valid():
        if form.cleaned_data["mode"]:
            items = items.filter(mode=form.cleaned_data["mode"])
        if form.cleaned_data["q"]:
            items = items.filter(name__icontains=form.cleaned_data["q"])
    return render(
        request,
        "services/catalogue_list.html",
        {
            "form": form,
            "items": list(items),
            "may_edit": access.can_keep_catalogue(request.user),
        },
    )


def _item(request, pk: int) -> ServiceItem:
    return get_or_404(_items(request.user), pk=pk)


@login_required
def item_detail(request, service_item_id: int):
    item = _item(request, service_item_id)
    return render(
        request,
        "services/catalogue_detail.html",
        {
            "item": item,
            "materials": list(item.materials.all()),
            "may_edit": access.can_keep_catalogue(request.user),
            "may_take": access.takes_somewhere(request.user),
        },
    )


@login_required
def item_checklist(request, service_item_id: int):
    """The one-time checklist (一次告知单): everything the resident must bring, once."""
    item = _item(request, service_item_id)
    return render(
        request,
        "services/catalogue_checklist.html",
        {"item": item, "materials": list(item.materials.all())},
    )


@login_required
def item_checklist_pdf(request, service_item_id: int):
    """The one-time checklist as a PDF, to hand to the resident or pin at the station."""
    from yiwang.services import checklist_pdf

    item = _item(request, service_item_id)
    response = HttpResponse(checklist_pdf.render(item), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{checklist_pdf.file_name(item)}"'
    response["Cache-Control"] = "private, no-cache"
    return response


def _departments():
    return list(Department.objects.filter(is_active=True).order_by("name"))


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, service_item_id: int | None = None):
    if not access.can_keep_catalogue(request.user):
        raise PermissionDenied(_("Only a county admin keeps the catalogue."))
    item = _item(request, service_item_id) if service_item_id is not None else None
    initial, materials = {}, []
    if item is not None:
        initial = {name: getattr(item, name) for name in ITEM_FIELDS}
        initial["department"] = item.department_id
        materials = [
            {
                "name": m.name,
                "is_original": m.is_original,
                "copies": m.copies,
                "is_required": m.is_required,
                "note": m.note,
            }
            for m in item.materials.all()
        ]
    data = request.POST if request.method == "POST" else None
    form = ItemForm(data, initial=initial, departments=_departments())
    formset = MaterialFormSet(data, initial=materials, prefix="materials")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():  # the item and its materials, or neither
                saved = services.save_item(
                    actor=request.user,
                    item_id=item.pk if item else None,
                    data=dict(form.cleaned_data),
                )
                services.save_materials(
                    actor=request.user, item_id=saved.pk, materials=materials_of(formset)
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "materials" in exc.error_dict:
                for message in exc.message_dict.pop("materials"):
                    form.add_error(None, message)
                exc = ValidationError(exc.message_dict) if exc.message_dict else None
            if exc is not None:
                add_service_error(form, exc)
        else:
            messages.success(request, _("The item %(name)s was saved.") % {"name": saved.name})
            return redirect("services:item", saved.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "services/catalogue_form.html",
        {"form": form, "formset": formset, "item": item},
        status=status,
    )


urlpatterns = [
    path("services/catalogue/", item_list, name="items"),
    path("services/catalogue/new/", item_edit, name="item-create"),
    path("services/catalogue/<int:service_item_id>/", item_detail, name="item"),
    path("services/catalogue/<int:service_item_id>/edit/", item_edit, name="item-edit"),
    path(
        "services/catalogue/<int:service_item_id>/checklist/", item_checklist, name="item-checklist"
    ),
    path(
        "services/catalogue/<int:service_item_id>/checklist.pdf",
        item_checklist_pdf,
        name="item-checklist-pdf",
    ),
]


def register() -> None:
    # The services' menu section is declared in views/__init__.py.
    menus.register(
        menus.MenuItem(
            key="services.catalogue",
            label=gettext_lazy("Service catalogue"),
            url_name="services:items",
            section="services",
            order=10,
        ),
    )
