"""Pages of points: the overview (entries, awards and rewards paid by child area, every
figure opening its records), the page that states the rules points keep (the 2023 rules
on formalism in government apps) and the county's switch for rankings."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.accounts import scope
from yiwang.areas import selectors as areas
from yiwang.core import reporting
from yiwang.points.models import AwardKind, PointsSettings
from yiwang.points.selectors import overview as selectors
from yiwang.points.services import settings as settings_services


def _period(request):
    try:
        period = reporting.parse_months(
            request.GET.get("from", ""), request.GET.get("to", ""), months=12
        )
        return period, {}
    except ValueError as exc:
        return reporting.last_months(12), exc.args[0]


def _links(code: str, period) -> dict[str, str]:
    """The records behind each figure of a row."""
    months = {"from": f"{period.first:%Y-%m}", "to": f"{period.last:%Y-%m}"}

    def url(name: str, **query) -> str:
        return f"{reverse(name)}?{urlencode({'area': code, **months, **query})}"

    links = {
        "approved": url("points:entries", status="approved"),
        "pending": url("points:entries", status="pending"),
        "paid": url("points:funds", area=code),
    }
    for kind in AwardKind.values:
        links[kind] = url("points:honours", kind=kind)
    return links


@login_required
@require_GET
def overview_page(request):
    """An area's points by child area over whole months (the last twelve by default)."""
    period, errors = _period(request)
    code = request.GET.get("area", "").strip()
    user = request.user
    area = areas.area_in_scope(user, code) if code else areas.default_area(user)
    context = {"area": area, "period": period, "errors": errors, "kinds": AwardKind.choices}
    if area is not None:
        found = selectors.overview(area, period)
        here = {"from": f"{period.first:%Y-%m}", "to": f"{period.last:%Y-%m}"}
        rows = []
        for row in found.rows:
            drill = ""
            if row.has_children:
                drill = f"{reverse('points:overview')}?{urlencode({'area': row.code, **here})}"
            rows.append(
                {
                    "row": row,
                    "f": row.figures,
                    "awards": [row.figures.awards[k] for k in AwardKind.values],
                    "links": _links(row.code, period),
                    "award_links": [_links(row.code, period)[k] for k in AwardKind.values],
                    "drill_url": drill,
                }
            )
        total_links = _links(area.code, period)
        context.update(
            rows=rows,
            total=found.total,
            total_awards=[
                (label, found.total.awards[kind], total_links[kind])
                for kind, label in AwardKind.choices
            ],
            total_links=total_links,
            crumbs=areas.crumbs(user, area),
            here=here,
        )
    return render(request, "points/overview.html", context)


@login_required
@require_GET
def rules_page(request):
    """What points never reward and who sees what, and the county's switch."""
    return render(
        request,
        "points/rules.html",
        {
            "settings": PointsSettings.current(),
            "can_configure": scope.can_configure(request.user),
        },
    )


@login_required
@require_http_methods(["POST"])
def rankings_switch(request):
    """The county admin switches the rankings on or off (from the rules page)."""
    show = request.POST.get("show_rankings") == "1"
    settings_services.set_show_rankings(actor=request.user, show=show)
    if show:
        messages.success(request, _("Rankings are now shown."))
    else:
        messages.success(request, _("Rankings are now hidden."))
    return redirect("points:rules")


@login_required
@require_GET
def mine_page(request):
    """The signed-in party member's own points and place, month by month."""
    resident, months = selectors.mine(request.user)
    return render(request, "points/mine.html", {"resident": resident, "months": months})


urlpatterns = [
    path("points/mine/", mine_page, name="mine"),
    path("points/", overview_page, name="overview"),
    path("points/rules/", rules_page, name="rules"),
    path("points/rules/rankings/", rankings_switch, name="rankings-switch"),
]


def register() -> None:
    """The overview and the rules in the menu; the switch's audit label."""
    from yiwang.core import audit, menus

    audit.register_actions({"points.settings": _("Switch the points rankings")})
    menus.register(
        menus.MenuItem("points.overview", _("Points overview"), "points:overview", "points", 1),
        menus.MenuItem("points.mine", _("My points"), "points:mine", "points", 2),
        menus.MenuItem("points.rules", _("Points rules"), "points:rules", "points", 90),
    )
