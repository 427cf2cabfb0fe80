"""Pages of the year's distribution: a cooperative's distributions by year; the
accountant's run (the year and the surplus → a draft, worked out to the fen by
services.distributions.run_distribution); a run with its reserve, pools, each step
explained and the members' lines, approved by the chair behind a confirmation; a member's
statement of a run, also as an A4 PDF; and the board member's shortcut to their
cooperatives. Reads go through yiwang.coops.access (visible_cooperatives): a cooperative
or a run outside them answers 404 like a missing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts import homes
from yiwang.accounts.scope import current_posts
from yiwang.coops import access, statement_pdf
from yiwang.coops.forms.distributions import RunForm
from yiwang.coops.models import (
    BoardRole,
    Cooperative,
    Distribution,
    DistributionMode,
    DistributionStatus,
)
from yiwang.coops.services import distributions as services
from yiwang.coops.views.common import cooperative_for, percent_text
from yiwang.core import menus
from yiwang.core.access import is_active_superuser, is_authenticated
from yiwang.core.forms import add_service_error
from yiwang.core.masking import mask_name
from yiwang.core.scoping import get_or_404

yuan = statement_pdf.yuan

# The service's fields that the run's form does not have: shown on top of the form.
FIELD_MAP = {"members": None, "status": None, "reserve_rate": None, "mode": None}


def visible_runs(user):
    """The distributions of the cooperatives `user` reads."""
    runs = Distribution.objects.select_related("cooperative", "created_by", "approved_by")
    if access.cooperative_q(user) is None:
        return runs
    return runs.filter(cooperative__in=access.visible_cooperatives(user).values("pk"))


def _run(request, distribution_id: int) -> Distribution:
    return get_or_404(visible_runs(request.user), pk=distribution_id)


# --- a cooperative's distributions ------------------------------------------------------------


@login_required
def distribution_list(request, cooperative_id: int):
    coop = cooperative_for(request, cooperative_id)
    runs = list(
        coop.distributions.select_related("created_by", "approved_by")
        .annotate(members=Count("lines"))
        .order_by("-year", "-id")
    )
    for run in runs:
        run.surplus_yuan = yuan(run.surplus)
        run.reserve_yuan = yuan(run.reserve)
        run.distributable_yuan = yuan(run.distributable)
    return render(
        request,
        "coops/distribution_list.html",
        {
            "coop": coop,
            "runs": runs,
            "may_run": access.can_run_distribution(request.user, coop),
            "by_shares": coop.mode == DistributionMode.BY_SHARES,
        },
    )


# --- running the year's distribution ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def distribution_run(request, cooperative_id: int):
    coop = cooperative_for(request, cooperative_id)
    if not access.can_run_distribution(request.user, coop):
        raise PermissionDenied(_("Only the cooperative's accountant runs the distribution."))
    data = request.POST if request.method == "POST" else None
    form = RunForm(data, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.run_distribution(
                actor=request.user,
                cooperative_id=coop.pk,
                year=form.cleaned_data["year"],
                surplus=form.cleaned_data["surplus"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, FIELD_MAP)
        else:
            messages.success(
                request,
                _("The distribution of %(year)d was worked out as a draft; the chair approves it.")
                % {"year": run.year},
            )
            return redirect("coops:distribution", run.pk)
    runs = coop.distributions.order_by("-year", "-id").values_list("year", "status")
    final_years = sorted({year for year, status in runs if status == DistributionStatus.FINAL})
    draft_years = sorted({year for year, status in runs if status == DistributionStatus.DRAFT})
    return render(
        request,
        "coops/distribution_run.html",
        {
            "coop": coop,
            "form": form,
            "by_shares": coop.mode == DistributionMode.BY_SHARES,
            "reserve_percent": percent_text(coop.reserve_rate),
            "trading_percent": percent_text(coop.trading_share),
            "final_years": final_years,
            "draft_years": draft_years,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- a run ------------------------------------------------------------------------------------


def _detail(request, run: Distribution, *, status: int = 200, error: str = ""):
    coop = run.cooperative
    lines = list(run.lines.select_related("member").order_by("member_id"))
    totals = run.lines.aggregate(
        shares=Sum("shares"),
        trading=Sum("trading"),
        by_trading=Sum("by_trading"),
        by_shares=Sum("by_shares"),
        total=Sum("total"),
    )
    show_names = access.sees_member_names(request.user, coop)
    for line in lines:
        line.name_shown = line.member.name if show_names else mask_name(line.member.name)
        line.shares_shown = f"{line.shares:,d}"
        line.trading_yuan = yuan(line.trading)
        line.by_trading_yuan = yuan(line.by_trading)
        line.by_shares_yuan = yuan(line.by_shares)
        line.total_yuan = yuan(line.total)
    paid = totals["total"] or 0
    comparison = _comparison(run, lines)
    may_approve = run.status == DistributionStatus.DRAFT and access.can_approve_distribution(
        request.user, coop
    )
    return render(
        request,
        "coops/distribution_detail.html",
        {
            "coop": coop,
            "run": run,
            "lines": lines,
            "figures": {
                "surplus": yuan(run.surplus),
                "reserve": yuan(run.reserve),
                "distributable": yuan(run.distributable),
                "trading_pool": yuan(run.trading_pool),
                "shares_pool": yuan(run.shares_pool),
                "reserve_percent": percent_text(run.reserve_rate),
                "trading_percent": percent_text(run.trading_share),
            },
            "totals": {
                "shares": f"{totals['shares'] or 0:,d}",
                "trading": yuan(totals["trading"] or 0),
                "by_trading": yuan(totals["by_trading"] or 0),
                "by_shares": yuan(totals["by_shares"] or 0),
                "total": yuan(paid),
                "with_reserve": yuan(paid + run.reserve),
            },
            "adds_up": paid + run.reserve == run.surplus,
            "by_shares": run.mode == DistributionMode.BY_SHARES,
            "is_final": run.status == DistributionStatus.FINAL,
            "may_approve": may_approve,
            "may_run": run.status == DistributionStatus.DRAFT
            and access.can_run_distribution(request.user, coop),
            "error": error,
            "comparison": comparison,
        },
        status=status,
    )


def _comparison(run: Distribution, lines: list) -> dict | None:
    """A run "by shares" beside the statutory split of the same surplus (Art. 44, 60% by
    trading): each line gets `statutory_yuan` and `difference` (statutory − actual), and
    the comparison says how much moves between members. None for a statutory run."""
    if run.mode != DistributionMode.BY_SHARES:
        return None
    split = statement_pdf.statutory_split(
        run, ((line.member_id, line.shares, line.trading) for line in lines)
    )
    if "error" in split:
        return {"error": split["error"]}
    amounts = split["amounts"]
    differences = []
    for line in lines:
        statutory = amounts[line.member_id]
        difference = statutory - line.total
        differences.append(difference)
        line.statutory_yuan = yuan(statutory)
        line.difference = statement_pdf.signed(difference)
        line.difference_sign = (difference > 0) - (difference < 0)
    return {
        **statement_pdf.moved_between_members(differences),
        "statutory_total": yuan(sum(amounts.values())),
    }


@login_required
def distribution_detail(request, distribution_id: int):
    return _detail(request, _run(request, distribution_id))


def _replaced(request, distribution_id: int):
    """The chair approves a draft that a newer run has replaced (and removed): a clear
    message with a link to the cooperative's distributions (and to the newest run of the
    year) instead of a bare 404. The cooperative and the year come from the confirmation's
    form; they are used only when the user reads that cooperative. A run that still exists
    but is not the user's to read answers the plain 404 (it is not told to exist)."""
    if Distribution.objects.filter(pk=distribution_id).exists():
        raise Http404(_("No such distribution."))
    coop = newest = None
    cooperative_id = request.POST.get("cooperative", "")
    if cooperative_id.isdigit():
        coop = access.visible_cooperatives(request.user).filter(pk=int(cooperative_id)).first()
    year = request.POST.get("year", "")
    if coop is not None and year.isdigit():
        newest = (
            coop.distributions.filter(year=int(year), pk__gt=distribution_id)
            .order_by("-pk")
            .first()
        )
    return render(
        request,
        "coops/distribution_replaced.html",
        {"coop": coop, "newest": newest, "year": year if year.isdigit() else ""},
        status=404,
    )


