"""Pages of points: benefit passes (权益卡).

Signed in: the passes of the scope (filters month, benefit, grid, revoked; the county
admin's button that issues a month's passes), a pass with its QR code and the revoke form,
the printable sheet of a grid's cards (PDF), the settlement per operator and month (uses
counted, flagged uses listed); the county admin's benefits, signing keys and verifier
devices.
Public (no login, `public_urlpatterns`, mounted under /public/): a pass by its unguessable
pass id, for the resident's phone; the verifier page for a conductor or a gate keeper,
which checks passes offline (static/points/verifier.js), kept by its own service worker
(scope /public/passes/) so that it opens with no signal too.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.areas.picker import limit_to
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope, subtree_q
from yiwang.points import access
from yiwang.points.filters.passes import PassFilterSet
from yiwang.points.forms.passes import (
    BenefitForm,
    CardsForm,
    IssueForm,
    RevokeForm,
    SettlementForm,
    VerifierForm,
)
from yiwang.points.models import Benefit, Pass, SigningKey
from yiwang.points.models.passes import Verifier
from yiwang.points.selectors import passes as selectors
from yiwang.points.services import keys
from yiwang.points.services import passes as services

PAGE_SIZE = 50
REFUSED = gettext_lazy("Only the county admin keeps the benefits, the keys and the verifiers.")


def _names(codes) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


# --- the passes --------------------------------------------------------------------------


@login_required
def pass_list(request):
    queryset = Pass.objects.visible_to(request.user).select_related("benefit", "household")
    filterset = PassFilterSet(request.GET, queryset=queryset, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    names = _names(p.grid_code for p in page.object_list)
    today = timezone.localdate()
    context = {
        "filterset": filterset,
        "page_obj": page,
        "rows": [(p, names.get(p.grid_code, p.grid_code)) for p in page.object_list],
        "benefits": Benefit.objects.all(),
        "today": today,
        "can_configure": scope.can_configure(request.user),
        "issue_form": IssueForm(
            initial={"month": f"{today.replace(day=1) - datetime.timedelta(days=1):%Y-%m}"}
        ),
        "cards_form": _cards_form(request, None),
    }
    return render(request, "points/passes_list.html", context)


def _cards_form(request, data):
    form = CardsForm(data, initial={"month": f"{timezone.localdate():%Y-%m}"})
    limit_to(form, request.user)
    return form


@login_required
@require_POST
def pass_issue(request):
    scope.require_configure(request.user, message=_("Only the county admin may issue the passes."))
    form = IssueForm(request.POST)
    if form.is_valid():
        try:
            made = services.issue_passes(form.cleaned_data["month"], actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(n)s passes were issued.") % {"n": made})
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("points:passes")


@login_required
def pass_detail(request, pass_id: int):
    row = get_in_scope(
        Pass.objects.select_related("benefit", "household", "key"), request.user, pk=pass_id
    )
    form = RevokeForm()
    return _detail(request, row, form)


def _detail(request, row: Pass, form, status=200):
    context = {
        "row": row,
        "grid_name": _names([row.grid_code]).get(row.grid_code, row.grid_code),
        "qr": selectors.qr_svg(row.token, fluid=True),
        "uses": row.uses.order_by("-used_at")[:50],
        "form": form,
        "can_revoke": row.revoked_at is None and access.can_approve(request.user, row.area_code),
        "status": selectors.status_of(row),
    }
    return render(request, "points/passes_detail.html", context, status=status)


@login_required
@require_POST
def pass_revoke(request, pass_id: int):
    row = get_in_scope(Pass.objects.select_related("benefit"), request.user, pk=pass_id)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.revoke_pass(request.user, row.pk, form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The pass was revoked."))
            return redirect("points:pass-detail", row.pk)
    return _detail(request, row, form, status=400)


@login_required
@require_GET
def pass_cards(request):
    """The printable sheet of a grid's cards of a month (PDF): 404 for a grid outside the
    scope."""
    form = _cards_form(request, request.GET)
    if not form.is_valid():
        raise Http404(_("Choose a grid and a month."))
    grid = form.cleaned_data["grid"]
    if not scope.in_scope(request.user, grid) and not any(
        code.startswith(grid) for code in (scope.scope_codes(request.user) or ())
    ):
        raise Http404(_("Not found."))
    area = Area.objects.filter(code=grid).first()
    if area is None:
        raise Http404(_("Not found."))
    month = form.cleaned_data["month"]
    rows = list(
        Pass.objects.visible_to(request.user)
        .filter(subtree_q("area_code", grid), valid_from=month, revoked_at__isnull=True)
        .select_related("benefit")
        .order_by("benefit__code", "area_code", "household_id")
    )
    if not rows:
        messages.info(request, _("No passes of this grid in that month."))
        return redirect("points:passes")
    pdf = selectors.cards_pdf(area, month, rows)
    name = f"passes-{area.code}-{month:%Y-%m}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
def settlement(request):
    form = SettlementForm(request.GET or None)
    month = timezone.localdate().replace(day=1)
    if form.is_valid() and form.cleaned_data["month"]:
        month = form.cleaned_data["month"]
    result = selectors.settlement(request.user, month)
    return render(
        request,
        "points/passes_settlement.html",
        {"form": form, "month": month, "result": result},
    )


# --- settings: benefits, keys, verifier devices ------------------------------------------


@login_required
def benefit_list(request):
    scope.require_configure(request.user, message=REFUSED)
    return render(request, "points/passes_benefits.html", {"rows": Benefit.objects.all()})


def _benefit_page(request, benefit: Benefit | None):
    scope.require_configure(request.user, message=REFUSED)
    form = BenefitForm(request.POST or None, benefit=benefit)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_benefit(request.user, benefit=benefit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The benefit %(name)s was saved.") % {"name": saved.name})
            return redirect("points:benefits")
    return render(request, "points/passes_benefit_form.html", {"form": form, "benefit": benefit})


@login_required
@require_http_methods(["GET", "POST"])
def benefit_create(request):
    return _benefit_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def benefit_edit(request, code: str):
    scope.require_configure(request.user, message=REFUSED)
    return _benefit_page(request, get_object_or_404(Benefit, code=code))


@login_required
def key_list(request):
    scope.require_configure(request.user, message=REFUSED)
    published = set(keys.published_keys().values_list("pk", flat=True))
    rows = [
        (key, key.pk in published, Pass.objects.filter(key=key).count())
        for key in SigningKey.objects.all()[:50]
    ]
    return render(request, "points/passes_keys.html", {"rows": rows})


@login_required
@require_POST
def key_rotate(request):
    scope.require_configure(request.user, message=REFUSED)
    key = keys.rotate_key(request.user)
    messages.success(
        request, _("A new signing key %(kid)s signs the passes from now on.") % {"kid": key.kid}
    )
    return redirect("points:signing-keys")


@login_required
@require_http_methods(["GET", "POST"])
def verifier_list(request):
    """The verifier devices; the form that registers one shows its code once."""
    scope.require_configure(request.user, message=REFUSED)
    form = VerifierForm(request.POST or None)
    code = device = None
    if request.method == "POST" and form.is_valid():
        try:
            device, code = services.register_verifier(request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            form = VerifierForm()
    context = {"form": form, "code": code, "device": device, "rows": Verifier.objects.all()}
    return render(request, "points/passes_verifiers.html", context)


@login_required
@require_POST
def verifier_deactivate(request, verifier_id: int):
    scope.require_configure(request.user, message=REFUSED)
    services.deactivate_verifier(request.user, verifier_id)
    messages.success(request, _("The device can no longer fetch or send anything."))
    return redirect("points:verifiers")


# --- public pages ------------------------------------------------------------------------


@require_GET
def public_pass(request, pass_uuid):
    """A pass for the resident's phone, by its unguessable id: the QR code large, the
    masked name, the benefit, the grid, the validity; revoked or expired said plainly."""
    row = Pass.objects.select_related("benefit").filter(pass_id=pass_uuid).first()
    if row is None:
        raise Http404(_("Not found."))
    status = selectors.status_of(row)
    context = {
        "row": row,
        "grid_name": _names([row.grid_code]).get(row.grid_code, ""),
        "qr": selectors.qr_svg(row.token, fluid=True)
        if status == "valid" or status == "upcoming"
        else "",
        "status": status,
    }
    response = render(request, "points/passes_public.html", context)
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def verifier_page(request):
    """The verifier (a conductor's or a gate keeper's phone): checks passes with the keys
    and the revocation list it keeps, offline too; keeps each use and sends it when online."""
    from django.conf import settings

    return render(
        request,
        "points/passes_verifier.html",
        {"time_zone": settings.TIME_ZONE, "texts": _verifier_texts()},
    )


# The verifier page's static files, kept by its service worker with the page itself.
VERIFIER_ASSETS = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "django_htmx/htmx-2.min.js",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "css/yiwang.css",
    "js/yiwang.js",
    "img/favicon.svg",
    "points/verifier.js",
    "vendor/noble-ed25519/index.js",
    "vendor/noble-ed25519/hashes/sha2.js",
    "vendor/noble-ed25519/hashes/_md.js",
    "vendor/noble-ed25519/hashes/_u64.js",
    "vendor/noble-ed25519/hashes/utils.js",
)


@require_GET
def verifier_worker(request):
    """The verifier's service worker, scoped to /public/passes/: the page and its files
    kept for opening with no signal."""
    import hashlib
    import json

    from django.templatetags.static import static
    from django.urls import reverse

    files = [reverse("points-public:pass-verifier"), *(static(p) for p in VERIFIER_ASSETS)]
    version = hashlib.sha256(json.dumps(files).encode()).hexdigest()[:16]
    body = render_to_string(
        "points/passes_verifier_sw.js", {"files": json.dumps(files), "version": version}
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    # The browser checks for a new worker at every navigation; never an old one from a cache.
    response["Cache-Control"] = "no-cache"
    return response


def _verifier_texts() -> list[tuple[str, str]]:
    """The verifier's messages (the reasons as the server gives them), for its script."""
    return [
        ("valid", _("The pass is valid.")),
        ("malformed", _("The pass cannot be read: the code is damaged or incomplete.")),
        ("unknown-key", _("The pass is signed with a key this system does not know.")),
        ("bad-signature", _("The signature does not match: the pass was altered or forged.")),
        ("not-yet-valid", _("The pass is not valid yet: it is valid from %(day)s.")),
        ("expired", _("The pass has expired: it was valid until %(day)s.")),
        ("revoked", _("The pass was revoked.")),
        ("no-keys", _("No keys on this device yet: connect once to fetch them.")),
        ("bad-code", _("This device code is not valid: check it, or ask the county admin.")),
        ("no-place", _("Give the place where the passes are checked.")),
        ("no-network", _("No connection: the device code is checked once online.")),
        ("online", _("Online")),
        ("offline", _("Offline: passes are checked with the keys kept on this device.")),
        ("waiting", _("%(count)s uses waiting to be sent")),
        ("sent", _("Every use has been sent.")),
        ("refused", _("%(count)s uses refused by the server")),
        ("refused-whole", _("The server refused this use.")),
        ("keys-from", _("Keys and revocation list of %(time)s")),
        ("camera", _("The camera cannot be opened: type or paste the code.")),
    ]


