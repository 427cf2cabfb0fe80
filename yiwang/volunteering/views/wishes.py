"""Pages of micro-wishes (微心愿) for those who work in an area: the wishes of their scope
(filtered by status and area), recording a wish on a resident's behalf, a wish's page with
its claim, its fulfilment (photos from the phone's camera, the recipient's confirmation),
its story and its cancellation; and the public wall (public_urls), without a login, that
shows the open and claimed wishes (their title, never their description) with their
village and the person masked.

Each page reads through `visible_to` (404 outside the scope) and writes through one
service; a service's ValidationError goes back onto the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.areas.codes import LENGTH_BY_LEVEL
from yiwang.core import audit, menus, validators
from yiwang.core import photos as photo_files
from yiwang.core.forms import add_service_error
from yiwang.core.masking import mask_name
from yiwang.core.scoping import get_in_scope, get_or_404
from yiwang.notices import kinds as notice_kinds
from yiwang.registry.models import Resident, ResidentStatus
from yiwang.volunteering import access
from yiwang.volunteering.filters.wishes import WishFilterSet
from yiwang.volunteering.forms.wishes import (
    CancelForm,
    ClaimForm,
    FulfilForm,
    StoryForm,
    WishForm,
)
from yiwang.volunteering.models import (
    ClaimerKind,
    Volunteer,
    Wish,
    WishClaim,
    WishPhoto,
    WishStatus,
)
from yiwang.volunteering.services import wishes as services

PAGE_SIZE = 50
SEARCH_HITS = 20
QUERY_MAX = 50
WALL_SIZE = 60
# The claim form's blocks shown by the claimer's kind (wish_claim.js; all without it).
VOLUNTEER_KINDS = (ClaimerKind.VOLUNTEER, ClaimerKind.PARTY_MEMBER)


def _wishes(user):
    return Wish.objects.visible_to(user).select_related("recipient", "claim")


def _claim_of(wish):
    try:
        return wish.claim
    except WishClaim.DoesNotExist:
        return None


def _claimer(wish) -> str:
    """The claimer's name, masked as every name is by default ("" when unclaimed)."""
    claim = _claim_of(wish)
    return mask_name(claim.claimer_name) if claim is not None else ""


# --- the workers' pages ---------------------------------------------------------------------