@login_required
@require_POST
def distribution_approve(request, distribution_id: int):
    try:
        run = _run(request, distribution_id)
    except Http404:
        return _replaced(request, distribution_id)
    if not access.can_approve_distribution(request.user, run.cooperative):
        raise PermissionDenied(_("Only the cooperative's chair approves the distribution."))
    try:
        approved = services.approve_distribution(actor=request.user, distribution_id=run.pk)
    except Http404:
        return _replaced(request, distribution_id)
    except ValidationError as exc:
        try:
            current = _run(request, distribution_id)
        except Http404:
            return _replaced(request, distribution_id)
        return _detail(request, current, status=400, error=exc.messages[0])
    messages.success(
        request,
        _("The distribution of %(year)d is approved and final.") % {"year": approved.year},
    )
    return redirect("coops:distribution", approved.pk)


# --- a member's statement ---------------------------------------------------------------------


def _line(request, distribution_id: int, coop_member_id: int):
    run = _run(request, distribution_id)
    line = get_or_404(run.lines.select_related("member"), member_id=coop_member_id)
    return run, line


@login_required
def statement(request, distribution_id: int, coop_member_id: int):
    run, line = _line(request, distribution_id, coop_member_id)
    show_names = access.sees_member_names(request.user, run.cooperative)
    return render(
        request,
        "coops/statement.html",
        {
            "run": run,
            "line": line,
            **statement_pdf.facts(run, line, show_names=show_names),
        },
    )


