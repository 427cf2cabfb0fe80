"""Pages of the cooperatives: the roll-up by town and village (every figure a link to its
records), a cooperative with its charter's terms and its board's history, and the
keepers' forms: a new cooperative, the charter, a seat on the board, the end of a seat
(behind a confirmation). Every write goes through yiwang.coops.services.coops; every read
through yiwang.coops.access."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from yiwang.coops import access
from yiwang.coops.forms.coops import (
    AppointForm,
    CharterForm,
    CooperativeForm,
    EndSeatForm,
    role_label,
)
from yiwang.coops.models import BoardRole, BoardSeat, Cooperative, DistributionMode
from yiwang.coops.selectors import alliances as alliance_selectors
from yiwang.coops.selectors import coops as selectors
from yiwang.coops.services import coops as services
from yiwang.coops.views.common import cooperative_for, may_keep, percent_text, require_keeper
from yiwang.core import display, menus
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404

ROLE_ORDER = {role: index for index, role in enumerate(BoardRole.values)}


def index_url(**params) -> str:
    params = {key: value for key, value in params.items() if value is not None}
    return reverse("coops:index") + ("?" + urlencode(params) if params else "")


def asked_year(value) -> int | None:
    """?year= as a year of the distributions (2024), or None (the latest) for anything
    else."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and 1900 <= int(value) <= 9999:
        return int(value)
    return None


# --- the roll-up ----------------------------------------------------------------------------


def _links(level: str, row: selectors.Row, year: int | None) -> dict:
    """Where each figure of a row leads: a town's and a village's (several cooperatives)
    to the index narrowed to them (the payouts: to that year's); a cooperative's (or a
    village's only one) to its records (the payouts: that year's final distribution)."""
    if not row.cooperatives:
        return {}
    if level == selectors.TOWNS or (level == selectors.VILLAGES and row.coop_id is None):
        param = "town" if level == selectors.TOWNS else "village"
        url = index_url(**{param: row.code})
        links = dict.fromkeys(("name", "cooperatives", "members", "shares", "capital"), url)
        links["payouts"] = index_url(**{param: row.code, "year": year})
        return links
    coop = row.coop_id
    coop_url = reverse("coops:coop", args=[coop])
    register = reverse("coops:register", args=[coop])
    return {
        "name": index_url(village=row.code) if level == selectors.VILLAGES else coop_url,
        "cooperatives": coop_url,
        "members": reverse("coops:members", args=[coop]),
        "shares": register,
        "capital": register,
        "payouts": (
            reverse("coops:distribution", args=[row.distribution_id])
            if row.distribution_id
            else reverse("coops:distributions", args=[coop])
        ),
    }


@login_required
def index(request):
    user = request.user
    if not access.sees_cooperatives(user):
        raise PermissionDenied(_("Your posts do not give access to the cooperatives."))
    found = selectors.roots(user)
    start_level, start_code = selectors.landing(found)
    level, code = start_level, start_code
    # The area asked for: ?village=, ?town=, or ?under= at any level (the cockpit's
    # indicators open the index so, with their own filters besides, which are ignored).
    if request.GET.get("village"):
        code = selectors.opened(found, request.GET["village"], selectors.VILLAGE_LENGTH)
    elif request.GET.get("town"):
        code = selectors.opened(found, request.GET["town"], selectors.TOWN_LENGTH)
    elif request.GET.get("under"):
        code = selectors.opened(found, request.GET["under"])
    if code != start_code:
        level = selectors.level_under(code)
    found_rows = selectors.rollup(user, level, code, asked_year(request.GET.get("year")))
    rows, total, year = found_rows.rows, found_rows.total, found_rows.year
    # The towns' alliances: on each town's row, or over a town's villages.
    town_codes = [row.code for row in rows] if level == selectors.TOWNS else [code]
    alliances = (
        alliance_selectors.alliances_of_towns(user, town_codes)
        if level == selectors.TOWNS or len(code) == selectors.TOWN_LENGTH
        else {}
    )
    for row in rows:
        row.links = _links(level, row, year)
        row.alliance = alliances.get(row.code) if level == selectors.TOWNS else None
    # The way back up to where the user landed: the town, the village (and the grid)
    # between it and the area asked for.
    path_codes = [
        code[:length]
        for length in (selectors.TOWN_LENGTH, selectors.VILLAGE_LENGTH, len(code))
        if len(start_code) < length <= len(code)
    ]
    names = display.area_names(path_codes + [code]) if code else {}
    crumbs = []
    for c in dict.fromkeys(path_codes):
        if len(c) == selectors.TOWN_LENGTH:
            param = {"town": c}
        elif len(c) == selectors.VILLAGE_LENGTH:
            param = {"village": c}
        else:
            param = {"under": c}
        crumbs.append({"name": names[c].name if c in names else c, "url": index_url(**param)})
    if len(code) == selectors.TOWN_LENGTH:
        here = {"town": code}
    elif len(code) == selectors.VILLAGE_LENGTH:
        here = {"village": code}
    else:
        here = {"under": code} if code else {}
    years = found_rows.years
    if year is not None and year not in years:
        years = sorted({*years, year}, reverse=True)
    may_create = access.keeps_somewhere(user)
    town_alliance = alliances.get(code) if level == selectors.VILLAGES else None
    alliance_new_url = ""
    if (
        level == selectors.VILLAGES
        and town_alliance is None
        and len(code) == selectors.TOWN_LENGTH
        and access.can_keep_alliance(user, code)
    ):
        alliance_new_url = reverse("coops:alliance-new") + "?" + urlencode({"town": code})
    new_url = reverse("coops:coop-new")
    if level == selectors.COOPS and may_create and access.can_keep(user, code):
        new_url += "?" + urlencode({"village": code})
    return render(
        request,
        "coops/index.html",
        {
            "level": level,
            "code": code,
            "area_name": names[code].name if code in names else "",
            "rows": rows,
            "total": total,
            "year": year,
            "years": years,
            "here": here,
            "crumbs": crumbs,
            "landed": (level, code) == (start_level, start_code),
            "may_create": may_create,
            "new_url": new_url,
            "town_alliance": town_alliance,
            "alliance_new_url": alliance_new_url,
        },
    )


