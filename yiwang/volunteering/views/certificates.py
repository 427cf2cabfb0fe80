"""Pages of hours certificates: issuing one for a volunteer (a period; the grid chief, a
cadre, a town or county admin over the volunteer's area), its PDF (in scope, 404
outside it), and the public check (no login, mounted under /public/): a certificate by
the secret code of its QR code's address, or by its number and check code typed on a
small form. An unknown or forged code answers 404 with a page that says so. The public
pages show the name and the ID number masked, never in full."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.core.forms import add_service_error
from yiwang.core.masking import mask_name
from yiwang.core.scoping import get_in_scope
from yiwang.volunteering import access, certificate_pdf
from yiwang.volunteering.forms.certificates import CheckForm, IssueForm
from yiwang.volunteering.models import Certificate, Volunteer
from yiwang.volunteering.services import certificates as services


@login_required
@require_http_methods(["GET", "POST"])
def certificate_issue(request, volunteer_id: int):
    """Issues a volunteer's hours certificate for a period."""
    volunteer = get_in_scope(Volunteer.objects, request.user, pk=volunteer_id)
    if not access.can_issue(request.user, volunteer.area_code):
        raise PermissionDenied(services.refused_message())
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificate = services.issue_certificate(
                request.user,
                volunteer.pk,
                first_day=data["first_day"],
                last_day=data["last_day"],
                handler=data["handler"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Certificate %(number)s was issued: download its PDF below.")
                % {"number": certificate.number},
            )
            return redirect("volunteering:volunteer-hours", volunteer.pk)
    return render(
        request, "volunteering/certificate_issue.html", {"form": form, "volunteer": volunteer}
    )


@login_required
@require_GET
def certificate_download(request, certificate_id: int):
    """The certificate's PDF, printed from what it stated when issued."""
    certificate = get_in_scope(Certificate.objects, request.user, pk=certificate_id)
    response = HttpResponse(certificate_pdf.render(certificate), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{certificate_pdf.file_name(certificate)}"'
    )
    response["Cache-Control"] = "private, no-cache"
    return response


def _public(response):
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


def _not_found(request, form=None):
    return _public(
        render(
            request,
            "volunteering/public_certificate_missing.html",
            {"form": form or CheckForm()},
            status=404,
        )
    )


@require_GET
def public_certificate(request, check_code: str):
    """What the certificate stated, for anyone who scans its QR code."""
    certificate = Certificate.objects.filter(check_code=check_code).first()
    if certificate is None:
        return _not_found(request)
    return _public(
        render(
            request,
            "volunteering/public_certificate.html",
            {
                "certificate": certificate,
                "masked_name": mask_name(certificate.volunteer_name),
                "total": certificate.credit_hours + certificate.honour_hours,
            },
        )
    )


@require_GET
def public_check(request):
    """The number and check code typed by whoever holds the paper: the certificate's page
    when both match one, the page of a certificate not found otherwise."""
    if not request.GET:
        return _public(
            render(request, "volunteering/public_certificate_check.html", {"form": CheckForm()})
        )
    form = CheckForm(request.GET)
    if not form.is_valid():
        return _public(
            render(
                request, "volunteering/public_certificate_check.html", {"form": form}, status=400
            )
        )
    found = services.find_by_check(form.cleaned_data["number"], form.cleaned_data["check_code"])
    if found is None:
        return _not_found(request, form)
    return redirect("volunteering-public:certificate", found.check_code)


urlpatterns = [
    path(
        "volunteering/volunteers/<int:volunteer_id>/certificates/new/",
        certificate_issue,
        name="certificate-issue",
    ),
    path(
        "volunteering/certificates/<int:certificate_id>/pdf/",
        certificate_download,
        name="certificate-pdf",
    ),
]

public_urlpatterns = [
    path("volunteering/certificates/", public_check, name="certificate-check"),
    path("volunteering/certificates/<str:check_code>/", public_certificate, name="certificate"),
]


def register() -> None:
    """The audit's labels of certificates and of the national export."""
    from yiwang.core import audit

    audit.register_actions(
        {
            "volunteering_certificate.issue": gettext_lazy("Issue an hours certificate"),
            "volunteering_hours.export": gettext_lazy(
                "Export volunteer hours for the national system"
            ),
        }
    )