@login_required
def statement_pdf_view(request, distribution_id: int, coop_member_id: int):
    run, line = _line(request, distribution_id, coop_member_id)
    show_names = access.sees_member_names(request.user, run.cooperative)
    response = HttpResponse(
        statement_pdf.render(run, line, show_names=show_names), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{statement_pdf.file_name(run, line)}"'
    return response  # no-store, as every signed-in page (a member's name and amounts)


# --- the board member's shortcut --------------------------------------------------------------


def holds_a_seat(user) -> bool:
    """The menu's rule: a current board seat, for those who hold no post. No query of its
    own: the posts are cached, and the seats are the ones access.sees_cooperatives has just
    read (one query, cached for the request). Those with a post (a village's grid worker
    is often its cooperative's accountant) find their cooperatives on their home
    (`seats_panel`), so that no other page of theirs pays the query."""
    if not is_authenticated(user) or is_active_superuser(user):
        return False
    if current_posts(user):
        return False
    return bool(access.current_seats(user))


def _seated_cooperatives(seats: list[tuple[int, str]]) -> list[Cooperative]:
    """The cooperatives of `seats`, each with the user's roles on its board, whether they
    chair it or keep its accounts, and its drafts awaiting the chair; one query."""
    roles: dict[int, list[str]] = {}
    for coop_id, role in seats:
        roles.setdefault(coop_id, []).append(BoardRole(role).label)
    coops = list(
        Cooperative.objects.filter(pk__in=roles)
        .annotate(
            drafts=Count("distributions", filter=Q(distributions__status="draft")),
        )
        .order_by("area_code", "name")
    )
    chair_of = {coop_id for coop_id, role in seats if role == BoardRole.CHAIR}
    accountant_of = {coop_id for coop_id, role in seats if role == BoardRole.ACCOUNTANT}
    for coop in coops:
        coop.roles = roles[coop.pk]
        coop.is_chair = coop.pk in chair_of
        coop.is_accountant = coop.pk in accountant_of
    return coops


@login_required
def my_cooperatives(request):
    seats = access.current_seats(request.user)
    if not seats:
        raise PermissionDenied(_("You hold no seat on a cooperative's board."))
    return render(request, "coops/distribution_mine.html", {"coops": _seated_cooperatives(seats)})


def seats_panel(request) -> dict | None:
    """The home's panel of a board member, on every kind of home: their cooperatives,
    with the year's distribution for the accountant and the drafts awaiting the chair.
    Left out for who sits on no board (one query, the home's only)."""
    seats = access.current_seats(request.user)
    if not seats:
        return None
    return {"coops": _seated_cooperatives(seats)}


urlpatterns = [
    path("coops/mine/", my_cooperatives, name="my-coops"),
    path(
        "coops/<int:cooperative_id>/distributions/",
        distribution_list,
        name="distributions",
    ),
    path(
        "coops/<int:cooperative_id>/distributions/new/",
        distribution_run,
        name="distribution-run",
    ),
    path(
        "coops/distributions/<int:distribution_id>/",
        distribution_detail,
        name="distribution",
    ),
    path(
        "coops/distributions/<int:distribution_id>/approve/",
        distribution_approve,
        name="distribution-approve",
    ),
    path(
        "coops/distributions/<int:distribution_id>/members/<int:coop_member_id>/",
        statement,
        name="statement",
    ),
    path(
        "coops/distributions/<int:distribution_id>/members/<int:coop_member_id>/pdf/",
        statement_pdf_view,
        name="statement-pdf",
    ),
]


def register() -> None:
    homes.register(
        homes.Panel("coops.seats", homes.KINDS, "coops/home/seats.html", seats_panel, 60)
    )
    # The cooperatives' menu section is declared in views/__init__.py.
    menus.register(
        menus.MenuItem(
            key="coops.mine",
            label=gettext_lazy("My cooperative"),
            url_name="coops:my-coops",
            section="coops",
            order=5,
            visible=holds_a_seat,
        ),
    )