# --- a cooperative --------------------------------------------------------------------------


def _board(coop: Cooperative) -> tuple[list[BoardSeat], list[BoardSeat]]:
    seats = list(coop.board.select_related("user"))
    for seat in seats:
        seat.role_label = role_label(seat.role)
    current = sorted(
        (s for s in seats if s.left_on is None),
        key=lambda s: (ROLE_ORDER.get(s.role, 9), s.appointed_on, s.pk),
    )
    past = sorted(
        (s for s in seats if s.left_on is not None),
        key=lambda s: (s.left_on, s.pk),
        reverse=True,
    )
    return current, past


def _records(coop: Cooperative) -> list[dict]:
    """The links to the cooperative's records (the pages of the other topics)."""
    pages = [
        ("members", "coops:members", pgettext_lazy("cooperative", "Members")),
        ("register", "coops:register", pgettext_lazy("cooperative", "Share register")),
        ("published", "coops:published", gettext_lazy("Public notice")),
        ("trading", "coops:trading", pgettext_lazy("cooperative", "Trading")),
        ("distributions", "coops:distributions", pgettext_lazy("cooperative", "Distributions")),
    ]
    return [
        {"key": key, "url": reverse(name, args=[coop.pk]), "label": label}
        for key, name, label in pages
    ]


def _unstaffed(current: list[BoardSeat]) -> list[dict]:
    """What nobody can do for want of an account on the board: run the distribution (no
    current accountant with an active account), approve it (no such chair)."""

    def staffed(role: str) -> bool:
        return any(
            seat.role == role and seat.user is not None and seat.user.is_active for seat in current
        )

    missing = []
    if not staffed(BoardRole.ACCOUNTANT):
        missing.append(
            {
                "role": BoardRole.ACCOUNTANT,
                "text": _(
                    "Nobody can run the year's distribution until the accountant has an account: "
                    "appoint the accountant with their username."
                ),
            }
        )
    if not staffed(BoardRole.CHAIR):
        missing.append(
            {
                "role": BoardRole.CHAIR,
                "text": _(
                    "Nobody can approve the distribution until the chair has an account: "
                    "appoint the chair with their username (first end the seat of a chair "
                    "without one)."
                ),
            }
        )
    return missing


@login_required
def cooperative(request, cooperative_id: int):
    coop = cooperative_for(request, cooperative_id)
    current, past = _board(coop)
    figures = selectors.cooperative_figures(coop)
    keeps = may_keep(request.user, coop)
    return render(
        request,
        "coops/coop_detail.html",
        {
            "coop": coop,
            "current": current,
            "past": past,
            "figures": figures,
            "records": _records(coop),
            "may_keep": keeps,
            "unstaffed": _unstaffed(current) if keeps else [],
            "by_shares": coop.mode == DistributionMode.BY_SHARES,
            "reserve_rate": percent_text(coop.reserve_rate),
            "holding_cap": percent_text(coop.holding_cap),
            "trading_share": percent_text(coop.trading_share),
        },
    )


