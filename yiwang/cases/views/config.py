"""The county admin's configuration pages of the cases: the categories (a two-level tree,
with their handling level and time limits) and the departments with their staff.

Only a county admin (or a superuser) reaches them; anyone else is refused (403), as on the
ledger's tag pages. Each save goes through its service (save_category, save_department),
whose ValidationError goes back onto the form's fields.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.cases import services
from yiwang.cases.forms import CategoryForm, DepartmentForm
from yiwang.cases.models import Category, Department
from yiwang.core import display
from yiwang.core.forms import service_form_page


def _require_category_admin(user) -> None:
    scope.require_configure(user, message=_("Only a county admin may configure case categories."))


def _require_department_admin(user) -> None:
    scope.require_configure(user, message=_("Only a county admin may configure departments."))


def _limit(minutes: int, urgent: bool) -> str:
    """A time limit as people say it: "24 小时", "3 天", "30 分钟"."""
    return display.duration(minutes)


def _tree() -> list[tuple[Category, int, list[str]]]:
    """(category, depth, its three limits) with each top-level category followed by its
    sub-categories, in the configured order."""
    categories = list(Category.objects.select_related("department"))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    rows = []
    for top in (c for c in categories if not c.parent_id):
        for category in [top, *children.get(top.pk, [])]:
            limits = [
                _limit(minutes, category.is_urgent)
                for minutes in (
                    category.accept_minutes,
                    category.dispatch_minutes,
                    category.resolve_minutes,
                )
            ]
            rows.append((category, 0 if category is top else 1, limits))
    return rows


@login_required
def category_list(request):
    _require_category_admin(request.user)
    return render(request, "cases/category_list.html", {"rows": _tree()})


def _category_page(request, category: Category | None):
    _require_category_admin(request.user)
    return service_form_page(
        request,
        CategoryForm(request.POST or None, category=category),
        services.save_category,
        _("The category %(name)s was saved."),
        "cases:categories",
        "cases/category_form.html",
        {"category": category},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_create(request):
    return _category_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, code: str):
    _require_category_admin(request.user)
    return _category_page(request, get_object_or_404(Category, code=code))


@login_required
def department_list(request):
    _require_department_admin(request.user)
    departments = list(Department.objects.prefetch_related("members"))
    areas = dict(
        Area.objects.filter(code__in={d.area_code for d in departments}).values_list("code", "name")
    )
    rows = [(d, areas.get(d.area_code, d.area_code), list(d.members.all())) for d in departments]
    return render(request, "cases/department_list.html", {"rows": rows})


def _department_page(request, department: Department | None):
    _require_department_admin(request.user)
    return service_form_page(
        request,
        DepartmentForm(request.POST or None, user=request.user, department=department),
        services.save_department,
        _("The department %(name)s was saved."),
        "cases:departments",
        "cases/department_form.html",
        {"department": department},
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_create(request):
    return _department_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request, code: str):
    _require_department_admin(request.user)
    return _department_page(request, get_object_or_404(Department, code=code))
