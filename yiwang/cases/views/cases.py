"""Pages of cases: the inbox (待办), the list, the case with its timeline, its photos, its
likely duplicates and the actions the user may take, and the staff intake form (a patrol
report or a hotline call); the public copy of a photo under its signed address.

Each page reads through `visible_to` (404 outside the scope) and writes through one
service; a service's ValidationError goes back onto the form, a Conflict back to the case
with a message saying what it is now.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.cases import attachments as attachment_files
from yiwang.cases import selectors, services, states
from yiwang.cases.filters import CaseFilterSet
from yiwang.cases.forms import ACTION_FORMS, CaseCreateForm, DispatchForm
from yiwang.cases.models import Attachment, AttachmentStage, Case, CaseEvent, Source, Status
from yiwang.core import photos as photo_files
from yiwang.core import validators
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope
from yiwang.registry.models import Household

PAGE_SIZE = 50

# The button of each action, in the table's order.
ACTION_LABELS = {
    "accept": gettext_lazy("Accept"),
    "reject": gettext_lazy("Reject"),
    "merge": gettext_lazy("Merge into another case"),
    "dispatch": gettext_lazy("Dispatch"),
    "start": gettext_lazy("Start handling"),
    "return": gettext_lazy("Return to the dispatcher"),
    "resolve": gettext_lazy("Resolve"),
    "extend": gettext_lazy("Ask for more time"),
    "approve_extension": gettext_lazy("Decide on more time"),
    "supervise": gettext_lazy("Supervise"),
    "park": gettext_lazy("Park as a long-term matter"),
    "unpark": gettext_lazy("Take up again"),
    "follow_up": gettext_lazy("Record the follow-up"),
    "reopen": gettext_lazy("Reopen"),
    "close": gettext_lazy("Close"),
}
# Taken with one click from the case page; the others open a page of their own, which
# asks for what they need and, for reject and close, for a confirmation.
ONE_CLICK = ("accept", "start", "supervise", "unpark")
CONFIRM = {
    "reject": gettext_lazy("A rejected case is finished: the reporter is told the reason."),
    "close": gettext_lazy("A closed case is finished and cannot be reopened."),
    "merge": gettext_lazy("The case ends here and continues as the other case."),
}
# Service errors on fields the form calls differently.
FIELD_MAP = {"into": "into_number"}


def _url_action(slug: str) -> str:
    action = slug.replace("-", "_")
    if action not in states.TRANSITIONS:
        raise Http404(_("Not found."))
    return action


def _slug(action: str) -> str:
    return action.replace("_", "-")


@login_required
def inbox(request):
    """What waits for the user, most urgent first; htmx refreshes the rows in place."""
    page = Paginator(selectors.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for case in page.object_list:
        waiting = selectors.waiting_for(request.user, case)
        rows.append((case, waiting, selectors.WAITING_FOR[waiting]))
    context = {"page_obj": page, "rows": rows, "now": timezone.now()}
    template = "cases/_inbox_rows.html" if request.htmx else "cases/inbox.html"
    return render(request, template, context)


@login_required
def case_list(request):
    queryset = Case.objects.visible_to(request.user).select_related("category")
    filterset = CaseFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/case_list.html",
        {"filterset": filterset, "page_obj": page, "now": timezone.now()},
    )


def _case_or_404(request, case_id: int) -> Case:
    return get_in_scope(
        Case.objects.select_related(
            "category", "assignee_department", "assignee_user", "unit", "household", "merged_into"
        ),
        request.user,
        pk=case_id,
    )


@login_required
def case_detail(request, case_id: int):
    case = _case_or_404(request, case_id)
    events = CaseEvent.objects.filter(case=case).order_by("at", "id")
    allowed = states.allowed_actions(request.user, case)
    context = {
        "case": case,
        "events": events,
        "one_click": [(_slug(a), ACTION_LABELS[a]) for a in allowed if a in ONE_CLICK],
        "with_page": [(_slug(a), ACTION_LABELS[a]) for a in allowed if a not in ONE_CLICK],
        "merged_cases": Case.objects.visible_to(request.user)
        .filter(merged_into=case)
        .only("id", "number", "title"),
        "now": timezone.now(),
        **_photos_and_duplicates(request.user, case, allowed),
    }
    return render(request, "cases/case_detail.html", context)


def _photos_and_duplicates(user, case: Case, allowed: list[str]) -> dict:
    """The case page's photos with the stages the user may add photos to, and, while the
    case can be merged, the cases it may duplicate."""
    stages = []
    if case.is_open:
        stages.append((AttachmentStage.REPORT, AttachmentStage.REPORT.label))
        if case.status in (Status.IN_PROGRESS, Status.RESOLVED) and states.is_handler(user, case):
            stages.append((AttachmentStage.RESOLUTION, AttachmentStage.RESOLUTION.label))
    return {
        "attachments": list(Attachment.objects.filter(case=case).order_by("id")),
        "photo_stages": stages,
        "may_merge": "merge" in allowed,
        "duplicates": selectors.likely_duplicates(case, user)
        if case.status == Status.REPORTED
        else [],
    }


@login_required
@require_POST
def case_photos(request, case_id: int):
    """Photos added from the case page: the report's, or the resolution's (its handler)."""
    case = _case_or_404(request, case_id)
    try:
        added = services.add_attachments(
            actor=request.user,
            case_id=case.pk,
            files=request.FILES.getlist("files"),
            stage=request.POST.get("stage") or AttachmentStage.REPORT,
        )
    except services.Conflict as exc:
        messages.warning(request, exc.message)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)d photos added.") % {"n": len(added)})
    return redirect("cases:detail", case_id=case.pk)


@require_GET
def public_photo(request, token: str, variant: str):
    """A photo (or its thumbnail) as the public sees it, under the signed address that the
    tracking page gives (yiwang.cases.attachments.public_urls): no account needed, no
    tracking code in the address."""
    attachment_id = attachment_files.attachment_from_token(token)
    attachment = (
        Attachment.objects.filter(pk=attachment_id).first() if attachment_id is not None else None
    )
    if attachment is None or variant not in ("image", "thumbnail"):
        raise Http404(_("Not found."))
    return attachment_files.file_response(attachment, variant)


def _action_form(action: str, case: Case, data=None, prefill=None, user=None):
    form_class = ACTION_FORMS[action]
    kwargs = {"initial": {"version": case.version}}
    # A link may fill in a field (the case page's "merge into this case" fills the number).
    for name, value in (prefill or {}).items():
        if name in form_class.base_fields and name != "version":
            kwargs["initial"][name] = value
    if form_class is DispatchForm:
        kwargs.update(case=case, user=user)
    return form_class(data, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def case_act(request, case_id: int, action: str):
    """One action on a case: GET shows what it needs (and asks to confirm the final ones),
    POST takes it. Only the actions the user may take now are offered."""
    action = _url_action(action)
    case = _case_or_404(request, case_id)
    if not states.can_happen(action, case):
        messages.warning(request, services.Conflict(case).message)
        return redirect("cases:detail", case_id=case.pk)
    if not states.may(request.user, action, case):
        raise PermissionDenied(_("Your posts do not allow this action on this case."))
    form = _action_form(
        action,
        case,
        request.POST if request.method == "POST" else None,
        prefill=request.GET,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = services.ACTIONS[action](
                actor=request.user, case_id=case.pk, **form.service_values()
            )
        except services.Conflict as exc:
            messages.warning(request, exc.message)
            return redirect("cases:detail", case_id=case.pk)
        except ValidationError as exc:
            add_service_error(form, exc, FIELD_MAP)
        else:
            messages.success(
                request,
                _("%(action)s: done. The case is now “%(status)s”.")
                % {"action": ACTION_LABELS[action], "status": done.get_status_display()},
            )
            return redirect("cases:detail", case_id=case.pk)
    context = {
        "case": case,
        "form": form,
        "action": action,
        "slug": _slug(action),
        "label": ACTION_LABELS[action],
        "confirm": CONFIRM.get(action, ""),
    }
    return render(request, "cases/case_action.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request):
    """A grid worker's patrol report or a hotline call taken by staff. A household card
    can link here with ?household=<id> (a household of the user's scope)."""
    household = None
    household_id = request.GET.get("household") or request.POST.get("household") or ""
    if validators.read_id(household_id) is not None:
        household = get_in_scope(
            Household.objects, request.user, pk=validators.read_id(household_id)
        )
    initial = {"household": household.pk} if household else {}
    bound = request.method == "POST"
    form = CaseCreateForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        initial=initial,
        user=request.user,
    )
    if bound and form.is_valid():
        data = dict(form.cleaned_data)
        common = {
            "actor": request.user,
            "category": data["category"],
            "text": data["text"],
            "title": data["title"],
            "lat": data["lat"],
            "lng": data["lng"],
            "unit_code": data["unit_code"],
            "household_id": data["household"],
            "address": data["address"],
        }
        try:
            # Read before the transaction (decoding takes a while); refused, nothing is made.
            common["photos"] = photo_files.read_photos(data["photos"])
            if data["source"] == Source.PATROL:
                case = services.report_case(**common)
            else:
                case = services.record_hotline_call(
                    **common,
                    village_code=data["village_code"],
                    name=data["name"],
                    phone=data["phone"],
                )
        except ValidationError as exc:
            add_service_error(
                form,
                exc,
                {
                    "location": "lat",
                    "village": "village_code",
                    "unit": "unit_code",
                    "files": "photos",
                },
            )
        else:
            if case.source == Source.HOTLINE:
                done = _("Case %(number)s was recorded. The caller's tracking code: %(code)s.") % {
                    "number": case.number,
                    "code": case.tracking_code,
                }
            else:
                done = _("Case %(number)s was reported.") % {"number": case.number}
            messages.success(request, done)
            return redirect("cases:detail", case_id=case.pk)
    context = {
        "form": form,
        "household": household,
        # A page that comes back cannot keep the chosen files: the user picks them again.
        "photos_dropped": bool(bound and request.FILES.getlist("photos")),
    }
    return render(request, "cases/case_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_phone(request, case_id: int):
    """The reporter's phone, revealed to call them back: a reason, then a tel: link; the
    look is kept in the audit log."""
    case = _case_or_404(request, case_id)
    if not services.may_reveal_phone(request.user, case):
        raise PermissionDenied(_("Your account may not reveal personal data."))
    reason = request.POST.get("reason", _("Call the reporter back")) if case.phone else ""
    error = ""
    phone = ""
    if request.method == "POST":
        try:
            phone = services.reveal_reporter_phone(
                actor=request.user, case_id=case.pk, reason=reason
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(
        request,
        "cases/case_phone.html",
        {"case": case, "reason": reason, "error": error, "phone": phone},
    )
