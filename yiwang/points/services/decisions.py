"""The monthly evaluation's decisions (一月一评比): the board's selection within the quotas
and its minutes, the public notice (公示) with its objections and the board's answers, and
the finalisation that pays the rewards (services.funds); the hourly task that finalises
the evaluations whose notice has ended. Closing the month, the boards and the quotas are
services.evaluation's.

`actor=None` is the operator at the command line or a periodic task, who may do all.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.scope import recheck
from yiwang.areas.models import Area
from yiwang.core import audit, validators
from yiwang.core.masking import mask_name
from yiwang.core.scoping import get_in_scope
from yiwang.notices.models import Notification
from yiwang.points import access
from yiwang.points.models import (
    AwardKind,
    AwardSetting,
    Evaluation,
    EvaluationStatus,
    Objection,
    Selection,
    SelectionStatus,
)
from yiwang.points.services import funds
from yiwang.points.services.evaluation import (
    CONTACT_NAME_MAX,
    GRIDS,
    MINUTES_MAX,
    NOTICE_DAYS,
    NOTICE_ENDED,
    NOTICE_FINAL,
    NOTICE_OBJECTION,
    OBJECTION_MAX,
    PART_OF_KIND,
    PARTY_MEMBERS,
    REFUSED_BOARD,
    TEXT_MAX,
    _evaluation,
    _line,
    _raise,
    _require_board,
    _text,
    current_members,
    quota_for,
)
from yiwang.registry.models import Household, Resident
from yiwang.registry.selectors import head_names

# --- selection and minutes ------------------------------------------------------------


def _require_open(evaluation: Evaluation) -> None:
    if evaluation.status != EvaluationStatus.OPEN:
        raise ValidationError(
            _("The evaluation is on public notice or final: the selection can no longer change.")
        )


def _candidate(evaluation: Evaluation, kind: str, subject) -> dict | None:
    part = PART_OF_KIND[kind]
    key = "code" if part == GRIDS else "id"
    text = str(subject or "").strip()
    for row in evaluation.standings.get(part, ()):
        if str(row[key]) == text:
            return row
    return None


def _subject(kind: str, row: dict) -> tuple[dict, str, str]:
    """(the selection's subject fields, its full name, its area code)."""
    part = PART_OF_KIND[kind]
    if part == GRIDS:
        area = Area.objects.filter(code=row["code"]).first()
        return {"grid_code": row["code"]}, area.name if area else row["code"], row["code"]
    if part == PARTY_MEMBERS:
        resident = Resident.objects.get(pk=row["id"])
        return {"resident": resident}, resident.name, resident.area_code
    household = Household.objects.get(pk=row["id"])
    name = head_names([household.pk]).get(household.pk) or str(household)
    return {"household": household}, name, household.area_code


def public_name(kind: str, name: str) -> str:
    """A grid is named as it is; a person or a household masked (张*三)."""
    return name if PART_OF_KIND[kind] == GRIDS else mask_name(name)


@transaction.atomic
def select(*, actor, evaluation_id, kind, subject, reason) -> Selection:
    """The board selects a candidate of the month's standings for an award, within the
    quota of the award for the village (the nearest up the tree), with a reason."""
    evaluation = _evaluation(actor, evaluation_id)
    _require_board(actor, evaluation.area_code)
    _require_open(evaluation)
    errors: dict = {}
    if kind not in AwardKind.values:
        raise ValidationError({"kind": [_("Choose an award.")]})
    reason = _line(reason, field="reason", limit=TEXT_MAX, required=True, errors=errors)
    row = _candidate(evaluation, kind, subject)
    if row is None:
        errors.setdefault("subject", []).append(
            _("Choose one of the month's candidates for this award.")
        )
    _raise(errors)
    fields, name, code = _subject(kind, row)
    chosen = evaluation.selections.filter(kind=kind, status=SelectionStatus.SELECTED)
    if chosen.filter(**fields).exists():
        raise ValidationError({"subject": [_("This candidate is already selected.")]})
    quota = quota_for(evaluation.area_code, kind)
    label = AwardKind(kind).label
    if quota is None:
        raise ValidationError(
            {
                "kind": [
                    _(
                        "No quota is set for %(award)s: the town or county admin sets it "
                        "under Quotas and rewards."
                    )
                    % {"award": label}
                ]
            }
        )
    if chosen.count() >= quota:
        raise ValidationError(
            {
                "kind": [
                    _(
                        "Over the quota: the village may select %(n)d %(award)s a month. "
                        "Remove a selection first."
                    )
                    % {"n": quota, "award": label}
                ]
            }
        )
    selection = Selection.objects.create(
        evaluation=evaluation,
        area_code=code,
        kind=kind,
        public_name=public_name(kind, name),
        points=Decimal(row["points"]),
        reason=reason,
        **fields,
    )
    audit.record(
        actor=actor,
        action="points.selection.add",
        obj=selection,
        object_repr=f"{label}: {selection.public_name}",
        after={"kind": kind, "points": selection.points, "reason": reason},
    )
    return selection


@transaction.atomic
def remove_selection(*, actor, selection_id) -> None:
    selection = get_in_scope(
        Selection.objects.select_related("evaluation"),
        actor,
        recheck=actor is not None,
        pk=selection_id,
    )
    evaluation = _evaluation(None, selection.evaluation_id)
    _require_board(actor, evaluation.area_code)
    _require_open(evaluation)
    audit.record(
        actor=actor,
        action="points.selection.remove",
        obj=selection,
        object_repr=f"{selection.get_kind_display()}: {selection.public_name}",
        before={"kind": selection.kind, "reason": selection.reason},
    )
    selection.delete()


def draft_minutes(evaluation: Evaluation, names: dict | None = None) -> str:
    """The minutes Yiwang writes: the members present, who was selected and why, and the
    quotas; never the standings (they are the board's, per the 2023 rules). The board may
    amend them."""
    village = Area.objects.filter(code=evaluation.area_code).first()
    lines = [
        _("Minutes of the review board of %(village)s for %(month)s")
        % {
            "village": village.name if village else evaluation.area_code,
            "month": f"{evaluation.month:%Y-%m}",
        },
        "",
        _("Members present: %(names)s")
        % {"names": "、".join(str(m.user) for m in current_members(evaluation.area_code)) or "—"},
        "",
        _("Selected:"),
    ]
    selections = list(
        evaluation.selections.filter(status=SelectionStatus.SELECTED)
        .select_related("resident", "household")
        .order_by("kind", "id")
    )
    full = selection_names(selections)
    for selection in selections:
        lines.append(f"- {selection.get_kind_display()}: {full[selection.pk]} — {selection.reason}")
    if not selections:
        lines.append("—")
    lines += ["", _("Quotas of the month:")]
    for kind in AwardKind.values:
        quota = quota_for(evaluation.area_code, kind)
        lines.append(f"- {AwardKind(kind).label}: {'—' if quota is None else quota}")
    return "\n".join(lines)


def selection_name(selection: Selection, heads: dict | None = None) -> str:
    """The full name of what was selected, for staff in scope (`heads`: the households'
    head names when already read, see selection_names)."""
    if selection.grid_code:
        return selection.public_name
    if selection.resident_id:
        return selection.resident.name
    if heads is None:
        heads = head_names([selection.household_id])
    return heads.get(selection.household_id) or str(selection.household)


def selection_names(selections) -> dict[int, str]:
    """{selection id: full name} of many selections, the heads of their households read in
    one query (their residents and households select_related by the caller)."""
    selections = list(selections)
    heads = head_names({s.household_id for s in selections if s.household_id})
    return {s.pk: selection_name(s, heads) for s in selections}


@transaction.atomic
def save_minutes(*, actor, evaluation_id, minutes, met_on=None) -> Evaluation:
    evaluation = _evaluation(actor, evaluation_id)
    _require_board(actor, evaluation.area_code)
    _require_open(evaluation)
    errors: dict = {}
    minutes = _text(minutes, field="minutes", limit=MINUTES_MAX, required=True, errors=errors)
    if met_on and met_on > timezone.localdate():
        errors.setdefault("met_on", []).append(_("The board met on a day in the future?"))
    _raise(errors)
    before = {"minutes": evaluation.minutes, "met_on": evaluation.met_on}
    evaluation.minutes, evaluation.met_on = minutes, met_on
    evaluation.save(update_fields=["minutes", "met_on", "updated_at"])
    audit.record(
        actor=actor,
        action="points.evaluation.minutes",
        obj=evaluation,
        before=before,
        after={"minutes": minutes, "met_on": met_on},
    )
    return evaluation


@transaction.atomic
def publish(*, actor, evaluation_id) -> Evaluation:
    """Puts the selection on public notice for NOTICE_DAYS from now, with the minutes
    Yiwang writes when the board wrote none."""
    evaluation = _evaluation(actor, evaluation_id)
    _require_board(actor, evaluation.area_code)
    _require_open(evaluation)
    if not evaluation.selections.filter(status=SelectionStatus.SELECTED).exists():
        raise ValidationError(_("Select at least one candidate before the public notice."))
    now = timezone.now()
    if not evaluation.minutes.strip():
        evaluation.minutes = draft_minutes(evaluation)
    evaluation.met_on = evaluation.met_on or timezone.localdate()
    evaluation.status = EvaluationStatus.NOTICE
    evaluation.notice_from = now
    evaluation.notice_until = now + datetime.timedelta(days=NOTICE_DAYS)
    evaluation.save(
        update_fields=["minutes", "met_on", "status", "notice_from", "notice_until", "updated_at"]
    )
    audit.record(
        actor=actor,
        action="points.evaluation.publish",
        obj=evaluation,
        before={"status": EvaluationStatus.OPEN},
        after={"status": evaluation.status, "notice_until": evaluation.notice_until},
    )
    return evaluation


# --- objections -----------------------------------------------------------------------


def _notify(kind: str, evaluation: Evaluation, users, text: str) -> None:
    Notification.objects.bulk_create(
        [
            Notification(
                kind=kind,
                object_type="points.evaluation",
                object_id=evaluation.pk,
                recipient_id=user_id,
                text=text,
            )
            for user_id in sorted(set(users))
        ]
    )


def _chairs(evaluation: Evaluation) -> list[int]:
    members = list(current_members(evaluation.area_code))
    chairs = [m.user_id for m in members if m.is_chair]
    return chairs or [m.user_id for m in members]


@transaction.atomic
def submit_objection(*, selection_id, reason, contact_name, contact_phone) -> Objection:
    """Anyone's objection to a selection on public notice, with a reason and a contact
    (a mainland phone number). Refused once the notice has ended."""
    selection = Selection.objects.filter(pk=selection_id).first()
    if selection is None:
        raise ValidationError({"selection": [_("Choose one of the selected on the notice.")]})
    evaluation = Evaluation.objects.select_for_update().get(pk=selection.evaluation_id)
    if evaluation.status != EvaluationStatus.NOTICE or (
        evaluation.notice_until and timezone.now() >= evaluation.notice_until
    ):
        ended = evaluation.notice_until
        raise ValidationError(
            _("The public notice ended on %(day)s: objections are no longer taken.")
            % {"day": f"{timezone.localtime(ended):%Y-%m-%d %H:%M}" if ended else "—"}
        )
    if selection.status != SelectionStatus.SELECTED:
        raise ValidationError(
            {"selection": [_("This selection was already withdrawn after an objection.")]}
        )
    errors: dict = {}
    reason = _text(reason, field="reason", limit=OBJECTION_MAX, required=True, errors=errors)
    name = _line(
        contact_name, field="contact_name", limit=CONTACT_NAME_MAX, required=True, errors=errors
    )
    phone = ""
    try:
        phone = validators.clean_phone(contact_phone)
    except ValidationError as exc:
        errors.setdefault("contact_phone", []).extend(exc.messages)
    else:
        if not phone:
            errors.setdefault("contact_phone", []).append(
                _("Give a phone number the board can call you back on.")
            )
    _raise(errors)
    objection = Objection.objects.create(
        selection=selection, reason=reason, contact_name=name, contact_phone=phone
    )
    audit.record(
        actor=None,
        action="points.objection.submit",
        obj=objection,
        object_repr=selection.public_name,
        area_code=selection.area_code,
        after={"selection": selection.pk, "reason": reason},
    )
    _notify(
        NOTICE_OBJECTION,
        evaluation,
        [m.user_id for m in current_members(evaluation.area_code)],
        _("An objection to %(name)s (%(award)s) on the public notice of %(month)s.")
        % {
            "name": selection.public_name,
            "award": selection.get_kind_display(),
            "month": f"{evaluation.month:%Y-%m}",
        },
    )
    return objection


def objections_visible_to(user):
    return Objection.objects.filter(selection__in=Selection.objects.visible_to(user))


@transaction.atomic
def answer_objection(*, actor, objection_id, answer, upheld) -> Objection:
    """The board answers an objection; an upheld one withdraws the selection."""
    if actor is not None:
        recheck(actor)
    found = objections_visible_to(actor) if actor is not None else Objection.objects.all()
    objection = found.select_related("selection").filter(pk=objection_id).first()
    if objection is None:
        from django.http import Http404

        raise Http404(_("Not found."))
    evaluation = Evaluation.objects.select_for_update().get(pk=objection.selection.evaluation_id)
    _require_board(actor, evaluation.area_code)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.upheld is not None:
        raise ValidationError(_("This objection is already answered."))
    if evaluation.status != EvaluationStatus.NOTICE:
        raise ValidationError(_("Only an evaluation on public notice takes answers."))
    errors: dict = {}
    answer = _text(answer, field="answer", limit=OBJECTION_MAX, required=True, errors=errors)
    if upheld not in (True, False):
        errors.setdefault("upheld", []).append(_("Say whether the objection is upheld."))
    _raise(errors)
    objection.answer, objection.upheld = answer, upheld
    objection.answered_by = actor if getattr(actor, "is_authenticated", False) else None
    objection.answered_at = timezone.now()
    objection.save(update_fields=["answer", "upheld", "answered_by", "answered_at", "updated_at"])
    selection = objection.selection
    if upheld and selection.status == SelectionStatus.SELECTED:
        selection.status = SelectionStatus.WITHDRAWN
        selection.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="points.objection.answer",
        obj=objection,
        object_repr=selection.public_name,
        area_code=selection.area_code,
        after={"answer": answer, "upheld": upheld, "selection": selection.status},
    )
    return objection


