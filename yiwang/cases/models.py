"""Cases: their categories, the departments they can go to, the cases and their timeline."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.core.masking import mask_phone
from yiwang.core.models import ScopedModel, TimeStampedModel
from yiwang.core.scoping import ScopedQuerySet, any_subtree_q

# Limits on what people type; the services check them with a message naming the field.
TITLE_MAX = 100
TEXT_MAX = 2000
NOTE_MAX = 500
NAME_MAX = 50
# The length of a county's code, the top of the tree (370829).
COUNTY_CODE_LENGTH = 6


class CaseKind(models.TextChoices):
    PATROL = "patrol", pgettext_lazy("case kind", "Patrol report")  # 巡查八必报
    REQUEST = "request", pgettext_lazy("case kind", "Resident request")  # 群众诉求


class HandlingLevel(models.TextChoices):
    """Who handles a case of a category by default, once it is dispatched."""

    UNIT = "unit", pgettext_lazy("case level", "Unit")
    VILLAGE = "village", pgettext_lazy("case level", "Village")
    TOWN = "town", pgettext_lazy("case level", "Town")
    DEPARTMENT = "department", pgettext_lazy("case level", "Department")


class Department(TimeStampedModel):
    """A county (or town) department a case can be dispatched to, and its staff.

    Its staff hold a department-staff post (accounts) and are listed as members here; they
    see and handle the cases dispatched to the department, wherever those lie.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The county's code, or a town's for a town's own office.
    area_code = models.CharField(_("area code"), max_length=18, db_index=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name


# Who works in a department: the cases and notices a user sees depend on it (and the state
# machine's handler, which names these two too).
_DEPARTMENTS_ATTR = "_yiwang_case_departments"


def department_ids(user) -> frozenset[int]:
    """The departments the user works in: a member, with a current department-staff post.
    Cached on the user for the request, like the posts (yiwang.accounts.scope)."""
    from yiwang.accounts import scope
    from yiwang.accounts.models import Role

    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, _DEPARTMENTS_ATTR, None)
    if cached is None:
        if any(role == Role.DEPARTMENT_STAFF for role, _code in scope.current_posts(user)):
            cached = frozenset(
                Department.objects.filter(members=user, is_active=True).values_list("pk", flat=True)
            )
        else:
            cached = frozenset()
        setattr(user, _DEPARTMENTS_ATTR, cached)
    return cached


def forget_departments(user) -> None:
    if hasattr(user, _DEPARTMENTS_ATTR):
        delattr(user, _DEPARTMENTS_ATTR)


