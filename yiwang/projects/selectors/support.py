"""Reads of enterprise support: who sees which enterprise requests, the enterprises a
finance counsellor answers for, and the finance-counsellor page's teams with their
enterprises and last visits.

Who sees an enterprise request (`request_q`):
- a manager (county or town admin) of the enterprise's area;
- the staff of the department it was sent to;
- a finance counsellor of the enterprise: a member of an active counsellor team one of
  whose members is the enterprise's current sponsor under outreach's programme
  `finance_counsellors`, or that sponsor themselves.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.scope import current_posts
from yiwang.core import access as core_access
from yiwang.core import validators
from yiwang.core.scoping import any_subtree_q
from yiwang.projects import access
from yiwang.projects.models import CounsellorTeam, EnterpriseRequest, RequestStatus

PROGRAMME = "finance_counsellors"
UNCOUNSELLED_SHOWN = 500


def managed_codes(user) -> list[str]:
    """The areas whose enterprise requests the user manages (county and town admins)."""
    return sorted({code for role, code in current_posts(user) if role in access.MANAGERS})


def counsellor_pairings(on: datetime.date | None = None):
    """The current pairings of the finance-counsellor programme."""
    from yiwang.outreach.models import Pairing

    return Pairing.objects.current(on).filter(programme__code=PROGRAMME, enterprise__isnull=False)


def sponsors_of(user):
    """The sponsors whose enterprises the user counsels: the user and the members of the
    active teams they belong to (a subquery of user ids)."""
    from yiwang.accounts.models import User

    teams = CounsellorTeam.objects.filter(is_active=True, members=user).values("pk")
    return User.objects.filter(Q(pk=user.pk) | Q(counsellor_teams__in=teams)).values("pk")


def counselled_enterprises(user):
    """The ids of the enterprises the user counsels (a subquery)."""
    if not access.is_authenticated(user):
        return counsellor_pairings().none().values("enterprise")
    return counsellor_pairings().filter(sponsor__in=sponsors_of(user)).values("enterprise")


def counsels(user, enterprise) -> bool:
    if not access.is_authenticated(user):
        return False
    pk = getattr(enterprise, "pk", enterprise)
    return counsellor_pairings().filter(sponsor__in=sponsors_of(user), enterprise=pk).exists()


def may_receive(user, enterprise) -> bool:
    """May record a request of the enterprise: a manager of its area, or its counsellor."""
    return access.can_manage(user, enterprise.area_code) or counsels(user, enterprise)


def request_q(user) -> Q | None:
    """The condition of the enterprise requests `user` sees (None: all of them)."""
    if user is None or access.is_active_superuser(user):
        return None
    if not access.is_authenticated(user):
        return Q(pk__in=[])
    q = Q(enterprise__in=counselled_enterprises(user))
    codes = managed_codes(user)
    if codes:
        q |= any_subtree_q("area_code", codes)
    departments = access.department_ids(user)
    if departments:
        q |= Q(department__in=departments)
    return q


def visible_requests(user) -> QuerySet[EnterpriseRequest]:
    q = request_q(user)
    rows = EnterpriseRequest.objects.all()
    return rows if q is None else rows.filter(q)


def overdue_q(today: datetime.date) -> Q:
    """Open requests whose current stage is past its due day."""
    return (
        Q(status=RequestStatus.RECEIVED, verify_due__lt=today)
        | Q(status=RequestStatus.VERIFYING, reply_due__lt=today)
        | Q(status=RequestStatus.REPLIED, resolve_due__lt=today)
    )


def due_today_q(today: datetime.date) -> Q:
    return (
        Q(status=RequestStatus.RECEIVED, verify_due=today)
        | Q(status=RequestStatus.VERIFYING, reply_due=today)
        | Q(status=RequestStatus.REPLIED, resolve_due=today)
    )


def receivable_enterprises(user):
    """The enterprises the user may record a request of (the form's choices)."""
    from yiwang.outreach.models import Enterprise

    rows = Enterprise.objects.filter(is_active=True)
    if user is None or access.is_active_superuser(user):
        return rows
    q = Q(pk__in=counselled_enterprises(user))
    codes = managed_codes(user)
    if codes:
        q |= any_subtree_q("area_code", codes)
    return rows.filter(q)


ENTERPRISE_SEARCH_MAX = 100


def find_enterprise(actor, text):
    """The enterprise whose name or unified social credit code is `text` (or whose id it
    is), among those the actor may record requests of; else a message saying none or
    several match."""
    errors: dict = {}
    typed = validators.clean_line(
        text, field="enterprise", limit=ENTERPRISE_SEARCH_MAX, required=True, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    rows = receivable_enterprises(actor)
    q = Q(name=typed) | Q(credit_code=typed.upper())
    pk = validators.read_id(typed) if typed.isdigit() else None
    if pk is not None:
        q |= Q(pk=pk)
    found = list(rows.filter(q).order_by("pk")[:2])
    if not found:
        raise ValidationError(
            {
                "enterprise": [
                    _(
                        "No enterprise you record requests of is named “%(text)s” or has it "
                        "as its credit code: type the full name or the credit code."
                    )
                    % {"text": typed}
                ]
            }
        )
    if len(found) > 1:
        raise ValidationError(
            {
                "enterprise": [
                    _(
                        "Several enterprises are named “%(text)s”: type the credit code of "
                        "the one meant."
                    )
                    % {"text": typed}
                ]
            }
        )
    return found[0]


# --- the finance-counsellor page ----------------------------------------------------------


def visible_teams(user) -> QuerySet[CounsellorTeam]:
    """Every team for a manager (county or town admin); a counsellor their own teams."""
    if access.is_active_superuser(user) or access.manages_somewhere(user):
        return CounsellorTeam.objects.all()
    if not access.is_authenticated(user):
        return CounsellorTeam.objects.none()
    return CounsellorTeam.objects.filter(Q(members=user) | Q(leader=user)).distinct()


def _enterprise_scope(user) -> Q | None:
    """The enterprises of the user's scope (None: all)."""
    if access.is_active_superuser(user):
        return None
    codes = core_access.scope_codes(user)
    if codes is None:
        return None
    return any_subtree_q("enterprise__area_code", codes)


def _last_visits(enterprise_ids) -> dict[int, datetime.datetime]:
    from yiwang.outreach.models import Visit

    return dict(
        Visit.objects.filter(enterprise__in=list(enterprise_ids))
        .values("enterprise")
        .annotate(last=Max("visited_at"))
        .values_list("enterprise", "last")
    )


def counsellor_overview(user, *, today: datetime.date | None = None) -> dict:
    """The teams the user sees, each with its bank, members and enterprises (the current
    pairings whose sponsor is a member; a manager sees those of their scope, a member all
    of their team's) with each enterprise's last visit; and the enterprises of the user's
    scope that no one counsels (no current pairing of the programme)."""
    from yiwang.outreach.models import Enterprise

    today = today or timezone.localdate()
    teams = list(visible_teams(user).select_related("leader").prefetch_related("members"))
    own = {t.pk for t in teams if any(m.pk == user.pk for m in t.members.all())}
    scope = _enterprise_scope(user)
    member_ids = {m.pk for t in teams for m in t.members.all()}
    pairings = list(
        counsellor_pairings(today)
        .filter(sponsor__in=member_ids)
        .select_related("enterprise", "sponsor")
        .order_by("enterprise__name", "pk")
    )
    in_scope = set()
    if scope is not None:
        in_scope = set(
            counsellor_pairings(today)
            .filter(sponsor__in=member_ids)
            .filter(scope)
            .values_list("pk", flat=True)
        )
    visits = _last_visits({p.enterprise_id for p in pairings})
    rows = []
    for team in teams:
        members = sorted(team.members.all(), key=lambda m: (m.full_name or m.username, m.pk))
        ids = {m.pk for m in members}
        enterprises = [
            {
                "enterprise": p.enterprise,
                "sponsor": p.sponsor,
                "last_visit": visits.get(p.enterprise_id),
            }
            for p in pairings
            if p.sponsor_id in ids and (scope is None or team.pk in own or p.pk in in_scope)
        ]
        rows.append({"team": team, "members": members, "enterprises": enterprises})
    uncounselled = []
    if access.manages_somewhere(user):
        uncounselled = list(
            Enterprise.objects.visible_to(user)
            .filter(is_active=True)
            .exclude(pk__in=counsellor_pairings(today).values("enterprise"))
            .order_by("area_code", "name")[:UNCOUNSELLED_SHOWN]
        )
    return {"teams": rows, "uncounselled": uncounselled}
