"""Pages of the monthly evaluation: the list of the evaluations in one's scope, the
board's month page (close, standings, selection, minutes, public notice, objections,
finalisation, rewards), the review board, the quotas and rewards (settings), the reward
funds with their ledger and the honour list; the public notice pages without a login
(public_urlpatterns, in yiwang.points.public_urls).

Each page reads through `visible_to` (404 outside the scope) and writes through one
service; a service's ValidationError goes back onto the page as a message or onto the
form.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from yiwang.accounts.models import Post, Role
from yiwang.accounts.scope import can_configure, current_posts
from yiwang.areas.codes import ancestor_codes
from yiwang.areas.models import Area, Level
from yiwang.core.forms import add_service_error
from yiwang.core.masking import mask_phone
from yiwang.core.reporting import (
    add_months,
    local_midnight,
    month_end,
    parse_month,
    parse_months,
)
from yiwang.core.scoping import get_in_scope, is_area_code, subtree_q
from yiwang.points import access
from yiwang.points.forms.evaluation import (
    AnswerForm,
    AwardForm,
    BoardMemberForm,
    BudgetForm,
    FundForm,
    MinutesForm,
    OpenMonthForm,
    QuotaForm,
    SelectForm,
)
from yiwang.points.models import (
    AwardKind,
    AwardSetting,
    BoardMember,
    Evaluation,
    EvaluationStatus,
    Fund,
    FundMovement,
    MovementKind,
    Objection,
    Quota,
    SelectionStatus,
)
from yiwang.points.selectors import evaluation as selectors
from yiwang.points.services import decisions
from yiwang.points.services import evaluation as services
from yiwang.points.services import funds as fund_services

PAGE_SIZE = 50
# The approval queue of the points entries (another topic's page), linked when a month
# cannot close for entries awaiting approval; the first of these names that exists.
APPROVAL_QUEUE_NAMES = ("points:approvals", "points:entry-queue", "points:entries")


def _approval_queue() -> str:
    for name in APPROVAL_QUEUE_NAMES:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def _month_url(evaluation_or_code, month=None) -> str:
    if month is None:
        code, month = evaluation_or_code.area_code, evaluation_or_code.month
    else:
        code = evaluation_or_code
    return f"{reverse('points:evaluation-month', args=[code])}?month={month:%Y-%m}"


def last_month():
    return add_months(timezone.localdate().replace(day=1), -1)


def _admin_areas(user) -> list[tuple[str, str]]:
    """The county and towns the user keeps quotas and funds of: (code, name)."""
    if getattr(user, "is_superuser", False):
        areas = Area.objects.filter(level__in=[Level.COUNTY, Level.TOWN])
    else:
        roots = [c for r, c in current_posts(user) if r in (Role.COUNTY_ADMIN, Role.TOWN_ADMIN)]
        if not roots:
            return []
        q = Q(pk__in=[])
        for root in roots:
            q |= subtree_q("code", root)
        areas = Area.objects.filter(q, level__in=[Level.COUNTY, Level.TOWN])
    return list(areas.order_by("code").values_list("code", "name"))


def may_use_settings(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(
        can_configure(user) or _admin_areas(user)
    )


# --- the list of evaluations --------------------------------------------------------------


@login_required
def evaluation_list(request):
    """The evaluations in the user's scope, newest month first, and the way to a village's
    month page (to close it)."""
    villages = list(
        Area.objects.visible_to(request.user)
        .open()
        .filter(level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", "name")
    )
    opener = OpenMonthForm(request.GET or None, villages=villages)
    if request.GET.get("village") and opener.is_valid():
        return redirect(_month_url(opener.cleaned_data["village"], opener.cleaned_data["month"]))
    rows = (
        Evaluation.objects.visible_to(request.user)
        .annotate(chosen=Count("selections", filter=Q(selections__status=SelectionStatus.SELECTED)))
        .order_by("-month", "area_code")
    )
    status = request.GET.get("status", "")
    if status in EvaluationStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    last = add_months(timezone.localdate().replace(day=1), -1)
    if not opener.is_bound:
        opener = OpenMonthForm(initial={"month": f"{last:%Y-%m}"}, villages=villages)
    return render(
        request,
        "points/evaluation_list.html",
        {
            "page_obj": page,
            "opener": opener,
            "statuses": EvaluationStatus.choices,
            "status": status,
        },
    )


# --- the board's month page ---------------------------------------------------------------


def _months_asked(request):
    """The months of `?from=YYYY-MM&to=YYYY-MM` (core.reporting.parse_months), or None
    when neither is given; a bad one is said in a message and ignored."""
    first = request.GET.get("from", "").strip()
    last = request.GET.get("to", "").strip()
    if not (first or last):
        return None
    try:
        return parse_months(first, last)
    except ValueError as exc:
        for message in exc.args[0].values():
            messages.error(request, message)
        return None


def _read_month(text: str):
    try:
        return parse_month(text)
    except ValueError:
        raise Http404(_("Not found.")) from None


def _quotas(evaluation_code: str, evaluation: Evaluation | None) -> list[dict]:
    used = {}
    if evaluation is not None:
        used = dict(
            evaluation.selections.filter(status=SelectionStatus.SELECTED)
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
    return [
        {
            "kind": kind,
            "label": label,
            "quota": services.quota_for(evaluation_code, kind),
            "used": used.get(kind, 0),
        }
        for kind, label in AwardKind.choices
    ]


def _month_context(request, village: Area, month, evaluation, forms: dict) -> dict:
    user = request.user
    member = access.is_board_member(user, village.code)
    context = {
        "village": village,
        "month": month,
        "evaluation": evaluation,
        "is_member": member,
        "may_close": member or services.may_keep_board(user, village.code),
        "ended": month_end(month) < timezone.localdate(),
        "quotas": _quotas(village.code, evaluation),
        "forms": forms,
        "now": timezone.now(),
    }
    if evaluation is None:
        pending = services.pending_counts(village.code, month).get(village.code, 0)
        context.update({"pending": pending, "approval_queue": _approval_queue()})
        return context
    see = selectors.may_see_standings(user, evaluation)
    context["may_see_standings"] = see
    selections = list(
        evaluation.selections.select_related("resident", "household", "payment__fund").order_by(
            "kind", "-points", "id"
        )
    )
    names = decisions.selection_names(selections)
    for selection in selections:
        selection.full_name = names[selection.pk]
    context["selections"] = selections
    # The minutes are the board's while the month is open; once on notice (they never
    # hold the standings) staff in scope may read them.
    context["may_see_minutes"] = member or evaluation.status != EvaluationStatus.OPEN
    objections = list(
        Objection.objects.filter(selection__evaluation=evaluation)
        .select_related("selection", "answered_by")
        .order_by("created_at", "id")
    )
    for objection in objections:
        # Who objected is seen by the review board only (the public form says so).
        objection.masked_phone = mask_phone(objection.contact_phone) if member else ""
        if not member:
            objection.contact_name = ""
    context["objections"] = objections
    if see:
        rows = selectors.standings_rows(evaluation, full_names=True)
        parts = []
        for kind, label in AwardKind.choices:
            part = services.PART_OF_KIND[kind]
            form = forms.get(f"select-{kind}") or SelectForm(
                initial={"kind": kind},
                candidates=[
                    (str(r["subject"]), f"{r['name']} ({r['points']})") for r in rows[part]
                ],
                prefix=kind,
            )
            parts.append({"kind": kind, "label": label, "rows": rows[part][:100], "form": form})
        context["parts"] = parts
    if evaluation.status == EvaluationStatus.OPEN and member:
        context["minutes_form"] = forms.get("minutes") or MinutesForm(
            initial={
                "minutes": evaluation.minutes or decisions.draft_minutes(evaluation),
                "met_on": evaluation.met_on or timezone.localdate(),
            }
        )
    if evaluation.status == EvaluationStatus.NOTICE:
        context["answer_forms"] = {
            o.pk: forms.get(f"answer-{o.pk}") or AnswerForm(prefix=f"o{o.pk}") for o in objections
        }
        context["notice_over"] = timezone.now() >= evaluation.notice_until
        context["waiting"] = sum(1 for o in objections if o.upheld is None)
    if evaluation.status == EvaluationStatus.FINAL:
        context["unpaid"] = list(decisions.unpaid(evaluation))
    return context


def _act(request, evaluation, action: str, forms: dict):
    """One POST of the month page; a message and back to the page, or the form to show
    again with the service's errors."""
    user = request.user
    if action == "select":
        kind = request.POST.get("kind", "")
        if kind not in AwardKind.values:
            raise ValidationError(_("Choose an award."))
        rows = selectors.standings_rows(evaluation, full_names=True)[services.PART_OF_KIND[kind]]
        form = SelectForm(
            request.POST,
            candidates=[(str(r["subject"]), r["name"]) for r in rows],
            prefix=kind,
        )
        form.data = form.data.copy()
        form.data[f"{kind}-kind"] = kind
        if not form.is_valid():
            forms[f"select-{kind}"] = form
            return None
        try:
            selection = decisions.select(
                actor=user,
                evaluation_id=evaluation.pk,
                kind=kind,
                subject=form.cleaned_data["subject"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            for message in form.non_field_errors() + form.errors.get("kind", []):
                messages.error(request, message)
            forms[f"select-{kind}"] = form
            return None
        messages.success(
            request,
            _("%(name)s was selected as %(award)s.")
            % {"name": decisions.selection_name(selection), "award": selection.get_kind_display()},
        )
    elif action == "minutes":
        form = MinutesForm(request.POST)
        if not form.is_valid():
            forms["minutes"] = form
            return None
        try:
            decisions.save_minutes(actor=user, evaluation_id=evaluation.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
            forms["minutes"] = form
            return None
        messages.success(request, _("The minutes were saved."))
    elif action == "publish":
        decisions.publish(actor=user, evaluation_id=evaluation.pk)
        messages.success(request, _("The selection is on public notice for 7 days."))
    elif action == "finalise":
        result = decisions.finalise(evaluation.pk, actor=user)
        messages.success(request, _("The evaluation is final."))
        if result["short"]:
            messages.warning(
                request,
                _("%(n)d rewards are unpaid: no fund holds enough. Add budget, then pay them.")
                % {"n": result["short"]},
            )
    elif action == "pay":
        result = decisions.pay_unpaid(actor=user, evaluation_id=evaluation.pk)
        if result["short"]:
            messages.warning(
                request,
                _("%(n)d rewards are unpaid: no fund holds enough. Add budget, then pay them.")
                % {"n": result["short"]},
            )
        else:
            messages.success(request, _("%(n)d rewards were paid.") % {"n": result["paid"]})
    elif action == "remove":
        selection = _row(evaluation.selections.all(), request.POST.get("selection"))
        decisions.remove_selection(actor=user, selection_id=selection.pk)
        messages.success(request, _("The selection was removed."))
    elif action == "answer":
        objection = _row(
            Objection.objects.filter(selection__evaluation=evaluation),
            request.POST.get("objection"),
        )
        form = AnswerForm(request.POST, prefix=f"o{objection.pk}")
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return redirect(_month_url(evaluation))
        decisions.answer_objection(actor=user, objection_id=objection.pk, **form.cleaned_data)
        messages.success(request, _("The objection was answered."))
    else:
        raise ValidationError(_("Unknown action."))
    return redirect(_month_url(evaluation))


def _row(queryset, pk):
    """The row of `queryset` (already within the page's evaluation) with this id; 404."""
    text = str(pk or "").strip()
    found = queryset.filter(pk=int(text)).first() if text.isdigit() and len(text) < 19 else None
    if found is None:
        raise Http404(_("Not found."))
    return found


@login_required
@require_http_methods(["GET", "POST"])
def month_page(request, code: str):
    """A village's month (`?month=YYYY-MM`, last month by default): every action of the
    board is a POST here (`action`)."""
    if not is_area_code(code):
        raise Http404(_("Not found."))
    village = get_in_scope(Area.objects.filter(level=Level.VILLAGE), request.user, code=code)
    text = request.GET.get("month", "").strip()
    month = _read_month(text) if text else last_month()
    evaluation = Evaluation.objects.filter(area_code=village.code, month=month).first()
    forms: dict = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "close":
                services.close_month(request.user, village.code, month)
                messages.success(request, _("The month is closed: the standings are ready."))
                return redirect(_month_url(village.code, month))
            if evaluation is None:
                raise Http404(_("Not found."))
            response = _act(request, evaluation, action, forms)
            if response is not None:
                return response
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            if not forms:
                return redirect(_month_url(village.code, month))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _(services.REFUSED_BOARD))
            return redirect(_month_url(village.code, month))
        evaluation = Evaluation.objects.filter(area_code=village.code, month=month).first()
    context = _month_context(request, village, month, evaluation, forms)
    return render(request, "points/evaluation_month.html", context)


# --- the review board ---------------------------------------------------------------------


def _eligible(village_code: str) -> list[tuple[str, str]]:
    """The people holding a current post on the village or above it."""
    posts = (
        Post.objects.current()
        .filter(area_code__in=[*ancestor_codes(village_code), village_code], user__is_active=True)
        .select_related("user")
        .order_by("area_code", "user__username")
    )
    seen, people = set(), []
    for post in posts:
        if post.user_id not in seen:
            seen.add(post.user_id)
            people.append((str(post.user_id), f"{post.user} · {post.get_role_display()}"))
    return people


@login_required
@require_http_methods(["GET", "POST"])
def board_page(request, code: str):
    """The village's review board; its keeper adds members (POST) and ends a membership
    (POST action=end, member=ID)."""
    if not is_area_code(code):
        raise Http404(_("Not found."))
    village = get_in_scope(Area.objects.filter(level=Level.VILLAGE), request.user, code=code)
    keeper = services.may_keep_board(request.user, village.code)
    members = BoardMember.objects.filter(area_code=village.code).select_related("user")
    ending = request.method == "POST" and request.POST.get("action") == "end"
    form = BoardMemberForm(
        request.POST if request.method == "POST" and not ending else None,
        people=_eligible(village.code),
    )
    if request.method == "POST":
        if ending:
            member = _row(members, request.POST.get("member"))
            try:
                services.end_board_member(actor=request.user, member_id=member.pk)
                messages.success(request, _("The member left the review board."))
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect("points:evaluation-board", village.code)
        if not keeper:
            raise PermissionDenied(_(services.REFUSED_KEEPER))
        if form.is_valid():
            try:
                services.add_board_member(
                    actor=request.user,
                    village_code=village.code,
                    user_id=form.cleaned_data["user"],
                    is_chair=form.cleaned_data["is_chair"],
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The member was added to the review board."))
                return redirect("points:evaluation-board", village.code)
    return render(
        request,
        "points/evaluation_board.html",
        {
            "village": village,
            "members": members,
            "form": form,
            "keeper": keeper,
            "today": timezone.localdate(),
        },
    )


# --- quotas and rewards (settings) ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """The quotas (the county admin's for the county and its towns, a town admin's for the
    town) and the rewards of each award (the county admin's)."""
    areas = _admin_areas(request.user)
    if not areas and not can_configure(request.user):
        raise PermissionDenied(_("Only the county admin or a town admin sets the quotas."))
    quota_form = QuotaForm(
        request.POST if request.POST.get("form") == "quota" else None, areas=areas
    )
    award_form = AwardForm(request.POST if request.POST.get("form") == "award" else None)
    if request.method == "POST":
        form = quota_form if request.POST.get("form") == "quota" else award_form
        if form.is_valid():
            try:
                if form is quota_form:
                    services.set_quota(
                        actor=request.user,
                        area_code=form.cleaned_data["area"],
                        kind=form.cleaned_data["kind"],
                        per_village=form.cleaned_data["per_village"],
                    )
                else:
                    services.set_award_amount(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc, {"area_code": "area"})
            else:
                messages.success(request, _("The setting was saved."))
                return redirect("points:evaluation-settings")
    codes = [code for code, _n in areas]
    quotas = Quota.objects.filter(area_code__in=codes).order_by("area_code", "kind")
    return render(
        request,
        "points/evaluation_settings.html",
        {
            "quota_form": quota_form,
            "award_form": award_form,
            "quotas": quotas,
            "awards": {s.kind: s.amount for s in AwardSetting.objects.all()},
            "kinds": AwardKind.choices,
            "may_configure": can_configure(request.user),
        },
    )


# --- reward funds -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def fund_list(request):
    """The reward funds in the user's scope; `?fund=ID` opens one with its ledger. The
    county or town admin creates a fund (POST action=create) and adds budget (POST
    action=budget, fund=ID)."""
    areas = _admin_areas(request.user)
    visible = Fund.objects.visible_to(request.user)
    chosen = request.GET.get("fund") or request.POST.get("fund")
    fund = _row(visible, chosen) if chosen else None
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = FundForm(request.POST if action == "create" else None, areas=areas)
    budget = BudgetForm(request.POST if action == "budget" else None)
    keeper = fund is not None and fund_services.may_keep_fund(request.user, fund.area_code)
    if action == "create":
        if not areas:
            raise PermissionDenied(_("Only the county admin or the town's admin keeps its funds."))
        if form.is_valid():
            try:
                fund = fund_services.create_fund(
                    actor=request.user,
                    area_code=form.cleaned_data["area"],
                    name=form.cleaned_data["name"],
                )
            except ValidationError as exc:
                add_service_error(form, exc, {"area_code": "area"})
            else:
                messages.success(request, _("The fund %(name)s was created.") % {"name": fund.name})
                return redirect(_fund_url(fund))
    elif action == "budget":
        if fund is None:
            raise Http404(_("Not found."))
        if not keeper:
            raise PermissionDenied(_("Only the county admin or the town's admin keeps its funds."))
        if budget.is_valid():
            try:
                fund_services.add_budget(actor=request.user, fund_id=fund.pk, **budget.cleaned_data)
            except ValidationError as exc:
                add_service_error(budget, exc)
            else:
                messages.success(request, _("The budget was added."))
                return redirect(_fund_url(fund))
    elif request.method == "POST":
        raise Http404(_("Not found."))
    page = None
    if fund is not None:
        movements = fund.movements.select_related("selection__evaluation", "recorded_by")
        page = Paginator(movements, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = visible.order_by("area_code", "id")
    paid = None
    code = request.GET.get("area", "").strip()
    if fund is None and code and is_area_code(code):
        area = get_in_scope(Area.objects.all(), request.user, code=code)
        paid = _paid_under(request, area)
        page = paid["page_obj"]
        rows = rows.filter(
            Q(area_code__in=ancestor_codes(area.code)) | subtree_q("area_code", area.code)
        )
    return render(
        request,
        "points/evaluation_funds.html",
        {
            "rows": rows,
            "form": form if areas else None,
            "fund": fund,
            "page_obj": page,
            "paid": paid,
            "budget": budget if keeper else None,
        },
    )


def _paid_under(request, area: Area) -> dict:
    """The rewards paid for selections under `area` (`?area=CODE`, with `from` and `to`
    months, the last twelve by default), as the overview counts them: their sum and their
    movements, newest first."""
    period = _months_asked(request) or parse_months("", "")
    movements = (
        FundMovement.objects.visible_to(request.user)
        .filter(
            subtree_q("area_code", area.code),
            kind=MovementKind.PAYMENT,
            created_at__gte=local_midnight(period.first),
            created_at__lt=local_midnight(add_months(period.last, 1)),
        )
        .select_related("fund", "selection__evaluation")
        .order_by("-created_at", "-id")
    )
    total = movements.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return {
        "area": area,
        "period": period,
        "total": total,
        "count": movements.count(),
        "page_obj": Paginator(movements, PAGE_SIZE).get_page(request.GET.get("page")),
    }


def _fund_url(fund) -> str:
    return f"{reverse('points:funds')}?fund={fund.pk}"


# --- routes and registration --------------------------------------------------------------

urlpatterns = [
    path("points/evaluation/", evaluation_list, name="evaluations"),
    path("points/evaluation/<str:code>/", month_page, name="evaluation-month"),
    path("points/board/<str:code>/", board_page, name="evaluation-board"),
    path("points/settings/quotas/", settings_page, name="evaluation-settings"),
    path("points/funds/", fund_list, name="funds"),
]


def _evaluation_links(user, ids) -> dict:
    rows = Evaluation.objects.visible_to(user).filter(pk__in=list(ids))
    return {
        row.pk: (
            _month_url(row),
            _("Monthly evaluation %(month)s") % {"month": f"{row.month:%Y-%m}"},
        )
        for row in rows
    }


def register() -> None:
    """This topic's menu items, audit action labels and notification kinds."""
    from yiwang.core import audit, menus
    from yiwang.notices import kinds as notice_kinds

    menus.register(
        menus.MenuItem(
            key="points.evaluations",
            label=gettext_lazy("Monthly evaluation"),
            url_name="points:evaluations",
            section="points",
            order=40,
        ),
        menus.MenuItem(
            key="points.honours",
            label=gettext_lazy("Honour list"),
            url_name="points:honours",
            section="points",
            order=45,
        ),
        menus.MenuItem(
            key="points.funds",
            label=gettext_lazy("Reward funds"),
            url_name="points:funds",
            section="points",
            order=50,
        ),
        menus.MenuItem(
            key="points.quotas",
            label=gettext_lazy("Quotas and rewards"),
            url_name="points:evaluation-settings",
            section="settings",
            order=80,
            visible=may_use_settings,
        ),
    )
    for key, label in (
        (services.NOTICE_OBJECTION, gettext_lazy("Objection received")),
        (services.NOTICE_ENDED, gettext_lazy("Public notice ended, ready to finalise")),
        (services.NOTICE_FINAL, gettext_lazy("Evaluation finalised")),
    ):
        notice_kinds.register(
            notice_kinds.Kind(
                key, label, "points", object_type="points.evaluation", links=_evaluation_links
            )
        )
    audit.register_actions(
        {
            "points.board.add": gettext_lazy("Add a review board member"),
            "points.board.end": gettext_lazy("End a review board membership"),
            "points.quota.set": gettext_lazy("Set an award quota"),
            "points.award.set": gettext_lazy("Set an award's reward"),
            "points.evaluation.close": gettext_lazy("Close a month's evaluation"),
            "points.selection.add": gettext_lazy("Select for an award"),
            "points.selection.remove": gettext_lazy("Remove a selection"),
            "points.evaluation.minutes": gettext_lazy("Save the board's minutes"),
            "points.evaluation.publish": gettext_lazy("Put a selection on public notice"),
            "points.objection.submit": gettext_lazy("Object to a selection"),
            "points.objection.answer": gettext_lazy("Answer an objection"),
            "points.evaluation.finalise": gettext_lazy("Make an evaluation final"),
            "points.fund.create": gettext_lazy("Create a reward fund"),
            "points.fund.budget": gettext_lazy("Add budget to a reward fund"),
            "points.fund.pay": gettext_lazy("Pay a reward"),
        }
    )
