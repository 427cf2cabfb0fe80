"""Input readers and loaders the battle map's services share: ids, dates, amounts,
choices, the project in the actor's sight, the working calendar's refusal as a message."""

from __future__ import annotations

import datetime
import uuid as uuid_module
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import access as core_access
from yiwang.core import validators
from yiwang.core.scoping import get_or_404
from yiwang.projects import access
from yiwang.projects.models import MONEY, Project
from yiwang.projects.workdays import UnknownCalendarYear

MONEY_MAX = Decimal(10 ** (MONEY["max_digits"] - MONEY["decimal_places"])) - Decimal("0.01")


def read_pk(value):
    """An id (or a row) as sent, else 404: an id that is no id is a row that is not there."""
    pk = validators.read_id(getattr(value, "pk", value))
    if pk is None:
        raise Http404(_("Not found."))
    return pk


def read_uuid(value, field: str = "uuid") -> uuid_module.UUID:
    if isinstance(value, uuid_module.UUID):
        return value
    try:
        return uuid_module.UUID(str(value or "").strip())
    except ValueError:
        raise ValidationError(
            {
                field: [
                    _(
                        "Not a UUID: the app makes one for each entry, e.g. with crypto.randomUUID()."
                    )
                ]
            }
        ) from None


def read_date(value, field: str, errors: dict, *, required: bool = True) -> datetime.date | None:
    """A date as typed or sent (yiwang.core.validators.clean_date), or a message on `field`."""
    try:
        day = validators.clean_date(value)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)
        return None
    if day is None and required:
        errors.setdefault(field, []).append(_("Give the date, e.g. 2026-03-05."))
    return day


def not_in_future(day, field: str, errors: dict) -> None:
    if day is not None and day > timezone.localdate():
        errors.setdefault(field, []).append(
            _("The date %(day)s is in the future: give a day that has come.")
            % {"day": day.isoformat()}
        )


def read_money(value, field: str, errors: dict, *, required: bool = True) -> Decimal | None:
    """An amount of 10k yuan, 0 or more with at most two decimals, or a message."""
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(
                _("Give the amount in 10k yuan: a number, e.g. 1200 or 35.50.")
            )
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if (
        amount is None
        or not amount.is_finite()
        or amount < 0
        or amount > MONEY_MAX
        or amount != amount.quantize(Decimal("0.01"))
    ):
        errors.setdefault(field, []).append(
            _(
                "Give the amount in 10k yuan: a number from 0 to %(max)s with at most two "
                "decimal places, e.g. 1200 or 35.50."
            )
            % {"max": MONEY_MAX}
        )
        return None
    return amount


def read_percent(value, field: str, errors: dict, *, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("Give the percentage, from 0 to 100."))
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or not 0 <= number <= 100:
        errors.setdefault(field, []).append(_("Give the percentage, from 0 to 100."))
        return None
    return number


def read_choice(value, choices, field: str, errors: dict, message) -> str:
    if value not in choices.values:
        errors.setdefault(field, []).append(str(message))
        return ""
    return str(value)


def read_user(value, field: str, errors: dict):
    """An active user (a row or an id), None for empty input, or a message."""
    from yiwang.accounts.models import User

    if value in (None, ""):
        return None
    pk = validators.read_id(getattr(value, "pk", value))
    found = User.objects.filter(pk=pk, is_active=True).first() if pk else None
    if found is None:
        errors.setdefault(field, []).append(_("Choose an active user from the list."))
    return found


def raise_errors(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


@contextmanager
def calendar_known(field: str):
    """A day in a year the working calendar does not know: its message on `field`."""
    try:
        yield
    except UnknownCalendarYear as exc:
        raise ValidationError({field: [str(exc)]}) from None


def load_project(actor, project, *, lock: bool = False) -> Project:
    """The project as the actor sees it (404 outside their sight), after re-reading their
    posts inside the transaction; every project for `actor=None`."""
    projects = Project.objects.all()
    if actor is not None:
        core_access.recheck(actor)
        q = access.project_q(actor)
        if q is not None:
            projects = projects.filter(q)
    return get_or_404(projects, lock=lock, pk=read_pk(project))


def require_manager(actor, project: Project) -> None:
    if not access.can_manage(actor, project.area_code):
        raise PermissionDenied(
            _("Only the county's command post and the town's admins may change this project.")
        )


def require_command_post(actor) -> None:
    """Refused unless the actor is the county's command post, their posts re-read inside
    the transaction (a post ended a moment ago no longer counts)."""
    if actor is None:
        return
    core_access.recheck(actor)
    if not access.is_command_post(actor):
        raise PermissionDenied(
            _("Only the county's command post (a county admin) may change this setting.")
        )
