"""Pages of the cooperatives' members: the members with their shares, a member's
contributions, register history, trading and payouts; adding a member (a household picked
from the village's ledger, the collective or another member), a contribution turned into
shares at the charter's rates (reviewed first), a withdrawal behind a confirmation; the
share register with every change dated; the public notice (公示) with the names masked;
the year's trading and its XLSX import.

Reads: whoever reads the cooperative (access.visible_cooperatives: the keepers and the
board); outside it, 404. Writes: its keepers (the services say so; the pages ask first,
so a board member gets 403 without a form to fill in)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods

from yiwang.coops import access, trading_xlsx
from yiwang.coops.filters import MemberFilterSet
from yiwang.coops.forms.members import (
    CONTRIBUTION_KINDS,
    MEMBER_KINDS,
    ContributionForm,
    LeaveForm,
    MemberForm,
    RegisterFilterForm,
    TradingImportForm,
    WithdrawForm,
)
from yiwang.coops.models import DistributionMode, MemberKind
from yiwang.coops.selectors import members as selectors
from yiwang.coops.services import members as services
from yiwang.coops.statement_pdf import yuan
from yiwang.coops.views.common import cooperative_for, may_keep, percent_text, require_keeper
from yiwang.core.forms import add_service_error
from yiwang.core.masking import mask_name

PAGE_SIZE = 50
TRADING_PAGE_SIZE = 100


def _namer(user, cooperative):
    """How the members' names are shown to `user`: in full to who keeps the cooperative
    and its board (access.sees_member_names), masked (张*三) to every other reader."""
    if access.sees_member_names(user, cooperative):
        return lambda name: name
    return mask_name


def _coop_context(request, cooperative) -> dict:
    return {
        "coop": cooperative,
        "may_keep": may_keep(request.user, cooperative),
    }


# --- the members ----------------------------------------------------------------------------


@login_required
def member_list(request, cooperative_id: int):
    coop = cooperative_for(request, cooperative_id)
    filterset = MemberFilterSet(
        request.GET,
        queryset=coop.members.select_related("household").order_by("-shares", "pk"),
        request=request,
    )
    rows = filterset.qs
    namer = _namer(request.user, coop)
    total = selectors.total_shares(coop)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    for member in shown:
        member.percent = selectors.percent(member.shares, total)
        member.kind_label = MEMBER_KINDS[member.kind]
        member.shown_name = namer(member.name)
    return render(
        request,
        "coops/member_list.html",
        {
            **_coop_context(request, coop),
            "filterset": filterset,
            "page_obj": page,
            "rows": shown,
            "total": total,
            "count": coop.members.count(),
        },
    )


@login_required
def member_detail(request, coop_member_id: int):
    member = selectors.member_for(request.user, coop_member_id)
    coop = member.cooperative
    total = selectors.total_shares(coop)
    payouts = list(selectors.final_payouts(member))
    member.kind_label = MEMBER_KINDS[member.kind]
    member.shown_name = _namer(request.user, coop)(member.name)
    contributions = list(member.contributions.order_by("on", "pk"))
    for row in contributions:
        row.kind_label = CONTRIBUTION_KINDS[row.kind]
    return render(
        request,
        "coops/member_detail.html",
        {
            **_coop_context(request, coop),
            "member": member,
            "percent": selectors.percent(member.shares, total),
            "contributions": contributions,
            "changes": list(member.share_changes.select_related("actor").order_by("on", "pk")),
            "trading": list(member.trading.order_by("-year")),
            "payouts": payouts,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_new(request, cooperative_id: int):
    """A new member. A household is found in the village's ledger (its number or its
    head's name) and picked; the service refuses one of another village."""
    coop = cooperative_for(request, cooperative_id)
    require_keeper(request.user, coop)
    query = request.GET.get("q", "").strip()
    picked = request.POST.get("household") or request.GET.get("household")
    household = selectors.household_for(request.user, coop, picked) if picked else None
    initial = {}
    if household is not None:
        initial = {"kind": MemberKind.HOUSEHOLD, "household": household.pk}
    elif request.GET.get("kind") in MemberKind.values:
        initial = {"kind": request.GET["kind"]}
    form = MemberForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            kind = data["kind"]
            try:
                member = services.add_member(
                    actor=request.user,
                    cooperative_id=coop.pk,
                    kind=kind,
                    household_id=data["household"] if kind == MemberKind.HOUSEHOLD else None,
                    name=data["name"],
                    joined_on=data["joined_on"],
                )
            except ValidationError as exc:
                add_service_error(form, exc, {"household_id": None, "joined_on": "joined_on"})
            else:
                messages.success(
                    request,
                    pgettext("coop members", "%(name)s joined the cooperative.")
                    % {"name": member.name},
                )
                return redirect("coops:member", member.pk)
    return render(
        request,
        "coops/member_form.html",
        {
            **_coop_context(request, coop),
            "form": form,
            "household": household,
            "head": household.head if household is not None else None,
            "query": query,
            "hits": selectors.village_households(request.user, coop, query),
        },
        status=status,
    )