urlpatterns = [
    path("points/passes/", pass_list, name="passes"),
    path("points/passes/issue/", pass_issue, name="pass-issue"),
    path("points/passes/cards/", pass_cards, name="pass-cards"),
    path("points/passes/settlement/", settlement, name="pass-settlement"),
    path("points/passes/<int:pass_id>/", pass_detail, name="pass-detail"),
    path("points/passes/<int:pass_id>/revoke/", pass_revoke, name="pass-revoke"),
    path("points/passes/verifiers/", verifier_list, name="verifiers"),
    path(
        "points/passes/verifiers/<int:verifier_id>/deactivate/",
        verifier_deactivate,
        name="verifier-deactivate",
    ),
    path("points/settings/benefits/", benefit_list, name="benefits"),
    path("points/settings/benefits/new/", benefit_create, name="benefit-create"),
    path("points/settings/benefits/<slug:code>/edit/", benefit_edit, name="benefit-edit"),
    path("points/settings/keys/", key_list, name="signing-keys"),
    path("points/settings/keys/rotate/", key_rotate, name="signing-key-rotate"),
]

public_urlpatterns = [
    path("passes/verifier/", verifier_page, name="pass-verifier"),
    path("passes/verifier-sw.js", verifier_worker, name="pass-verifier-worker"),
    path("passes/<uuid:pass_uuid>/", public_pass, name="pass"),
]


