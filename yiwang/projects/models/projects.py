"""Key projects (重点项目) of the battle map: their stages, team, permits, milestones with
their types and thresholds, and monthly targets."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.core.models import ScopedModel, TimeStampedModel

MONEY = {"max_digits": 14, "decimal_places": 2}  # 万元, two decimals


class ProjectKind(models.TextChoices):
    UPGRADE = "upgrade", _("Technical upgrade")
    NEW_BUILD = "new_build", _("New build")
    RESEARCH = "research", _("Research")
    FOREIGN = "foreign", _("Foreign cooperation")


class Batch(models.TextChoices):
    """四个一批."""

    STARTED = "started", _("A batch started")
    ACCELERATED = "accelerated", _("A batch sped up")
    UPGRADED = "upgraded", _("A batch upgraded")
    SIGNED = "signed", _("A batch signed")


class Stage(models.TextChoices):
    """The stages in their order (谋划 → 达产); `STAGE_ORDER` gives each its place."""

    PLANNING = "planning", pgettext_lazy("project stage", "Planning")
    NEGOTIATING = "negotiating", pgettext_lazy("project stage", "Negotiating")
    SIGNED = "signed", pgettext_lazy("project stage", "Signed")
    STARTED = "started", pgettext_lazy("project stage", "Started")
    BUILDING = "building", pgettext_lazy("project stage", "Building")
    PRODUCING = "producing", pgettext_lazy("project stage", "In production")
    FULL_CAPACITY = "full_capacity", pgettext_lazy("project stage", "At full capacity")


STAGE_ORDER = {stage: number for number, stage in enumerate(Stage.values)}


class DelayCause(models.TextChoices):
    LAND = "land", _("Land")
    FUNDS = "funds", _("Funds")
    PERMITS = "permits", _("Permits")
    POWER = "power", _("Power")
    EQUIPMENT = "equipment", _("Equipment")
    OTHER = "other", _("Other")


class Colour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class Project(ScopedModel):
    """A key project (`area_code`: the town it lies in; `park` names the industrial park,
    when it lies in one). Its stage is the last one reached (`StageChange` keeps each
    date); `investment_done` is the sum of the months reported."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=12, choices=ProjectKind.choices)
    batch = models.CharField(_("batch (四个一批)"), max_length=12, choices=Batch.choices)
    stage = models.CharField(
        _("stage"), max_length=14, choices=Stage.choices, default=Stage.PLANNING
    )
    stage_reached_on = models.DateField(_("stage reached on"))
    park = models.CharField(_("park"), max_length=60, blank=True)
    enterprise = models.ForeignKey(
        "outreach.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    # 包保领导: the leader who answers for the project.
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader in charge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    # 专班: the special team; its members are `ProjectMember` rows.
    team_name = models.CharField(_("special team"), max_length=60, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    investment_planned = models.DecimalField(_("investment planned (10k yuan)"), **MONEY)
    investment_done = models.DecimalField(
        _("investment done (10k yuan)"), default=0, db_default=0, **MONEY
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        ordering = ["area_code", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="projects_project_span"
            ),
            models.CheckConstraint(
                condition=Q(investment_planned__gte=0) & Q(investment_done__gte=0),
                name="projects_project_investment",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectMember(models.Model):
    """A member of a project's special team (专班): who may record its daily progress."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="project_memberships",
    )
    duty = models.CharField(_("duty"), max_length=60, blank=True)
    is_head = models.BooleanField(_("head of the team"), default=False)

    class Meta:
        verbose_name = _("special team member")
        verbose_name_plural = _("special team members")
        ordering = ["-is_head", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="projects_member_once"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class StageChange(models.Model):
    """The day a project reached a stage. A step back names its reason."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    stage = models.CharField(_("stage"), max_length=14, choices=Stage.choices)
    reached_on = models.DateField(_("reached on"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stage reached")
        verbose_name_plural = _("stages reached")
        ordering = ["project", "reached_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.reached_on}"


class PermitKind(models.TextChoices):
    LAND = "land", _("Land")
    ENERGY = "energy", _("Energy review")
    ENVIRONMENT = "environment", _("Environmental assessment")
    PLANNING = "planning", _("Planning permit")
    CONSTRUCTION = "construction", _("Construction permit")
    FIRE = "fire", _("Fire safety")
    OTHER = "other", _("Other permit")


class PermitState(models.TextChoices):
    PENDING = "pending", _("Not applied for")
    APPLYING = "applying", _("Applying")
    APPROVED = "approved", _("Approved")
    NOT_NEEDED = "not_needed", _("Not needed")


class Permit(models.Model):
    """A permit a project needs (要素跟着项目走), its state and the date it reached it."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="permits"
    )
    kind = models.CharField(_("permit"), max_length=14, choices=PermitKind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=PermitState.choices, default=PermitState.PENDING
    )
    state_on = models.DateField(_("state since"), null=True, blank=True)
    number = models.CharField(_("permit number"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        ordering = ["project", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="projects_permit_once"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class MilestoneType(TimeStampedModel):
    """A kind of milestone, with the thresholds of its colours in working days of lag:
    green under `yellow_from`, yellow from it, red from `red_from` (there is no national
    standard: the county sets them)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    yellow_from = models.PositiveSmallIntegerField(_("yellow from (working days late)"), default=1)
    red_from = models.PositiveSmallIntegerField(_("red from (working days late)"), default=6)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("milestone type")
        verbose_name_plural = _("milestone types")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(yellow_from__gte=1) & Q(red_from__gt=models.F("yellow_from")),
                name="projects_milestonetype_thresholds",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def colour(self, lag: int) -> str:
        """The colour of a lag of `lag` working days."""
        if lag >= self.red_from:
            return Colour.RED
        if lag >= self.yellow_from:
            return Colour.YELLOW
        return Colour.GREEN


class Milestone(models.Model):
    """A milestone of a project, due on a day, with its owner; done on a day. A late one
    is tagged with the cause of its delay. Its lag in working days is counted from the
    working calendar (yiwang.projects.workdays), up to today, or to the day it was done:
    a milestone done late keeps its lag."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones"
    )
    milestone_type = models.ForeignKey(
        MilestoneType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delay_cause = models.CharField(
        _("cause of delay"), max_length=10, choices=DelayCause.choices, blank=True
    )
    delay_note = models.CharField(_("about the delay"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "due_on", "id"]
        indexes = [
            models.Index(fields=["project", "due_on"], name="projects_milestone_due_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class MonthlyTarget(models.Model):
    """A project's target for a month (`month`: its first day) and what was done: the
    investment (10k yuan) and the physical progress (percent of the whole project)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="targets"
    )
    month = models.DateField(_("month"))
    investment_planned = models.DecimalField(_("investment planned (10k yuan)"), **MONEY)
    investment_done = models.DecimalField(
        _("investment done (10k yuan)"), null=True, blank=True, **MONEY
    )
    progress_planned = models.PositiveSmallIntegerField(_("progress planned (%)"))
    progress_done = models.PositiveSmallIntegerField(_("progress done (%)"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("monthly target")
        verbose_name_plural = _("monthly targets")
        ordering = ["project", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="projects_target_month"),
            models.CheckConstraint(
                condition=Q(progress_planned__lte=100)
                & (Q(progress_done__isnull=True) | Q(progress_done__lte=100)),
                name="projects_target_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.month:%Y-%m}"