# --- contributions and withdrawals ----------------------------------------------------------


def _keeper_member(request, coop_member_id: int):
    member = selectors.member_for(request.user, coop_member_id)
    require_keeper(request.user, member.cooperative)
    return member


@login_required
@require_http_methods(["GET", "POST"])
def contribute(request, coop_member_id: int):
    """A contribution: the form, then a review of the shares it is worth at the charter's
    rates and the holding after it, then the service records it (or refuses it: the
    holding cap, a member who left; nothing changes)."""
    member = _keeper_member(request, coop_member_id)
    coop = member.cooperative
    form = ContributionForm(request.POST or None)
    review = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            measure = {
                "amount": data["amount"],
                "area_mu": data["area_mu"],
                "days": data["days"],
            }
            try:
                shares = selectors.contribution_shares(coop, data["kind"], **measure)
                if data["confirm"]:
                    services.contribute(
                        actor=request.user,
                        cooperative_id=coop.pk,
                        member_id=member.pk,
                        kind=data["kind"],
                        on=data["on"],
                        note=data["note"],
                        uuid=data["uuid"],
                        **measure,
                    )
            except ValidationError as exc:
                add_service_error(form, exc, {"member_id": None, "uuid": None})
            else:
                if data["confirm"]:
                    messages.success(
                        request,
                        pgettext(
                            "coop members", "The contribution was recorded: %(shares)s shares."
                        )
                        % {"shares": f"{shares:,}"},
                    )
                    return redirect("coops:member", member.pk)
                status = 200
                total = selectors.total_shares(coop) + shares
                review = {
                    "shares": shares,
                    "balance": member.shares + shares,
                    "percent": selectors.percent(member.shares + shares, total),
                    "total": total,
                    "kind": CONTRIBUTION_KINDS[data["kind"]],
                }
    return render(
        request,
        "coops/member_contribute.html",
        {
            **_coop_context(request, coop),
            "member": member,
            "form": form,
            "review": review,
            "cap_percent": coop.holding_cap * 100 if coop.holding_cap is not None else None,
        },
        status=status,
    )