@login_required
def wish_list(request):
    filterset = WishFilterSet(
        request.GET, queryset=_wishes(request.user).order_by("-created_at", "-id"), request=request
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(wish, _claimer(wish)) for wish in page.object_list]
    return render(
        request,
        "volunteering/wishes_list.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "rows": rows,
            "may_record": access.works_in_an_area(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def wish_create(request):
    if not access.works_in_an_area(request.user):
        raise PermissionDenied(_("Only those who work in an area may record a wish."))
    query = _query(request.GET, "q")
    residents = Resident.objects.visible_to(request.user).filter(status=ResidentStatus.LIVING)
    chosen = None
    asked = request.POST.get("recipient") or request.GET.get("recipient")
    if asked:
        pk = validators.read_id(asked)
        chosen = residents.filter(pk=pk).first() if pk is not None else None
    hits = []
    if query and chosen is None:
        hits = list(
            residents.filter(name__contains=query)
            .select_related("household")
            .order_by("name", "id")[:SEARCH_HITS]
        )
    form = WishForm(request.POST or None, initial={"recipient": chosen.pk if chosen else ""})
    # A recipient that is no id comes back to the search with the notice; one out of the
    # scope is not found (404), by the service.
    if request.method == "POST" and form.is_valid():
        try:
            wish = services.record_wish(request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The wish %(number)s was recorded.") % {"number": wish.number}
            )
            return redirect("volunteering:wish", wish.pk)
    return render(
        request,
        "volunteering/wishes_form.html",
        {
            "form": form,
            "query": query,
            "hits": hits,
            "chosen": chosen,
            # A recipient asked for but not found (not an id, not a living resident of
            # the scope): said above the search, which comes instead of the form.
            "recipient_missing": bool(asked) and chosen is None,
        },
    )


def _query(data, name: str) -> str:
    return " ".join(str(data.get(name) or "").split())[:QUERY_MAX]


def _claimers(user):
    """The volunteers and the enterprises (outreach's) a claim may name: active, in the
    user's scope."""
    from yiwang.outreach.models import Enterprise

    return (
        Volunteer.objects.visible_to(user).filter(is_active=True),
        Enterprise.objects.visible_to(user).filter(is_active=True),
    )


def _chosen(queryset, value):
    pk = validators.read_id(value) if value else None
    return queryset.filter(pk=pk).first() if pk is not None else None


def _claim_context(request, claim_form) -> dict:
    """The claim form's searches (GET `vq` for a volunteer, `eq` for an enterprise: their
    hits link back with `volunteer` or `enterprise` and the kind) and who was chosen (from
    such a link, or from the form sent back). Plain links and GET forms: no JavaScript."""
    volunteers, enterprises = _claimers(request.user)
    source = claim_form.data if claim_form is not None else request.GET
    chosen_volunteer = _chosen(volunteers, source.get("volunteer"))
    chosen_enterprise = _chosen(enterprises, source.get("enterprise"))
    volunteer_query = _query(request.GET, "vq") if chosen_volunteer is None else ""
    enterprise_query = _query(request.GET, "eq") if chosen_enterprise is None else ""
    kind = request.GET.get("kind")
    if kind not in ClaimerKind.values:
        kind = (
            ClaimerKind.ENTERPRISE
            if chosen_enterprise is not None or enterprise_query
            else ClaimerKind.VOLUNTEER
        )
    if claim_form is None:
        claim_form = ClaimForm(
            initial={
                "kind": kind,
                "volunteer": chosen_volunteer.pk if chosen_volunteer else "",
                "enterprise": chosen_enterprise.pk if chosen_enterprise else "",
            }
        )
    return {
        "claim_form": claim_form,
        "claim_kind": kind,
        "volunteer_kinds": " ".join(VOLUNTEER_KINDS),
        "chosen_volunteer": chosen_volunteer,
        "chosen_enterprise": chosen_enterprise,
        "volunteer_query": volunteer_query,
        "enterprise_query": enterprise_query,
        "volunteer_hits": list(
            volunteers.filter(name__contains=volunteer_query).order_by("name", "id")[:SEARCH_HITS]
        )
        if volunteer_query
        else [],
        "enterprise_hits": list(
            enterprises.filter(name__contains=enterprise_query).order_by("name", "id")[:SEARCH_HITS]
        )
        if enterprise_query
        else [],
    }


def _detail_context(request, wish, **forms) -> dict:
    user = request.user
    may_record = access.can_record(user, wish.area_code)
    context = {
        "wish": wish,
        "claim": _claim_of(wish),
        "claimer_name": _claimer(wish),
        "recipient_name": mask_name(wish.recipient.name),
        "confirmed_by": services.confirmed_by_shown(user, wish.confirmed_by_recipient),
        "photos": list(wish.photos.all()),
        "may_record": may_record,
        "may_cancel": wish.status in (WishStatus.OPEN, WishStatus.CLAIMED)
        and (access.can_organise(user, wish.area_code) or wish.recorded_by_id == user.pk),
        "fulfil_form": forms.get("fulfil_form") or FulfilForm(),
        "story_form": forms.get("story_form") or StoryForm(initial={"story": wish.story}),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "photo_error": forms.get("photo_error", ""),
    }
    if may_record and wish.status == WishStatus.OPEN:
        context.update(_claim_context(request, forms.get("claim_form")))
    return context


def _wish(request, wish_id: int):
    return get_in_scope(_wishes(request.user), request.user, pk=wish_id)


@login_required
def wish_detail(request, wish_id: int):
    wish = _wish(request, wish_id)
    return render(request, "volunteering/wishes_detail.html", _detail_context(request, wish))


@login_required
@require_POST
def wish_claim(request, wish_id: int):
    wish = _wish(request, wish_id)
    form = ClaimForm(request.POST)
    if form.is_valid():
        try:
            services.claim_wish(request.user, wish.pk, **form.cleaned_data)
        except ValidationError as exc:  # a Conflict too: the winner's name, masked
            add_service_error(form, exc)
        else:
            messages.success(request, _("The claim was recorded."))
            return redirect("volunteering:wish", wish.pk)
    context = _detail_context(request, _wish(request, wish_id), claim_form=form)
    return render(request, "volunteering/wishes_detail.html", context, status=400)


@login_required
@require_POST
def wish_fulfil(request, wish_id: int):
    wish = _wish(request, wish_id)
    form = FulfilForm(request.POST)
    photo_error = ""
    if form.is_valid():
        try:
            services.fulfil_wish(
                request.user,
                wish.pk,
                photos=request.FILES.getlist("photos"),
                confirmed_by=form.cleaned_data["confirmed_by"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "photos" in exc.error_dict:
                photo_error = " ".join(exc.message_dict.pop("photos"))
                exc = ValidationError(exc.message_dict) if exc.message_dict else None
            if exc is not None:
                add_service_error(form, exc)
        else:
            messages.success(request, _("The wish was recorded fulfilled. Thank you."))
            return redirect("volunteering:wish", wish.pk)
    context = _detail_context(request, wish, fulfil_form=form, photo_error=photo_error)
    return render(request, "volunteering/wishes_detail.html", context, status=400)


@login_required
@require_POST
def wish_story(request, wish_id: int):
    wish = _wish(request, wish_id)
    form = StoryForm(request.POST)
    if form.is_valid():
        try:
            services.add_story(request.user, wish.pk, form.cleaned_data["story"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The story was saved."))
            return redirect("volunteering:wish", wish.pk)
    context = _detail_context(request, wish, story_form=form)
    return render(request, "volunteering/wishes_detail.html", context, status=400)


@login_required
@require_POST
def wish_cancel(request, wish_id: int):
    wish = _wish(request, wish_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_wish(request.user, wish.pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The wish was cancelled."))
            return redirect("volunteering:wish", wish.pk)
    context = _detail_context(request, wish, cancel_form=form)
    return render(request, "volunteering/wishes_detail.html", context, status=400)


@login_required
def wish_photo(request, wish_id: int, photo_id: int, variant: str):
    wish = _wish(request, wish_id)
    row = get_or_404(WishPhoto.objects.filter(wish=wish), pk=photo_id)
    return photo_files.file_response(row, variant)


# --- the public wall ---------------------------------------------------------------------------


def public_wall(request):
    """The open and claimed wishes, newest first: the wish (its title), its village, the
    person masked (never the full name), and whether it waits for a claimer. Never the
    description, where workers write what identifies the person (school, family)."""
    from yiwang.areas.models import Area

    rows = list(
        Wish.objects.filter(status__in=[WishStatus.OPEN, WishStatus.CLAIMED])
        .select_related("recipient")
        .order_by("-status", "-created_at", "-id")[:WALL_SIZE]
    )
    villages = dict(
        Area.objects.filter(
            code__in={w.area_code[: LENGTH_BY_LEVEL["village"]] for w in rows}
        ).values_list("code", "name")
    )
    cards = [
        {
            "number": wish.number,
            "title": wish.title,  # the wish itself; the description is never shown here
            "value": wish.value,
            "status": wish.status,
            "status_label": wish.get_status_display(),
            "village": villages.get(wish.area_code[: LENGTH_BY_LEVEL["village"]], ""),
            "person": mask_name(wish.recipient.name),
        }
        for wish in rows
    ]
    return render(request, "volunteering/public_wall.html", {"cards": cards})


urlpatterns = [
    path("volunteering/wishes/", wish_list, name="wishes"),
    path("volunteering/wishes/new/", wish_create, name="wish-create"),
    path("volunteering/wishes/<int:wish_id>/", wish_detail, name="wish"),
    path("volunteering/wishes/<int:wish_id>/claim/", wish_claim, name="wish-claim"),
    path("volunteering/wishes/<int:wish_id>/fulfil/", wish_fulfil, name="wish-fulfil"),
    path("volunteering/wishes/<int:wish_id>/story/", wish_story, name="wish-story"),
    path("volunteering/wishes/<int:wish_id>/cancel/", wish_cancel, name="wish-cancel"),
    path(
        "volunteering/wishes/<int:wish_id>/photos/<int:photo_id>/<str:variant>/",
        wish_photo,
        name="wish-photo",
    ),
]
public_urlpatterns = [path("wishes/", public_wall, name="wall")]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="volunteering.wishes",
            label=gettext_lazy("Micro-wishes"),
            url_name="volunteering:wishes",
            section="volunteering",
            order=40,
        )
    )
    notice_kinds.register(
        notice_kinds.Kind(
            services.NOTICE_KIND,
            gettext_lazy("Micro-wish unclaimed"),
            "volunteering",
            object_type="volunteering.wish",
            links=services.wish_links,
        )
    )
    audit.register_actions(
        {
            "volunteering_wish.create": gettext_lazy("Record a micro-wish"),
            "volunteering_wish.claim": gettext_lazy("Claim a micro-wish"),
            "volunteering_wish.fulfil": gettext_lazy("Fulfil a micro-wish"),
            "volunteering_wish.story": gettext_lazy("Write a micro-wish's story"),
            "volunteering_wish.cancel": gettext_lazy("Cancel a micro-wish"),
            "volunteering_wish.raise": gettext_lazy("Raise an unclaimed micro-wish"),
        }
    )