# --- finalisation ---------------------------------------------------------------------


@transaction.atomic
def finalise(evaluation, actor=None) -> dict:
    """Makes the selection final once the notice has ended and every objection is
    answered; then pays each remaining selection's reward from the nearest fund up the
    tree that holds enough (a selection no fund covers stays unpaid: `pay_unpaid` later).
    Returns {"paid": n, "short": n}."""
    pk = getattr(evaluation, "pk", evaluation)
    evaluation = _evaluation(actor, pk)
    if actor is not None:
        _require_board(actor, evaluation.area_code)
    if evaluation.status != EvaluationStatus.NOTICE:
        raise ValidationError(_("Only an evaluation on public notice can be made final."))
    if timezone.now() < evaluation.notice_until:
        raise ValidationError(
            _("The public notice runs until %(day)s: make it final after that.")
            % {"day": f"{timezone.localtime(evaluation.notice_until):%Y-%m-%d %H:%M}"}
        )
    open_objections = Objection.objects.filter(
        selection__evaluation=evaluation, upheld__isnull=True
    ).count()
    if open_objections:
        raise ValidationError(
            _("%(n)d objections are not answered yet: answer each before making it final.")
            % {"n": open_objections}
        )
    evaluation.status = EvaluationStatus.FINAL
    evaluation.finalised_at = timezone.now()
    evaluation.save(update_fields=["status", "finalised_at", "updated_at"])
    audit.record(
        actor=actor,
        action="points.evaluation.finalise",
        obj=evaluation,
        before={"status": EvaluationStatus.NOTICE},
        after={"status": evaluation.status},
    )
    result = _pay(evaluation, actor)
    _notify(
        NOTICE_FINAL,
        evaluation,
        _chairs(evaluation),
        _("The evaluation of %(month)s is final: %(paid)d rewards paid, %(short)d unpaid.")
        % {"month": f"{evaluation.month:%Y-%m}", **result},
    )
    return result