# --- the keepers' forms ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cooperative_create(request):
    user = request.user
    if not access.keeps_somewhere(user):
        raise PermissionDenied(
            _("Only the county, the town or the village keeps this cooperative.")
        )
    initial = CharterForm.initial_of()
    if request.GET.get("village"):
        initial["area_code"] = request.GET["village"]
    data = request.POST if request.method == "POST" else None
    form = CooperativeForm(data, user=user, initial=initial)
    if data is not None and form.is_valid():
        values = form.cleaned_data
        try:
            coop = services.create_cooperative(
                actor=user,
                area_code=values["area_code"],
                name=values["name"],
                credit_code=values["credit_code"],
                alliance_id=values["alliance"],
                **form.terms(),
            )
        except (ValidationError, PermissionDenied, Http404) as exc:
            if isinstance(exc, ValidationError):
                add_service_error(form, exc, {"alliance_id": "alliance"})
            else:
                form.add_error("area_code", str(exc) or _("Choose a village of your areas."))
        else:
            messages.success(
                request, _("The cooperative %(name)s was created.") % {"name": coop.name}
            )
            return redirect("coops:coop", coop.pk)
    return render(
        request,
        "coops/coop_form.html",
        {"form": form},
        status=400 if data is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def charter(request, cooperative_id: int):
    coop = cooperative_for(request, cooperative_id)
    require_keeper(request.user, coop)
    data = request.POST if request.method == "POST" else None
    form = CharterForm(data, initial=CharterForm.initial_of(coop))
    if data is not None and form.is_valid():
        changed = {k: v for k, v in form.terms().items() if getattr(coop, k) != v}
        try:
            if changed:
                services.set_charter(actor=request.user, cooperative_id=coop.pk, **changed)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The charter's terms were saved.") if changed else _("Nothing was changed."),
            )
            return redirect("coops:coop", coop.pk)
    return render(
        request,
        "coops/coop_charter.html",
        {"coop": coop, "form": form},
        status=400 if data is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def appoint(request, cooperative_id: int):
    coop = cooperative_for(request, cooperative_id)
    require_keeper(request.user, coop)
    data = request.POST if request.method == "POST" else None
    form = AppointForm(data, actor=request.user)
    if data is not None and form.is_valid():
        values = form.cleaned_data
        try:
            seat = services.appoint(
                actor=request.user,
                cooperative_id=coop.pk,
                role=values["role"],
                name=values["name"],
                user_id=form.account.pk if form.account else None,
                on=values["on"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"user_id": "username"})
        else:
            messages.success(
                request,
                _("%(name)s was appointed %(role)s.")
                % {"name": seat.name, "role": role_label(seat.role)},
            )
            return redirect("coops:coop", coop.pk)
    current, _past = _board(coop)
    return render(
        request,
        "coops/coop_appoint.html",
        {"coop": coop, "form": form, "current": current},
        status=400 if data is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def seat_end(request, seat_id: int):
    seats = BoardSeat.objects.select_related("cooperative", "user").filter(
        cooperative_id__in=access.visible_cooperatives(request.user).values("pk")
    )
    seat = get_or_404(seats, pk=seat_id)
    seat.role_label = role_label(seat.role)
    coop = seat.cooperative
    require_keeper(request.user, coop)
    data = request.POST if request.method == "POST" else None
    form = EndSeatForm(data)
    if data is not None and form.is_valid():
        try:
            services.end_seat(
                actor=request.user,
                seat_id=seat.pk,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"seat_id": None})
        else:
            messages.success(
                request,
                _("The seat of %(name)s (%(role)s) has ended.")
                % {"name": seat.name, "role": role_label(seat.role)},
            )
            return redirect("coops:coop", coop.pk)
    return render(
        request,
        "coops/coop_seat_end.html",
        {"coop": coop, "seat": seat, "form": form},
        status=400 if data is not None else 200,
    )


urlpatterns = [
    path("coops/", index, name="index"),
    path("coops/new/", cooperative_create, name="coop-new"),
    path("coops/<int:cooperative_id>/", cooperative, name="coop"),
    path("coops/<int:cooperative_id>/charter/", charter, name="charter"),
    path("coops/<int:cooperative_id>/board/appoint/", appoint, name="appoint"),
    path("coops/seats/<int:seat_id>/end/", seat_end, name="seat-end"),
]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="coops.index",
            label=pgettext_lazy("menu", "Cooperatives"),
            url_name="coops:index",
            section="coops",
            order=10,
            visible=access.sees_cooperatives,
        ),
        menus.MenuItem(
            key="coops.new",
            label=gettext_lazy("New cooperative"),
            url_name="coops:coop-new",
            section="coops",
            order=90,
            visible=access.keeps_somewhere,
        ),
    )
