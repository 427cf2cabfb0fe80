"""The pages of the outbox: the group robots of the villages and grids (list, register,
edit) and the deliveries with their attempts. For grid chiefs and town and county admins
(`may_manage_robots`), each seeing the robots and deliveries of their scope; anyone else
is refused (403). The robot's address and secret are never shown back: "configured".

The notices app mounts `robot_urlpatterns` in its URLconf (namespace "notices")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope
from yiwang.notices.models.outbox import Delivery, DeliveryStatus, Robot
from yiwang.notices.outbox import (
    may_manage_robots,
    register_robot,
    retry_delivery,
    update_robot,
)
from yiwang.notices.outbox.filters import DeliveryFilterSet
from yiwang.notices.outbox.forms import RobotForm

PAGE_SIZE = 50


def _require_manager(user) -> None:
    if not may_manage_robots(user):
        raise PermissionDenied(
            _("Only grid chiefs and town or county admins manage the group robots.")
        )


@login_required
def robot_list(request):
    _require_manager(request.user)
    robots = (
        Robot.objects.visible_to(request.user)
        .annotate(
            queued=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.QUEUED)),
            failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        )
        .order_by("area_code", "name", "id")
    )
    return render(request, "notices/robots.html", {"robots": robots})


def _robot_page(request, robot: Robot | None):
    form = RobotForm(request.POST or None, user=request.user, robot=robot)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            if robot is None:
                saved = register_robot(actor=request.user, **values)
            else:
                saved = update_robot(actor=request.user, robot_id=robot.pk, **values)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The group robot %(name)s was saved.") % {"name": saved.name}
            )
            return redirect("notices:robots")
    return render(request, "notices/robots_form.html", {"form": form, "robot": robot})


@login_required
@require_http_methods(["GET", "POST"])
def robot_create(request):
    _require_manager(request.user)
    return _robot_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def robot_edit(request, robot_id: int):
    _require_manager(request.user)
    return _robot_page(request, get_in_scope(Robot.objects.all(), request.user, pk=robot_id))


@login_required
def delivery_list(request):
    _require_manager(request.user)
    filterset = DeliveryFilterSet(
        request.GET or None,
        queryset=Delivery.objects.visible_to(request.user).select_related("robot", "user"),
    )
    page = Paginator(filterset.qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notices/deliveries.html", {"filter": filterset, "page_obj": page})


@login_required
def delivery_detail(request, delivery_id: int):
    _require_manager(request.user)
    delivery = get_in_scope(
        Delivery.objects.select_related("robot", "user", "digest"), request.user, pk=delivery_id
    )
    return render(
        request,
        "notices/deliveries_detail.html",
        {"delivery": delivery, "attempts": delivery.attempt_log.all()},
    )


@login_required
@require_http_methods(["POST"])
def delivery_retry(request, delivery_id: int):
    _require_manager(request.user)
    delivery = get_in_scope(Delivery.objects.all(), request.user, pk=delivery_id)
    try:
        retry_delivery(actor=request.user, delivery_id=delivery.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The delivery is queued to be sent again."))
    return redirect("notices:delivery", delivery_id=delivery.pk)


robot_urlpatterns = [
    path("robots/", robot_list, name="robots"),
    path("robots/new/", robot_create, name="robot-create"),
    path("robots/<int:robot_id>/", robot_edit, name="robot-edit"),
    path("deliveries/", delivery_list, name="deliveries"),
    path("deliveries/<int:delivery_id>/", delivery_detail, name="delivery"),
    path("deliveries/<int:delivery_id>/retry/", delivery_retry, name="delivery-retry"),
]