def _links(user, ids) -> dict:
    found = Pass.objects.visible_to(user).filter(pk__in=ids).select_related("benefit")
    from django.urls import reverse

    return {
        row.pk: (
            reverse("points:pass-detail", args=[row.pk]),
            f"{row.benefit.name} {row.holder_masked}",
        )
        for row in found
    }


def register() -> None:
    """This topic's menu items, audit action labels and notification kinds."""
    from yiwang.core import audit, menus
    from yiwang.notices import kinds as notice_kinds
    from yiwang.points import tasks  # noqa: F401  (the monthly issue)

    menus.register(
        menus.MenuItem(
            key="points.passes",
            label=gettext_lazy("Benefit passes"),
            url_name="points:passes",
            section="points",
            order=60,
        ),
        menus.MenuItem(
            key="points.pass_settlement",
            label=gettext_lazy("Pass settlement"),
            url_name="points:pass-settlement",
            section="points",
            order=61,
        ),
        menus.MenuItem(
            key="points.pass_verifiers",
            label=gettext_lazy("Pass verifier"),
            url_name="points:verifiers",
            section="points",
            order=62,
            visible=scope.can_configure,
        ),
        menus.MenuItem(
            key="points.benefits",
            label=gettext_lazy("Benefits"),
            url_name="points:benefits",
            section="settings",
            order=60,
            visible=scope.can_configure,
        ),
        menus.MenuItem(
            key="points.signing_keys",
            label=gettext_lazy("Signing keys"),
            url_name="points:signing-keys",
            section="settings",
            order=61,
            visible=scope.can_configure,
        ),
    )
    notice_kinds.register(
        notice_kinds.Kind(
            services.NOTICE_KIND,
            gettext_lazy("Pass used at two places"),
            "points",
            object_type="points.pass",
            links=_links,
        )
    )
    audit.register_actions(
        {
            "pass.issue": gettext_lazy("Issue the benefit passes of a month"),
            "pass.revoke": gettext_lazy("Revoke a benefit pass"),
            "pass.use": gettext_lazy("A benefit pass used"),
            "pass.key_create": gettext_lazy("Make the first signing key of the passes"),
            "pass.key_rotate": gettext_lazy("Rotate the signing key of the passes"),
            "pass.key_retire": gettext_lazy("Retire a signing key of the passes"),
            "benefit.create": gettext_lazy("Create a benefit"),
            "benefit.update": gettext_lazy("Change a benefit"),
            "verifier.register": gettext_lazy("Register a pass verifier device"),
            "verifier.deactivate": gettext_lazy("Take a pass verifier device out of use"),
        }
    )
