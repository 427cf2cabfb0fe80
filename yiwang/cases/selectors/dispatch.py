"""Reads behind the dispatch form: the unit a case's place suggests, the people who may
take a case by name, and the area a case is handled in."""

from __future__ import annotations

from yiwang.accounts.models import SCOPING_ROLES, Post
from yiwang.areas.geometry import unit_locator
from yiwang.areas.models import Area
from yiwang.cases.models import Case, Department

VILLAGE_CODE_LENGTH = 12


def suggested_area(case: Case) -> Area | None:
    """The unit to send the case to: its unit when known, else the open unit whose
    boundary holds the case's point (as at intake); None without either."""
    if case.unit_id:
        return case.unit
    if case.lat is None or case.lng is None:
        return None
    code = unit_locator().locate(float(case.lng), float(case.lat))
    if not code or not code.startswith(case.area_code):
        return None
    return Area.objects.open().filter(code=code).first()


def worker_posts(actor, case: Case, area_code: str = ""):
    """The current posts on which someone may take the case by name: a post that sees the
    area's cases, on an area (unit, grid or village) where the case lies, within
    `area_code` when one is chosen and within the actor's scope."""
    village = case.area_code[:VILLAGE_CODE_LENGTH]
    posts = Post.objects.current().filter(
        role__in=SCOPING_ROLES, area_code__startswith=village, user__is_active=True
    )
    if area_code:
        posts = posts.filter(area_code__startswith=area_code)
    if actor is not None:
        posts = posts.visible_to(actor)
    return [
        post
        for post in posts.select_related("user", "area").order_by("area_code", "user__username")
        if post.area_code.startswith(case.area_code) or case.area_code.startswith(post.area_code)
    ]


def worker_choices(actor, case: Case) -> list[tuple[int, str]]:
    """The people who may take the case by name, once each: "name · post · area" of their
    deepest post where the case lies."""
    deepest: dict[int, Post] = {}
    for post in worker_posts(actor, case):
        known = deepest.get(post.user_id)
        if known is None or len(post.area_code) > len(known.area_code):
            deepest[post.user_id] = post
    posts = sorted(deepest.values(), key=lambda post: (post.area_code, str(post.user)))
    return [(post.user_id, str(post)) for post in posts]


def case_departments(case: Case):
    """The active departments that may take the case: the county's and its town's."""
    prefixes = {case.area_code[:n] for n in (6, 9)}
    return Department.objects.filter(is_active=True, area_code__in=prefixes)


def department_staff(case: Case, department: str = "") -> list[tuple[Department, object]]:
    """(department, member) for the active staff of the departments that may take the
    case (of `department` alone, when given), by department and name."""
    departments = case_departments(case).prefetch_related("members").order_by("name", "code")
    if department:
        departments = departments.filter(code=department)
    return [
        (found, member)
        for found in departments
        for member in sorted(found.members.all(), key=str)
        if member.is_active
    ]
