"""Reads of the monthly evaluation that are more than a filter: the standings with names
(and who may see them: the 2023 rule), the notices on public view, the honour list."""

from __future__ import annotations

from django.utils import timezone

from yiwang.accounts.scope import in_scope
from yiwang.areas.models import Area
from yiwang.core.masking import mask_name
from yiwang.points import access
from yiwang.points.models import (
    Evaluation,
    EvaluationStatus,
    PointsSettings,
    Selection,
    SelectionStatus,
)
from yiwang.registry.models import Resident

PARTS = ("grids", "party_members", "households")


def may_see_standings(user, evaluation: Evaluation) -> bool:
    """The standings are the board's: its members see them; others in scope only when the
    county switched rankings on (off by default, per the 2023 rules)."""
    if access.is_board_member(user, evaluation.area_code):
        return True
    return PointsSettings.current().show_rankings and in_scope(user, evaluation.area_code)


def standings_rows(evaluation: Evaluation, *, full_names: bool = True) -> dict[str, list]:
    """The standings with a rank and a name for each row (grids by name; people and
    households by name, masked unless `full_names`), one query a part."""
    from yiwang.registry.selectors import head_names

    standings = evaluation.standings or {}
    grids = standings.get("grids", [])
    members = standings.get("party_members", [])
    households = standings.get("households", [])
    grid_names = dict(
        Area.objects.filter(code__in=[r["code"] for r in grids]).values_list("code", "name")
    )
    member_names = dict(
        Resident.objects.filter(pk__in=[r["id"] for r in members]).values_list("pk", "name")
    )
    heads = head_names(r["id"] for r in households)

    def named(rows, key, names):
        out = []
        for rank, row in enumerate(rows, start=1):
            name = names.get(row[key]) or str(row[key])
            if key == "id" and not full_names:
                name = mask_name(name)
            out.append({**row, "rank": rank, "name": name, "subject": row[key]})
        return out

    return {
        "grids": named(grids, "code", grid_names),
        "party_members": named(members, "id", member_names),
        "households": named(households, "id", heads),
    }


def on_notice(now=None):
    """Evaluations whose public notice is running now."""
    now = now or timezone.now()
    return Evaluation.objects.filter(
        status=EvaluationStatus.NOTICE, notice_from__lte=now, notice_until__gt=now
    )


def public_evaluations():
    """What the public pages may show: evaluations on notice or final (never open ones,
    never their standings)."""
    return Evaluation.objects.filter(status__in=[EvaluationStatus.NOTICE, EvaluationStatus.FINAL])


def honours(queryset=None):
    """Final selections (not withdrawn), newest month first."""
    rows = queryset if queryset is not None else Selection.objects.all()
    return (
        rows.filter(evaluation__status=EvaluationStatus.FINAL, status=SelectionStatus.SELECTED)
        .select_related("evaluation", "resident", "household")
        .order_by("-evaluation__month", "evaluation__area_code", "kind", "-points", "id")
    )
