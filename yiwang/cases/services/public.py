"""The residents' side, with a tracking code: the code as typed, and their own rating of
a resolved request."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.cases.models import Case, CaseEvent, EventKind, Source
from yiwang.cases.services.intake import (
    OLD_TRACKING_ALPHABET,
    OLD_TRACKING_CODE_LENGTH,
    TRACKING_ALPHABET,
    TRACKING_CODE_LENGTH,
)
from yiwang.cases.services.transitions import Conflict, follow_up
from yiwang.core import audit, validators

# --- the public: residents with a tracking code ---------------------------------------
# (yiwang.cases.views.public: the request and tracking pages; their flood limits live there.)

# Marks the follow-up event a resident gave on the tracking page: they rate a case once.
RATED_BY_RESIDENT = "resident"


def clean_tracking_code(value) -> str:
    """A tracking code as typed or read out (spaces, hyphens, full-width or lower-case
    letters allowed); "" when it cannot be one, so that no query is made for it.

    Both kinds are taken: the 8-character codes given now and the 20-character codes
    given before them, which residents still hold (their cases keep them: no code was
    rewritten)."""
    text = validators.normalize_code(str(value or "")).upper()
    code = "".join(ch for ch in text if ch.isalnum())
    if len(code) == TRACKING_CODE_LENGTH:
        alphabet = TRACKING_ALPHABET
    elif len(code) == OLD_TRACKING_CODE_LENGTH:
        alphabet = OLD_TRACKING_ALPHABET
    else:
        return ""
    return code if all(ch in alphabet for ch in code) else ""


def resident_has_rated(case: Case) -> bool:
    return CaseEvent.objects.filter(
        case=case, kind=EventKind.FOLLOWED_UP, data__by=RATED_BY_RESIDENT
    ).exists()


@transaction.atomic
def rate_by_resident(*, tracking_code: str, satisfaction: str, comment: str = "") -> Case:
    """The resident's own follow-up from the tracking page: their satisfaction with a
    resolved case, given once per case (a patrol report has no resident to ask). It takes
    the follow-up path: 不满意 reopens the case while reopens are left (once by default).
    No actor; audited as coming from the web page. 404 for an unknown code, Conflict when
    the case is not waiting for a rating or was rated already."""
    code = clean_tracking_code(tracking_code)
    case = (
        Case.objects.filter(tracking_code=code).exclude(source=Source.PATROL).first()
        if code
        else None
    )
    if case is None:
        raise Http404(_("Not found."))
    if resident_has_rated(case):
        raise Conflict(case, _("This request has been rated already: each request is rated once."))
    from yiwang.core.models import AuditSource

    with audit.audit_source(AuditSource.WEB):
        case = follow_up(actor=None, case_id=case.pk, satisfaction=satisfaction, note=comment)
    event = CaseEvent.objects.filter(case=case, kind=EventKind.FOLLOWED_UP).order_by("-id").first()
    event.data = {**event.data, "by": RATED_BY_RESIDENT}
    event.save(update_fields=["data"])
    return case