def _pay(evaluation: Evaluation, actor) -> dict:
    amounts = dict(AwardSetting.objects.values_list("kind", "amount"))
    result = {"paid": 0, "short": 0}
    for selection in evaluation.selections.filter(status=SelectionStatus.SELECTED).order_by("id"):
        outcome = funds.pay_selection(selection, actor=actor, amounts=amounts)
        if outcome in result:
            result[outcome] += 1
    return result


@transaction.atomic
def pay_unpaid(*, actor, evaluation_id) -> dict:
    """Pays the rewards of a final evaluation that no fund covered before."""
    evaluation = _evaluation(actor, evaluation_id)
    if actor is not None and not (
        access.is_board_member(actor, evaluation.area_code)
        or funds.may_keep_fund(actor, evaluation.area_code)
    ):
        raise PermissionDenied(_(REFUSED_BOARD))
    if evaluation.status != EvaluationStatus.FINAL:
        raise ValidationError(_("Rewards are paid once the evaluation is final."))
    return _pay(evaluation, actor)


def unpaid(evaluation: Evaluation):
    """The selections of a final evaluation whose reward is set but not yet paid."""
    kinds = [k for k, a in AwardSetting.objects.values_list("kind", "amount") if a > 0]
    return evaluation.selections.filter(
        status=SelectionStatus.SELECTED, kind__in=kinds, payment__isnull=True
    )


