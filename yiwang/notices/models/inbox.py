"""Notifications: the personal messages every module sends to the one inbox (a case
dispatched to you, a stage due soon, an escalation, a merge …).

A notification is addressed to an area (whoever holds a post there that sees the area's
records), a department (its staff: the cases module says who they are), a user, or the
reporter of the object (a resident without an account reads it on the tracking page). Its
`kind` is registered by the module that sends it (notices.kinds), and `object_type` and
`object_id` name what it is about. A notification to an area or a department is one row
for all who hold a post there: read by one, it is read for all.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.notices import addressees


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> NotificationQuerySet:
        """The notifications addressed to the user: to the areas of their current posts
        that see the area's records (the area itself, not those below it), to their
        departments, or to them by name."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        q = Q(recipient=user)
        codes = addressees.area_codes(user)
        if codes:
            q |= Q(area_code__in=codes)
        departments = addressees.department_ids(user)
        if departments:
            q |= Q(department_id__in=departments)
        return self.filter(q)

    def about(self, obj) -> NotificationQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=obj.pk)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    kind = models.CharField(_("kind"), max_length=32)
    object_type = models.CharField(_("about"), max_length=50, blank=True)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    area_code = models.CharField(_("to the area"), max_length=18, blank=True)
    # The level of the area's post it is for, where the sending module tells it (a case's
    # assignee level).
    level = models.CharField(_("level"), max_length=10, blank=True)
    # A department of the cases module; a plain id, since this app sits below it.
    department_id = models.BigIntegerField(_("to the department"), null=True, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to the user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    to_reporter = models.BooleanField(_("to the reporter"), default=False)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(area_code="")
                | Q(department_id__isnull=False)
                | Q(recipient__isnull=False)
                | Q(to_reporter=True),
                name="notification_has_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["area_code", "read_at"], name="notification_area_idx"),
            models.Index(
                fields=["department_id", "read_at"],
                condition=Q(department_id__isnull=False),
                name="notification_department_idx",
            ),
            models.Index(
                fields=["recipient", "read_at"],
                condition=Q(recipient__isnull=False),
                name="notification_recipient_idx",
            ),
            # The notifications about one object (a case's tracking page).
            models.Index(fields=["object_type", "object_id"], name="notification_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.object_id or ''}".strip()

    @property
    def kind_label(self):
        """The label its module registered for its kind (notices.kinds), else the key."""
        from yiwang.notices import kinds

        return kinds.label(self.kind)