class Category(TimeStampedModel):
    """A kind of case, configured by the county: a two-level tree (parent null at the top).

    Time limits are stored in minutes; the admin enters hours, or minutes for an urgent
    category.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=pgettext_lazy("case category", "parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=CaseKind.choices)
    handling_level = models.CharField(
        _("handling level"), max_length=10, choices=HandlingLevel.choices
    )
    # The department that handles it by default, when the handling level is a department.
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_urgent = models.BooleanField(_("urgent"), default=False)
    accept_minutes = models.PositiveIntegerField(_("time to accept (minutes)"))
    dispatch_minutes = models.PositiveIntegerField(_("time to dispatch (minutes)"))
    resolve_minutes = models.PositiveIntegerField(_("time to resolve (minutes)"))
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["kind", "order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accept_minutes__gt=0)
                & Q(dispatch_minutes__gt=0)
                & Q(resolve_minutes__gt=0),
                name="case_category_limits_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class Source(models.TextChoices):
    PATROL = "patrol", pgettext_lazy("case source", "Grid worker's patrol")
    PUBLIC = "public", pgettext_lazy("case source", "Public request page")
    HOTLINE = "hotline", pgettext_lazy("case source", "Hotline call")
    API = "api", pgettext_lazy("case source", "Another system (API)")
    OPEN311 = "open311", pgettext_lazy("case source", "Open311")


class Status(models.TextChoices):
    """The stages of a case; the transitions between them are in yiwang.cases.states."""

    REPORTED = "reported", pgettext_lazy("case status", "Reported")
    ACCEPTED = "accepted", pgettext_lazy("case status", "Accepted")
    REJECTED = "rejected", pgettext_lazy("case status", "Rejected")
    MERGED = "merged", pgettext_lazy("case status", "Merged")
    DISPATCHED = "dispatched", pgettext_lazy("case status", "Dispatched")
    IN_PROGRESS = "in_progress", pgettext_lazy("case status", "In progress")
    RESOLVED = "resolved", pgettext_lazy("case status", "Resolved")
    FOLLOWED_UP = "followed_up", pgettext_lazy("case status", "Followed up")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")


class AssigneeLevel(models.TextChoices):
    UNIT = "unit", pgettext_lazy("case level", "Unit")
    GRID = "grid", pgettext_lazy("case level", "Grid")
    VILLAGE = "village", pgettext_lazy("case level", "Village")
    TOWN = "town", pgettext_lazy("case level", "Town")
    COUNTY = "county", pgettext_lazy("case level", "County")
    DEPARTMENT = "department", pgettext_lazy("case level", "Department")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", pgettext_lazy("case satisfaction", "Satisfied")  # 满意
    BASICALLY = "basically", pgettext_lazy("case satisfaction", "Basically satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", pgettext_lazy("case satisfaction", "Dissatisfied")  # 不满意


def _covers_every_county(codes) -> bool:
    """Whether the subtrees of `codes` are the whole tree: one query, and only for a user
    with a post on a county (a top of the tree)."""
    from yiwang.areas.models import Area

    tops = [code for code in codes if len(code) <= COUNTY_CODE_LENGTH]
    if not tops:
        return False
    return not Area.objects.filter(parent__isnull=True).exclude(code__in=tops).exists()


class CaseQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        """The subtrees of the user's posts, and the cases sent to a department the user
        works in (with a current department-staff post)."""
        from yiwang.accounts.scope import scope_codes

        codes = scope_codes(user)
        if codes is None or _covers_every_county(codes):
            # Every case lies in the tree: no filter, which leaves the database free to
            # walk the index of the order asked for (SQLite would otherwise range over
            # the area codes of a million cases and sort them all).
            return self.all()
        q = any_subtree_q(self.scope_field, codes)
        departments = department_ids(user)
        if departments:
            q |= Q(assignee_department_id__in=departments)
        return self.filter(q)

    def open(self) -> CaseQuerySet:
        return self.exclude(status__in=[Status.REJECTED, Status.MERGED, Status.CLOSED])


class Case(ScopedModel):
    """A patrol report or a resident's request. `area_code` is the deepest area known: the
    unit when known (from the point, the household or the dispatch), else the village."""

    # Every index of this table is written by every transition and every escalation: the
    # area code is served by (area_code, reported_at) below, the category by (category,
    # reported_at), so neither has one of its own.
    area_code = models.CharField(_("area code"), max_length=18)
    number = models.CharField(_("number"), max_length=20, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    text = models.TextField(_("text"))
    address = models.CharField(pgettext_lazy("case", "address"), max_length=200, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=NAME_MAX, blank=True)
    # Named `phone` so that the audit log masks it as it masks every phone number.
    phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    unit = models.ForeignKey(
        "areas.Area",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # a partial index below: few cases name a household
    )

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REPORTED
    )
    # The level that accepts, dispatches and follows up: the case's village, or higher
    # once escalated. Returned cases come back here.
    dispatcher_area_code = models.CharField(_("dispatching area"), max_length=18)
    # Who handles it: the dispatching level until dispatched (and after a return), then
    # the handler (an area, or a department), who stays on record once it is resolved.
    assignee_level = models.CharField(
        _("assignee level"), max_length=10, choices=AssigneeLevel.choices
    )
    assignee_area_code = models.CharField(_("assignee area"), max_length=18, blank=True)
    assignee_department = models.ForeignKey(
        Department,
        verbose_name=_("assignee department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    # The person the case was dispatched to by name (a holder of a post on the assignee
    # area); cleared when the case leaves that area (returned, escalated, dispatched again).
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index below: most cases go to an area
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    is_urgent = models.BooleanField(_("urgent"), default=False)
    # 0 at the level it started on; each overdue stage moves it up a level (unit → village
    # → town → county). Kept by the escalation sweep.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # The due time the assignee was last reminded of: one reminder per due time, however
    # often the sweep runs.
    reminded_due_at = models.DateTimeField(_("reminded of the due time"), null=True, blank=True)
    supervised = models.BooleanField(_("supervised by the county"), default=False)
    parked = models.BooleanField(_("parked as a long-term matter"), default=False)
    review_on = models.DateField(_("review on"), null=True, blank=True)
    # A handler's pending request for more time, until the level above decides.
    extension_until = models.DateTimeField(_("extension requested until"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
        db_index=False,  # a partial index below
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # What the public uses to follow the case: random, never the id; 8 characters a resident
    # can read out on the phone (20 for the cases reported before them).
    tracking_code = models.CharField(_("tracking code"), max_length=20)
    # Made by the client that reported it (a phone, also offline): sending the same report
    # again answers the case already stored.
    client_uuid = models.UUIDField(_("client UUID"), null=True, blank=True, editable=False)
    result = models.TextField(pgettext_lazy("case", "result"), blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )

    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set when the stage ends, against the stage's due time (extensions included), so that
    # the response and on-time rates are a count, whatever the limits later become.
    responded_on_time = models.BooleanField(_("responded on time"), null=True, blank=True)
    resolved_on_time = models.BooleanField(_("resolved on time"), null=True, blank=True)
    # Set by the sweep when a stage lapsed and the case went up a level: the level above
    # gets a fresh due time to act in, but the answer or the resolution was late all the
    # same. A reopened case starts its resolution afresh.
    response_lapsed = models.BooleanField(_("answer overdue"), default=False, db_default=False)
    resolution_lapsed = models.BooleanField(
        _("resolution overdue"), default=False, db_default=False
    )

    # Raised by every transition; a transition writes only if it is unchanged since read.
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="case_unique_number"
            ),
            # A constraint, not unique=True: that would add a second, pattern index on
            # PostgreSQL, and the code is only ever looked up whole.
            models.UniqueConstraint(fields=["tracking_code"], name="case_unique_tracking_code"),
            models.UniqueConstraint(
                fields=["client_uuid"],
                condition=Q(client_uuid__isnull=False),
                name="case_unique_client_uuid",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status="merged"),
                name="case_merged_has_status",
            ),
        ]
        indexes = [
            # The inbox and the escalation sweep: open cases of a stage by due time.
            models.Index(fields=["status", "due_at"], name="case_status_due_idx"),
            # The inboxes: what waits at one dispatching area (to accept, dispatch, follow
            # up) and at one handling area (to handle).
            models.Index(fields=["dispatcher_area_code", "status"], name="case_dispatcher_idx"),
            models.Index(fields=["assignee_area_code", "status"], name="case_assignee_idx"),
            # The newest first, whatever the area: the county's lists and Open311's
            # requests.json read it backwards and stop at a page.
            models.Index(fields=["reported_at", "id"], name="case_reported_idx"),
            # The rates by area and month: a range on the code, then on the time.
            models.Index(fields=["area_code", "reported_at"], name="case_area_month_idx"),
            # The rates by category and month.
            models.Index(fields=["category", "reported_at"], name="case_category_month_idx"),
            # A household's cases, and the cases merged into one: few rows have either.
            models.Index(
                fields=["household"],
                condition=Q(household__isnull=False),
                name="case_household_idx",
            ),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="case_merged_into_idx",
            ),
            # A worker's cases dispatched to them by name.
            models.Index(
                fields=["assignee_user", "status"],
                condition=Q(assignee_user__isnull=False),
                name="case_assignee_user_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.REJECTED, Status.MERGED, Status.CLOSED)

    def time_left(self, now: datetime.datetime | None = None) -> datetime.timedelta | None:
        """Until the current stage is due; negative when overdue."""
        if self.due_at is None:
            return None
        return self.due_at - (now or timezone.now())

    @property
    def is_overdue(self) -> bool:
        return self.due_at is not None and self.due_at < timezone.now()


class EventKind(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("case event", "Reported")
    ACCEPTED = "accepted", pgettext_lazy("case event", "Accepted")
    REJECTED = "rejected", pgettext_lazy("case event", "Rejected")
    MERGED = "merged", pgettext_lazy("case event", "Merged into another case")
    CASE_MERGED_IN = (
        "merged_in",
        pgettext_lazy("case event", "Another case was merged into this one"),
    )
    DISPATCHED = "dispatched", pgettext_lazy("case event", "Dispatched")
    STARTED = "started", pgettext_lazy("case event", "Handling started")
    RETURNED = "returned", pgettext_lazy("case event", "Returned to the dispatcher")
    RESOLVED = "resolved", pgettext_lazy("case event", "Resolved")
    EXTENSION_REQUESTED = "extension_requested", pgettext_lazy("case event", "More time requested")
    EXTENSION_APPROVED = "extension_approved", pgettext_lazy("case event", "More time granted")
    EXTENSION_REFUSED = "extension_refused", pgettext_lazy("case event", "More time refused")
    SUPERVISED = "supervised", pgettext_lazy("case event", "Supervised by the county")
    PARKED = "parked", pgettext_lazy("case event", "Parked as a long-term matter")
    UNPARKED = "unparked", pgettext_lazy("case event", "Taken up again")
    FOLLOWED_UP = "followed_up", pgettext_lazy("case event", "Followed up")
    REOPENED = "reopened", pgettext_lazy("case event", "Reopened")
    CLOSED = "closed", pgettext_lazy("case event", "Closed")
    # Written by the escalation sweep and the reminders (yiwang.cases.tasks).
    ESCALATED = "escalated", pgettext_lazy("case event", "Escalated")
    REMINDED = "reminded", pgettext_lazy("case event", "Reminder sent")
    ATTACHED = "attached", pgettext_lazy("case event", "Photos added")


class CaseEvent(models.Model):
    """One entry of a case's timeline: what was done, by whom, from which stage to which."""

    # The sweep writes a timeline row for every escalation: (case, at) below serves the
    # case, and the actor has a partial index (the sweep's rows have none).
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    kind = models.CharField(
        pgettext_lazy("case event", "event"), max_length=24, choices=EventKind.choices
    )
    from_status = models.CharField(
        _("from status"), max_length=12, choices=Status.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=12, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Kept as text, so that the timeline still names who acted if the account goes.
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "at", "id"]
        indexes = [
            # A case's timeline, in order.
            models.Index(fields=["case", "at"], name="case_event_timeline_idx"),
            models.Index(
                fields=["actor"], condition=Q(actor__isnull=False), name="case_event_actor_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


# The notifications of cases live in the one inbox, notices.Notification: about a case
# (`object_type` CASE_OBJECT_TYPE, `object_id` the case's id), of one of these kinds, which
# CasesConfig.ready() registers with notices.kinds.
CASE_OBJECT_TYPE = "cases.case"


class NoticeKind(models.TextChoices):
    DISPATCHED = "case.dispatched", _("Dispatched to you")
    REMINDER = "case.reminder", _("Due soon")
    ESCALATED = "case.escalated", _("Escalated to you")
    OVERDUE = "case.overdue", _("Overdue: escalated to the level above")
    MERGED = "case.merged", _("Merged into another case")
    MERGED_IN = "case.merged_in", _("Another report of the same matter")


class AttachmentStage(models.TextChoices):
    REPORT = "report", _("Report")
    RESOLUTION = "resolution", _("Resolution")


def attachment_path(instance: Attachment, filename: str) -> str:
    # The name is ours (random), never the uploader's.
    return f"cases/{instance.case_id}/{filename}"


class Attachment(models.Model):
    """A photo of a case: the report's or the resolution's. What is stored is a re-encoded
    copy with no EXIF or other metadata (no GPS), in the format the bytes showed (JPEG, PNG
    or WebP), with a JPEG thumbnail. Served only through scoped views, never a media URL."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments"
    )
    # The timeline entry it came with (the report, the resolution, or photos added later).
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=pgettext_lazy("case attachment", "event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    # The timeline entry's time, copied: on PostgreSQL the timeline is partitioned by month
    # and its key is (id, at), so the database's foreign key is (event, event_at) → (id, at)
    # (migration 0012). Set with `event`, by the services.
    event_at = models.DateTimeField(_("time of the event"), null=True, blank=True, editable=False)
    stage = models.CharField(_("stage"), max_length=10, choices=AttachmentStage.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=attachment_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=20)
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("case attachment")
        verbose_name_plural = _("case attachments")
        ordering = ["case", "id"]
        constraints = [
            # The composite foreign key checks nothing while a column of it is null.
            models.CheckConstraint(
                condition=Q(event__isnull=True) | Q(event_at__isnull=False),
                name="attachment_event_at_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_stage_display()} {self.pk}"


class CaseTally(models.Model):
    """Counts of the cases reported in a month: reported, answered (in time), resolved (in
    time), rated (satisfied or basically satisfied). Two kinds of rows: per town, month,
    category and department (0: none); per village and month, with category and
    department 0 (all). The three rates of a county or a town sum these rows (some 10,000
    a year for a county) instead of reading every case (a million); below a town they read
    the cases.

    A summary kept by database triggers (migration 0004) on every insert, update and delete
    of a case — by the services, the sweep, the demo's bulk inserts or anything else — like
    the ledger's LedgerTally. Never written by code. `month` is the first day of the month,
    in TIME_ZONE, that the cases were reported in.
    """

    area_code = models.CharField(_("town or village code"), max_length=18)
    month = models.DateField(_("month reported"))
    category_pk = models.BigIntegerField(_("category id"))
    department_pk = models.BigIntegerField(_("department id"))
    cases = models.IntegerField(_("cases"), db_default=0)
    responded = models.IntegerField(_("answered"), db_default=0)
    responded_on_time = models.IntegerField(_("answered in time"), db_default=0)
    resolved = models.IntegerField(_("resolved"), db_default=0)
    resolved_on_time = models.IntegerField(_("resolved in time"), db_default=0)
    rated = models.IntegerField(_("rated"), db_default=0)
    satisfied = models.IntegerField(_("satisfied or basically satisfied"), db_default=0)

    class Meta:
        verbose_name = _("case tally")
        verbose_name_plural = _("case tallies")
        constraints = [
            # The triggers' upsert key; its index serves the rates: a range on the code (a
            # county's or a town's subtree), then the months.
            models.UniqueConstraint(
                fields=["area_code", "month", "category_pk", "department_pk"],
                name="case_tally_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.month:%Y-%m}"