# --- periodic work ---------------------------------------------------------------------


def finalise_due(now=None) -> dict:
    """The hourly sweep: each evaluation whose notice has ended is made final when every
    objection is answered; otherwise its chair is told, once, that it awaits answers."""
    now = now or timezone.now()
    due = list(
        Evaluation.objects.filter(status=EvaluationStatus.NOTICE, notice_until__lte=now)
        .annotate(
            waiting=Count("selections__objections", filter=Q(selections__objections__upheld=None))
        )
        .values_list("pk", "waiting")
    )
    result = {"final": 0, "waiting": 0}
    for pk, waiting in due:
        with transaction.atomic():
            evaluation = Evaluation.objects.select_for_update().get(pk=pk)
            if evaluation.status != EvaluationStatus.NOTICE:
                continue
            if waiting:
                result["waiting"] += 1
                told = Notification.objects.filter(
                    kind=NOTICE_ENDED, object_type="points.evaluation", object_id=pk
                ).exists()
                if not told:
                    _notify(
                        NOTICE_ENDED,
                        evaluation,
                        _chairs(evaluation),
                        _(
                            "The public notice of %(month)s has ended: answer the %(n)d "
                            "objections, then make the evaluation final."
                        )
                        % {"month": f"{evaluation.month:%Y-%m}", "n": waiting},
                    )
                continue
        try:
            finalise(pk)
        except ValidationError:
            continue
        result["final"] += 1
    return result
