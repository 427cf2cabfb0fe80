"""What the site reports: a day's progress with its photos, and the problems raised to a
department with a deadline in working days."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import ScopedModel
from yiwang.projects.models.projects import DelayCause, Milestone, Project


class ProgressEntry(models.Model):
    """A day's progress on site, at most one a day a project, recorded on a phone (the
    client's `uuid` makes sending it twice harmless)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="progress"
    )
    day = models.DateField(_("day"))
    text = models.TextField(_("progress"))
    problems = models.TextField(_("the day's problems"), blank=True)
    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("progress entry")
        verbose_name_plural = _("progress entries")
        ordering = ["project", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["project", "day"], name="projects_progress_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.day}"


class ProgressPhoto(models.Model):
    """A photo of the site, stored without its metadata (yiwang.core.photos)."""

    entry = models.ForeignKey(
        ProgressEntry,
        verbose_name=_("progress entry"),
        on_delete=models.CASCADE,
        related_name="photos",
    )
    file = models.FileField(_("file"), upload_to="projects/%Y/%m/")
    thumbnail = models.FileField(_("thumbnail"), upload_to="projects/%Y/%m/")
    content_type = models.CharField(_("type"), max_length=20)
    size = models.PositiveIntegerField(_("size"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("site photo")
        verbose_name_plural = _("site photos")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="projects_progressphoto_size"),
        ]

    def __str__(self) -> str:
        return self.file.name


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Problem(ScopedModel):
    """A problem of a project raised to a department (`area_code`: the project's), due in
    `PROJECTS_PROBLEM_DAYS` working days unless given a deadline of its own, tagged with
    its cause: the bottlenecks by cause and by department are counted from these and from
    the late milestones' causes."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="problems"
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    cause = models.CharField(_("cause"), max_length=10, choices=DelayCause.choices)
    department = models.ForeignKey(
        "cases.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="project_problems",
    )
    text = models.TextField(_("problem"))
    raised_on = models.DateField(_("raised on"))
    due_on = models.DateField(_("due on"))
    # The default deadline reached into a year whose holidays are not known yet: counted
    # by the weekly rule for now, and again when the county enters the year.
    due_provisional = models.BooleanField(_("due day provisional"), default=False, db_default=False)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The due day the department was last reminded of: one reminder per due day.
    reminded_on = models.DateField(_("reminded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("project problem")
        verbose_name_plural = _("project problems")
        ordering = ["status", "due_on", "id"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="projects_problem_due_idx"),
        ]

    def __str__(self) -> str:
        return self.text[:40]
