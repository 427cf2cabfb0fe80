"""Users and their posts (岗位): role × area, with start and end dates."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core import access
from yiwang.core.models import ScopedModel
from yiwang.core.scoping import ScopedQuerySet, any_subtree_q


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("County admin")
    TOWN_ADMIN = "town_admin", _("Town admin")
    GRID_CHIEF = "grid_chief", _("Grid chief")
    GROUP_LEADER = "group_leader", _("Group leader")
    GRID_WORKER = "grid_worker", _("Grid worker")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    # A town's or a village's cadre (干部): sees the area's subtree; sponsors key
    # households in the pairing programmes.
    CADRE = "cadre", _("Cadre")


# The level of area each role is held on.
ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.COUNTY_ADMIN: ("county",),
    Role.TOWN_ADMIN: ("town",),
    Role.GRID_CHIEF: ("village",),
    Role.GROUP_LEADER: ("grid",),
    Role.GRID_WORKER: ("unit",),
    Role.DEPARTMENT_STAFF: ("county", "town"),
    Role.CADRE: ("town", "village"),
}
# Roles that see the subtree of their area. Department staff will see the cases sent to
# their department (the cases module), not a part of the tree.
SCOPING_ROLES = (
    Role.COUNTY_ADMIN,
    Role.TOWN_ADMIN,
    Role.GRID_CHIEF,
    Role.GROUP_LEADER,
    Role.GRID_WORKER,
    Role.CADRE,
)
# Roles that may change the tree (grids, units, boundaries) under their area.
AREA_MANAGER_ROLES = (Role.COUNTY_ADMIN, Role.TOWN_ADMIN, Role.GRID_CHIEF)
# Roles that may give and end posts under their area, and which roles each may give.
POST_GRANTS: dict[str, tuple[str, ...]] = {
    Role.COUNTY_ADMIN: tuple(Role.values),
    Role.TOWN_ADMIN: (
        Role.TOWN_ADMIN,
        Role.GRID_CHIEF,
        Role.GROUP_LEADER,
        Role.GRID_WORKER,
        Role.DEPARTMENT_STAFF,
        Role.CADRE,
    ),
    Role.GRID_CHIEF: (Role.GROUP_LEADER, Role.GRID_WORKER),
}


class UserQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The viewer; users who hold a current post under the viewer's scope; and users
        who hold no current post but whose home area lies in the scope (a new account, or
        one whose posts ended), so that they can be given a post there."""
        # The rule of accounts.scope, through core.access: scope.py imports these models.
        codes = access.scope_codes(user)
        if codes is None:
            return self.all()
        current = Post.objects.current()
        in_scope = current.filter(any_subtree_q("area_code", codes)).values("user_id")
        placed = current.values("user_id")
        return self.filter(
            Q(pk=user.pk)
            | Q(pk__in=in_scope)
            | (any_subtree_q("area_code", codes) & ~Q(pk__in=placed))
        )


class YiwangUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The area the account belongs to: where it was created, then where its latest post
    # was given. Scopes the account while it holds no current post, and its audit entries.
    area_code = models.CharField(_("home area"), max_length=18, blank=True, db_index=True)

    objects = YiwangUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def masked_phone(self) -> str:
        from yiwang.core.masking import mask_phone

        return mask_phone(self.phone)


class PostQuerySet(ScopedQuerySet):
    def current(self, on: datetime.date | None = None) -> PostQuerySet:
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gt=on))


class Post(ScopedModel):
    """A user's role on one area. Current from `starts_on` until the day before `ends_on`."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="posts"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="posts"
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["area_code", "role", "id"]
        indexes = [
            # Scope computation on every request: a user's current posts.
            models.Index(fields=["user", "ends_on"], name="post_user_current_idx"),
            # Roll-ups: workers per area prefix, by role.
            models.Index(fields=["role", "area_code"], name="post_role_area_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="post_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area.name}"

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on > today)
