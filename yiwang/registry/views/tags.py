"""The tag taxonomy's pages, for the county admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.accounts import scope
from yiwang.core.forms import add_service_error
from yiwang.registry import services
from yiwang.registry.forms import TagForm
from yiwang.registry.models import Tag


def _require_tag_admin(user) -> None:
    """The tag taxonomy is the county's: a county admin (or a superuser) configures it."""
    scope.require_configure(user, message=_("Only a county admin may configure the tags."))


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
