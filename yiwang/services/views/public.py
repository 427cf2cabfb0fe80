"""The public tracking page of help requests (/public/services/track/): no login; the
resident types the code of the receipt, or opens the receipt's QR code (?code=). It shows
what services.help.public_status gives: the item, the steps with their dates, the due
day; nothing personal (no name, ID number or phone), no names of staff.

Floods are held back as on the cases' tracking page (yiwang.cases.views.public.Limit,
per client address): at most SERVICES_PUBLIC_LOOKUP_LIMIT look-ups and
SERVICES_PUBLIC_MISS_LIMIT unknown codes a window; past a limit the answer is 429 with a
page saying when to try again."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from yiwang.cases.services import clean_tracking_code
from yiwang.cases.views.public import Limit, client_key, grouped_code
from yiwang.services.services import help as services

LOOKUPS = Limit("services-lookup", "SERVICES_PUBLIC_LOOKUP_LIMIT", (60, 600))
MISSES = Limit("services-miss", "SERVICES_PUBLIC_MISS_LIMIT", (10, 600))


class TrackForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Tracking code"),
        max_length=30,
        help_text=gettext_lazy("The code on the receipt the village worker gave you."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        )


def _throttled(request, seconds: int):
    minutes = max(1, (seconds + 59) // 60)
    response = render(request, "cases/public_throttled.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def track_page(request):
    """A code typed in the form (POST) or carried by the receipt's QR code (?code=)."""
    data = request.POST if request.method == "POST" else None
    if data is None and request.GET.get("code"):
        data = {"code": request.GET["code"]}
    form = TrackForm(data)
    if data is None or not form.is_valid():
        return render(request, "services/public_track.html", {"form": form})
    client = client_key(request)
    wait = max(LOOKUPS.wait(client), MISSES.wait(client))
    if wait:
        return _throttled(request, wait)
    LOOKUPS.count(client)
    code = clean_tracking_code(form.cleaned_data["code"])
    status = services.public_status(code) if code else None
    if status is None:
        MISSES.count(client)
        form.add_error(
            "code",
            _(
                "No help request was found for this code. Check the code on your receipt "
                "and type it again."
            ),
        )
        return render(request, "services/public_track.html", {"form": form}, status=404)
    return render(
        request,
        "services/public_track.html",
        {
            "form": TrackForm(initial={"code": code}),
            "status": status,
            "code": grouped_code(code),
        },
    )


urlpatterns = [
    path("services/track/", track_page, name="track"),
]
