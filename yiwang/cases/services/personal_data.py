"""The reporter's full phone number, revealed to call them back, the look kept in the
audit log (as the ledger's reveal of a resident's number is)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.cases import states
from yiwang.cases.models import Case
from yiwang.core import audit, validators
from yiwang.core.scoping import get_in_scope


def may_reveal_phone(user, case: Case) -> bool:
    """Who may call the reporter back: the case's dispatcher and handler, and whoever may
    reveal the ledger's personal data."""
    return (
        states.is_dispatcher(user, case)
        or states.is_handler(user, case)
        or user.has_perm("registry.reveal_personal_data")
    )


@transaction.atomic
def reveal_reporter_phone(*, actor, case_id: int, reason: str) -> str:
    """The reporter's full phone number, for someone who may call them and says why; the
    look is kept in the audit log."""
    case = get_in_scope(Case.objects.all(), actor, recheck=True, pk=case_id)
    if not may_reveal_phone(actor, case):
        raise PermissionDenied(_("Your account may not reveal personal data."))
    if not case.phone:
        raise ValidationError({"reason": _("The reporter left no phone number.")})
    reason = validators.normalize_text(reason)
    if len(reason) < 4:
        raise ValidationError({"reason": _("Say why you need to see it (at least 4 characters).")})
    audit.record(actor=actor, action="case.reveal_phone", obj=case, after={"reason": reason})
    return case.phone
