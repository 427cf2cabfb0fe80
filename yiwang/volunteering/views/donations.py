"""Pages of funds and donations: the funds of the user's scope, opening a fund (an
organiser), a fund's page (its balance, the gifts and pay-outs, the forms to record them
and to confirm a gift), and the public monthly statement of a fund (public_urls), without
a login: what came in and went out each month and the balance at its end, no names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.areas import picker
from yiwang.core import audit, menus
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope, get_or_404
from yiwang.volunteering import access
from yiwang.volunteering.forms.donations import DonationForm, FundForm, PayoutForm
from yiwang.volunteering.models import Donation, Fund, Payout
from yiwang.volunteering.selectors.donations import monthly_statement, years_of
from yiwang.volunteering.services import donations as services

RECENT = 30
# The years a statement is asked for (as the API reads them).
YEARS = (2000, 2100)


@login_required
def fund_list(request):
    funds = Fund.objects.visible_to(request.user).order_by("area_code", "name")
    return render(
        request,
        "volunteering/funds_list.html",
        {"funds": list(funds), "may_open": access.organises_somewhere(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def fund_create(request):
    if not access.organises_somewhere(request.user):
        raise PermissionDenied(_("Only a grid chief, a cadre or an admin may open a fund."))
    form = FundForm(request.POST or None)
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            fund = services.create_fund(request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The fund %(name)s was opened.") % {"name": fund.name})
            return redirect("volunteering:fund", fund.pk)
    return render(request, "volunteering/funds_form.html", {"form": form})


def _fund(request, fund_id: int) -> Fund:
    return get_in_scope(Fund.objects.all(), request.user, pk=fund_id)


def _fund_page(request, fund, *, status=200, **forms):
    return render(
        request,
        "volunteering/funds_detail.html",
        {
            "fund": fund,
            "may_keep": access.can_organise(request.user, fund.area_code),
            "donations": list(
                Donation.objects.filter(fund=fund).select_related("confirmed_by")[:RECENT]
            ),
            "payouts": list(Payout.objects.filter(fund=fund)[:RECENT]),
            "donation_form": forms.get("donation_form") or DonationForm(),
            "payout_form": forms.get("payout_form") or PayoutForm(),
            "year": timezone.localdate().year,
        },
        status=status,
    )


@login_required
def fund_detail(request, fund_id: int):
    return _fund_page(request, _fund(request, fund_id))


@login_required
@require_POST
def fund_donation(request, fund_id: int):
    fund = _fund(request, fund_id)
    form = DonationForm(request.POST)
    if form.is_valid():
        try:
            services.record_donation(request.user, fund=fund.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The gift was recorded."))
            return redirect("volunteering:fund", fund.pk)
    return _fund_page(request, fund, status=400, donation_form=form)


@login_required
@require_POST
def fund_payout(request, fund_id: int):
    fund = _fund(request, fund_id)
    form = PayoutForm(request.POST)
    if form.is_valid():
        try:
            services.pay_out(request.user, fund=fund.pk, **form.cleaned_data)
        except ValidationError as exc:  # Short too: the balance in the message
            add_service_error(form, exc)
        else:
            messages.success(request, _("The pay-out was recorded."))
            return redirect("volunteering:fund", fund.pk)
    return _fund_page(request, _fund(request, fund_id), status=400, payout_form=form)


@login_required
@require_POST
def donation_confirm(request, donation_id: int):
    donation = get_in_scope(Donation.objects.all(), request.user, pk=donation_id)
    services.confirm_donation(request.user, donation.pk)
    messages.success(request, _("The gift was confirmed received."))
    if donation.fund_id:
        return redirect("volunteering:fund", donation.fund_id)
    return redirect("volunteering:wish", donation.wish_id)


# --- the public statement -----------------------------------------------------------------------


def public_statement(request, fund_id: int):
    """A fund's monthly statement for anyone: sums only, no donor's or recipient's name."""
    fund = get_or_404(Fund.objects.all(), pk=fund_id)
    text = request.GET.get("year") or ""
    year = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None
    if text and (year is None or not YEARS[0] <= year <= YEARS[1]):
        raise Http404(_("Not found."))
    statement = monthly_statement(fund, year or timezone.localdate().year)
    from yiwang.areas.models import Area

    area = Area.objects.filter(code=fund.area_code).values_list("name", flat=True).first()
    return render(
        request,
        "volunteering/public_statement.html",
        {"fund": fund, "statement": statement, "area_name": area or "", "years": years_of(fund)},
    )


urlpatterns = [
    path("volunteering/funds/", fund_list, name="funds"),
    path("volunteering/funds/new/", fund_create, name="fund-create"),
    path("volunteering/funds/<int:fund_id>/", fund_detail, name="fund"),
    path("volunteering/funds/<int:fund_id>/donations/", fund_donation, name="fund-donation"),
    path("volunteering/funds/<int:fund_id>/payouts/", fund_payout, name="fund-payout"),
    path(
        "volunteering/donations/<int:donation_id>/confirm/",
        donation_confirm,
        name="donation-confirm",
    ),
]
public_urlpatterns = [
    path("funds/<int:fund_id>/statement/", public_statement, name="statement"),
]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="volunteering.funds",
            label=gettext_lazy("Funds and donations"),
            url_name="volunteering:funds",
            section="volunteering",
            order=50,
        )
    )
    audit.register_actions(
        {
            "volunteering_fund.create": gettext_lazy("Open a fund"),
            "volunteering_donation.create": gettext_lazy("Record a donation"),
            "volunteering_donation.confirm": gettext_lazy("Confirm a donation received"),
            "volunteering_payout.create": gettext_lazy("Pay out of a fund"),
        }
    )