def _review_then_confirm(request, member, form, kind, here, *, review, record, problem=None):
    """A keeper's change to `member` (`kind` "withdraw" or "leave", under the heading
    `here`), reviewed, then confirmed (it is not undone here). On a valid POST,
    `problem(data)` may name a (field, error) for the form; without `confirm` the page
    shows `review(data)`; with it `record(data)` calls the service and returns the
    message shown back on the member's page."""
    shown = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            found = problem(data) if problem is not None else None
            if found is not None:
                form.add_error(*found)
            elif not data["confirm"]:
                status, shown = 200, review(data)
            else:
                try:
                    message = record(data)
                except ValidationError as exc:
                    add_service_error(form, exc, {"member_id": None})
                else:
                    messages.success(request, message)
                    return redirect("coops:member", member.pk)
    return render(
        request,
        "coops/member_review.html",
        {
            **_coop_context(request, member.cooperative),
            "kind": kind,
            "here": here,
            "member": member,
            "form": form,
            "review": shown,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, coop_member_id: int):
    """Shares handed back, with the reason: reviewed, then confirmed (not undone here)."""
    member = _keeper_member(request, coop_member_id)

    def problem(data):
        if data["shares"] > member.shares:
            return "shares", _("The member holds only %(n)d shares.") % {"n": member.shares}
        return None

    def record(data):
        services.withdraw(
            actor=request.user,
            member_id=member.pk,
            shares=data["shares"],
            on=data["on"],
            reason=data["reason"],
        )
        return pgettext("coop members", "%(shares)s shares were withdrawn.") % {
            "shares": f"{data['shares']:,}"
        }

    return _review_then_confirm(
        request,
        member,
        WithdrawForm(request.POST or None),
        "withdraw",
        pgettext("coop members", "Withdraw shares"),
        problem=problem,
        review=lambda data: {"balance": member.shares - data["shares"]},
        record=record,
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave(request, coop_member_id: int):
    """A member leaving: the day and the reason, reviewed, then confirmed; their remaining
    shares are handed back in the register and they are no longer counted (the village
    collective does not leave)."""
    member = _keeper_member(request, coop_member_id)
    if member.left_on is not None:
        messages.info(request, pgettext("coop members", "This member has already left."))
        return redirect("coops:member", member.pk)

    def record(data):
        services.leave_member(
            actor=request.user, member_id=member.pk, on=data["on"], reason=data["reason"]
        )
        return pgettext("coop members", "The member's leaving was recorded.")

    return _review_then_confirm(
        request,
        member,
        LeaveForm(request.POST or None),
        "leave",
        pgettext("coop members", "Record leaving"),
        review=lambda data: True,
        record=record,
    )


# --- the register and its public notice -----------------------------------------------------


@login_required
def share_register(request, cooperative_id: int):
    coop = cooperative_for(request, cooperative_id)
    form = RegisterFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.register_of(
        coop,
        member=data.get("member", ""),
        since=data.get("since"),
        until=data.get("until"),
        by_name=access.sees_member_names(request.user, coop),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    namer = _namer(request.user, coop)
    for row in shown:
        row.shown_name = namer(row.member.name)
    return render(
        request,
        "coops/register.html",
        {
            **_coop_context(request, coop),
            "form": form,
            "page_obj": page,
            "rows": shown,
        },
    )


@login_required
def published(request, cooperative_id: int):
    """The public notice (公示): the latest final distribution as a whole (its figures,
    how it was worked out, each member's line with the shares it used) and every member,
    their name always masked; printable. Before any final distribution: the members and
    their current shares."""
    coop = cooperative_for(request, cooperative_id)
    notice = selectors.published_notice(coop)
    for row in notice["rows"]:
        row["kind_label"] = MEMBER_KINDS[row["kind"]]
    run = notice["run"]
    figures = None
    if run is not None:
        figures = {
            "surplus": yuan(run.surplus),
            "reserve": yuan(run.reserve),
            "reserve_percent": percent_text(run.reserve_rate),
            "distributable": yuan(run.distributable),
            "trading_pool": yuan(run.trading_pool),
            "trading_percent": percent_text(run.trading_share),
            "shares_pool": yuan(run.shares_pool),
            "paid": yuan(notice["paid"]),
        }
    return render(
        request,
        "coops/published.html",
        {
            **_coop_context(request, coop),
            **notice,
            "figures": figures,
            "by_shares": run is not None and run.mode == DistributionMode.BY_SHARES,
            "today": timezone.localdate(),
        },
    )


# --- trading --------------------------------------------------------------------------------


def _year(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


@login_required
def trading(request, cooperative_id: int):
    coop = cooperative_for(request, cooperative_id)
    years = selectors.trading_years(coop)
    year = _year(request.GET.get("year"), years[0] if years else timezone.localdate().year)
    rows = selectors.trading_of(coop, year)
    page = Paginator(rows, TRADING_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    namer = _namer(request.user, coop)
    for row in shown:
        row.total = row.produce_sold + row.services_bought
        row.shown_name = namer(row.member.name)
    return render(
        request,
        "coops/trading.html",
        {
            **_coop_context(request, coop),
            "year": year,
            "years": years,
            "page_obj": page,
            "rows": shown,
            "totals": selectors.trading_totals(rows),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def trading_import(request, cooperative_id: int):
    """The XLSX import of the trading (keepers only): the template to download, then the
    upload; every row is checked and, if one is wrong, nothing is saved and each row's
    problem is listed."""
    coop = cooperative_for(request, cooperative_id)
    require_keeper(request.user, coop)
    if request.GET.get("download") == "template":
        response = HttpResponse(trading_xlsx.template(), content_type=trading_xlsx.XLSX)
        response["Content-Disposition"] = 'attachment; filename="trading-template.xlsx"'
        return response
    form = TradingImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            members = list(coop.members.select_related("household"))
            try:
                rows = trading_xlsx.read(
                    upload.read(),
                    upload.name,
                    members,
                    selectors.village_numbers(request.user, coop),
                )
                written = services.import_trading(
                    actor=request.user, cooperative_id=coop.pk, rows=rows
                )
            except ValidationError as exc:
                errors = trading_xlsx.messages_of(exc)
            else:
                messages.success(
                    request,
                    pgettext("coop members", "%(n)d rows of trading were imported.")
                    % {"n": written},
                )
                years = sorted({str(row.get("year")) for row in rows})
                url = reverse("coops:trading", args=[coop.pk])
                return redirect(f"{url}?year={years[-1]}" if len(years) == 1 else url)
    return render(
        request,
        "coops/trading_import.html",
        {
            **_coop_context(request, coop),
            "form": form,
            "errors": errors,
            "headers": list(trading_xlsx.HEADERS.values()),
            "max_rows": trading_xlsx.MAX_ROWS,
        },
        status=status,
    )


urlpatterns = [
    path("coops/<int:cooperative_id>/members/", member_list, name="members"),
    path("coops/<int:cooperative_id>/members/new/", member_new, name="member-new"),
    path("coops/members/<int:coop_member_id>/", member_detail, name="member"),
    path("coops/members/<int:coop_member_id>/contribute/", contribute, name="contribute"),
    path("coops/members/<int:coop_member_id>/withdraw/", withdraw, name="withdraw"),
    path("coops/members/<int:coop_member_id>/leave/", leave, name="member-leave"),
    path("coops/<int:cooperative_id>/register/", share_register, name="register"),
    path("coops/<int:cooperative_id>/published/", published, name="published"),
    path("coops/<int:cooperative_id>/trading/", trading, name="trading"),
    path("coops/<int:cooperative_id>/trading/import/", trading_import, name="trading-import"),
]


def register() -> None:
    """No menu item: these pages are reached from the cooperative's page."""
